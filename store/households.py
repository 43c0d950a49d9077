"""Carer households: create, read, update, list, and the free places a match may take.

Households are not bounded by LA: any officer may look for a place anywhere (out of
area and agency carers are common), and a household's record holds no child's details.
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
from store.errors import DuplicateId, FieldIssue, Invalid, NotFound
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
    }


def _check_children(session: Session, values: Mapping[str, Any]) -> None:
    named = {f"connected_children[{k}]": c for k, c in enumerate(values["connected_children"])}
    if not named:
        return
    found = set(
        session.exec(select(ChildRecord.id).where(col(ChildRecord.id).in_(set(named.values()))))
    )
    issues = [FieldIssue(f, f"unknown child {c!r}") for f, c in named.items() if c not in found]
    if issues:
        raise Invalid(issues)


@atomic
def create_household(
    session: Session, data: Mapping[str, Any], *, by: User | None
) -> HouseholdRecord:
    """A new household; raises Invalid (bad fields) or DuplicateId."""
    values = household_values(data)
    _check_children(session, values)
    if session.get(HouseholdRecord, values["id"]) is not None:
        raise DuplicateId("household", [values["id"]])
    household = HouseholdRecord(**values)
    session.add(household)
    session.flush()
    audit.record(session, by, "household.create", values["connected_children"], household.id)
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
    session: Session, household_id: str, changes: Mapping[str, Any], *, by: User | None
) -> HouseholdRecord:
    """Change some fields; the whole record is checked again. The row is locked while
    it changes so a confirmation cannot interleave with a new vacancy count."""
    household = get_household(session, household_id, lock=True)
    if "id" in changes and changes["id"] != household_id:
        raise Invalid.one("id", "a household's id cannot change")
    values = household_values(household_to_dict(household) | dict(changes))
    _check_children(session, values)
    changed = sorted(k for k, v in values.items() if getattr(household, k) != v)
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
        )
    return household


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
