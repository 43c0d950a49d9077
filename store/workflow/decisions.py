"""Deciding a live proposal: confirm it (the placement starts), decline it, authorise an
exception on it, or note how it meets the child's views."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from store import audit
from store.db import atomic
from store.errors import Conflict, HoldExpired, ProposalClosed, VacancyTaken
from store.models import HouseholdRecord, Placement, Proposal, Referral, User, utcnow
from store.validate import text_value
from store.workflow.exceptions import RuleException, exception_fields
from store.workflow.proposals import get_proposal, proposal_children


def closed(session: Session, proposal: Proposal, now: datetime) -> Conflict:
    """Why a proposal can no longer be decided (read fresh)."""
    session.refresh(proposal)
    if proposal.status != "proposed":
        return ProposalClosed(f"proposal {proposal.id} is already {proposal.status}")
    return HoldExpired(f"the hold of proposal {proposal.id} lapsed at {proposal.hold_until}")


@atomic
def confirm(
    session: Session,
    proposal_id: int,
    *,
    by: User,
    start: date | None = None,
    las: Collection[str] | None = None,
    now: datetime | None = None,
) -> list[Placement]:
    """Confirm a live proposal: the placement starts (`start`, default today), the
    vacancy is taken and each child's referral is placed, all or nothing.

    Raises NotFound, ProposalClosed (already decided), HoldExpired, VacancyTaken (the
    place went to someone else), or Conflict (a child no longer has an open referral).
    """
    now = now or utcnow()
    proposal = get_proposal(session, proposal_id, las=las)
    children = proposal_children(session, proposal_id)
    _mark_confirmed(session, proposal, by, now)
    _take_places(session, proposal, now)
    _place_referrals(session, children, now)
    placements = _start_placements(session, proposal, children, start or now.date())
    session.refresh(proposal)
    for h in session.identity_map.values():
        if isinstance(h, HouseholdRecord | Referral):
            session.expire(h)
    audit.record(
        session,
        by,
        "proposal.confirm",
        children,
        proposal_id,
        {"household": proposal.household_id, "placements": [p.id for p in placements]},
    )
    return placements


def _mark_confirmed(session: Session, proposal: Proposal, by: User, now: datetime) -> None:
    """Move the proposal from `proposed` to `confirmed` if its hold is still live (one
    conditional UPDATE); else raise why it can no longer be decided."""
    decided = session.exec(
        update(Proposal)
        .where(
            col(Proposal.id) == proposal.id,
            col(Proposal.status) == "proposed",
            col(Proposal.hold_until) > now,
        )
        .values(status="confirmed", decided_at=now, decided_by=by.id)
        .execution_options(synchronize_session=False)
    )
    if decided.rowcount != 1:
        raise closed(session, proposal, now)


def _take_places(session: Session, proposal: Proposal, now: datetime) -> None:
    """Take the household's vacancies for the children within its approved places, in
    one conditional UPDATE (see the package docstring); VacancyTaken if they are gone."""
    within = proposal.places - proposal.over_capacity
    taken = session.exec(
        update(HouseholdRecord)
        .where(
            col(HouseholdRecord.id) == proposal.household_id,
            col(HouseholdRecord.vacancies) >= within,
        )
        .values(
            vacancies=col(HouseholdRecord.vacancies) - within,
            occupied=col(HouseholdRecord.occupied) + within,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise VacancyTaken(f"household {proposal.household_id} has no vacancy left")


def _place_referrals(session: Session, children: list[str], now: datetime) -> None:
    """Close each child's open referral as placed; Conflict if one has none."""
    for child in children:
        placed = session.exec(
            update(Referral)
            .where(col(Referral.child_id) == child, col(Referral.status) == "open")
            .values(status="placed", closed_at=now)
            .execution_options(synchronize_session=False)
        )
        if placed.rowcount != 1:
            raise Conflict(f"child {child} has no open referral")


def _start_placements(
    session: Session, proposal: Proposal, children: list[str], started: date
) -> list[Placement]:
    """A placement per child from `started` (the last `over_capacity` of them beyond the
    approved places); Conflict if a child is placed already."""
    current = session.exec(
        select(Placement.child_id).where(
            col(Placement.child_id).in_(children), col(Placement.ended_on).is_(None)
        )
    ).all()
    if current:
        raise Conflict(f"child(ren) {', '.join(sorted(current))} already placed")
    placements = [
        Placement(
            child_id=c,
            household_id=proposal.household_id,
            proposal_id=proposal.id,
            started_on=started,
            over_capacity=i >= len(children) - proposal.over_capacity,
        )
        for i, c in enumerate(children)
    ]
    session.add_all(placements)
    session.flush()
    return placements


@atomic
def decline(
    session: Session,
    proposal_id: int,
    reason: str,
    *,
    by: User,
    las: Collection[str] | None = None,
    now: datetime | None = None,
) -> Proposal:
    """Decline an undecided proposal with a reason; its hold is released at once."""
    now = now or utcnow()
    reason_text = text_value(reason, "reason", required=True)
    proposal = get_proposal(session, proposal_id, las=las)
    declined = session.exec(
        update(Proposal)
        .where(col(Proposal.id) == proposal_id, col(Proposal.status) == "proposed")
        .values(status="declined", decline_reason=reason_text, decided_at=now, decided_by=by.id)
        .execution_options(synchronize_session=False)
    )
    if declined.rowcount != 1:
        raise closed(session, proposal, now)
    session.refresh(proposal)
    audit.record(
        session,
        by,
        "proposal.decline",
        proposal_children(session, proposal_id),
        proposal_id,
        {"household": proposal.household_id},
    )
    return proposal


@atomic
def authorise_exception(
    session: Session,
    proposal_id: int,
    exception: RuleException,
    *,
    by: User,
    las: Collection[str] | None = None,
    now: datetime | None = None,
) -> Proposal:
    """Record, on a live proposal, a hard rule set aside by a user who may authorise it."""
    now = now or utcnow()
    fields = exception_fields(exception, by)
    proposal = get_proposal(session, proposal_id, las=las)
    changed = session.exec(
        update(Proposal)
        .where(
            col(Proposal.id) == proposal_id,
            col(Proposal.status) == "proposed",
            col(Proposal.hold_until) > now,
        )
        .values(**fields)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        raise closed(session, proposal, now)
    session.refresh(proposal)
    audit.record(
        session,
        by,
        "proposal.exception",
        proposal_children(session, proposal_id),
        proposal_id,
        {"rule": fields["exception_rule"], "household": proposal.household_id},
    )
    return proposal


@atomic
def set_views_note(
    session: Session,
    proposal_id: int,
    note: str | None,
    *,
    by: User,
    las: Collection[str] | None = None,
) -> Proposal:
    """The officer's note of how the proposed match meets the child's views, or not."""
    proposal = get_proposal(session, proposal_id, las=las)
    proposal.views_note = text_value(note, "views_note")
    session.add(proposal)
    session.flush()
    audit.record(
        session, by, "proposal.views_note", proposal_children(session, proposal_id), proposal_id
    )
    return proposal
