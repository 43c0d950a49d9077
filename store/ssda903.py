"""An LA's SSDA903 imports in the store: writing one (store.ssda903_write, in chunks by
store.ssda903_chunks) and reading them back: the imports with their reports, a child's
care record, and the `Import`s the baseline is figured from.

What the 903 owns on an existing record, and what it leaves to the people who know the
child, is in docs/ssda903.md ("Into the store").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy.orm import defer
from sqlmodel import Session, col, select

from ssda903 import CareChild, Import, Placement, Report
from store.children import adoption_to_dict, check_page, in_scope
from store.errors import NotFound
from store.models import CareRecord, ChildRecord, ImportRun
from store.siblings import list_groups
from store.ssda903_write import (
    CHUNK,
    NEEDS_FROM_903,
    OWNED,
    Prepared,
    Saved,
    Tally,
    address_key,
    begin_import,
    chunks,
    finish_import,
    la_lock_key,
    prepare,
    save_import,
    write_children,
)

__all__ = [
    "CHUNK",
    "NEEDS_FROM_903",
    "OWNED",
    "Prepared",
    "Saved",
    "Tally",
    "address_key",
    "begin_import",
    "care_imports",
    "care_record",
    "chunks",
    "finish_import",
    "get_import",
    "import_issues",
    "la_lock_key",
    "list_imports",
    "prepare",
    "save_import",
    "write_children",
]


# --- reading back -------------------------------------------------------------------


def list_imports(
    session: Session, *, las: Collection[str] | None = None, offset: int = 0, limit: int = 100
) -> list[ImportRun]:
    """Imports of LAs within `las`, newest first."""
    check_page(offset, limit)
    # sqlmodel types a column attribute as its Python value, not the column `defer` takes.
    q = select(ImportRun).options(defer(ImportRun.issues))  # type: ignore[arg-type]
    if las is not None:
        q = q.where(col(ImportRun.la).in_(list(las)))
    return list(session.exec(q.order_by(col(ImportRun.id).desc()).offset(offset).limit(limit)))


def get_import(
    session: Session, import_id: int, *, las: Collection[str] | None = None
) -> ImportRun:
    """One import, or NotFound (also another LA's); its issues are read when first used."""
    # As above: `defer` takes the column, which sqlmodel types as its value.
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
