"""Referrals: open, list, read, change and close, within the user's LAs. Reads are
audited (`referral.list`, `referral.read`); changes by the store. An open referral whose
child has a place held shows the live proposal holding it (`proposal`)."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, select

import store
from api.deps import Services
from api.schemas.referrals import ReferralOut
from api.services.common import Reading, aware, reading


def referral_records(
    s: Session, rows: list[store.Referral], user: store.User
) -> list[dict[str, Any]]:
    """The referrals, each with its child's LA, age and needs (`child`), and each open
    one with the live proposal holding its child's place."""
    open_children = [r.child_id for r in rows if r.status == "open"]
    held = store.holding_proposals(s, open_children, las=user.las)
    ids = sorted({r.child_id for r in rows})
    # Only the three columns shown: a whole child row decodes a dozen JSON columns.
    child = store.ChildRecord
    children = {
        cid: {"la": la, "age": age, "needs": list(needs)}
        for cid, la, age, needs in s.exec(
            select(child.id, child.la, child.age, child.needs).where(col(child.id).in_(ids))
        )
    }
    out = []
    for r in rows:
        record = ReferralOut.model_validate(r).model_dump()
        record["child"] = children.get(r.child_id)
        p = held.get(r.child_id) if r.status == "open" else None
        record["proposal"] = (
            {"id": p.id, "household_id": p.household_id, "hold_until": aware(p.hold_until)}
            if p is not None
            else None
        )
        out.append(record)
    return out


def _record(s: Session, r: store.Referral, user: store.User) -> dict[str, Any]:
    return referral_records(s, [r], user)[0]


def open_referral(
    svc: Services, user: store.User, child_id: str, values: dict[str, Any]
) -> dict[str, Any]:
    """Open a referral for a child of the user's LAs (Conflict if one is open)."""
    with svc.writes.transaction() as s:
        referral = store.open_referral(s, child_id, values, by=user, las=user.las)
        return _record(s, referral, user)


def list_referrals(
    svc: Services,
    user: store.User,
    *,
    status: str | None,
    child_id: str | None,
    offset: int,
    limit: int,
    urgency: str | None = None,
    la: str | None = None,
    age_band: str | None = None,
    need: str | None = None,
    within: Reading | None = None,
) -> list[dict[str, Any]]:
    """A page of referrals of `status` (None: any) within the user's LAs, most urgent
    and soonest first, matching each filter given (the JSON list and the Referrals page)."""
    where = referral_filter(user, status, child_id, urgency, la, age_band, need)
    with reading(svc, within) as r:
        rows = store.list_referrals(r.session, offset=offset, limit=limit, where=where)
        if rows:
            r.audit(user, "referral.list", [row.child_id for row in rows])
        return referral_records(r.session, rows, user)


def count_referrals(
    svc: Services,
    user: store.User,
    *,
    status: str | None,
    child_id: str | None,
    urgency: str | None = None,
    la: str | None = None,
    age_band: str | None = None,
    need: str | None = None,
    within: Reading | None = None,
) -> int:
    """How many referrals `list_referrals` pages through (a count: no child is read)."""
    where = referral_filter(user, status, child_id, urgency, la, age_band, need)
    with reading(svc, within) as r:
        return store.count_referrals(r.session, where)


def referral_filter(
    user: store.User,
    status: str | None,
    child_id: str | None,
    urgency: str | None,
    la: str | None,
    age_band: str | None,
    need: str | None,
) -> store.ReferralFilter:
    """The filters within the user's LAs (an LA not theirs is Invalid, never widened)."""
    if la is not None and la not in user.las:
        raise store.Invalid.one("la", "not one of your LAs")
    return store.ReferralFilter(
        las=user.las,
        status=status,
        child_id=child_id,
        urgency=urgency,
        la=la,
        age_band=age_band,
        need=need,
    )


def read_referral(svc: Services, user: store.User, referral_id: int) -> dict[str, Any]:
    with reading(svc) as r:
        referral = store.get_referral(r.session, referral_id, las=user.las)
        r.audit(user, "referral.read", [referral.child_id], referral.id)
        return _record(r.session, referral, user)


def update_referral(
    svc: Services, user: store.User, referral_id: int, changes: dict[str, Any]
) -> dict[str, Any]:
    with svc.writes.transaction() as s:
        referral = store.update_referral(s, referral_id, changes, by=user, las=user.las)
        return _record(s, referral, user)


def close_referral(svc: Services, user: store.User, referral_id: int) -> dict[str, Any]:
    """Close an open referral (Conflict while a proposal still holds a place)."""
    with svc.writes.transaction() as s:
        return _record(s, store.close_referral(s, referral_id, by=user, las=user.las), user)
