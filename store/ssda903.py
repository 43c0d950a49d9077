"""Bringing an LA's SSDA903 extract into the store, and reading the baseline back.

`save_import` writes what `ssda903.import_extract` rebuilt, in the caller's transaction:
every child looked after on the day (created, or updated with what the 903 knows), their
care record (where the LA's data says they live now), the sibling groups of a siblings
file, the import with its whole report, and one audit entry naming every child. A child
the store refuses (a value the 903 checks let through but the problem format does not)
is skipped and named in the report; nothing else is half-written: the caller's
transaction commits all of it or none.

What the 903 owns on an existing record, and what it leaves to the people who know the
child, is in docs/ssda903.md ("Into the store").
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import defer
from sqlmodel import Session, col, delete, select

from ssda903 import CareChild, Import, Issue, Placement, Report
from store import audit
from store.children import adoption_to_dict, check_page, child_to_dict, in_scope
from store.db import atomic
from store.errors import Forbidden, Invalid, NotFound, StoreError
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
        (set(doc["needs"]) - NEEDS_FROM_903) | (set(new.get("needs", ())) & NEEDS_FROM_903)
    )
    plan = new.get("adoption")
    if plan is not None:
        doc["accepts"] = list(dict.fromkeys([*doc["accepts"], "adoption"]))
        doc["adoption"] = (doc.get("adoption") or {}) | plan  # keeps the family finder's notes
    return doc


def _care_record(kid: CareChild, child_id: str, import_id: int) -> CareRecord:
    p = kid.placement
    return CareRecord(
        child_id=child_id,
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
    """Write an import (see the module docstring). Raises Forbidden when the extract's
    LA is not one of `las`."""
    if not in_scope(imported.la, las):
        raise Forbidden(f"LA {imported.la!r} is not one of yours")
    _one_import_at_a_time(session, imported.la)
    report = imported.report
    run = ImportRun(
        la=imported.la,
        as_of=imported.as_of,
        year=imported.year,
        form=report.form,
        files=list(files),
        by=by.id if by else None,
    )
    session.add(run)
    session.flush()
    assert run.id is not None
    ids = [k.id for k in imported.children]
    existing = {
        c.id: c for c in session.exec(select(ChildRecord).where(col(ChildRecord.id).in_(ids)))
    }
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    skipped: list[str] = []
    for kid in imported.children:
        record = existing.get(kid.id)
        if record is not None and not in_scope(record.la, las):
            _refuse(report, kid, "id", kid.id, f"child {kid.id} is another LA's record")
            skipped.append(kid.id)
            continue
        try:
            values = child_values(_merged(record, kid), today=imported.as_of)
        except Invalid as exc:
            for issue in exc.issues:
                _refuse(report, kid, issue.field, "", issue.message)
            skipped.append(kid.id)
            continue
        if record is None:
            session.add(ChildRecord(**values))
            created.append(kid.id)
        else:
            changed = [k for k, v in values.items() if getattr(record, k) != v]
            for key in changed:
                setattr(record, key, values[key])
            if changed:
                record.updated_at = utcnow()
                session.add(record)
                updated.append(kid.id)
            else:
                unchanged.append(kid.id)
    session.flush()
    stored = set(created) | set(updated) | set(unchanged)
    # The care records this LA's new extract replaces: its children's, and those of
    # children it no longer has (left care, or not looked after on the new day).
    replaced = select(ChildRecord.id).where(ChildRecord.la == imported.la)
    ended = set(
        session.exec(
            select(CareRecord.child_id).where(
                col(CareRecord.child_id).in_(replaced), col(CareRecord.child_id).not_in(stored)
            )
        )
    )
    session.exec(delete(CareRecord).where(col(CareRecord.child_id).in_(sorted(stored | ended))))
    session.add_all(_care_record(k, k.id, run.id) for k in imported.children if k.id in stored)
    session.flush()
    groups = (
        _save_groups(session, imported, stored, by, las, id_prefix)
        if "siblings" in report.tables
        else []
    )
    report.children |= {
        "stored_created": len(created),
        "stored_updated": len(updated),
        "stored_unchanged": len(unchanged),
        "stored_skipped": len(skipped),
        "stored_sibling_groups": len(groups),
        "stored_no_longer_looked_after": len(ended),
    }
    run.created, run.updated, run.unchanged = len(created), len(updated), len(unchanged)
    run.sibling_groups = len(groups)
    whole = report.to_dict()
    run.issues = whole.pop("issues")
    run.report = whole
    session.add(run)
    session.flush()
    audit.record(
        session,
        by,
        "child.import",
        sorted(set(created) | set(updated)),
        str(run.id),
        {
            "la": imported.la,
            "as_of": imported.as_of.isoformat(),
            "created": len(created),
            "updated": len(updated),
            "unchanged": len(unchanged),
            "skipped": len(skipped),
            "sibling_groups": len(groups),
            "no_longer_looked_after": len(ended),
        },
    )
    return Saved(run, created, updated, unchanged, skipped, groups, sorted(ended))


def _one_import_at_a_time(session: Session, la: str) -> None:
    """Imports of one LA queue: each reads which children exist and then writes them, so
    two at once would both create the same child (PostgreSQL: a transaction advisory
    lock on the LA, released at commit; SQLite writers queue anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(hashlib.sha256(f"ssda903:{la}".encode()).digest()[:8], signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


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
    prefix = f"{imported.la}-G-" if id_prefix is None else f"{id_prefix}G-"
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


# --- reading back -------------------------------------------------------------------


def list_imports(
    session: Session, *, las: Collection[str] | None = None, offset: int = 0, limit: int = 100
) -> list[ImportRun]:
    """Imports of LAs within `las`, newest first."""
    check_page(offset, limit)
    q = select(ImportRun).options(defer(ImportRun.issues))  # type: ignore[arg-type]
    if las is not None:
        q = q.where(col(ImportRun.la).in_(list(las)))
    return list(session.exec(q.order_by(col(ImportRun.id).desc()).offset(offset).limit(limit)))


def get_import(
    session: Session, import_id: int, *, las: Collection[str] | None = None
) -> ImportRun:
    """One import, or NotFound (also another LA's); its issues are read when first used."""
    run = session.get(ImportRun, import_id, options=[defer(ImportRun.issues)])  # type: ignore[arg-type]
    if run is None or not in_scope(run.la, las):
        raise NotFound("import", import_id)
    return run


def import_issues(
    run: ImportRun,
    *,
    severity: str | None = None,
    rule: str | None = None,
    table: str | None = None,
    offset: int = 0,
    limit: int | None = 100,
) -> tuple[int, list[dict[str, Any]]]:
    """An import's issues that match every filter given: (how many, one page of them;
    `limit` None: all of them)."""
    if limit is not None:
        check_page(offset, limit)
    found = [
        i
        for i in run.issues
        if (severity is None or i["severity"] == severity)
        and (rule is None or i["rule"] == rule)
        and (table is None or i["table"] == table)
    ]
    return len(found), found[offset:] if limit is None else found[offset : offset + limit]


def care_imports(session: Session, *, las: Collection[str] | None = None) -> list[Import]:
    """The children with a care record, as one `Import` per LA, for `ssda903.baseline`:
    where the store's children live now by their LAs' latest 903 data, with the sibling
    groups among them. A child's home is the record's (it may have been corrected since)."""
    q = select(ChildRecord, CareRecord, ImportRun).join(
        CareRecord, col(CareRecord.child_id) == col(ChildRecord.id)
    )
    q = q.join(ImportRun, col(ImportRun.id) == col(CareRecord.import_id))
    if las is not None:
        q = q.where(col(ChildRecord.la).in_(list(las)))
    by_la: dict[str, list[CareChild]] = defaultdict(list)
    as_of: dict[str, Any] = {}
    year: dict[str, int] = {}
    for child, care, run in session.exec(q.order_by(col(ChildRecord.id))):
        by_la[child.la].append(_care_child(child, care))
        if child.la not in as_of or run.as_of > as_of[child.la]:
            as_of[child.la], year[child.la] = run.as_of, run.year
    groups = _groups_by_la(session, by_la)
    return [  # the baseline reads no report: an empty one stands in
        Import(la, as_of[la], year[la], tuple(kids), tuple(groups[la]), Report(form="store"))
        for la, kids in sorted(by_la.items())
    ]


def _care_child(child: ChildRecord, care: CareRecord) -> CareChild:
    home = child.home
    return CareChild(
        code=care.code,
        child={"id": child.id, "la": child.la, "home": home, "adoption": adoption_to_dict(child)},
        date_of_birth=care.date_of_birth,
        legal_status=care.legal_status or "",
        period_start=care.period_start,
        placement=Placement(
            kind=care.kind,
            provider=care.provider,
            place=care.place or "",
            place_provider=care.place_provider or "",
            postcode=care.address_key,  # equal for children at one address, like a postcode
            outcode=care.outcode,
            distance_km=care.distance_km,
            out_of_la=care.out_of_la,
            urn=care.urn,
            start=care.placed_since,
        ),
        sdq_score=care.sdq_score,
    )


def _groups_by_la(
    session: Session, by_la: Mapping[str, list[CareChild]]
) -> dict[str, list[dict[str, Any]]]:
    la_of = {k.id: la for la, kids in by_la.items() for k in kids}
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for g in list_groups(session, las=list(by_la)):
        members = [c for c in g.children if c in la_of]
        if len(members) >= 2:
            out[la_of[members[0]]].append({"id": g.id, "children": members, "policy": g.policy})
    return out


def care_record(
    session: Session, child_id: str, *, las: Collection[str] | None = None
) -> CareRecord:
    """A child's care record, or NotFound (no record, or a child outside `las`)."""
    child = session.get(ChildRecord, child_id)
    care = session.get(CareRecord, child_id)
    if child is None or care is None or not in_scope(child.la, las):
        raise NotFound("care record", child_id)
    return care
