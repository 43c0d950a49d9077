"""Ranked matches for a child or a sibling group, and the hard rules behind them.

Answered from the built problem the cache keeps for the caller's LAs (api/cache.py):
the eligible carers best first with reasons, and near misses that fail one rule. Every
request is audited (`match.rank`, with the children's ids).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

import store
from api.deps import Anyone, Services, Staff
from api.errors import responses
from api.routes.common import Limit, Offset, RecordId, absent, page
from api.schemas.common import Page
from api.schemas.matches import CarerRankingOut, RankingOut, RuleOut
from matching import RULES, rank_children

router = APIRouter(tags=["matches"])

Top = Annotated[int, Query(ge=1, le=500, description="matches to return")]
Near = Annotated[int, Query(ge=0, le=500, description="near misses to return")]


async def _ranked(
    svc: Services, user: store.User, subject: str, kind: str, top: int, near: int
) -> Response:
    # The busiest endpoint, so async: work happens in a worker thread only when the
    # cache must be checked, rebuilt or filled; a ranking already made is answered on
    # the event loop; the audit entry is group-committed (api/auditlog.py) before the
    # answer leaves.
    snap = svc.cache.fresh(user.las) or await run_in_threadpool(svc.cache.snapshot, user.las)
    present = subject in (snap.groups if kind == "group" else snap.problem.child_by_id)
    if not present:
        await run_in_threadpool(absent, svc, user, subject, kind)
    ranked = snap.rankings.get((subject, top, near))
    if ranked is None:
        ranked = await run_in_threadpool(snap.ranking, subject, top, near)
    body, children, eligible = ranked
    await svc.audit.record(
        user, "match.rank", children, subject, {"top": top, "eligible": eligible}
    )
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
    return await _ranked(request.app.state.services, user, child_id, "child", top, near)


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
    return await _ranked(request.app.state.services, user, group_id, "group", top, near)


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
    snap = svc.cache.fresh(user.las) or await run_in_threadpool(svc.cache.snapshot, user.las)
    try:
        ranked = await run_in_threadpool(rank_children, snap.problem, carer_id, top, near, snap.ctx)
    except KeyError:

        def missing() -> None:
            with store.read_session(svc.engine) as s:
                store.get_household(s, carer_id)  # 404 if there is no such household
            raise store.Conflict(f"carer {carer_id} is not in the matching problem")

        await run_in_threadpool(missing)
        raise
    children = [m.child for m in ranked.matches] + [m.child for m in ranked.near_misses]
    await svc.audit.record(
        user,
        "match.rank_carer",
        children,
        carer_id,
        {"top": top, "eligible": ranked.eligible_count},
    )
    return ranked.to_dict()


@router.get(
    "/rules",
    response_model=Page[RuleOut],
    responses=responses(401, 422),
    summary="The hard rules, and which may be set aside by an exception",
)
async def rules(user: Anyone, offset: Offset = 0, limit: Limit = 50) -> Any:
    items = [
        {
            "id": r.id,
            "section": r.section,
            "summary": r.summary,
            "exception_allowed": r.exception_allowed,
        }
        for r in RULES[offset : offset + limit]
    ]
    return page(items, offset, limit)
