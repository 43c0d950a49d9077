"""Writing an LA's SSDA903 extract into the store (store.ssda903 reads it back).

An import writes what `ssda903.import_extract` rebuilt: every child looked after on the
day (created, or updated with what the 903 knows), their care record (where the LA's
data says they live now), the sibling groups of a siblings file, the import with its
whole report, and audit entries naming every child written. It goes in three steps,
each atomic: `begin_import` (the import row, state `writing`), `write_children` for
each chunk of children (a child, their care record and the `child.import` entry naming
them always commit together), and `finish_import` (care records of children who left
care removed, sibling groups, the report, state `done`). `save_import` runs all three
in the caller's transaction; store.ssda903_chunks commits each chunk on its own, so a
big import never holds the write lock for long. A child the store refuses (a value the
903 checks let through but the problem format does not) is skipped and named in the
report.

What the 903 owns on an existing record, and what it leaves to the people who know the
child, is in docs/ssda903.md ("Into the store").
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, text, update
from sqlalchemy.orm import defer
from sqlmodel import Session, col, delete, select

from ssda903 import CareChild, Import, Issue, la_id_prefix
from store import audit
from store.children import child_to_dict, in_scope
from store.db import atomic
from store.errors import Forbidden, Invalid, StoreError
from store.models import (
    CareRecord,
    ChildRecord,
    ImportRun,
    SiblingGroupRecord,
    SiblingMember,
    User,
    utcnow,
)
from store.siblings import create_group, list_groups, update_group
from store.validate import child_values

#: Needs the 903 can say (UASC table, OC2's SDQ); other needs are the social worker's.
NEEDS_FROM_903: frozenset[str] = frozenset({"uasc", "emotional_behavioural"})
#: Needs the 903 can add and never takes back: exploitation risk from going missing again
#: and again (the episodes age out of the year; the risk, and what else staff know of it,
#: may not): only a person removes it.
NEEDS_ADDED_BY_903: frozenset[str] = frozenset({"exploitation_risk"})
#: Fields the 903 owns on an existing child's record.
OWNED: tuple[str, ...] = ("la", "age", "date_of_birth", "sex", "ethnicity")


@dataclass(frozen=True)
class Saved:
    """What one import wrote."""

    run: ImportRun
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    skipped: list[str]
    sibling_groups: list[str]
    #: Children of the LA with a care record from an earlier import whom this one no
    #: longer has: their care record is removed (the child's record stays).
    no_longer_looked_after: list[str]


@dataclass
class Tally:
    """The children an import has written so far, by what happened to each."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def stored(self) -> set[str]:
        return {*self.created, *self.updated, *self.unchanged}

    def add(self, other: Tally) -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.skipped += other.skipped


@dataclass(frozen=True)
class Prepared:
    """A child's record as the import would leave it, from the record as it was read:
    the merged document and its checked column values (or why the store refuses it).
    Checking costs most of an import's time, so it is done before the write lock is
    taken; the write redoes it only for a record someone changed in between."""

    merged: Mapping[str, Any]
    values: Mapping[str, Any] | None
    refused: Invalid | None
    #: The new record, built ahead too, for a child the store does not have yet.
    new: ChildRecord | None = None


def address_key(postcode: str | None, urn: str | None) -> str | None:
    """A key equal for two children at one address (postcode and URN), without keeping
    the address: whether brothers and sisters live together needs no more. A short hash
    of a postcode is not anonymous (postcodes can be enumerated); it only avoids holding
    carers' full postcodes where an outcode does for everything else."""
    if not postcode and not urn:
        return None
    return hashlib.sha256(f"{postcode or ''}|{urn or ''}".encode()).hexdigest()[:16]


def _merged(existing: ChildRecord | None, kid: CareChild) -> dict[str, Any]:
    """The child's record after the import, in the problem format's shape."""
    new = dict(kid.child) | {"date_of_birth": kid.date_of_birth.isoformat()}
    if existing is None:
        return new
    doc = child_to_dict(existing)
    for key in OWNED:
        doc[key] = new[key] if key in new else doc[key]
    if new.get("home"):
        doc["home"] = new["home"]  # an unknown HOME_POST leaves the known home alone
    doc["needs"] = sorted(
        (set(doc["needs"]) - NEEDS_FROM_903)
        | (set(new.get("needs", ())) & (NEEDS_FROM_903 | NEEDS_ADDED_BY_903))
    )
    plan = new.get("adoption")
    if plan is not None:
        doc["accepts"] = list(dict.fromkeys([*doc["accepts"], "adoption"]))
        doc["adoption"] = (doc.get("adoption") or {}) | plan  # keeps the family finder's notes
    return doc


