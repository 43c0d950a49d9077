"""Batch runs (journey 5): my LAs' runs newest first and a form to start one over my
LAs' open referrals; a run's page with its progress (a Refresh link, and our small
script reloads it while the run goes), then its result: a summary first (matched by
urgency with shares, sibling groups, distance, home LA; two bar charts drawn here as
SVG), the matches grouped by urgency (emergencies first, each group a <details>,
filtered by urgency, LA and matched or not) in one form turning chosen assignments into
proposals in one step, and the children not matched with the reasons and what would
change. A failed or interrupted run says why and starts again (the restart service).
The same services as `/match-runs` (`api/services/runs.py`): another LA's run is the
same 404 page as an unknown id; the result's read is audited (`match.run_read`) as the
API's is."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

import geo
import store
from api.deps import StaffPage, Svc
from api.pages.common import RUN_STATUS, page_router, render, see_other
from api.pages.proposals import rule_words
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
        wait = form.get("wait_for_better") == "yes"
        run = await run_in_threadpool(runs.start_run, svc, user, None, limit, wait)
    except store.Conflict:
        why = "A run over your LAs is already going: wait for it to finish"
        return await _list(
            request, user, svc, errors=[("time_limit", why)], status_code=409, time_limit=text
        )
    return see_other(f"/runs/{run['id']}")


#: A child whose referral is no longer open (proposed, placed or closed since the run).
NOT_OPEN = "none"
NOT_OPEN_LABEL = "No open referral now"
TWENTY_MILES_KM = geo.TWENTY_MILES_KM
#: Distance bands of the placed children, in miles (upper bound; None: beyond).
BANDS: tuple[tuple[float | None, str], ...] = (
    (5, "Up to 5 miles"),
    (10, "5 to 10 miles"),
    (20, "10 to 20 miles"),
    (None, "Over 20 miles"),
)
#: The charts' drawing (SVG user units): label column, bar length, row height.
CHART_LABEL_W, CHART_BAR_W, CHART_ROW_H, CHART_W = 170, 300, 36, 640
PLACED_CHOICES: dict[str, str] = {"placed": "Matched", "unplaced": "Not matched"}


def read_filters(
    query: Mapping[str, str], las: list[str]
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The result's filters as the GET form sent them (LA, urgency, matched or not),
    each checked against its choices; a bad one is an error and shown unfiltered."""
    choices: dict[str, Collection[str]] = {
        "la": las,
        "urgency": URGENCY_LABELS,
        "placed": PLACED_CHOICES,
    }
    words = {
        "la": "Choose one of your LAs from the list",
        "urgency": "Choose an urgency from the list",
        "placed": "Choose matched or not matched from the list",
    }
    filters: dict[str, str] = {}
    errors: list[tuple[str, str]] = []
    for name, allowed in choices.items():
        value = query.get(name, "").strip()
        if value and value not in allowed:
            errors.append((name, words[name]))
            value = ""
        filters[name] = value
    return filters, errors


def band_of(km: float) -> int:
    """The distance band (index of BANDS) of a distance in km."""
    for k, (high, _) in enumerate(BANDS):
        if high is None or km <= high * geo.KM_PER_MILE:
            return k
    return len(BANDS) - 1


def _share(part: int, whole: int) -> int | None:
    """A share in whole per cent, or None of nothing."""
    return round(100 * part / whole) if whole else None


def _bars(rows: list[tuple[str, int, int]]) -> dict[str, Any]:
    """A horizontal bar chart's geometry: each row (label, value, whole) drawn as the
    value's part of a bar whose full length is the largest whole."""
    longest = max((whole for _, _, whole in rows), default=0) or 1
    drawn = []
    for k, (label, value, whole) in enumerate(rows):
        drawn.append(
            {
                "label": label,
                "y": 8 + k * CHART_ROW_H,
                "value": value,
                "whole": whole,
                "w": round(CHART_BAR_W * value / longest, 1),
                "whole_w": round(CHART_BAR_W * whole / longest, 1),
            }
        )
    return {
        "rows": drawn,
        "height": 16 + len(rows) * CHART_ROW_H,
        "x": CHART_LABEL_W,
        "text_x": CHART_LABEL_W + CHART_BAR_W + 10,
        "width": CHART_W,
        "bar_h": CHART_ROW_H - 14,
    }


