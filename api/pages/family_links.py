"""The family-finder's links and expressions of interest: the links of the agency's
children by state, a link's page with the form that moves it on (or declines it with a
reason), a "check before you link" page (from a round's shortlist, or by hand), and a
form to record an adopter's or a family-finder's interest in a child.

The same services as the JSON routes (api/services/family_links.py), so the same scope
(another LA's child, link or interest is the same 404 page as an unknown one) and the
same audit entries."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

import store
from api.deps import FamilyFinderPage, Services, Svc
from api.pages.common import page_number, page_router, render, safe_next, see_other, with_query
from api.pages.proposals import form_text
from api.routes.common import RecordId
from api.services import family_links
from store.family_links import CHILDREN_MAX

router = page_router()

#: Each state's words and tag colour, in the order a link moves.
LINK_STATES: dict[str, tuple[str, str]] = {
    "proposed": ("Proposed", "blue"),
    "exploring": ("Exploring", "blue"),
    "to_panel": ("To matching panel", "orange"),
    "placed": ("Placed", "green"),
    "declined": ("Declined", "grey"),
}
DECLINE_REASONS: dict[str, str] = {
    "adopters_declined": "The adopters declined",
    "childs_social_worker_declined": "The child's social worker declined",
    "needs_not_met": "The adopters cannot meet the child's needs",
    "sibling_plan": "It does not fit the brothers' and sisters' plan",
    "distance_or_area": "Distance, or an area to avoid",
    "other": "Another reason (say which in the note)",
}
SIDES: dict[str, str] = {
    "adopter": "The adopters (recorded for them by their social worker)",
    "finder": "The child's family-finder",
}
ID_MAX = 64
#: Links shown for each state on the links page.
PER_STATE = 20
#: Links on a page of one state's links.
PER_PAGE = 50
#: A child's or an adopter's links on their search page (one child has few).
PER_RECORD = 100


def _saved(back: str, what: str) -> str:
    """The page to go back to, told what was saved (its own query kept)."""
    return f"{back}{'&' if '?' in back else '?'}{urlencode({'saved': what})}"


def _labels() -> dict[str, Any]:
    return {"link_states": LINK_STATES, "decline_reasons": DECLINE_REASONS, "sides": SIDES}


def _id(value: str, field: str, label: str, errors: list[tuple[str, str]]) -> str:
    text = value.strip()
    if not text:
        errors.append((field, f"Enter {label}"))
    elif len(text) > ID_MAX or not text.isprintable():
        errors.append((field, f"{label[:1].upper()}{label[1:]} is at most {ID_MAX} characters"))
    return text


@router.get("/family-finding/links", response_class=HTMLResponse)
async def links_page(request: Request, user: FamilyFinderPage, svc: Svc) -> HTMLResponse:
    """The agency's children's links, a table for each state with the most recently
    changed first and how many there are; `?state=S` one state's links, a page at a
    time (`page`)."""
    state = request.query_params.get("state")
    if state not in LINK_STATES:
        state = None
    page = page_number(request.query_params.get("page")) or 1
    shown = LINK_STATES if state is None else {state: LINK_STATES[state]}
    size = PER_STATE if state is None else PER_PAGE

    def load() -> dict[str, tuple[list[dict[str, Any]], int]]:
        offset = 0 if state is None else (page - 1) * PER_PAGE
        return {
            s: (
                family_links.list_links(svc, user, state=s, offset=offset, limit=size),
                family_links.count_links(svc, user, s),
            )
            for s in shown
        }

    by_state = await run_in_threadpool(load)
    total = by_state[state][1] if state else 0
    pages = max(1, -(-total // PER_PAGE))
    here = f"/family-finding/links?state={state}"
    return render(
        request,
        "family_finding/links.html",
        title="Links" if state is None else f"Links: {LINK_STATES[state][0].lower()}",
        by_state=by_state,
        one_state=state,
        page=page,
        pages=pages,
        previous=with_query(here, {"page": page - 1}) if state and page > 1 else None,
        next_page=with_query(here, {"page": page + 1}) if state and page < pages else None,
        **_labels(),
    )


async def _form(
    request: Request,
    template: str,
    title: str,
    form: dict[str, Any],
    *,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """A link's or an interest's form, with any errors (an error summary naming fields)."""
    return render(
        request,
        template,
        title=title,
        status_code=status_code,
        errors=errors or [],
        form=form,
        **_labels(),
    )


def _new_link(request: Request, form: dict[str, Any], **kw: Any) -> Awaitable[HTMLResponse]:
    return _form(request, "family_finding/link_new.html", "Check the link", form, **kw)


def _link_form(adopter: str, children: list[str], round_id: str, note: str) -> dict[str, Any]:
    return {"adopter": adopter, "children": children, "round_id": round_id, "note": note}


@router.get("/family-finding/links/new", response_class=HTMLResponse)
async def new_link(request: Request, user: FamilyFinderPage) -> HTMLResponse:
    """Check before linking: the children and the adopter (from a round's shortlist, or
    typed in), with a note."""
    q = request.query_params
    form = _link_form(
        q.get("adopter", ""), q.getlist("children")[:CHILDREN_MAX], q.get("round_id", ""), ""
    )
    return await _new_link(request, form)


def _read_link_form(
    adopter: str, children: list[str], errors: list[tuple[str, str]]
) -> tuple[str, list[str]]:
    who = _id(adopter, "adopter", "the adopter's household id", errors)
    kids = [c.strip() for c in ",".join(children).split(",") if c.strip()]
    if not kids:
        errors.append(("children", "Enter the child's id, or the brothers' and sisters'"))
    elif len(kids) > CHILDREN_MAX or any(len(c) > ID_MAX for c in kids):
        errors.append(("children", f"Name 1 to {CHILDREN_MAX} children, each id at most 64"))
    return who, kids


@router.post("/family-finding/links/new", response_class=HTMLResponse)
async def create_link(
    request: Request,
    user: FamilyFinderPage,
    svc: Svc,
    adopter: Annotated[str, Form()] = "",
    children: Annotated[list[str] | None, Form()] = None,
    round_id: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    errors: list[tuple[str, str]] = []
    who, kids = _read_link_form(adopter, children or [], errors)
    text = form_text(note, "note", required=None, errors=errors)
    form = _link_form(adopter, kids, round_id, note)
    if errors:
        return await _new_link(request, form, errors=errors, status_code=422)
    try:
        made = await run_in_threadpool(
            lambda: family_links.create_link(
                svc, user, who, kids, round_id=round_id.strip()[:32] or None, note=text
            )
        )
    except store.NotFound as e:
        field = "adopter" if e.kind == "adopter" else "children"
        what = {"adopter": "adopter", "child": "child of your LAs"}.get(e.kind, "round of yours")
        found = [(field, f"There is no {what} with id {e.id}")]
        return await _new_link(request, form, errors=found, status_code=422)
    except store.Conflict as e:
        return await _new_link(request, form, errors=[("adopter", str(e))], status_code=409)
    except store.Invalid as bad:
        issues = [(i.field, i.message) for i in bad.issues]
        return await _new_link(request, form, errors=issues, status_code=422)
    return see_other(f"/family-finding/links/{made['id']}?saved=made")


def _link_number(link_id: str) -> int:
    """A link's id from the path: a number, else no such link (the page's 404)."""
    if not link_id.isdigit() or not 1 <= int(link_id) <= 2**31 - 1:
        raise store.NotFound("link", link_id)
    return int(link_id)


async def _link(
    request: Request,
    user: store.User,
    svc: Services,
    link_id: str,
    *,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    found = await run_in_threadpool(family_links.read_link, svc, user, _link_number(link_id))
    return render(
        request,
        "family_finding/link.html",
        title=f"Link {found['id']}",
        status_code=status_code,
        errors=errors or [],
        link=found,
        form=form or {},
        **_labels(),
    )


@router.get("/family-finding/links/{link_id}", response_class=HTMLResponse)
async def link_page(
    request: Request, link_id: RecordId, user: FamilyFinderPage, svc: Svc
) -> HTMLResponse:
    return await _link(request, user, svc, link_id)


@router.post("/family-finding/links/{link_id}/state", response_class=HTMLResponse)
async def move_link(
    request: Request,
    link_id: RecordId,
    user: FamilyFinderPage,
    svc: Svc,
    state: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Move the link on; a decline needs a reason (and `other`, a note)."""
    number = _link_number(link_id)
    form = {"state": state, "reason": reason, "note": note}
    errors: list[tuple[str, str]] = []
    if state not in LINK_STATES:
        errors.append(("state", "Choose what happens next"))
    if state == "declined" and reason not in DECLINE_REASONS:
        errors.append(("reason", "Choose why the link is declined"))
    text = form_text(note, "note", required=None, errors=errors)
    if state == "declined" and reason == "other" and text is None:
        errors.append(("note", "Say why the link is declined"))
    if errors:
        return await _link(request, user, svc, link_id, errors=errors, status_code=422, form=form)
    try:
        await run_in_threadpool(
            lambda: family_links.move_link(
                svc, user, number, state, reason=reason or None, note=text
            )
        )
    except store.Conflict as e:
        why = [("state", f"This cannot be done now: {e}")]
        return await _link(request, user, svc, link_id, errors=why, status_code=409, form=form)
    return see_other(f"/family-finding/links/{number}?saved={state}")