def _care_values(kid: CareChild, import_id: int) -> dict[str, Any]:
    """The child's care record as column values (written with one INSERT per chunk)."""
    p = kid.placement
    return dict(
        child_id=kid.id,
        import_id=import_id,
        code=kid.code,
        date_of_birth=kid.date_of_birth,
        legal_status=kid.legal_status or None,
        period_start=kid.period_start,
        placed_since=p.start,
        place=p.place or None,
        place_provider=p.place_provider or None,
        kind=p.kind,
        provider=p.provider,
        outcode=p.outcode,
        distance_km=p.distance_km,
        out_of_la=p.out_of_la,
        urn=p.urn,
        address_key=address_key(p.postcode, p.urn),
        sdq_score=kid.sdq_score,
    )


@atomic
def save_import(
    session: Session,
    imported: Import,
    *,
    by: User | None,
    las: Collection[str] | None = None,
    files: Iterable[str] = (),
    id_prefix: str | None = None,
) -> Saved:
    """Write a whole import in the caller's transaction (see the module docstring).
    Raises Forbidden when the extract's LA is not one of `las`."""
    if not in_scope(imported.la, las):
        raise Forbidden(f"LA {imported.la!r} is not one of yours")
    _one_import_at_a_time(session, imported.la)
    run_id = begin_import(session, imported, by=by, las=las, files=files)
    tally = Tally()
    for number, kids in enumerate(chunks(imported.children), start=1):
        write_children(session, run_id, imported, kids, tally, by=by, las=las, number=number)
    return finish_import(session, run_id, imported, tally, by=by, las=las, id_prefix=id_prefix)


#: Children written in one transaction by a chunked import (store.ssda903_chunks):
#: a few tenths of a second of holding the write lock on 2 cores (docs/benchmarks.md).
CHUNK = 250


def chunks(children: Sequence[CareChild], size: int = CHUNK) -> Iterable[Sequence[CareChild]]:
    return (children[k : k + size] for k in range(0, len(children), size))


@atomic
def begin_import(
    session: Session,
    imported: Import,
    *,
    by: User | None,
    las: Collection[str] | None = None,
    files: Iterable[str] = (),
) -> int:
    """The import row, state `writing`, with the checking report (so an import that
    never finishes still shows what was wrong with the extract); its id. An earlier
    import of the LA still `writing` is one whose process died (imports of an LA
    queue, so none is running): it is marked `interrupted`."""
    if not in_scope(imported.la, las):
        raise Forbidden(f"LA {imported.la!r} is not one of yours")
    stale = session.exec(
        select(ImportRun.id).where(ImportRun.la == imported.la, ImportRun.state == "writing")
    ).all()
    for old in stale:
        session.exec(update(ImportRun).where(col(ImportRun.id) == old).values(state="interrupted"))
        audit.record(session, None, "import.interrupted", [], str(old))
    whole = imported.report.to_dict()
    run = ImportRun(
        la=imported.la,
        as_of=imported.as_of,
        year=imported.year,
        form=imported.report.form,
        files=list(files),
        by=by.id if by else None,
        state="writing",
        children=len(imported.children),
        issues=whole.pop("issues"),
        report=whole,
    )
    session.add(run)
    session.flush()
    assert run.id is not None
    return run.id


def prepare(session: Session, kids: Sequence[CareChild], as_of: Any) -> dict[str, Prepared]:
    """Each child's record as the import would write it, checked (see `Prepared`)."""
    ids = [k.id for k in kids]
    existing = {
        c.id: c for c in session.exec(select(ChildRecord).where(col(ChildRecord.id).in_(ids)))
    }
    return {k.id: _prepared(existing.get(k.id), k, as_of) for k in kids}


def _prepared(record: ChildRecord | None, kid: CareChild, as_of: Any) -> Prepared:
    merged = _merged(record, kid)
    try:
        values = child_values(merged, today=as_of)
    except Invalid as exc:
        return Prepared(merged, None, exc)
    return Prepared(merged, values, None, ChildRecord(**values) if record is None else None)


