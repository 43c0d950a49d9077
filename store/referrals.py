"""Referrals: a child needs a placement, how urgently, by when, and what they said.

A child has at most one open referral (a partial unique index too). The child's views
(where they want to live, who with, what matters to them) are kept with the referral;
the officer's note of how a proposed match meets them is kept with the proposal.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import case
from sqlmodel import Session, col, select

from store import audit
from store.children import check_page, get_child, in_scope
from store.db import atomic
from store.errors import Conflict, Invalid, NotFound
from store.models import (
    REFERRAL_STATUSES,
    ChildRecord,
    Proposal,
    ProposalChild,
    Referral,
    User,
    utcnow,
)
from store.validate import referral_values

VIEW_FIELDS = ("views_where", "views_who", "views_matters")


@atomic
def open_referral(
    session: Session,
    child_id: str,
    data: Mapping[str, Any],
    *,
    by: User | None,
    las: Collection[str] | None = None,
) -> Referral:
    """Open a referral for a child (`urgency`, `needed_by`, optional `views_*`).

    Raises NotFound, Invalid, or Conflict when the child already has an open one.
    """
    child = get_child(session, child_id, las=las)
    values = referral_values(data)
    if child.home is None:
        raise Invalid.one(
            "home",
            f"child {child_id} has no home outcode: record it before a referral "
            "(distance from home and locality are measured from it)",
        )
    if current_referral(session, child_id) is not None:
        raise Conflict(f"child {child_id} already has an open referral")
    referral = Referral(child_id=child_id, opened_by=by.id if by else None, **values)
    session.add(referral)
    session.flush()
    audit.record(
        session, by, "referral.open", [child_id], referral.id, {"urgency": values["urgency"]}
    )
    return referral


def current_referral(session: Session, child_id: str) -> Referral | None:
    """The child's open referral, if any."""
    return session.exec(
        select(Referral).where(Referral.child_id == child_id, Referral.status == "open")
    ).first()


def get_referral(
    session: Session, referral_id: int, *, las: Collection[str] | None = None
) -> Referral:
    """One referral, or NotFound (also when its child is outside `las`)."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound("referral", referral_id)
    child = session.get(ChildRecord, referral.child_id)
    if child is None or not in_scope(child.la, las):
        raise NotFound("referral", referral_id)
    return referral


def list_referrals(
    session: Session,
    *,
    las: Collection[str] | None = None,
    status: str | None = "open",
    child_id: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[Referral]:
    """Referrals within `las` (by default the open ones), most urgent and soonest first."""
    check_page(offset, limit)
    if status is not None and status not in REFERRAL_STATUSES:
        raise Invalid.one("status", f"expected one of: {', '.join(REFERRAL_STATUSES)}")
    q = select(Referral)
    if las is not None:
        q = q.join(ChildRecord, col(ChildRecord.id) == col(Referral.child_id)).where(
            col(ChildRecord.la).in_(list(las))
        )
    if status is not None:
        q = q.where(Referral.status == status)
    if child_id is not None:
        q = q.where(Referral.child_id == child_id)
    urgency_rank = case(
        {"emergency": 0, "urgent": 1, "planned": 2}, value=col(Referral.urgency), else_=3
    )
    q = q.order_by(urgency_rank, col(Referral.needed_by), col(Referral.id))
    return list(session.exec(q.offset(offset).limit(limit)))


@atomic
def update_referral(
    session: Session,
    referral_id: int,
    changes: Mapping[str, Any],
    *,
    by: User | None,
    las: Collection[str] | None = None,
) -> Referral:
    """Change an open referral's urgency, date needed or the child's views."""
    referral = get_referral(session, referral_id, las=las)
    if referral.status != "open":
        raise Conflict(f"referral {referral_id} is {referral.status}")
    current = {
        "urgency": referral.urgency,
        "needed_by": referral.needed_by,
        **{k: getattr(referral, k) for k in VIEW_FIELDS},
    }
    values = referral_values(current | dict(changes))
    changed = sorted(k for k, v in values.items() if getattr(referral, k) != v)
    for key in changed:
        setattr(referral, key, values[key])
    if changed:
        session.add(referral)
        session.flush()
        audit.record(
            session, by, "referral.update", [referral.child_id], referral.id, {"fields": changed}
        )
    return referral


@atomic
def close_referral(
    session: Session,
    referral_id: int,
    *,
    by: User | None,
    las: Collection[str] | None = None,
) -> Referral:
    """Close an open referral (the child no longer needs a placement).

    Raises Conflict while a proposal for the child still holds a place: decline it
    first, so no hold outlives its referral.
    """
    referral = get_referral(session, referral_id, las=las)
    if referral.status != "open":
        raise Conflict(f"referral {referral_id} is {referral.status}")
    pending = session.exec(
        select(Proposal.id)
        .join(ProposalChild, col(ProposalChild.proposal_id) == col(Proposal.id))
        .where(
            ProposalChild.child_id == referral.child_id,
            Proposal.status == "proposed",
            col(Proposal.hold_until) > utcnow(),
        )
    ).first()
    if pending is not None:
        raise Conflict(f"proposal {pending} for child {referral.child_id} is still undecided")
    referral.status = "closed"
    referral.closed_at = utcnow()
    session.add(referral)
    session.flush()
    audit.record(session, by, "referral.close", [referral.child_id], referral.id)
    return referral
