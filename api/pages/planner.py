"""The sufficiency planner's pages: the baseline from the LAs' 903 imports (figures and
plots), what-ifs built in a form (recruit households, close homes, change demand) or
pasted as YAML and compared with the baseline in the background (a progress page), and
the comparison's results and report.

The same services as `GET /baseline` and `/scenarios/comparisons` (api/services/
imports.py, api/services/scenarios.py): the same roles, scope and audit. Counts only:
a planner's baseline hides counts of 1 to 4 children, and nothing here names a child."""

from __future__ import annotations

import base64
from typing import Annotated, Any

import yaml
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

import store
from api.deps import PlannerPage, Svc, page
from api.headers import PAGE_POLICY
from api.pages.common import (
    RUN_STATUS_LABELS,
    RUN_STATUS_TAGS,
    page_router,
    render,
    see_other,
)
from api.routes.common import RecordId
from api.services import imports, scenarios
from scenarios.outcomes import SHARE_METRICS
from scenarios.spec import AGE_BANDS, with_changes

router = page_router()

#: Who sees the baseline (as `GET /baseline`): counts, no child named.
BaselinePage = Annotated[store.User, Depends(page(*imports.BASELINE_READERS))]

#: What the plots show, for their alternative text.
PLOT_TEXT: dict[str, str] = {
    "placements.png": "Children looked after by placement type",
    "bands.png": "Distance from home in the DfE's bands, beside England's 2015 shares",
    "distances.png": "Distance from home",
    "siblings.png": "Sibling groups together or apart",
}
KIND_LABELS: dict[str, str] = {
    "foster": "Foster carers",
    "kinship": "Kinship carers",
    "residential": "Children's homes",
    "supported": "Supported accommodation",
}
STATUS_LABELS, STATUS_TAGS = RUN_STATUS_LABELS, RUN_STATUS_TAGS
VERDICT_TAGS: dict[str, str] = {"better": "green", "worse": "red"}
#: The outcomes that are shares of children (shown as per cent).
SHARES = SHARE_METRICS


def fmt(value: float | None, metric: str, difference: bool = False) -> str:
    """An outcome as a planner reads it: shares as per cent (a difference in points),
    the rest to one decimal place; a dash for nothing measured."""
    if value is None:
        return "–"
    if metric in SHARES:
        text = f"{value * 100:+.1f}" if difference else f"{value * 100:.1f}"
        return f"{text} points" if difference else f"{text}%"
    return f"{value:+,.1f}" if difference else f"{value:,.1f}"


DEFAULTS: dict[str, str] = {
    "name": "",
    "horizon_weeks": "26",
    "replications": "5",
    "recruit_count": "",
    "recruit_kind": "foster",
    "recruit_la": "",
    "recruit_week": "4",
    "close_count": "",
    "close_kind": "residential",
    "close_la": "",
    "close_week": "8",
    "demand_percent": "",
    "yaml": "",
}


@router.get("/baseline", response_class=HTMLResponse)
async def baseline_page(request: Request, user: BaselinePage, svc: Svc) -> HTMLResponse:
    la = request.query_params.get("la", "").strip()
    errors: list[tuple[str, str]] = []
    if la and la not in user.las:
        errors.append(("la", "Choose one of your LAs from the list"))
        la = ""

    def load() -> tuple[dict[str, Any], dict[str, bytes]] | None:
        try:
            return imports.baseline_figures(svc, user, [la] if la else None)
        except store.NotFound:
            return None

    found = await run_in_threadpool(load)
    figures, pngs = found if found else ({}, {})
    plots = [
        (PLOT_TEXT.get(name, name), "data:image/png;base64," + base64.b64encode(png).decode())
        for name, png in pngs.items()
    ]
    return render(
        request,
        "planner/baseline.html",
        title="Baseline",
        status_code=422 if errors else 200,
        errors=errors,
        figures=figures,
        plots=plots,
        la=la,
        las_options={x: x for x in user.las},
    )


def _check_count(
    form: dict[str, str], name: str, label: str, errors: list[tuple[str, str]], most: int
) -> int | None:
    text = form.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit() or not 1 <= int(text) <= most:
        errors.append((name, f"{label} must be a whole number from 1 to {most:,}"))
        return None
    return int(text)