@atomic
def write_children(
    session: Session,
    run_id: int,
    imported: Import,
    kids: Sequence[CareChild],
    tally: Tally,
    *,
    by: User | None,
    las: Collection[str] | None = None,
    number: int = 1,
    prepared: Mapping[str, Prepared] | None = None,
) -> None:
    """One chunk: each child's record and care record, the import's counts, and the
    `child.import` entry naming the children created or updated. `prepared` (from
    `prepare`, read earlier) is used where the record has not changed since."""
    done = _write_records(session, imported, kids, las, prepared or {})
    stored = done.stored
    session.exec(delete(CareRecord).where(col(CareRecord.child_id).in_(sorted(stored))))
    care = [_care_values(k, run_id) for k in kids if k.id in stored]
    if care:
        session.execute(insert(CareRecord), care)
    counts = {
        "created": len(done.created),
        "updated": len(done.updated),
        "unchanged": len(done.unchanged),
        "skipped": len(done.skipped),
    }
    session.exec(
        update(ImportRun)
        .where(col(ImportRun.id) == run_id)
        .values({getattr(ImportRun, k): getattr(ImportRun, k) + n for k, n in counts.items()})
    )
    entry = audit.entry_values(
        by, "child.import", [*done.created, *done.updated], run_id, {"chunk": number, **counts}
    )
    audit.record_many(session, [entry])  # two INSERTs, whatever the chunk's size
    tally.add(done)


def _write_records(
    session: Session,
    imported: Import,
    kids: Sequence[CareChild],
    las: Collection[str] | None,
    prepared: Mapping[str, Prepared],
) -> Tally:
    """The chunk's children's own records, created or updated (flushed); what happened
    to each. A child the store refuses is named in the report and skipped."""
    ids = [k.id for k in kids]
    existing = {
        c.id: c for c in session.exec(select(ChildRecord).where(col(ChildRecord.id).in_(ids)))
    }
    done = Tally()
    for kid in kids:
        record = existing.get(kid.id)
        if (record is not None and not in_scope(record.la, las)) or not audit.ID_TEXT.match(kid.id):
            why = "another LA's record" if record is not None else "not an id the store keeps"
            _refuse(imported.report, kid, "id", kid.id, f"child {kid.id} is {why}")
            done.skipped.append(kid.id)
            continue
        ready = prepared.get(kid.id)
        if ready is None or ready.merged != _merged(record, kid):
            ready = _prepared(record, kid, imported.as_of)
        if ready.values is None:
            for issue in ready.refused.issues if ready.refused else ():
                _refuse(imported.report, kid, issue.field, "", issue.message)
            done.skipped.append(kid.id)
            continue
        _write_child(session, record, ready, kid.id, done)
    session.flush()
    return done


def _write_child(
    session: Session,
    record: ChildRecord | None,
    ready: Prepared,
    child_id: str,
    done: Tally,
) -> None:
    values = ready.values or {}
    if record is None:
        session.add(ready.new or ChildRecord(**values))
        done.created.append(child_id)
        return
    changed = [k for k, v in values.items() if getattr(record, k) != v]
    for key in changed:
        setattr(record, key, values[key])
    if changed:
        record.updated_at = utcnow()
        session.add(record)
        done.updated.append(child_id)
    else:
        done.unchanged.append(child_id)