def _summary(
    result: dict[str, Any],
    placed: list[dict[str, Any]],
    unplaced: list[dict[str, Any]],
    order: list[str],
) -> dict[str, Any]:
    """The whole run in figures: by urgency, sibling groups, distance, home LA, and the
    two charts' geometry."""
    by_urgency: list[dict[str, Any]] = []
    for u in order:
        n_placed = sum(1 for a in placed if a["urgency"] == u)
        n_unplaced = sum(1 for x in unplaced if x["urgency"] == u)
        total = n_placed + n_unplaced
        if total or u != NOT_OPEN:
            by_urgency.append(
                {
                    "key": u,
                    "label": URGENCY_LABELS.get(u, NOT_OPEN_LABEL),
                    "total": total,
                    "placed": n_placed,
                    "unplaced": n_unplaced,
                    "share": _share(n_placed, total),
                }
            )
    distances = [a["distance_km"] for a in placed]
    counted = [0] * len(BANDS)
    for d in distances:
        counted[band_of(d)] += 1
    bands: list[dict[str, Any]] = [
        {"label": label, "count": n, "share": _share(n, len(distances))}
        for (_, label), n in zip(BANDS, counted, strict=True)
    ]
    groups = result["sibling_groups"]
    outcome_counts = {k: sum(1 for g in groups if g["outcome"] == k) for k in OUTCOMES}
    within = sum(1 for d in distances if d <= TWENTY_MILES_KM)
    in_home_la = sum(1 for a in placed if a["home_la"])
    mean_km = sum(distances) / len(distances) if distances else None
    return {
        "children": len(placed) + len(unplaced),
        "placed": len(placed),
        "unplaced": len(unplaced),
        "placed_share": _share(len(placed), len(placed) + len(unplaced)),
        "by_urgency": by_urgency,
        "groups": len(groups),
        "outcomes": outcome_counts,
        "mean_km": mean_km,
        "mean_miles": None if mean_km is None else mean_km / geo.KM_PER_MILE,
        "within": within,
        "within_share": _share(within, len(placed)),
        "home_la": in_home_la,
        "home_la_share": _share(in_home_la, len(placed)),
        "bands": bands,
        "urgency_chart": _bars([(r["label"], r["placed"], r["total"]) for r in by_urgency]),
        "band_chart": _bars([(b["label"], b["count"], b["count"]) for b in bands]),
    }


def overview(
    result: dict[str, Any], facts: dict[str, Any], filters: dict[str, str]
) -> dict[str, Any]:
    """A finished run read as an officer reads it: the summary of the whole run (by
    urgency, sibling groups, distance, home LA; with two charts' geometry), then the
    matches grouped by urgency (emergencies first) and the children not matched, both
    as `filters` narrow them."""
    kids: dict[str, tuple[str, str]] = facts["children"]
    carer_la: dict[str, str] = facts["carers"]
    order = [*URGENCY_LABELS, NOT_OPEN]

    def about(child: str) -> tuple[str, str | None]:
        urgency, la = kids.get(child, (NOT_OPEN, None))
        return urgency, la

    placed = []
    for a in result["assignments"]:
        urgency, la = about(a["child"])
        home = la is not None and carer_la.get(a["carer"]) == la
        miles = a["distance_km"] / geo.KM_PER_MILE
        placed.append({**a, "urgency": urgency, "la": la, "home_la": home, "miles": miles})
    unplaced = []
    for x in result["unplaced"]:
        urgency, la = about(x["child"])
        unplaced.append({**x, "urgency": urgency, "la": la})

    summary = _summary(result, placed, unplaced, order)

    def shown(row: dict[str, Any]) -> bool:
        return (not filters["la"] or row["la"] == filters["la"]) and (
            not filters["urgency"] or row["urgency"] == filters["urgency"]
        )

    match_groups = []
    if filters["placed"] != "unplaced":
        for u in order:
            rows = sorted(
                (a for a in placed if a["urgency"] == u and shown(a)),
                key=lambda a: (-a["score"], a["child"]),
            )
            if rows:
                label = URGENCY_LABELS.get(u, NOT_OPEN_LABEL)
                match_groups.append({"key": u, "label": label, "rows": rows})
    left_groups = []
    if filters["placed"] != "placed":
        for u in order:
            rows = sorted((x for x in unplaced if x["urgency"] == u and shown(x)), key=_child)
            if rows:
                label = URGENCY_LABELS.get(u, NOT_OPEN_LABEL)
                left_groups.append({"key": u, "label": label, "rows": rows})
    return {
        "summary": summary,
        "match_groups": match_groups,
        "matches_shown": sum(len(g["rows"]) for g in match_groups),
        "unplaced_groups": left_groups,
        "unplaced_shown": sum(len(g["rows"]) for g in left_groups),
    }


def _child(row: dict[str, Any]) -> str:
    return str(row["child"])


async def _show(
    request: Request,
    user: store.User,
    svc: Any,
    run_id: str,
    *,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    filters, bad = read_filters(request.query_params, list(user.las))

    def load() -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any]]:
        run = runs.read_run(svc, user, run_id)
        if run["status"] != "done":
            return run, None, {}
        return run, runs.run_result(svc, user, run_id), runs.run_facts(svc, user)

    run, result, facts = await run_in_threadpool(load)
    errors = (errors or []) + bad
    return render(
        request,
        "runs/show.html",
        title=f"Batch run {run['id']}",
        status_code=status_code if status_code != 200 or not bad else 422,
        errors=errors,
        run=run,
        result=result,
        view=overview(result, facts, filters) if result else None,
        filters=filters,
        filtered=any(filters.values()),
        las_options={la: la for la in user.las},
        placed_choices=PLACED_CHOICES,
        urgencies=URGENCY_LABELS,
        urgency_tags=URGENCY_TAGS,
        run_status=RUN_STATUS,
        outcome_labels=OUTCOMES,
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
