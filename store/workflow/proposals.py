"""Proposals: hold a household's vacancies for a child or a sibling group, or keep a
proposal the hard rules refused; find and list them."""

from __future__ import annotations

import os
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import Exists, exists
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from store import audit
from store.children import check_page, get_child
from store.db import atomic
from store.errors import Conflict, Invalid, NotFound, VacancyTaken
from store.households import get_household, held_places
from store.models import ChildRecord, HouseholdRecord, Proposal, ProposalChild, User, utcnow
from store.referrals import current_referral
from store.siblings import get_group
from store.validate import text_value
from store.workflow.exceptions import ExceptionFields, RuleException, exception_fields

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


def proposal_children(session: Session, proposal_id: int) -> list[str]:
    """The children a proposal covers, by id."""
    return list(
        session.exec(
            select(ProposalChild.child_id)
            .where(ProposalChild.proposal_id == proposal_id)
            .order_by(col(ProposalChild.child_id))
        )
    )


def children_of_proposals(session: Session, proposal_ids: Collection[int]) -> dict[int, list[str]]:
    """The children each proposal covers, by id (`proposal_children` for many proposals
    in one query)."""
    found: dict[int, list[str]] = {pid: [] for pid in proposal_ids}
    if found:
        for pid, child_id in session.exec(
            select(ProposalChild.proposal_id, ProposalChild.child_id)
            .where(col(ProposalChild.proposal_id).in_(list(found)))
            .order_by(col(ProposalChild.proposal_id), col(ProposalChild.child_id))
        ):
            found[pid].append(child_id)
    return found


def outside_las(las: Collection[str], proposal_id: int | Mapped[int | None]) -> Exists:
    """SQL: the proposal (an id, or the column in an outer query) covers a child outside
    `las`."""
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
    if las is not None and session.exec(select(outside_las(las, proposal_id))).one():
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
        q = q.where(~outside_las(las, col(Proposal.id)))
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
    extra: ExceptionFields = exception_fields(exception, by) if exception is not None else {}

    household = _lock(session, children, household_id)
    _check_free_to_propose(session, children, now)
    free = household.vacancies - held_places(session, household_id, now)
    over = _places_over(household_id, free, len(children), extra.get("exception_rule"))
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


def _lock(session: Session, children: list[str], household_id: str) -> HouseholdRecord:
    """Lock the children's rows (by id), then the household's: always in that order, so
    two proposals cannot deadlock (see the package docstring). The household."""
    session.exec(
        select(ChildRecord.id)
        .where(col(ChildRecord.id).in_(children))
        .order_by(col(ChildRecord.id))
        .with_for_update()
    ).all()
    return get_household(session, household_id, lock=True)


def _check_free_to_propose(session: Session, children: list[str], now: datetime) -> None:
    """Conflict unless every child has an open referral and no live proposal."""
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


def _places_over(household_id: str, free: int, needed: int, exception_rule: str | None) -> int:
    """How many of `needed` children would live beyond the household's approved places,
    given its `free` (unheld) vacancies: 0, or VacancyTaken when they are too few and no
    `vacancy` exception was authorised."""
    if free >= needed:
        return 0
    if exception_rule != "vacancy":
        raise VacancyTaken(
            f"household {household_id} has {max(free, 0)} unheld vacancy(ies); {needed} needed"
        )
    # Authorised beyond the approved places: take the free places there are, and
    # the rest live there over capacity (holding and taking no vacancy).
    return needed - max(free, 0)


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
    assert proposal.id is not None  # the flush gave it its id
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
