"""A placement's page (journey 4): who lives where since when, and ending it with a
reason (a form). The same service as `GET /placements/{id}` and `POST
/placements/{id}/end` (`api/services/placements.py`): the same scope (another LA's
placement is the same 404 page as an unknown id) and audit (`placement.read`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

import store
from api.deps import StaffPage, Svc
from api.pages.common import page_router, render, see_other
from api.pages.proposals import form_text
from api.routes.common import Serial
from api.services import placements

router = page_router()


async def _show(
    request: Request,
    user: store.User,
    svc: Any,
    placement_id: int,
    *,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
    reason: str = "",
) -> HTMLResponse:
    pl = await run_in_threadpool(placements.read_placement, svc, user, placement_id)
    return render(
        request,
        "placements/show.html",
        title=f"Placement {pl['id']}",
        status_code=status_code,
        errors=errors or [],
        pl=pl,
        reason=reason,
    )


@router.get("/placements/{placement_id}", response_class=HTMLResponse)
async def placement_page(
    request: Request, placement_id: Serial, user: StaffPage, svc: Svc
) -> HTMLResponse:
    return await _show(request, user, svc, placement_id)


@router.post("/placements/{placement_id}/end", response_class=HTMLResponse)
async def end_placement(
    request: Request, placement_id: Serial, user: StaffPage, svc: Svc
) -> Response:
    form = await request.form()
    raw = form.get("reason")
    errors: list[tuple[str, str]] = []
    reason = form_text(raw, "reason", required="Enter why the placement ended", errors=errors)
    kept = raw if isinstance(raw, str) else ""
    if reason is None:
        return await _show(
            request, user, svc, placement_id, errors=errors, status_code=422, reason=kept
        )
    try:
        await run_in_threadpool(placements.end_placement, svc, user, placement_id, reason, None)
    except store.Conflict as e:
        errors = [("reason", f"This placement cannot be ended: {e}")]
        return await _show(
            request, user, svc, placement_id, errors=errors, status_code=409, reason=kept
        )
    return see_other(f"/placements/{placement_id}?saved=ended")
