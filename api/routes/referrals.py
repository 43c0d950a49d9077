"""Referrals: a child needs a placement, how urgently, by when, and what they said they
want (where to live, who with, what matters). An open referral whose child has a place
held shows the live proposal holding it (`proposal`). Reads are audited."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status

from api.deps import Staff, Svc
from api.errors import responses
from api.routes.common import IdFilter, Limit, Offset, RecordId, Serial, page
from api.schemas.common import Page
from api.schemas.referrals import ReferralIn, ReferralOut, ReferralPatch
from api.services import referrals

router = APIRouter(tags=["referrals"])


@router.post(
    "/children/{child_id}/referrals",
    response_model=ReferralOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 404, 409, 422),
    summary="Open a referral for a child, with the child's views",
)
def open_referral(child_id: RecordId, body: ReferralIn, user: Staff, svc: Svc) -> Any:
    """409 if the child already has an open referral."""
    return referrals.open_referral(svc, user, child_id, body.model_dump(mode="json"))


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
    urgency: Annotated[
        Literal["emergency", "urgent", "planned"] | None, Query(description="only this urgency")
    ] = None,
    la: Annotated[str | None, Query(max_length=64, description="only this LA of yours")] = None,
    age_band: Annotated[
        Literal["under-1", "1-4", "5-9", "10-15", "16-plus"] | None,
        Query(description="only children of this age band"),
    ] = None,
    need: Annotated[
        str | None, Query(max_length=64, description="only children with this need")
    ] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    items = referrals.list_referrals(
        svc,
        user,
        status=None if status == "any" else status,
        child_id=child_id,
        urgency=urgency,
        la=la,
        age_band=age_band,
        need=need,
        offset=offset,
        limit=limit,
    )
    return page(items, offset, limit)


@router.get(
    "/referrals/{referral_id}",
    response_model=ReferralOut,
    responses=responses(401, 403, 404, 422),
    summary="Read a referral and the child's views",
)
def get_referral(referral_id: Serial, user: Staff, svc: Svc) -> Any:
    return referrals.read_referral(svc, user, referral_id)


@router.patch(
    "/referrals/{referral_id}",
    response_model=ReferralOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Change an open referral's urgency, date or the child's views",
)
def update_referral(referral_id: Serial, body: ReferralPatch, user: Staff, svc: Svc) -> Any:
    changes = body.model_dump(mode="json", exclude_unset=True)
    return referrals.update_referral(svc, user, referral_id, changes)


@router.post(
    "/referrals/{referral_id}/close",
    response_model=ReferralOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Close an open referral (no placement needed any more)",
)
def close_referral(referral_id: Serial, user: Staff, svc: Svc) -> Any:
    """409 while a proposal for the child still holds a place: decline it first."""
    return referrals.close_referral(svc, user, referral_id)
