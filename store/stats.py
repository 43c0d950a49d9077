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
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from ssda903.disclosure import SUPPRESSED, hidden, is_small
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
    by_urgency, by_kind = _open_referrals(session, las)
    return {
        "as_of": now.date(),
        "las": las,
        "open_referrals": sum(by_urgency.values()),
        "referrals_by_la_urgency": _counts(by_urgency),
        "referrals_by_kind": _counts(by_kind),
        "live_proposals": _live_proposals(session, las, now),
        "current_placements": _current_placements(session, las),
        "carers": _carers(session, las),
    }


def _counts(counter: Counter[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"la": la, "key": key, "count": n} for (la, key), n in sorted(counter.items())]


def _open_referrals(
    session: Session, las: list[str]
) -> tuple[Counter[tuple[str, str]], Counter[tuple[str, str]]]:
    """Open referrals counted by (LA, urgency) and by (LA, placement kind accepted)."""
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
    return by_urgency, by_kind


def _live_proposals(session: Session, las: list[str], now: datetime) -> list[dict[str, Any]]:
    """Proposals still held at `now`, by the LA of a child in them."""
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
    return [{"la": la, "key": "proposed", "count": int(n)} for la, n in sorted(live)]


def _current_placements(session: Session, las: list[str]) -> list[dict[str, Any]]:
    """Placements not ended, by the child's LA and the carer's kind."""
    placed = session.exec(
        select(ChildRecord.la, HouseholdRecord.kind, func.count())
        .select_from(Placement)
        .join(ChildRecord, col(ChildRecord.id) == col(Placement.child_id))
        .join(HouseholdRecord, col(HouseholdRecord.id) == col(Placement.household_id))
        .where(col(Placement.ended_on).is_(None), col(ChildRecord.la).in_(las))
        .group_by(col(ChildRecord.la), col(HouseholdRecord.kind))
    ).all()
    return [{"la": la, "key": kind, "count": int(n)} for la, kind, n in sorted(placed)]


def _carers(session: Session, las: list[str]) -> list[dict[str, Any]]:
    """Carer households, their places and vacancies, by LA and kind."""
    # SQLAlchemy's select (sqlmodel's is typed for at most four columns).
    carers = session.execute(
        sa_select(
            col(HouseholdRecord.la),
            col(HouseholdRecord.kind),
            func.count(),
            func.coalesce(func.sum(HouseholdRecord.places), 0),
            func.coalesce(func.sum(HouseholdRecord.vacancies), 0),
        )
        .where(col(HouseholdRecord.la).in_(las))
        .group_by(col(HouseholdRecord.la), col(HouseholdRecord.kind))
    ).all()
    return [
        {"la": la, "kind": kind, "households": int(n), "places": int(p), "vacancies": int(v)}
        for la, kind, n, p, v in sorted(carers)
    ]


def without_small_numbers(stats: dict[str, Any]) -> dict[str, Any]:
    """`aggregates` as shown to planners: counts of children from 1 to 4 hidden (count
    null, `hidden` saying why), and where cells add up to a total that can be read,
    another cell hidden with them (ssda903.disclosure). Carers' counts are not children's
    and stay as they are."""
    out = dict(stats)
    by_urgency = [dict(c, hidden=None) for c in stats["referrals_by_la_urgency"]]
    for la in {c["la"] for c in by_urgency}:
        _hide([c for c in by_urgency if c["la"] == la])  # an LA's total can be read elsewhere
    if sum(c["hidden"] is not None for c in by_urgency) == 1:  # the grand total is shown
        rest = [c for c in by_urgency if c["hidden"] is None and c["count"]]
        if rest:
            min(rest, key=lambda c: c["count"])["hidden"] = SUPPRESSED
    out["referrals_by_la_urgency"] = [_blank(c) for c in by_urgency]
    out["open_referrals"] = None if is_small(stats["open_referrals"]) else stats["open_referrals"]
    for name in ("referrals_by_kind", "live_proposals", "current_placements"):
        cells = [dict(c, hidden=None) for c in stats[name]]
        _hide(cells, total_shown=False)
        out[name] = [_blank(c) for c in cells]
    return out


def _hide(cells: list[dict[str, Any]], *, total_shown: bool = True) -> None:
    for k, why in hidden([c["count"] for c in cells], total_shown=total_shown).items():
        cells[k]["hidden"] = why


def _blank(cell: dict[str, Any]) -> dict[str, Any]:
    return cell | {"count": None} if cell["hidden"] else cell
