"""Referrals: a child needs a placement, how urgently, by when, and what they said they
want (where to live, who with, what matters). An open referral whose child has a place
held shows the live proposal holding it (`proposal`). Reads are audited."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from sqlmodel import Session

import store
from api.deps import Staff, Svc
from api.errors import responses
from api.routes.common import IdFilter, Limit, Offset, RecordId, Serial, aware, page
from api.schemas.common import Page
from api.schemas.referrals import ReferralIn, ReferralOut, ReferralPatch

router = APIRouter(tags=["referrals"])


def _outs(s: Session, rows: list[store.Referral], user: store.User) -> list[dict[str, Any]]:
    """The referrals, each open one with the live proposal holding its child's place."""
    open_children = [r.child_id for r in rows if r.status == "open"]
    held = store.holding_proposals(s, open_children, las=user.las)
    out = []
    for r in rows:
        record = ReferralOut.model_validate(r).model_dump()
        p = held.get(r.child_id) if r.status == "open" else None
        record["proposal"] = (
            {"id": p.id, "household_id": p.household_id, "hold_until": aware(p.hold_until)}
            if p is not None
            else None
        )
        out.append(record)
    return out


def _out(s: Session, r: store.Referral, user: store.User) -> dict[str, Any]:
    return _outs(s, [r], user)[0]


@router.post(
    "/children/{child_id}/referrals",
    response_model=ReferralOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 404, 409, 422),
    summary="Open a referral for a child, with the child's views",
)
def open_referral(child_id: RecordId, body: ReferralIn, user: Staff, svc: Svc) -> Any:
    """409 if the child already has an open referral."""
    with svc.writes.transaction() as s:
        referral = store.open_referral(
            s, child_id, body.model_dump(mode="json"), by=user, las=user.las
        )
        return _out(s, referral, user)


@router.get(
    "/referrals",
    response_model=Page[ReferralOut],
    responses=responses(401, 403, 422),
    summary="List referrals, most urgent and soonest first",
)
def list_referrals(
    user: Staff,
    svc: Svc,
    status: Annotated[
        Literal["open", "placed", "closed", "any"], Query(description="default open")
    ] = "open",
    child_id: IdFilter = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    with svc.writes.transaction() as s:
        rows = store.list_referrals(
            s,
            las=user.las,
            status=None if status == "any" else status,
            child_id=child_id,
            offset=offset,
            limit=limit,
        )
        if rows:
            store.record(s, user, "referral.list", [r.child_id for r in rows])
        return page(_outs(s, rows, user), offset, limit)


@router.get(
    "/referrals/{referral_id}",
    response_model=ReferralOut,
    responses=responses(401, 403, 404, 422),
    summary="Read a referral and the child's views",
)
def get_referral(referral_id: Serial, user: Staff, svc: Svc) -> Any:
    with svc.writes.transaction() as s:
        referral = store.get_referral(s, referral_id, las=user.las)
        store.record(s, user, "referral.read", [referral.child_id], referral.id)
        return _out(s, referral, user)


@router.patch(
    "/referrals/{referral_id}",
    response_model=ReferralOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Change an open referral's urgency, date or the child's views",
)
def update_referral(referral_id: Serial, body: ReferralPatch, user: Staff, svc: Svc) -> Any:
    changes = body.model_dump(mode="json", exclude_unset=True)
    with svc.writes.transaction() as s:
        referral = store.update_referral(s, referral_id, changes, by=user, las=user.las)
        return _out(s, referral, user)


@router.post(
    "/referrals/{referral_id}/close",
    response_model=ReferralOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Close an open referral (no placement needed any more)",
)
def close_referral(referral_id: Serial, user: Staff, svc: Svc) -> Any:
    """409 while a proposal for the child still holds a place: decline it first."""
    with svc.writes.transaction() as s:
        return _out(s, store.close_referral(s, referral_id, by=user, las=user.las), user)
