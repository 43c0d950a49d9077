"""Batch runs (journey 5): my LAs' runs newest first and a form to start one over my
LAs' open referrals; a run's page with its progress (a Refresh link, and our small
script reloads it while the run goes), its result (placed by urgency, sibling groups,
each unplaced child with the reasons and what would change) and a form turning chosen
assignments into proposals in one step. The same services as `/match-runs`
(`api/services/runs.py`): another LA's run is the same 404 page as an unknown id; the
result's read is audited (`match.run_read`) as the API's is."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

import store
from api.deps import StaffPage, Svc
from api.pages.common import RUN_STATUS, page_router, render, see_other
from api.pages.proposals import STATUS_LABELS, rule_words
from api.pages.referrals import URGENCY_LABELS, URGENCY_TAGS
from api.routes.common import RecordId
from api.services import runs

router = page_router()

PER_PAGE = 25
MIN_LIMIT, MAX_LIMIT = 0.5, 120.0
OUTCOMES: dict[str, str] = {
    "together": "Placed together",
    "split": "Placed apart",
    "unplaced": "Not placed",
}


async def _list(
    request: Request,
    user: store.User,
    svc: Any,
    *,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
    time_limit: str = "",
) -> HTMLResponse:
    items = await run_in_threadpool(runs.list_runs, svc, user, 0, PER_PAGE)
    return render(
        request,
        "runs/list.html",
        title="Batch runs",
        status_code=status_code,
        errors=errors or [],
        items=items,
        run_status=RUN_STATUS,
        time_limit=time_limit,
        las=list(user.las),
    )


@router.get("/runs", response_class=HTMLResponse)
async def runs_page(request: Request, user: StaffPage, svc: Svc) -> HTMLResponse:
    return await _list(request, user, svc)


@router.post("/runs", response_class=HTMLResponse)
async def start_run(request: Request, user: StaffPage, svc: Svc) -> Response:
    form = await request.form()
    raw = form.get("time_limit")
    text = raw.strip() if isinstance(raw, str) else ""
    limit: float | None = None
    if text:
        try:
            limit = float(text)
        except ValueError:
            limit = -1.0
        if not MIN_LIMIT <= limit <= MAX_LIMIT:
            why = (
                f"Enter a time limit from {MIN_LIMIT:g} to {MAX_LIMIT:g} seconds, or leave it empty"
            )
            return await _list(
                request, user, svc, errors=[("time_limit", why)], status_code=422, time_limit=text
            )
    try:
        run = await run_in_threadpool(runs.start_run, svc, user, None, limit)
    except store.Conflict:
        why = "A run over your LAs is already going: wait for it to finish"
        return await _list(
            request, user, svc, errors=[("time_limit", why)], status_code=409, time_limit=text
        )
    return see_other(f"/runs/{run['id']}")


async def _show(
    request: Request,
    user: store.User,
    svc: Any,
    run_id: str,
    *,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
    outcomes: list[dict[str, Any]] | None = None,
) -> HTMLResponse:
    def load() -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, str]]:
        run = runs.read_run(svc, user, run_id)
        if run["status"] != "done":
            return run, None, {}
        return run, runs.run_result(svc, user, run_id), runs.child_urgencies(svc, user)

    run, result, urgency = await run_in_threadpool(load)
    order = {u: k for k, u in enumerate(URGENCY_LABELS)}
    assignments = sorted(
        (result or {}).get("assignments", []),
        key=lambda a: (order.get(urgency.get(a["child"], ""), 9), -a["score"], a["child"]),
    )
    return render(
        request,
        "runs/show.html",
        title=f"Batch run {run['id']}",
        status_code=status_code,
        errors=errors or [],
        run=run,
        result=result,
        assignments=assignments,
        urgency=urgency,
        urgencies=URGENCY_LABELS,
        urgency_tags=URGENCY_TAGS,
        run_status=RUN_STATUS,
        outcome_labels=OUTCOMES,
        outcomes=outcomes,
        proposal_statuses=STATUS_LABELS,
        rule_words=rule_words,
    )


@router.get("/runs/{run_id}", response_class=HTMLResponse)
async def run_page(request: Request, run_id: RecordId, user: StaffPage, svc: Svc) -> HTMLResponse:
    return await _show(request, user, svc, run_id)


@router.post("/runs/{run_id}/restart", response_class=HTMLResponse)
async def restart_run(request: Request, run_id: RecordId, user: StaffPage, svc: Svc) -> Response:
    """A failed or interrupted run started again over the same LAs with the same time
    limit (`POST /match-runs/{id}/restart`'s service); the new run's page."""
    try:
        new = await run_in_threadpool(runs.restart_run, svc, user, run_id)
    except store.Conflict as e:
        why = f"This run cannot be started again: {e}"
        return await _show(request, user, svc, run_id, errors=[("restart", why)], status_code=409)
    return see_other(f"/runs/{new['id']}")


@router.post("/runs/{run_id}/proposals", response_class=HTMLResponse)
async def propose_chosen(
    request: Request, run_id: RecordId, user: StaffPage, svc: Svc
) -> HTMLResponse:
    """Each chosen assignment proposed by the propose service; the outcome of each is
    shown at once (a page of what was done, not a form to send again)."""
    form = await request.form()
    chosen: list[tuple[str, str]] = []
    for value in form.getlist("assignment"):
        if isinstance(value, str) and value.count("|") == 1 and len(value) <= 200:
            child, carer = value.split("|")
            chosen.append((child, carer))
    if not chosen:
        why = "Choose at least one match to propose"
        return await _show(
            request, user, svc, run_id, errors=[("assignments", why)], status_code=422
        )
    outcomes = await run_in_threadpool(runs.propose_assignments, svc, user, run_id, chosen)
    return render(
        request,
        "runs/proposed.html",
        title="Proposals from the batch run",
        run_id=run_id,
        outcomes=outcomes,
        rule_words=rule_words,
    )
