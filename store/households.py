"""Carer households: create, read, update, list, and the free places a match may take.

Households are readable by every LA's staff: any officer may look for a place anywhere
(out of area and agency carers are common). But a household is its own LA's to change
(`las`: the caller's boundary; another LA's household is Forbidden, naming its LA, which
anyone may read), and a kinship household's `connected_children` are children's
records: a reader sees only those of their own LAs (`households_as_seen`), and a write
naming a child outside them gets the answer an unknown child gets.

Capacity: `vacancies + occupied <= places` is a CHECK in the database (`occupied`, the
approved places children live in, moves with `vacancies` in the workflow's UPDATEs),
and a change never leaves fewer vacancies than live proposals hold (checked here under
the household's row lock: holds lapse by the clock, so no column can keep them).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from store import audit
from store.children import check_page
from store.db import atomic
from store.errors import DuplicateId, FieldIssue, Forbidden, Invalid, NotFound
from store.models import ChildRecord, HouseholdRecord, Proposal, User, utcnow
from store.validate import household_values


def household_to_dict(h: HouseholdRecord) -> dict[str, Any]:
    """A household in the problem format's shape plus `places` (approved places), with
    `adopter` None for a household that is not an approved adopter."""
    return {
        "id": h.id,
        "la": h.la,
        "kind": h.kind,
        "provider": h.provider,
        "location": h.location,
        "min_age": h.min_age,
        "max_age": h.max_age,
        "sexes": list(h.sexes),
        "places": h.places,
        "vacancies": h.vacancies,
        "available_from": h.available_from.isoformat(),
        "skills": list(h.skills),
        "languages": list(h.languages),
        "ethnicity": h.ethnicity,
        "religion": h.religion,
        "household_children_ages": list(h.household_children_ages),
        "smoker": h.smoker,
        "pets": h.pets,
        "wheelchair_access": h.wheelchair_access,
        "years_experience": h.years_experience,
        "weekly_cost": h.weekly_cost,
        "connected_children": list(h.connected_children),
        "adopter": adopter_to_dict(h),
        "expected_places": [dict(e) for e in h.expected_places or []],
    }


def adopter_to_dict(h: HouseholdRecord) -> dict[str, Any] | None:
    """An adopter's approval in the problem format's shape, or None."""
    if h.adopter_approved_on is None:
        return None
    return {
        "approved_on": h.adopter_approved_on.isoformat(),
        "agency": h.adopter_agency or "",
        "region": h.adopter_region or "",
        "early_permanence": bool(h.adopter_early_permanence),
        "uncertainties": list(h.adopter_uncertainties or []),
        "contact": list(h.adopter_contact or []),
        "needs": dict(h.adopter_needs or {}),
    }


def children_within(
    session: Session, child_ids: Collection[str], las: Collection[str] | None
) -> set[str]:
    """Those of `child_ids` that are children of `las` (None: any known child)."""
    if not child_ids:
        return set()
    q = select(ChildRecord.id).where(col(ChildRecord.id).in_(set(child_ids)))
    if las is not None:
        q = q.where(col(ChildRecord.la).in_(list(las)))
    return set(session.exec(q))


def households_as_seen(
    session: Session, households: list[HouseholdRecord], las: Collection[str] | None
) -> tuple[list[dict[str, Any]], list[str]]:
    """The households as a reader of `las` sees them (another LA's connected children
    left out, as if absent; `occupied` added), and the children of `las` they name, for
    the audit."""
    shown = children_within(session, {c for h in households for c in h.connected_children}, las)
    out, named = [], []
    for h in households:
        record = household_to_dict(h) | {"occupied": h.occupied}
        record["connected_children"] = [c for c in h.connected_children if c in shown]
        named += record["connected_children"]
        out.append(record)
    return out, list(dict.fromkeys(named))


def _check_children(
    session: Session,
    values: Mapping[str, Any],
    las: Collection[str] | None,
    kept: Collection[str] = (),
) -> None:
    """Every connected child named must be a child of `las` (those `kept` from before
    excepted): another LA's child is as unknown as no child at all."""
    named = {
        f"connected_children[{k}]": c
        for k, c in enumerate(values["connected_children"])
        if c not in kept
    }
    found = children_within(session, set(named.values()), las)
    issues = [FieldIssue(f, f"unknown child {c!r}") for f, c in named.items() if c not in found]
    if issues:
        raise Invalid(issues)


def _check_la(la: str, las: Collection[str] | None, household_id: str) -> None:
    if las is not None and la not in las:
        raise Forbidden(
            f"household {household_id} is {la}'s: only {la}'s staff may add or change it"
        )


@atomic
def create_household(
    session: Session,
    data: Mapping[str, Any],
    *,
    by: User | None,
    las: Collection[str] | None = None,
) -> HouseholdRecord:
    """A new household of one of `las`; raises Invalid (bad fields), Forbidden (another
    LA's) or DuplicateId."""
    values = household_values(data)
    _check_la(values["la"], las, values["id"])
    _check_children(session, values, las)
    if session.get(HouseholdRecord, values["id"]) is not None:
        raise DuplicateId("household", [values["id"]])
    household = HouseholdRecord(**values)
    session.add(household)
    session.flush()
    audit.record(
        session,
        by,
        "household.create",
        values["connected_children"],
        household.id,
        las=[household.la],
    )
    return household


