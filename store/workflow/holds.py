"""Holds: which live proposal holds a child's place, when the first hold lapses, and
marking lapsed holds expired (bookkeeping: a lapsed hold already holds nothing)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from store import audit
from store.db import atomic
from store.models import Proposal, ProposalChild, utcnow
from store.workflow.proposals import outside_las, proposal_children


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
        q = q.where(~outside_las(las, col(Proposal.id)))
    return {c: p for c, p in session.exec(q)}


def next_hold_end(session: Session, now: datetime | None = None) -> datetime | None:
    """When the first live hold lapses (and frees its place), or None if none is live:
    until then a problem built now stays true to the records."""
    now = now or utcnow()
    return session.exec(
        select(func.min(Proposal.hold_until)).where(
            Proposal.status == "proposed", col(Proposal.hold_until) > now
        )
    ).one()


def lapsed_holds(session: Session, *, now: datetime | None = None) -> list[int]:
    """The undecided proposals whose hold has lapsed (a read: `expire_holds` marks them)."""
    return [
        pid
        for pid in session.exec(
            select(Proposal.id).where(
                Proposal.status == "proposed", col(Proposal.hold_until) <= (now or utcnow())
            )
        )
        if pid is not None
    ]


@atomic
def expire_holds(session: Session, *, now: datetime | None = None) -> list[int]:
    """Mark every undecided proposal whose hold has lapsed as expired; their ids.

    Only bookkeeping: a lapsed hold already holds nothing. Run it now and then (the API
    on a timer, or before listing proposals).
    """
    now = now or utcnow()
    due = lapsed_holds(session, now=now)
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
