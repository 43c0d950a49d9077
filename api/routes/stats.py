"""Counts for planners (and everyone): no child is named."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import Anyone, Svc
from api.errors import responses
from api.schemas.stats import StatsOut
from api.services.stats import counts

router = APIRouter(tags=["stats"])


@router.get(
    "/stats",
    response_model=StatsOut,
    responses=responses(401),
    summary="Counts for your LAs: referrals, proposals, placements, places",
)
def stats(user: Anyone, svc: Svc) -> Any:
    """Open referrals by LA and urgency and by the kinds of placement their plans
    accept; live proposals; current placements by carer kind; carer households, places
    and vacancies by LA and kind. The only view of children a planner has, so to a
    planner counts of 1 to 4 children are hidden ("fewer than 5", docs/security.md)."""
    return counts(svc, user)