def get_household(session: Session, household_id: str, *, lock: bool = False) -> HouseholdRecord:
    """One household, or NotFound. `lock` takes its row lock (PostgreSQL) for a change
    that depends on the values read, and reads them fresh."""
    q = select(HouseholdRecord).where(HouseholdRecord.id == household_id)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    household = session.exec(q).first()
    if household is None:
        raise NotFound("household", household_id)
    return household


def list_households(
    session: Session,
    *,
    las: Collection[str] | None = None,
    kind: str | None = None,
    with_vacancy: bool = False,
    offset: int = 0,
    limit: int = 100,
) -> list[HouseholdRecord]:
    """Households, by id, optionally only in `las`, of one kind, or with a vacancy."""
    check_page(offset, limit)
    q = select(HouseholdRecord)
    if las is not None:
        q = q.where(col(HouseholdRecord.la).in_(list(las)))
    if kind is not None:
        q = q.where(HouseholdRecord.kind == kind)
    if with_vacancy:
        q = q.where(col(HouseholdRecord.vacancies) > 0)
    return list(session.exec(q.order_by(col(HouseholdRecord.id)).offset(offset).limit(limit)))


@atomic
def update_household(
    session: Session,
    household_id: str,
    changes: Mapping[str, Any],
    *,
    by: User | None,
    las: Collection[str] | None = None,
) -> HouseholdRecord:
    """Change some fields; the whole record is checked again. Only a household of `las`
    may change, and only into one of `las` (Forbidden). `connected_children` sent
    replaces those the caller can see; another LA's stay. The row is locked while it
    changes, so neither a confirmation nor a new hold interleaves with the capacity
    check (`_check_capacity`)."""
    household = get_household(session, household_id, lock=True)
    _check_la(household.la, las, household_id)
    if "id" in changes and changes["id"] != household_id:
        raise Invalid.one("id", "a household's id cannot change")
    changes = dict(changes)
    hidden: list[str] = []
    if "connected_children" in changes and las is not None:
        theirs = children_within(session, household.connected_children, las)
        hidden = [c for c in household.connected_children if c not in theirs]
        changes["connected_children"] = list(
            dict.fromkeys([*changes["connected_children"], *hidden])
        )
    values = household_values(household_to_dict(household) | changes)
    if las is not None and values["la"] not in las:
        raise Forbidden(f"LA {values['la']!r} is not one of yours: a household cannot move there")
    _check_children(session, values, las, kept=hidden)
    changed = sorted(k for k, v in values.items() if getattr(household, k) != v)
    if {"places", "vacancies"} & set(changed):
        _check_capacity(session, household, values, changes)
    before = household.la
    for key in changed:
        setattr(household, key, values[key])
    if changed:
        household.updated_at = utcnow()
        session.add(household)
        session.flush()
        audit.record(
            session,
            by,
            "household.update",
            values["connected_children"],
            household.id,
            {"fields": changed},
            las=sorted({before, household.la}),
        )
    return household


def _check_capacity(
    session: Session,
    household: HouseholdRecord,
    values: Mapping[str, Any],
    changes: Mapping[str, Any],
) -> None:
    """New `places` / `vacancies` must leave every lived-in place taken and every held
    place free: `vacancies + occupied <= places` and `vacancies >= held`."""
    places, vacancies, occupied = values["places"], values["vacancies"], household.occupied
    held = held_places(session, household.id)
    state = (
        f"{occupied} child(ren) live there within its {places} approved place(s) and "
        f"{held} place(s) are held by live proposals"
    )
    if vacancies + occupied > places:
        field = "vacancies" if "vacancies" in changes else "places"
        raise Invalid.one(
            field,
            f"{vacancies} free of {places} approved place(s) is too many: {state}, so at "
            f"most {max(places - occupied, 0)} can be free",
        )
    if vacancies < held:
        raise Invalid.one(
            "vacancies",
            f"{vacancies} free place(s) is too few: {state}; decline those proposals first",
        )


#: The vacancies a live proposal holds: its children, less those it places beyond the
#: approved places (a `vacancy` exception).
PLACES_HELD = Proposal.places - Proposal.over_capacity


def held_places(session: Session, household_id: str, now: datetime | None = None) -> int:
    """Places held by live proposals (proposed, hold not yet lapsed)."""
    total = session.exec(
        select(func.coalesce(func.sum(PLACES_HELD), 0)).where(
            Proposal.household_id == household_id,
            Proposal.status == "proposed",
            col(Proposal.hold_until) > (now or utcnow()),
        )
    ).one()
    return int(total)


def free_places(session: Session, household_id: str, now: datetime | None = None) -> int:
    """Vacancies not held by a live proposal: what a new proposal may take."""
    household = get_household(session, household_id)
    return max(0, household.vacancies - held_places(session, household_id, now))
