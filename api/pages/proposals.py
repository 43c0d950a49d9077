"""Proposals (journey 4): my LAs' proposals newest first, and one proposal's page with
its child(ren), household, hold, the officer's note of how the match meets the child's
views (a form), confirm, decline with a reason, and a refused proposal's broken rules in
words. A place taken by someone else before confirming (409) is said in words with the
next best household, as proposing says it (api/pages/matches.py `next_match`). The
same services as the JSON routes (`api/services/proposals.py`): the same scope (another
LA's proposal is the same 404 page as an unknown id) and the same audit entries
(`proposal.list`, `proposal.read`)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

import store
from api.deps import StaffPage, Svc
from api.pages.common import page_number, page_router, render, see_other, with_query
from api.pages.matches import Kind, next_match, subject_path
from api.routes.common import Serial
from api.services import placements, proposals
from matching.eligibility import RULE_BY_ID
from store.validate import TEXT_MAX

router = page_router()

PER_PAGE = 25
STATUS_LABELS: dict[str, str] = {
    "proposed": "Held",
    "confirmed": "Confirmed",
    "declined": "Declined",
    "expired": "Hold lapsed",
    "refused": "Refused",
}
STATUS_TAGS: dict[str, str] = {
    "proposed": "blue",
    "confirmed": "green",
    "declined": "grey",
    "expired": "grey",
    "refused": "red",
}


def rule_words(rule: str) -> str:
    """A hard rule in plain words (its summary, first letter capitalised)."""
    if rule == proposals.LIVING_TOGETHER:
        return "Brothers and sisters whose safeguarding flags forbid them living together"
    found = RULE_BY_ID.get(rule)
    text = found.summary if found else rule.replace("_", " ")
    return text[:1].upper() + text[1:]


def form_text(
    value: object, field: str, *, required: str | None, errors: list[tuple[str, str]]
) -> str | None:
    """A text field of a form: stripped; `required` is the message when it is empty
    (None: empty is allowed, as None); an error when too long or not storable."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        if required:
            errors.append((field, required))
        return None
    if len(text) > TEXT_MAX:
        errors.append((field, f"Write {TEXT_MAX:,} characters or fewer"))
    elif "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        errors.append((field, "Remove the characters that cannot be stored"))
    else:
        return text
    return None


@router.get("/proposals", response_class=HTMLResponse)
async def proposals_page(request: Request, user: StaffPage, svc: Svc) -> HTMLResponse:
    q = request.query_params
    errors: list[tuple[str, str]] = []
    status = q.get("status", "").strip() or None
    if status is not None and status not in STATUS_LABELS:
        errors.append(("status", "Choose a status from the list"))
        status = None
    page = page_number(q.get("page")) or 0
    if not page:
        errors.append(("page", "The page number must be a whole number, 1 or more"))
        page = 1
    items = await run_in_threadpool(
        lambda: proposals.list_proposals(
            svc,
            user,
            status=status,
            child_id=None,
            household_id=None,
            offset=(page - 1) * PER_PAGE,
            limit=PER_PAGE + 1,
        )
    )
    more = len(items) > PER_PAGE
    return render(
        request,
        "proposals/list.html",
        title="Proposals",
        status_code=422 if errors else 200,
        errors=errors,
        items=items[:PER_PAGE],
        status=status,
        page=page,
        statuses=STATUS_LABELS,
        status_tags=STATUS_TAGS,
        previous=with_query("/proposals", {"status": status, "page": page - 1})
        if page > 1
        else None,
        next_page=with_query("/proposals", {"status": status, "page": page + 1}) if more else None,
    )


