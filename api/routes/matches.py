"""Ranked matches for a child or a sibling group, and the hard rules behind them
(api/services/matches.py).

Answered from the built problem the cache keeps for the caller's LAs (api/cache.py):
the eligible carers best first with reasons, and near misses that fail one rule. Every
request is audited (`match.rank`, with the children's ids).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response

import store
from api.deps import Anyone, Services, Staff
from api.errors import responses
from api.routes.common import Limit, Offset, RecordId, page
from api.schemas.common import Page
from api.schemas.matches import CarerRankingOut, RankingOut, RuleOut
from api.services import matches

router = APIRouter(tags=["matches"])

Top = Annotated[int, Query(ge=1, le=500, description="matches to return")]
Near = Annotated[int, Query(ge=0, le=500, description="near misses to return")]


async def _ranked(
    request: Request,
    user: store.User,
    subject: str,
    kind: Literal["child", "group"],
    top: int,
    near: int,
) -> Response:
    svc: Services = request.app.state.services
    body, _children, _eligible = await matches.rank_carers(svc, user, subject, kind, top, near)
    return Response(body, media_type="application/json")


@router.get(
    "/children/{child_id}/matches",
    response_model=RankingOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Ranked matches for a child, with reasons and near misses",
)
async def child_matches(
    child_id: RecordId, user: Staff, request: Request, top: Top = 20, near: Near = 10
) -> Any:
    """Every eligible carer with a free (unheld) place, best first, each with its
    reasons; then carers that fail exactly one hard rule, closest first, naming it.
    409 if the child has no open referral."""
    return await _ranked(request, user, child_id, "child", top, near)


@router.get(
    "/sibling-groups/{group_id}/matches",
    response_model=RankingOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Ranked matches for a whole sibling group",
)
async def group_matches(
    group_id: RecordId, user: Staff, request: Request, top: Top = 20, near: Near = 10
) -> Any:
    """Households that can take every referred member together."""
    return await _ranked(request, user, group_id, "group", top, near)


@router.get(
    "/carers/{carer_id}/matches",
    response_model=CarerRankingOut,
    responses=responses(401, 403, 404, 422),
    summary="The referred children of your LAs a carer could take",
)
async def carer_matches(
    carer_id: RecordId, user: Staff, request: Request, top: Top = 20, near: Near = 10
) -> Any:
    """Family-finding the other way round (an approved adopter, a new vacancy): your
    LAs' children with an open referral whom this carer could take, best first, each
    with its reasons, then children who fail exactly one hard rule. Audited as
    `match.rank_carer` with the children listed."""
    svc: Services = request.app.state.services
    return await matches.rank_referred_children(svc, user, carer_id, top, near)


@router.get(
    "/rules",
    response_model=Page[RuleOut],
    responses=responses(401, 422),
    summary="The hard rules, and which may be set aside by an exception",
)
async def rules(user: Anyone, offset: Offset = 0, limit: Limit = 50) -> Any:
    items = matches.hard_rules(offset, limit)
    return page(items, offset, limit)
