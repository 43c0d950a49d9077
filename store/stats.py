"""Counts for sufficiency planning: how many children wait, how urgently, for what kind
of placement; how many places there are. Numbers only, never a child's id, so a planner
can read them without seeing a child's record.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from store.models import (
    ChildRecord,
    HouseholdRecord,
    Placement,
    Proposal,
    ProposalChild,
    Referral,
    utcnow,
)


def aggregates(
    session: Session, las: Collection[str], *, now: datetime | None = None
) -> dict[str, Any]:
    """Open referrals by LA and urgency and by plan kind, live proposals by LA, current
    placements by LA and carer kind, and carer households, places and vacancies by LA
    and kind; for the children (and carers) of `las`."""
    now = now or utcnow()
    las = sorted(set(las))
    open_children = (
        select(ChildRecord.la, Referral.urgency, ChildRecord.accepts)
        .join(Referral, col(Referral.child_id) == col(ChildRecord.id))
        .where(Referral.status == "open", col(ChildRecord.la).in_(las))
    )
    by_urgency: Counter[tuple[str, str]] = Counter()
    by_kind: Counter[tuple[str, str]] = Counter()
    for la, urgency, accepts in session.exec(open_children):
        by_urgency[(la, urgency)] += 1
        for kind in accepts:
            by_kind[(la, kind)] += 1

    live = session.exec(
        select(ChildRecord.la, func.count(func.distinct(Proposal.id)))
        .join(ProposalChild, col(ProposalChild.proposal_id) == col(Proposal.id))
        .join(ChildRecord, col(ChildRecord.id) == col(ProposalChild.child_id))
        .where(
            Proposal.status == "proposed",
            col(Proposal.hold_until) > now,
            col(ChildRecord.la).in_(las),
        )
        .group_by(col(ChildRecord.la))
    ).all()
    placed = session.exec(
        select(ChildRecord.la, HouseholdRecord.kind, func.count())
        .select_from(Placement)
        .join(ChildRecord, col(ChildRecord.id) == col(Placement.child_id))
        .join(HouseholdRecord, col(HouseholdRecord.id) == col(Placement.household_id))
        .where(col(Placement.ended_on).is_(None), col(ChildRecord.la).in_(las))
        .group_by(col(ChildRecord.la), col(HouseholdRecord.kind))
    ).all()
    carers = session.exec(
        select(
            HouseholdRecord.la,
            HouseholdRecord.kind,
            func.count(),
            func.coalesce(func.sum(HouseholdRecord.places), 0),
            func.coalesce(func.sum(HouseholdRecord.vacancies), 0),
        )
        .where(col(HouseholdRecord.la).in_(las))
        .group_by(col(HouseholdRecord.la), col(HouseholdRecord.kind))
    ).all()

    def counts(counter: Counter[tuple[str, str]]) -> list[dict[str, Any]]:
        return [{"la": la, "key": key, "count": n} for (la, key), n in sorted(counter.items())]

    return {
        "as_of": now.date(),
        "las": las,
        "open_referrals": sum(by_urgency.values()),
        "referrals_by_la_urgency": counts(by_urgency),
        "referrals_by_kind": counts(by_kind),
        "live_proposals": [
            {"la": la, "key": "proposed", "count": int(n)} for la, n in sorted(live)
        ],
        "current_placements": [
            {"la": la, "key": kind, "count": int(n)} for la, kind, n in sorted(placed)
        ],
        "carers": [
            {
                "la": la,
                "kind": kind,
                "households": int(n),
                "places": int(p),
                "vacancies": int(v),
            }
            for la, kind, n, p, v in sorted(carers)
        ],
    }