async def _show(
    request: Request,
    user: store.User,
    svc: Any,
    proposal_id: int,
    *,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    taken: bool = False,
) -> HTMLResponse:
    """The proposal's page; `taken`: confirming found the household's place gone, so
    it says so and offers the next match (as proposing does, api/pages/matches.py)."""

    def load() -> tuple[dict[str, Any], list[dict[str, Any]]]:
        p = proposals.read_proposal(svc, user, proposal_id)
        placed: list[dict[str, Any]] = []
        if p["status"] == "confirmed":
            for child in p["children"]:
                rows = placements.list_placements(
                    svc,
                    user,
                    child_id=child,
                    household_id=p["household_id"],
                    current=None,
                    offset=0,
                    limit=50,
                )
                placed += [r for r in rows if r["proposal_id"] == p["id"]]
        return p, placed

    p, placed = await run_in_threadpool(load)
    shown: dict[str, Any] = {}
    if taken:
        kind: Kind = "group" if p["group_id"] else "child"
        subject = p["group_id"] or p["children"][0]
        shown = {
            "taken": f"Household {p['household_id']} has no free place now: someone else has"
            " it, so this proposal cannot be confirmed.",
            "offer": await next_match(svc, user, subject, kind, p["household_id"]),
            "base": subject_path(kind, subject),
        }
    return render(
        request,
        "proposals/show.html",
        title=f"Proposal {p['id']}",
        status_code=status_code,
        errors=errors or [],
        p=p,
        placed=placed,
        form=form or {},
        statuses=STATUS_LABELS,
        status_tags=STATUS_TAGS,
        rule_words=rule_words,
        **shown,
    )


@router.get("/proposals/{proposal_id}", response_class=HTMLResponse)
async def proposal_page(
    request: Request, proposal_id: Serial, user: StaffPage, svc: Svc
) -> HTMLResponse:
    return await _show(request, user, svc, proposal_id)


@router.post("/proposals/{proposal_id}/views-note", response_class=HTMLResponse)
async def views_note(request: Request, proposal_id: Serial, user: StaffPage, svc: Svc) -> Response:
    form = await request.form()
    errors: list[tuple[str, str]] = []
    note = form_text(form.get("views_note"), "views_note", required=None, errors=errors)
    if errors:
        raw = form.get("views_note")
        kept = {"views_note": raw if isinstance(raw, str) else ""}
        return await _show(
            request, user, svc, proposal_id, errors=errors, status_code=422, form=kept
        )
    await run_in_threadpool(proposals.set_views_note, svc, user, proposal_id, note)
    return see_other(f"/proposals/{proposal_id}?saved=views")


@router.post("/proposals/{proposal_id}/confirm", response_class=HTMLResponse)
async def confirm(request: Request, proposal_id: Serial, user: StaffPage, svc: Svc) -> Response:
    try:
        await run_in_threadpool(proposals.confirm, svc, user, proposal_id, None)
    except store.VacancyTaken:
        return await _show(request, user, svc, proposal_id, status_code=409, taken=True)
    except store.Conflict as e:
        why = f"This proposal cannot be confirmed: {e}"
        return await _show(
            request, user, svc, proposal_id, errors=[("confirm", why)], status_code=409
        )
    return see_other(f"/proposals/{proposal_id}?saved=confirmed")


@router.post("/proposals/{proposal_id}/decline", response_class=HTMLResponse)
async def decline(request: Request, proposal_id: Serial, user: StaffPage, svc: Svc) -> Response:
    form = await request.form()
    errors: list[tuple[str, str]] = []
    reason = form_text(
        form.get("reason"), "reason", required="Enter why the proposal is declined", errors=errors
    )
    if reason is None:
        raw = form.get("reason")
        kept = {"reason": raw if isinstance(raw, str) else ""}
        return await _show(
            request, user, svc, proposal_id, errors=errors, status_code=422, form=kept
        )
    try:
        await run_in_threadpool(proposals.decline, svc, user, proposal_id, reason)
    except store.Conflict as e:
        why = f"This proposal cannot be declined: {e}"
        return await _show(
            request, user, svc, proposal_id, errors=[("reason", why)], status_code=409
        )
    return see_other(f"/proposals/{proposal_id}?saved=declined")
