"""The placement workflow: propose (hold a vacancy), confirm, decline, expire, end.

The guarantee: a vacancy is never given to two children. It rests on the database, not
on the application reading before it writes:

- `confirm` takes the place with one conditional statement,
  `UPDATE household SET vacancies = vacancies - n, occupied = occupied + n
  WHERE id = :id AND vacancies >= n`,
  after moving the proposal from `proposed` to `confirmed` with another
  (`... WHERE status = 'proposed' AND hold_until > now`). On PostgreSQL concurrent
  confirmations queue on the household's row lock and each re-checks the condition on
  the row as the previous winner left it, so exactly as many succeed as there are
  places; the others raise VacancyTaken (or ProposalClosed) and their transaction
  rolls back whole. A CHECK constraint (`vacancies >= 0`) backs it up. On SQLite every
  write transaction holds the database write lock from its start (BEGIN IMMEDIATE), so
  writers run one at a time and the same statements give the same answer.
- `propose` locks the children's rows then the household's row (SELECT ... FOR UPDATE,
  always in that order, so two proposals cannot deadlock) before counting the places
  held by live proposals, so two officers cannot both hold the last place.

Holds are checked against the clock at every use: a lapsed hold holds nothing even
before `expire_holds` marks it. Every step writes its audit entry in the same
transaction. Functions never commit: run each inside `store.transaction(engine)`.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, func, update
from sqlmodel import Session, col, select

from matching.eligibility import RULE_BY_ID
from store import audit
from store.children import check_page, get_child
from store.db import atomic
from store.errors import (
    Conflict,
    Forbidden,
    HoldExpired,
    Invalid,
    NotFound,
    ProposalClosed,
    VacancyTaken,
)
from store.households import get_household, held_places
from store.models import (
    ChildRecord,
    HouseholdRecord,
    Placement,
    Proposal,
    ProposalChild,
    Referral,
    User,
    utcnow,
)
from store.referrals import current_referral
from store.siblings import get_group
from store.users import can_authorise_exceptions
from store.validate import text_value

#: How long a proposal holds its vacancy unless told otherwise (PLACEMATCH_HOLD_HOURS).
DEFAULT_HOLD_HOURS = 48.0


def default_hold() -> timedelta:
    """The hold a proposal gets by default: PLACEMATCH_HOLD_HOURS, else 48 hours."""
    raw = os.environ.get("PLACEMATCH_HOLD_HOURS")
    try:
        hours = float(raw) if raw else DEFAULT_HOLD_HOURS
    except ValueError:
        hours = DEFAULT_HOLD_HOURS
    return timedelta(hours=hours if hours > 0 else DEFAULT_HOLD_HOURS)


@dataclass(frozen=True, slots=True)
class RuleException:
    """A hard rule set aside for one named match (matching.RULES id), and why."""

    rule: str
    reason: str


def _exception_fields(exception: RuleException, by: User) -> dict[str, object]:
    rule = RULE_BY_ID.get(exception.rule)
    if rule is None:
        raise Invalid.one("exception.rule", f"{exception.rule!r} is not a hard rule id")
    if not rule.exception_allowed:
        raise Invalid.one(
            "exception.rule", f"the {rule.id!r} rule ({rule.summary}) is never set aside"
        )
    if not can_authorise_exceptions(by):
        raise Forbidden(f"role {by.role!r} may not authorise an exception to a hard rule")
    return {
        "exception_rule": rule.id,
        "exception_reason": text_value(exception.reason, "exception.reason", required=True),
        "exception_authorised_by": by.id,
    }


def proposal_children(session: Session, proposal_id: int) -> list[str]:
    """The children a proposal covers, by id."""
    return list(
        session.exec(
            select(ProposalChild.child_id)
            .where(ProposalChild.proposal_id == proposal_id)
            .order_by(col(ProposalChild.child_id))
        )
    )


def _outside(las: Collection[str], proposal_id: object) -> object:
    """SQL: the proposal covers a child outside `las`."""
    return exists(
        select(ProposalChild.child_id)
        .join(ChildRecord, col(ChildRecord.id) == col(ProposalChild.child_id))
        .where(ProposalChild.proposal_id == proposal_id, col(ChildRecord.la).not_in(list(las)))
    )


def get_proposal(
    session: Session, proposal_id: int, *, las: Collection[str] | None = None
) -> Proposal:
    """One proposal, or NotFound (also when it covers a child outside `las`)."""
    proposal = session.get(Proposal, proposal_id)
    if proposal is None:
        raise NotFound("proposal", proposal_id)
    if las is not None and session.exec(select(_outside(las, proposal_id))).one():
        raise NotFound("proposal", proposal_id)
    return proposal


def list_proposals(
    session: Session,
    *,
    las: Collection[str] | None = None,
    status: str | None = None,
    household_id: str | None = None,
    child_id: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[Proposal]:
    """Proposals (newest first), filtered; only those whose children are all in `las`."""
    check_page(offset, limit)
    q = select(Proposal)
    if las is not None:
        q = q.where(~_outside(las, Proposal.id))
    if status is not None:
        q = q.where(Proposal.status == status)
    if household_id is not None:
        q = q.where(Proposal.household_id == household_id)
    if child_id is not None:
        q = q.where(
            col(Proposal.id).in_(
                select(ProposalChild.proposal_id).where(ProposalChild.child_id == child_id)
            )
        )
    return list(session.exec(q.order_by(col(Proposal.id).desc()).offset(offset).limit(limit)))


@atomic
def propose(
    session: Session,
    household_id: str,
    *,
    by: User,
    child_id: str | None = None,
    group_id: str | None = None,
    hold: timedelta | None = None,
    views_note: str | None = None,
    exception: RuleException | None = None,
    las: Collection[str] | None = None,
    now: datetime | None = None,
) -> Proposal:
    """Propose a household for a child or a whole sibling group, holding as many of its
    vacancies as there are children for `hold` (default `default_hold()`).

    Each child needs an open referral and no other live proposal. An `exception` sets
    aside one hard rule for this match; only a user who may authorise exceptions can
    give one. Raises NotFound, Invalid, Forbidden, VacancyTaken (no unheld place), or
    Conflict.
    """
    now = now or utcnow()
    children = _proposed_children(session, child_id, group_id, las)
    hold = default_hold() if hold is None else hold
    if hold <= timedelta(0):
        raise Invalid.one("hold", "must be longer than zero")
    note = text_value(views_note, "views_note")
    extra = _exception_fields(exception, by) if exception is not None else {}

    # Lock order: children (by id), then the household. See the module docstring.
    session.exec(
        select(ChildRecord.id)
        .where(col(ChildRecord.id).in_(children))
        .order_by(col(ChildRecord.id))
        .with_for_update()
    ).all()
    household = get_household(session, household_id, lock=True)
    no_referral = [c for c in children if current_referral(session, c) is None]
    if no_referral:
        raise Conflict(f"no open referral for child(ren) {', '.join(no_referral)}")
    live = session.exec(
        select(ProposalChild.child_id, Proposal.id)
        .join(Proposal, col(Proposal.id) == col(ProposalChild.proposal_id))
        .where(
            col(ProposalChild.child_id).in_(children),
            Proposal.status == "proposed",
            col(Proposal.hold_until) > now,
        )
    ).all()
    if live:
        raise Conflict(
            "; ".join(f"child {c} already has live proposal {p}" for c, p in sorted(live))
        )
    free = household.vacancies - held_places(session, household_id, now)
    over = 0
    if free < len(children):
        if extra.get("exception_rule") != "vacancy":
            raise VacancyTaken(
                f"household {household_id} has {max(free, 0)} unheld vacancy(ies); "
                f"{len(children)} needed"
            )
        # Authorised beyond the approved places: take the free places there are, and
        # the rest live there over capacity (holding and taking no vacancy).
        over = len(children) - max(free, 0)
    proposal = Proposal(
        child_id=child_id,
        group_id=group_id,
        household_id=household_id,
        places=len(children),
        hold_until=now + hold,
        proposed_at=now,
        proposed_by=by.id,
        views_note=note,
        over_capacity=over,
        **extra,
    )
    _insert(session, proposal, children)
    audit.record(
        session,
        by,
        "proposal.create",
        children,
        proposal.id,
        {
            "household": household_id,
            "places": len(children),
            "group": group_id,
            "exception_rule": extra.get("exception_rule"),
        },
    )
    return proposal


def _proposed_children(
    session: Session, child_id: str | None, group_id: str | None, las: Collection[str] | None
) -> list[str]:
    """The children a proposal is for: one child, or every member of a sibling group
    (NotFound outside `las`); Invalid unless exactly one of the two is given."""
    if (child_id is None) == (group_id is None):
        raise Invalid.one("child_id", "give either a child or a sibling group")
    if group_id is not None:
        return sorted(get_group(session, group_id, las=las).children)
    assert child_id is not None
    return [get_child(session, child_id, las=las).id]


def _insert(session: Session, proposal: Proposal, children: list[str]) -> None:
    """Write a proposal and the children it covers (the caller audits it)."""
    session.add(proposal)
    session.flush()
    session.add_all(ProposalChild(proposal_id=proposal.id, child_id=c) for c in children)
    session.flush()


@atomic
def refuse(
    session: Session,
    household_id: str,
    rules: list[dict[str, object]],
    *,
    by: User,
    child_id: str | None = None,
    group_id: str | None = None,
    las: Collection[str] | None = None,
    now: datetime | None = None,
) -> Proposal:
    """Keep a proposal the hard rules refused (`refused`, with `rules`: each rule
    broken, for which child, why), so an officer can later see why; it holds nothing.
    The audit entry has the rule ids only. Raises NotFound as `propose` does."""
    now = now or utcnow()
    children = _proposed_children(session, child_id, group_id, las)
    get_household(session, household_id)
    proposal = Proposal(
        child_id=child_id,
        group_id=group_id,
        household_id=household_id,
        places=len(children),
        status="refused",
        hold_until=now,
        proposed_at=now,
        proposed_by=by.id,
        decided_at=now,
        decided_by=by.id,
        refused_rules=rules,
    )
    _insert(session, proposal, children)
    audit.record(
        session,
        by,
        "proposal.refuse",
        children,
        proposal.id,
        {
            "household": household_id,
            "group": group_id,
            "rules": sorted({str(r["rule"]) for r in rules}),
        },
    )
    return proposal


def holding_proposals(
    session: Session,
    child_ids: Collection[str],
    *,
    las: Collection[str] | None = None,
    now: datetime | None = None,
) -> dict[str, Proposal]:
    """For each of `child_ids` whose place is held now, the live proposal holding it
    (only proposals whose children are all within `las`)."""
    if not child_ids:
        return {}
    q = (
        select(ProposalChild.child_id, Proposal)
        .join(Proposal, col(Proposal.id) == col(ProposalChild.proposal_id))
        .where(
            col(ProposalChild.child_id).in_(list(child_ids)),
            Proposal.status == "proposed",
            col(Proposal.hold_until) > (now or utcnow()),
        )
    )
    if las is not None:
        q = q.where(~_outside(las, Proposal.id))
    return {c: p for c, p in session.exec(q)}


def _closed(session: Session, proposal: Proposal, now: datetime) -> Conflict:
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
    decided = session.exec(
        update(Proposal)
        .where(
            col(Proposal.id) == proposal_id,
            col(Proposal.status) == "proposed",
            col(Proposal.hold_until) > now,
        )
        .values(status="confirmed", decided_at=now, decided_by=by.id)
        .execution_options(synchronize_session=False)
    )
    if decided.rowcount != 1:
        raise _closed(session, proposal, now)
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
    for child in children:
        placed = session.exec(
            update(Referral)
            .where(col(Referral.child_id) == child, col(Referral.status) == "open")
            .values(status="placed", closed_at=now)
            .execution_options(synchronize_session=False)
        )
        if placed.rowcount != 1:
            raise Conflict(f"child {child} has no open referral")
    current = session.exec(
        select(Placement.child_id).where(
            col(Placement.child_id).in_(children), col(Placement.ended_on).is_(None)
        )
    ).all()
    if current:
        raise Conflict(f"child(ren) {', '.join(sorted(current))} already placed")
    started = start or now.date()
    placements = [
        Placement(
            child_id=c,
            household_id=proposal.household_id,
            proposal_id=proposal_id,
            started_on=started,
            over_capacity=i >= len(children) - proposal.over_capacity,
        )
        for i, c in enumerate(children)
    ]
    session.add_all(placements)
    session.flush()
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
        raise _closed(session, proposal, now)
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
    fields = _exception_fields(exception, by)
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
        raise _closed(session, proposal, now)
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


def next_hold_end(session: Session, now: datetime | None = None) -> datetime | None:
    """When the first live hold lapses (and frees its place), or None if none is live:
    until then a problem built now stays true to the records."""
    now = now or utcnow()
    return session.exec(
        select(func.min(Proposal.hold_until)).where(
            Proposal.status == "proposed", col(Proposal.hold_until) > now
        )
    ).one()


@atomic
def expire_holds(session: Session, *, now: datetime | None = None) -> list[int]:
    """Mark every undecided proposal whose hold has lapsed as expired; their ids.

    Only bookkeeping: a lapsed hold already holds nothing. Run it now and then (the API
    on a timer, or before listing proposals).
    """
    now = now or utcnow()
    due = list(
        session.exec(
            select(Proposal.id).where(
                Proposal.status == "proposed", col(Proposal.hold_until) <= now
            )
        )
    )
    if not due:
        return []
    expired = sorted(
        session.exec(
            update(Proposal)
            .where(
                col(Proposal.id).in_(due),
                col(Proposal.status) == "proposed",
                col(Proposal.hold_until) <= now,
            )
            .values(status="expired", decided_at=now)
            .returning(col(Proposal.id))
            .execution_options(synchronize_session=False)
        ).scalars()
    )
    for pid in expired:
        audit.record(session, None, "proposal.expire", proposal_children(session, pid), pid)
    for obj in session.identity_map.values():
        if isinstance(obj, Proposal) and obj.id in expired:
            session.expire(obj)
    return expired


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