def _new_interest(request: Request, form: dict[str, Any], **kw: Any) -> Awaitable[HTMLResponse]:
    return _form(request, "family_finding/interest_new.html", "Record interest", form, **kw)


@router.get("/family-finding/interest/new", response_class=HTMLResponse)
async def new_interest(request: Request, user: FamilyFinderPage) -> HTMLResponse:
    q = request.query_params
    form = {k: q.get(k, "") for k in ("child", "adopter", "side", "note")}
    form["back"] = safe_next(q.get("back"), "/family-finding")
    return await _new_interest(request, form)


@router.post("/family-finding/interest/new", response_class=HTMLResponse)
async def record_interest(
    request: Request,
    user: FamilyFinderPage,
    svc: Svc,
    child: Annotated[str, Form()] = "",
    adopter: Annotated[str, Form()] = "",
    side: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    back: Annotated[str, Form()] = "",
) -> Response:
    form = {"child": child, "adopter": adopter, "side": side, "note": note}
    form["back"] = safe_next(back, "/family-finding")
    errors: list[tuple[str, str]] = []
    kid = _id(child, "child", "the child's id", errors)
    who = _id(adopter, "adopter", "the adopter's household id", errors)
    if side not in SIDES:
        errors.append(("side", "Choose whose interest this is"))
    text = form_text(note, "note", required=None, errors=errors)
    if errors:
        return await _new_interest(request, form, errors=errors, status_code=422)
    try:
        await run_in_threadpool(family_links.record_interest, svc, user, who, kid, side, text)
    except store.NotFound as e:
        field = "adopter" if e.kind == "adopter" else "child"
        what = "adopter" if e.kind == "adopter" else "child of your LAs"
        found = [(field, f"There is no {what} with id {e.id}")]
        return await _new_interest(request, form, errors=found, status_code=422)
    except store.Conflict as e:
        return await _new_interest(request, form, errors=[("side", str(e))], status_code=409)
    return see_other(_saved(form["back"], "interest"))


@router.post("/family-finding/interest/{interest_id}/withdraw", response_class=HTMLResponse)
async def withdraw_interest(
    interest_id: RecordId,
    user: FamilyFinderPage,
    svc: Svc,
    back: Annotated[str, Form()] = "",
) -> Response:
    if not interest_id.isdigit() or not 1 <= int(interest_id) <= 2**31 - 1:
        raise store.NotFound("interest", interest_id)
    await run_in_threadpool(family_links.withdraw_interest, svc, user, int(interest_id))
    return see_other(_saved(safe_next(back, "/family-finding"), "withdrawn"))


def links_and_interest(
    svc: Services, user: store.User, *, child_id: str | None = None, adopter: str | None = None
) -> dict[str, Any]:
    """A child's, or an adopter's, links and interest for their search page
    (family_finding/_links_interest.html)."""
    return {
        "their_links": family_links.list_links(
            svc, user, child_id=child_id, adopter=adopter, limit=PER_RECORD
        ),
        "their_interest": family_links.list_interest(svc, user, child_id=child_id, adopter=adopter),
        **_labels(),
    }
