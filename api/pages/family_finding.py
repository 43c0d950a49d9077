"""The family-finder's pages: the waiting children of the agency's LAs (weeks waited,
priority and why), the agency's adopters waiting since approval, adopters for a child
(the agency's first, then beyond the region when asked), children for an adopter (with
their wait and priority), and rounds: start one (a form), watch it, read its links and
the children left without one, and its region report.

The same services as the JSON routes under `/family-finding` (api/services/
family_finding.py), so the same scope (another LA's child or round is the same 404 page
as an unknown id) and the same audit entries."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

import store
from api.deps import FamilyFinderPage, Svc
from api.headers import PAGE_POLICY
from api.pages.common import (
    RUN_STATUS_LABELS,
    RUN_STATUS_TAGS,
    page_number,
    page_router,
    render,
    see_other,
    with_query,
)
from api.pages.family_links import links_and_interest
from api.routes.common import RecordId
from api.services import family_finding

router = page_router()

PRIORITY_LABELS: dict[str, str] = {"first": "First", "second": "Second", "third": "Third"}
PRIORITY_TAGS: dict[str, str] = {"first": "red", "second": "orange", "third": "grey"}
#: How a round puts children first (matching.family_finding.policy.PRIORITIES).
POLICY_LABELS: dict[str, str] = {
    "waiting_and_hardest": "Longest waiting and hardest to place first",
    "waiting": "Longest waiting first",
    "none": "Everyone the same",
}
STATUS_LABELS, STATUS_TAGS = RUN_STATUS_LABELS, RUN_STATUS_TAGS
#: Adopters or children shown by a search, and near misses.
TOP, NEAR = 20, 10
#: Waiting children (or sibling groups) on a page of the list.
PER_PAGE = 25
ID_MAX = 64


def _labels() -> dict[str, Any]:
    return {
        "priorities": PRIORITY_LABELS,
        "priority_tags": PRIORITY_TAGS,
        "policies": POLICY_LABELS,
        "statuses": STATUS_LABELS,
        "status_tags": STATUS_TAGS,
    }


async def _home(
    request: Request,
    user: store.User,
    svc: Svc,
    *,
    errors: list[tuple[str, str]] | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    page = page_number(request.query_params.get("page")) or 1

    def load() -> tuple[list[dict[str, Any]], int, list[dict[str, Any]]]:
        offset = (page - 1) * PER_PAGE
        waiting, total = family_finding.waiting_children(svc, user, offset, PER_PAGE)
        rounds = family_finding.list_rounds(svc, user, 0, 5)
        return waiting, total, rounds

    waiting, total, rounds = await run_in_threadpool(load)
    pages = max(1, -(-total // PER_PAGE))
    return render(
        request,
        "family_finding/index.html",
        title="Family-finding",
        status_code=422 if errors else 200,
        errors=errors or [],
        waiting=waiting,
        total=total,
        page=page,
        pages=pages,
        previous=with_query("/family-finding", {"page": page - 1}) if page > 1 else None,
        next_page=with_query("/family-finding", {"page": page + 1}) if page < pages else None,
        rounds=rounds,
        form=form or {"priority": "waiting_and_hardest", "wait_weeks": 26, "long_wait_weeks": 78},
        las=list(user.las),
        **_labels(),
    )


@router.get("/family-finding", response_class=HTMLResponse)
async def family_finding_page(request: Request, user: FamilyFinderPage, svc: Svc) -> HTMLResponse:
    return await _home(request, user, svc)


def _weeks(form: dict[str, Any], name: str, label: str, errors: list[tuple[str, str]]) -> int:
    text = str(form.get(name, "")).strip()
    if not text:
        errors.append((name, f"Enter {label}"))
    elif not text.isdigit() or int(text) > 1040:
        errors.append((name, f"{label[:1].upper() + label[1:]} must be a whole number, 0 to 1040"))
    else:
        return int(text)
    return 0


@router.post("/family-finding/rounds", response_class=HTMLResponse)
async def start_round(request: Request, user: FamilyFinderPage, svc: Svc) -> Response:
    sent = await request.form()
    form: dict[str, Any] = {k: v for k, v in sent.items() if isinstance(v, str)}
    errors: list[tuple[str, str]] = []
    priority = form.get("priority", "")
    if priority not in POLICY_LABELS:
        errors.append(("priority", "Choose whom the round puts first"))
    wait = _weeks(form, "wait_weeks", "the weeks for second priority", errors)
    long_wait = _weeks(form, "long_wait_weeks", "the weeks for first priority", errors)
    if not errors and wait > long_wait:
        errors.append(
            ("wait_weeks", "The weeks for second priority must be at most those for first")
        )
    if errors:
        return await _home(request, user, svc, errors=errors, form=form)
    params = {
        "seed": 0,
        "long_wait_weeks": long_wait,
        "wait_weeks": wait,
        "few_families": 3,
        "priority": priority,
        "beyond_region": form.get("beyond_region") == "yes",
    }
    try:
        started = await run_in_threadpool(family_finding.start_round, svc, user, params, 10.0)
    except store.Conflict:
        errors = [("priority", "A round over your LAs is already running: wait for it to finish")]
        return await _home(request, user, svc, errors=errors, form=form)
    return see_other(f"/family-finding/rounds/{started['id']}")


async def _round(
    request: Request,
    user: store.User,
    svc: Svc,
    round_id: str,
    *,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    found = await run_in_threadpool(family_finding.read_round, svc, user, round_id)
    result = found.get("round")
    return render(
        request,
        "family_finding/round.html",
        title="Family-finding round",
        status_code=status_code,
        errors=errors or [],
        found=found,
        result=result,
        **_labels(),
    )


@router.get("/family-finding/rounds/{round_id}", response_class=HTMLResponse)
async def round_page(
    request: Request, round_id: RecordId, user: FamilyFinderPage, svc: Svc
) -> HTMLResponse:
    return await _round(request, user, svc, round_id)


@router.post("/family-finding/rounds/{round_id}/restart", response_class=HTMLResponse)
async def restart_round(
    request: Request, round_id: RecordId, user: FamilyFinderPage, svc: Svc
) -> Response:
    """A failed or interrupted round started again with the same policy, seed and time
    limit (`POST /family-finding/rounds/{id}/restart`'s service); the new round's page."""
    try:
        new = await run_in_threadpool(family_finding.restart_round, svc, user, round_id)
    except store.Conflict as e:
        why = f"This round cannot be started again: {e}"
        return await _round(
            request, user, svc, round_id, errors=[("restart", why)], status_code=409
        )
    return see_other(f"/family-finding/rounds/{new['id']}")


@router.get("/family-finding/rounds/{round_id}/report", response_class=HTMLResponse)
async def round_report(
    request: Request, round_id: RecordId, user: FamilyFinderPage, svc: Svc
) -> HTMLResponse:
    """The region report the JSON route serves (one self-contained page), for a
    signed-in browser: its own inline styles and embedded plots, so the reports' policy."""
    report = await run_in_threadpool(family_finding.round_report, svc, user, round_id)
    return HTMLResponse(report, headers={"Content-Security-Policy": PAGE_POLICY})


@router.get("/family-finding/children/{child_id}", response_class=HTMLResponse)
async def adopters_for_child(
    request: Request, child_id: RecordId, user: FamilyFinderPage, svc: Svc
) -> HTMLResponse:
    beyond = request.query_params.get("beyond_region") == "yes"
    found = await run_in_threadpool(
        lambda: family_finding.adopters_for_child(
            svc,
            user,
            child_id,
            top=TOP,
            near_misses=NEAR,
            beyond_region=beyond,
            together=True,
        )
    )
    back = f"/family-finding/children/{quote(child_id)}"
    theirs = await run_in_threadpool(links_and_interest, svc, user, child_id=child_id)
    return render(
        request,
        "family_finding/child.html",
        title=f"Adopters for {child_id}",
        child_id=child_id,
        found=found,
        beyond=beyond,
        **_labels(),
        **theirs,
        interest_back=back,
        interest_new=with_query("/family-finding/interest/new", {"child": child_id, "back": back}),
    )


@router.get("/family-finding/waiting-adopters", response_class=HTMLResponse)
async def waiting_adopters_page(request: Request, user: FamilyFinderPage, svc: Svc) -> HTMLResponse:
    """The agency's approved adopters, longest waiting since approval first: how many
    waiting children each could take and when their register referral falls due."""
    page = page_number(request.query_params.get("page")) or 1
    adopters, total = await run_in_threadpool(
        family_finding.waiting_adopters, svc, user, (page - 1) * PER_PAGE, PER_PAGE
    )
    pages = max(1, -(-total // PER_PAGE))
    here = "/family-finding/waiting-adopters"
    return render(
        request,
        "family_finding/waiting_adopters.html",
        title="Adopters waiting",
        adopters=adopters,
        total=total,
        page=page,
        pages=pages,
        previous=with_query(here, {"page": page - 1}) if page > 1 else None,
        next_page=with_query(here, {"page": page + 1}) if page < pages else None,
        las=list(user.las),
        **_labels(),
    )


@router.get("/family-finding/adopters", response_class=HTMLResponse)
async def children_for_adopter(request: Request, user: FamilyFinderPage, svc: Svc) -> HTMLResponse:
    household = request.query_params.get("household_id", "").strip()
    errors: list[tuple[str, str]] = []
    if not household:
        errors.append(("household_id", "Enter the adopter's household id, for example AD-0027"))
    elif len(household) > ID_MAX or not household.isprintable():
        errors.append(("household_id", f"A household id is at most {ID_MAX} characters"))
    found = None
    if not errors:
        try:
            found = await run_in_threadpool(
                lambda: family_finding.children_for_adopter(
                    svc, user, household, top=TOP, near_misses=NEAR
                )
            )
        except store.NotFound:
            errors.append(("household_id", f"There is no adopter with household id {household}"))
    theirs: dict[str, Any] = {}
    if found is not None:
        back = with_query("/family-finding/adopters", {"household_id": household})
        theirs = await run_in_threadpool(links_and_interest, svc, user, adopter=household)
        new = with_query("/family-finding/interest/new", {"adopter": household, "back": back})
        theirs |= {"interest_back": back, "interest_new": new}
    return render(
        request,
        "family_finding/adopter.html",
        title=f"Children for adopter {household}" if found else "Children for an adopter",
        status_code=422 if errors else 200,
        errors=errors,
        household=household,
        found=found,
        **_labels(),
        **theirs,
    )
