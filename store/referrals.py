"""Referrals: a child needs a placement, how urgently, by when, and what they said.

A child has at most one open referral (a partial unique index too). The child's views
(where they want to live, who with, what matters to them) are kept with the referral;
the officer's note of how a proposed match meets them is kept with the proposal.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, case, cast, func
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
from vocab import NEEDS, URGENCIES

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


#: Age bands for finding referrals (the DfE's 903 age groups), each its ages inclusive.
AGE_BANDS: dict[str, tuple[int, int]] = {
    "under-1": (0, 0),
    "1-4": (1, 4),
    "5-9": (5, 9),
    "10-15": (10, 15),
    "16-plus": (16, 200),
}


@dataclass(frozen=True)
class ReferralFilter:
    """Which referrals a list shows: within `las`, of `status` (None: any), and only
    those matching each filter given (None: no filter)."""

    las: Collection[str] | None = None
    status: str | None = "open"
    child_id: str | None = None
    urgency: str | None = None
    la: str | None = None
    age_band: str | None = None
    need: str | None = None


def _filtered(q: Any, f: ReferralFilter) -> Any:
    if f.status is not None and f.status not in REFERRAL_STATUSES:
        raise Invalid.one("status", f"expected one of: {', '.join(REFERRAL_STATUSES)}")
    if f.urgency is not None and f.urgency not in URGENCIES:
        raise Invalid.one("urgency", f"expected one of: {', '.join(URGENCIES)}")
    if f.age_band is not None and f.age_band not in AGE_BANDS:
        raise Invalid.one("age_band", f"expected one of: {', '.join(AGE_BANDS)}")
    if f.need is not None and f.need not in NEEDS:
        raise Invalid.one("need", "not a need in the vocabulary")
    q = q.join(ChildRecord, col(ChildRecord.id) == col(Referral.child_id))
    if f.las is not None:
        q = q.where(col(ChildRecord.la).in_(list(f.las)))
    if f.status is not None:
        q = q.where(Referral.status == f.status)
    if f.child_id is not None:
        q = q.where(Referral.child_id == f.child_id)
    if f.urgency is not None:
        q = q.where(Referral.urgency == f.urgency)
    if f.la is not None:
        q = q.where(ChildRecord.la == f.la)
    if f.age_band is not None:
        low, high = AGE_BANDS[f.age_band]
        q = q.where(col(ChildRecord.age).between(low, high))
    if f.need is not None:
        # A JSON list of vocabulary words: the word in quotes matches that need only.
        q = q.where(cast(col(ChildRecord.needs), String).contains(f'"{f.need}"'))
    return q


def list_referrals(
    session: Session,
    *,
    las: Collection[str] | None = None,
    status: str | None = "open",
    child_id: str | None = None,
    offset: int = 0,
    limit: int = 100,
    where: ReferralFilter | None = None,
) -> list[Referral]:
    """Referrals within `las` (by default the open ones), most urgent and soonest first;
    `where` (if given) replaces `las`, `status` and `child_id` with its own filters."""
    check_page(offset, limit)
    f = where or ReferralFilter(las=las, status=status, child_id=child_id)
    urgency_rank = case(
        {"emergency": 0, "urgent": 1, "planned": 2}, value=col(Referral.urgency), else_=3
    )
    q = _filtered(select(Referral), f).order_by(
        urgency_rank, col(Referral.needed_by), col(Referral.id)
    )
    return list(session.exec(q.offset(offset).limit(limit)))


def count_referrals(session: Session, where: ReferralFilter) -> int:
    """How many referrals `where` matches (for paging)."""
    q = _filtered(select(func.count()).select_from(Referral), where)
    return int(session.exec(q).one())


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