def what_if_las(user: store.User, base: dict[str, Any]) -> list[str]:
    """The LAs a what-if may recruit or close homes in: the user's within the
    baseline's region (the LAs of their 903 imports, or the shipped region's)."""
    return [la for la in user.las if la in base["las"]]


def baseline_yaml(base: dict[str, Any], horizon: int) -> str:
    """The baseline scenario of a comparison over `horizon` weeks: the shipped one by
    name, or the LAs' own (from their 903 imports) written out whole."""
    if base["source"] == "shipped":
        return f"base: {scenarios.SHIPPED_BASELINE}\nhorizon_weeks: {horizon}\n"
    doc = with_changes(base["document"], {"horizon_weeks": horizon})
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)


def _what_if_yaml(
    form: dict[str, str], user: store.User, base: dict[str, Any]
) -> tuple[str, list[tuple[str, str]]]:
    """The what-if scenario the form describes, as YAML: the baseline `base` (the
    shipped one by name, or the LAs' own written out) and what differs; or the errors
    naming each field at fault."""
    errors: list[tuple[str, str]] = []
    horizon = _check_count(form, "horizon_weeks", "The weeks to simulate", errors, 520)
    if horizon is None and not any(n == "horizon_weeks" for n, _ in errors):
        errors.append(("horizon_weeks", "Enter the weeks to simulate"))
    name = form.get("name", "").strip()[:100] or "what-if"
    doc: dict[str, Any] = {
        "base": "baseline.yaml",
        "name": name,
        "description": name,
        "horizon_weeks": horizon,
    }
    supply: dict[str, Any] = {}
    changed = False
    for part, verb in (("recruit", "recruit"), ("close", "close")):
        count = _check_count(form, f"{part}_count", f"Households to {verb}", errors, 10_000)
        week = _check_count(form, f"{part}_week", "The week", errors, 520)
        kind = form.get(f"{part}_kind", "")
        la = form.get(f"{part}_la", "")
        if count is None:
            continue
        if kind not in KIND_LABELS:
            errors.append((f"{part}_kind", "Choose a kind of home from the list"))
        if la not in what_if_las(user, base):
            errors.append((f"{part}_la", "Choose one of your LAs from the list"))
        supply[part] = [{"week": week or 1, "count": count, "la": la, "kind": kind}]
        changed = True
    if supply:
        doc["supply"] = supply
    demand = form.get("demand_percent", "").strip()
    if demand:
        try:
            percent = int(demand.removesuffix("%").strip())
        except ValueError:
            percent = None
        if percent is None or not -90 <= percent <= 500:
            errors.append(
                ("demand_percent", "The change in referrals must be a whole number, -90 to 500")
            )
        elif percent:
            doc["demand"] = {"age_multiplier": {b: round(1 + percent / 100, 3) for b in AGE_BANDS}}
            changed = True
    if not changed and not errors:
        errors.append(
            ("recruit_count", "Say what changes: households to recruit, homes to close or demand")
        )
    if base["source"] != "shipped":
        del doc["base"]
        doc = with_changes(base["document"], doc)
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), errors


async def _what_ifs(
    request: Request,
    user: store.User,
    svc: Svc,
    *,
    form: dict[str, str] | None = None,
    errors: list[tuple[str, str]] | None = None,
) -> HTMLResponse:
    def load() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        listed = scenarios.list_comparisons(svc, user, 0, 10)
        return listed, scenarios.what_if_baseline(svc, user)

    found, base = await run_in_threadpool(load)
    return render(
        request,
        "planner/what_ifs.html",
        title="What-ifs",
        status_code=422 if errors else 200,
        errors=errors or [],
        form={**DEFAULTS, **(form or {})},
        kinds=KIND_LABELS,
        las_options={x: x for x in what_if_las(user, base)},
        comparisons=found,
        base=base,
        statuses=STATUS_LABELS,
        status_tags=STATUS_TAGS,
    )


@router.get("/what-ifs", response_class=HTMLResponse)
async def what_ifs_page(request: Request, user: PlannerPage, svc: Svc) -> HTMLResponse:
    return await _what_ifs(request, user, svc)


