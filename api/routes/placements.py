"""Placements: who lives where since when; ending one frees the place. Reads audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import Staff, Svc
from api.errors import responses
from api.routes.common import IdFilter, Limit, Offset, Serial, page
from api.schemas.common import Page
from api.schemas.proposals import EndIn, PlacementOut
from api.services import placements

router = APIRouter(tags=["placements"])


@router.get(
    "/placements",
    response_model=Page[PlacementOut],
    responses=responses(401, 403, 422),
    summary="List placements of your LAs' children, newest first",
)
def list_placements(
    user: Staff,
    svc: Svc,
    child_id: IdFilter = None,
    household_id: IdFilter = None,
    current: Annotated[bool | None, Query(description="true: not ended; false: ended")] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    items = placements.list_placements(
        svc,
        user,
        child_id=child_id,
        household_id=household_id,
        current=current,
        offset=offset,
        limit=limit,
    )
    return page(items, offset, limit)


@router.get(
    "/placements/{placement_id}",
    response_model=PlacementOut,
    responses=responses(401, 403, 404, 422),
    summary="Read a placement",
)
def get_placement(placement_id: Serial, user: Staff, svc: Svc) -> Any:
    return placements.read_placement(svc, user, placement_id)


@router.post(
    "/placements/{placement_id}/end",
    response_model=PlacementOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="End a placement; the household's place is free again",
)
def end_placement(placement_id: Serial, body: EndIn, user: Staff, svc: Svc) -> Any:
    return placements.end_placement(svc, user, placement_id, body.reason, body.ended_on)
