"""Placements: find and list them, and end one (freeing its place)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import update
from sqlmodel import Session, col, select

from store import audit
from store.children import check_page
from store.db import atomic
from store.errors import Conflict, Invalid, NotFound
from store.models import ChildRecord, HouseholdRecord, Placement, User, utcnow
from store.validate import text_value


def get_placement(
    session: Session, placement_id: int, *, las: Collection[str] | None = None
) -> Placement:
    """One placement, or NotFound (also when its child is outside `las`)."""
    placement = session.get(Placement, placement_id)
    if placement is None:
        raise NotFound("placement", placement_id)
    if las is not None:
        child = session.get(ChildRecord, placement.child_id)
        if child is None or child.la not in las:
            raise NotFound("placement", placement_id)
    return placement


def list_placements(
    session: Session,
    *,
    las: Collection[str] | None = None,
    child_id: str | None = None,
    household_id: str | None = None,
    current: bool | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[Placement]:
    """Placements (newest first); `current` True for those not ended, False for ended."""
    check_page(offset, limit)
    q = select(Placement)
    if las is not None:
        q = q.join(ChildRecord, col(ChildRecord.id) == col(Placement.child_id)).where(
            col(ChildRecord.la).in_(list(las))
        )
    if child_id is not None:
        q = q.where(Placement.child_id == child_id)
    if household_id is not None:
        q = q.where(Placement.household_id == household_id)
    if current is not None:
        ended = col(Placement.ended_on)
        q = q.where(ended.is_(None) if current else ended.is_not(None))
    return list(session.exec(q.order_by(col(Placement.id).desc()).offset(offset).limit(limit)))


@atomic
def end_placement(
    session: Session,
    placement_id: int,
    reason: str,
    *,
    by: User,
    ended_on: date | None = None,
    las: Collection[str] | None = None,
) -> Placement:
    """End a current placement (on `ended_on`, default today) and free its place.

    The vacancy count rises by one but never above the household's approved places.
    """
    reason_text = text_value(reason, "reason", required=True)
    placement = get_placement(session, placement_id, las=las)
    if placement.ended_on is not None:
        raise Conflict(f"placement {placement_id} has already ended")
    ended_on = ended_on or utcnow().date()
    if ended_on < placement.started_on:
        raise Invalid.one("ended_on", f"is before the placement started ({placement.started_on})")
    ended = session.exec(
        update(Placement)
        .where(col(Placement.id) == placement_id, col(Placement.ended_on).is_(None))
        .values(ended_on=ended_on, end_reason=reason_text)
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:
        raise Conflict(f"placement {placement_id} has already ended")
    if not placement.over_capacity:
        _free_a_place(session, placement.household_id)
    session.refresh(placement)
    household = session.get(HouseholdRecord, placement.household_id)
    if household is not None:
        session.refresh(household)
    audit.record(
        session,
        by,
        "placement.end",
        [placement.child_id],
        placement_id,
        {"household": placement.household_id},
    )
    return placement


def _free_a_place(session: Session, household_id: str) -> None:
    """A child within the approved places has left: if a child lives there over
    capacity, they now have that place; otherwise the place they lived in is free again
    (`occupied` down, `vacancies` up, in one UPDATE: the CHECK
    `vacancies + occupied <= places` holds throughout)."""
    over = session.exec(
        select(Placement)
        .where(
            Placement.household_id == household_id,
            col(Placement.ended_on).is_(None),
            col(Placement.over_capacity).is_(True),
        )
        .order_by(col(Placement.id))
        .limit(1)
        .with_for_update()
    ).first()
    if over is not None:
        over.over_capacity = False
        session.add(over)
        session.flush()
        return
    session.exec(
        update(HouseholdRecord)
        .where(col(HouseholdRecord.id) == household_id, col(HouseholdRecord.occupied) > 0)
        .values(
            vacancies=col(HouseholdRecord.vacancies) + 1,
            occupied=col(HouseholdRecord.occupied) - 1,
            updated_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