def _field_of(issue_field: str) -> str:
    """The form field a service's fault names: the pasted YAML's, or the form's."""
    return "yaml" if "scenarios[1]" in issue_field else "horizon_weeks"


@router.post("/what-ifs", response_class=HTMLResponse)
async def start_what_if(request: Request, user: PlannerPage, svc: Svc) -> Response:
    sent = await request.form()
    form = {k: v.strip() for k, v in sent.items() if isinstance(v, str) and k in DEFAULTS}
    errors: list[tuple[str, str]] = []
    replications = _check_count(form, "replications", "Replications", errors, 50)
    if replications is None and not errors:
        errors.append(("replications", "Enter how many times to simulate each scenario"))
    pasted = form.get("yaml", "")
    base = await run_in_threadpool(scenarios.what_if_baseline, svc, user)
    if pasted:
        text, horizon = pasted, form.get("horizon_weeks", "") or "26"
        if not horizon.isdigit() or not 1 <= int(horizon) <= 520:
            errors.append(("horizon_weeks", "The weeks to simulate must be a whole number"))
    else:
        text, more = _what_if_yaml(form, user, base)
        errors += more
        horizon = form.get("horizon_weeks", "")
    if errors or replications is None:
        return await _what_ifs(request, user, svc, form=form, errors=errors)
    baseline = baseline_yaml(base, int(horizon))
    try:
        started = await run_in_threadpool(
            scenarios.start_comparison, svc, user, [baseline, text], replications
        )
    except store.Invalid as e:
        errors = [(_field_of(i.field), i.message) for i in e.issues]
        return await _what_ifs(request, user, svc, form=form, errors=errors)
    except store.Conflict as e:
        return await _what_ifs(request, user, svc, form=form, errors=[("replications", str(e))])
    return see_other(f"/what-ifs/{started['id']}")


async def _comparison(
    request: Request,
    user: store.User,
    svc: Svc,
    comparison_id: str,
    *,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    found = await run_in_threadpool(scenarios.read_comparison, svc, user, comparison_id)
    return render(
        request,
        "planner/comparison.html",
        title="What-if comparison",
        status_code=status_code,
        errors=errors or [],
        found=found,
        statuses=STATUS_LABELS,
        status_tags=STATUS_TAGS,
        verdict_tags=VERDICT_TAGS,
        fmt=fmt,
    )


@router.get("/what-ifs/{comparison_id}", response_class=HTMLResponse)
async def comparison_page(
    request: Request, comparison_id: RecordId, user: PlannerPage, svc: Svc
) -> HTMLResponse:
    return await _comparison(request, user, svc, comparison_id)


@router.post("/what-ifs/{comparison_id}/restart", response_class=HTMLResponse)
async def restart_comparison(
    request: Request, comparison_id: RecordId, user: PlannerPage, svc: Svc
) -> Response:
    """A failed or interrupted comparison started again with the same scenarios (checked
    again) and replications (`POST /scenarios/comparisons/{id}/restart`'s service); the
    new comparison's page."""
    try:
        new = await run_in_threadpool(scenarios.restart_comparison, svc, user, comparison_id)
    except store.Invalid as e:
        why = "; ".join(i.message for i in e.issues)
        return await _comparison(
            request, user, svc, comparison_id, errors=[("restart", why)], status_code=422
        )
    except store.Conflict as e:
        why = f"This comparison cannot be started again: {e}"
        return await _comparison(
            request, user, svc, comparison_id, errors=[("restart", why)], status_code=409
        )
    return see_other(f"/what-ifs/{new['id']}")


@router.get("/what-ifs/{comparison_id}/report", response_class=HTMLResponse)
async def comparison_report(
    request: Request, comparison_id: RecordId, user: PlannerPage, svc: Svc
) -> HTMLResponse:
    """The report the JSON route serves (one self-contained page) for a signed-in
    browser: its own inline styles and embedded plots, so the reports' policy."""
    report = await run_in_threadpool(scenarios.comparison_report, svc, user, comparison_id)
    return HTMLResponse(report, headers={"Content-Security-Policy": PAGE_POLICY})