@atomic
def finish_import(
    session: Session,
    run_id: int,
    imported: Import,
    tally: Tally,
    *,
    by: User | None,
    las: Collection[str] | None = None,
    id_prefix: str | None = None,
) -> Saved:
    """The end of an import, once every chunk is in: care records of the LA's children
    this extract no longer has are removed (only now: an unfinished import removes
    nothing), the sibling groups, the whole report, state `done`, and one
    `import.finish` entry with the totals, naming the children whose care record ended."""
    stored = tally.stored
    # Every child this import wrote has a care record of this import by now; the LA's
    # others are children it no longer has (left care, or not looked after on the day).
    of_la = select(ChildRecord.id).where(ChildRecord.la == imported.la)
    ended = sorted(
        session.exec(
            select(CareRecord.child_id).where(
                col(CareRecord.child_id).in_(of_la), CareRecord.import_id != run_id
            )
        )
    )
    session.exec(delete(CareRecord).where(col(CareRecord.child_id).in_(ended)))
    groups = (
        _save_groups(session, imported, stored, by, las, id_prefix)
        if "siblings" in imported.report.tables
        else []
    )
    counts = {
        "created": len(tally.created),
        "updated": len(tally.updated),
        "unchanged": len(tally.unchanged),
        "skipped": len(tally.skipped),
        "sibling_groups": len(groups),
        "no_longer_looked_after": len(ended),
    }
    report = imported.report
    report.children |= {f"stored_{k}": v for k, v in counts.items()}
    # `defer` takes the column, which sqlmodel types as its Python value.
    run = session.get(ImportRun, run_id, options=[defer(ImportRun.issues)])  # type: ignore[arg-type]
    assert run is not None
    whole = report.to_dict()
    run.issues = whole.pop("issues")
    run.report = whole
    run.created, run.updated, run.unchanged = (
        len(tally.created),
        len(tally.updated),
        len(tally.unchanged),
    )
    run.skipped, run.sibling_groups = len(tally.skipped), len(groups)
    run.state, run.finished_at = "done", utcnow()
    session.add(run)
    session.flush()
    audit.record(
        session,
        by,
        "import.finish",
        ended,
        str(run_id),
        {"as_of": imported.as_of.isoformat(), **counts},
    )
    return Saved(run, tally.created, tally.updated, tally.unchanged, tally.skipped, groups, ended)


def _one_import_at_a_time(session: Session, la: str) -> None:
    """Imports of one LA queue: each reads which children exist and then writes them, so
    two at once would both create the same child (PostgreSQL: a transaction advisory
    lock on the LA, released at commit; SQLite writers queue anyway). A chunked import
    holds the same lock for its whole length (store.ssda903_chunks)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": la_lock_key(la)})


def la_lock_key(la: str) -> int:
    """The PostgreSQL advisory lock key of an LA's imports."""
    return int.from_bytes(hashlib.sha256(f"ssda903:{la}".encode()).digest()[:8], signed=True)


def _refuse(report: Any, kid: CareChild, column: str, value: str, message: str) -> None:
    report.add(
        Issue(
            "header",
            kid.row,
            column,
            value,
            "not_storable",
            f"CHILD {kid.code}: {message}: child not imported",
            "error",
        )
    )


def _save_groups(
    session: Session,
    imported: Import,
    stored: set[str],
    by: User | None,
    las: Collection[str] | None,
    id_prefix: str | None,
) -> list[str]:
    """The siblings file is the LA's whole list: groups an earlier import made for these
    children and this one no longer has go; the rest are made or updated. A group that
    clashes with one made by hand (a child in two groups, a `must` group whose plans
    share no kind) is skipped with an error in the report."""
    prefix = f"{la_id_prefix(imported.la) if id_prefix is None else id_prefix}G-"
    wanted = {g["id"]: g for g in imported.sibling_groups}
    for old in list_groups(session, las=[imported.la]):
        if old.id.startswith(prefix) and old.id not in wanted:
            session.exec(delete(SiblingMember).where(col(SiblingMember.group_id) == old.id))
            session.exec(delete(SiblingGroupRecord).where(col(SiblingGroupRecord.id) == old.id))
            audit.record(session, by, "sibling_group.delete", list(old.children), old.id)
    # Members leave imported groups first, so a child may move from one to another.
    session.exec(
        delete(SiblingMember).where(
            col(SiblingMember.group_id).in_(list(wanted)),
        )
    )
    session.flush()
    saved: list[str] = []
    for group_id, g in wanted.items():
        children = [c for c in g["children"] if c in stored]
        if len(children) < 2:
            continue
        try:
            if session.get(SiblingGroupRecord, group_id) is None:
                create_group(
                    session,
                    {"id": group_id, "children": children, "policy": g["policy"]},
                    by=by,
                    las=las,
                )
            else:
                update_group(
                    session, group_id, by=by, children=children, policy=g["policy"], las=las
                )
        except StoreError as exc:
            record = session.get(SiblingGroupRecord, group_id)
            if record is not None:  # an earlier import's group the file no longer supports
                session.delete(record)
                session.flush()
                audit.record(session, by, "sibling_group.delete", children, group_id)
            imported.report.add(
                Issue(
                    "siblings",
                    0,
                    "",
                    ", ".join(children),
                    "group_not_storable",
                    f"sibling group {group_id} ({', '.join(children)}): {exc}: group not imported",
                    "error",
                )
            )
            continue
        saved.append(group_id)
    return saved
