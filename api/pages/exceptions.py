"""Exception requests (journey 4, and the admin's "exceptions waiting for
authorisation"): from a near miss on the matches page an officer asks for the one rule
it fails to be set aside (reason, hold length); `/exceptions` lists the requests,
pending first, each with the child, household, rule in words, reason, who asked and
how long it has waited; a request's page lets an admin authorise it (the proposal is
made: a link to it) or refuse it with a reason, and the asker or an admin withdraw it.

The same services as `/exception-requests` (api/services/exceptions.py): the same
roles (OfficerPage, AdminPage), the same scope (another LA's request is the same 404
page as an unknown id) and the same audit entries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

import store
from api.deps import OFFICERS, AdminPage, OfficerPage, Services, Svc
from api.errors import RuleBreaks
from api.pages.children import REQUEST_STATES
from api.pages.common import page_number, page_router, render, see_other, with_query
from api.pages.matches import HOLD_DEFAULT, HOLD_MAX, broken_rules, read_hold, subject_path
from api.pages.proposals import form_text
from api.routes.common import RecordId, Serial
from api.services import children, exceptions, siblings
from matching.eligibility import RULE_BY_ID

router = page_router()

PER_PAGE = 25
Kind = Literal["child", "group"]
STATES = REQUEST_STATES
STATE_LABELS: dict[str, str] = {k: label for k, (label, _) in STATES.items()}


def waited(since: datetime, now: datetime | None = None) -> str:
    """How long since `since`, in plain words: "less than an hour", "5 hours", "3 days"."""
    seconds = ((now or store.utcnow()) - since).total_seconds()
    hours = int(seconds // 3600)
    if hours < 1:
        return "less than an hour"
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{hours // 24} days"


def may_ask(user: store.User | None) -> bool:
    return user is not None and user.role in OFFICERS


def _who(kind: Kind, subject: str) -> str:
    return f"child {subject}" if kind == "child" else f"sibling group {subject}"


def _allowed_rule(rule: str) -> str:
    """The rule asked about, if it may be set aside; else the page is not found (a link
    from the matches page only offers such rules)."""
    found = RULE_BY_ID.get(rule)
    if found is None or not found.exception_allowed:
        raise store.NotFound("rule", rule)
    return found.id


def _load_subject(svc: Services, user: store.User, subject: str, kind: Kind) -> list[str]:
    """The children asked for, read through their services (404 outside the LAs)."""
    if kind == "child":
        return [children.read_child(svc, user, subject)["id"]]
    return list(siblings.read_group(svc, user, subject)["children"])


async def ask_form(
    request: Request,
    user: store.User,
    svc: Services,
    subject: str,
    kind: Kind,
    household_id: str,
    rule: str,
    *,
    status_code: int = 200,
    errors: list[tuple[str, str]] | None = None,
    reason: str = "",
    hold: str = str(HOLD_DEFAULT),
) -> HTMLResponse:
    rule = _allowed_rule(rule)
    members = await run_in_threadpool(_load_subject, svc, user, subject, kind)
    who = _who(kind, subject)
    return render(
        request,
        "exceptions/ask.html",
        title=f"Ask for an exception for {who}",
        status_code=status_code,
        errors=errors or [],
        who=who,
        members=members,
        base=subject_path(kind, subject),
        household=household_id,
        rule=rule,
        rule_words=exceptions.rule_summary(rule),
        reason=reason,
        hold=hold,
        hold_max=HOLD_MAX,
    )


async def ask(
    request: Request,
    user: store.User,
    svc: Services,
    subject: str,
    kind: Kind,
    household_id: str,
    rule: str,
    reason: str,
    hold: str,
) -> Response:
    errors: list[tuple[str, str]] = []
    why = form_text(
        reason, "reason", required="Enter why this match should go ahead", errors=errors
    )
    hours = read_hold(hold, errors)

    async def again(status_code: int, shown: list[tuple[str, str]]) -> HTMLResponse:
        return await ask_form(
            request,
            user,
            svc,
            subject,
            kind,
            household_id,
            rule,
            status_code=status_code,
            errors=shown,
            reason=reason,
            hold=hold,
        )

    if errors or why is None or hours is None:
        return await again(422, errors)
    try:
        made = await run_in_threadpool(
            lambda: exceptions.ask(
                svc,
                user,
                household_id,
                child_id=subject if kind == "child" else None,
                group_id=subject if kind == "group" else None,
                rule=rule,
                reason=why,
                hold_hours=hours,
            )
        )
    except store.Invalid as bad:
        fields = {"reason", "hold_hours"}
        shown = [
            (i.field if i.field in fields else "rule", f"{i.message[:1].upper()}{i.message[1:]}")
            for i in bad.issues
        ]
        return await again(422, shown)
    except store.Conflict as conflict:
        return await again(409, [("rule", f"This cannot be asked for now: {conflict}")])
    return see_other(f"/exceptions/{made['id']}?saved=asked")


@router.get("/children/{child_id}/exception/{household_id}", response_class=HTMLResponse)
async def child_ask_form(
    request: Request,
    child_id: RecordId,
    household_id: RecordId,
    user: OfficerPage,
    svc: Svc,
    rule: str = "",
) -> HTMLResponse:
    return await ask_form(request, user, svc, child_id, "child", household_id, rule)


@router.post("/children/{child_id}/exception/{household_id}", response_class=HTMLResponse)
async def child_ask(
    request: Request,
    child_id: RecordId,
    household_id: RecordId,
    user: OfficerPage,
    svc: Svc,
    rule: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    hold_hours: Annotated[str, Form()] = "",
) -> Response:
    return await ask(request, user, svc, child_id, "child", household_id, rule, reason, hold_hours)


@router.get("/sibling-groups/{group_id}/exception/{household_id}", response_class=HTMLResponse)
async def group_ask_form(
    request: Request,
    group_id: RecordId,
    household_id: RecordId,
    user: OfficerPage,
    svc: Svc,
    rule: str = "",
) -> HTMLResponse:
    return await ask_form(request, user, svc, group_id, "group", household_id, rule)


@router.post("/sibling-groups/{group_id}/exception/{household_id}", response_class=HTMLResponse)
async def group_ask(
    request: Request,
    group_id: RecordId,
    household_id: RecordId,
    user: OfficerPage,
    svc: Svc,
    rule: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    hold_hours: Annotated[str, Form()] = "",
) -> Response:
    return await ask(request, user, svc, group_id, "group", household_id, rule, reason, hold_hours)


@router.get("/exceptions", response_class=HTMLResponse)
async def exceptions_page(request: Request, user: OfficerPage, svc: Svc) -> HTMLResponse:
    q = request.query_params
    errors: list[tuple[str, str]] = []
    state = q.get("state", "").strip() or None
    if state is not None and state not in STATES:
        errors.append(("state", "Choose a state from the list"))
        state = None
    page = page_number(q.get("page")) or 0
    if not page:
        errors.append(("page", "The page number must be a whole number, 1 or more"))
        page = 1
    items = await run_in_threadpool(
        lambda: exceptions.list_requests(
            svc, user, state=state, child_id=None, offset=(page - 1) * PER_PAGE, limit=PER_PAGE + 1
        )
    )
    more = len(items) > PER_PAGE
    return render(
        request,
        "exceptions/list.html",
        title="Exceptions",
        status_code=422 if errors else 200,
        errors=errors,
        items=items[:PER_PAGE],
        state=state,
        page=page,
        states=STATES,
        state_labels=STATE_LABELS,
        waited=waited,
        previous=with_query("/exceptions", {"state": state, "page": page - 1})
        if page > 1
        else None,
        next_page=with_query("/exceptions", {"state": state, "page": page + 1}) if more else None,
    )


async def _show(
    request: Request,
    user: store.User,
    svc: Services,
    request_id: int,
    *,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
    form: dict[str, str] | None = None,
    breaks: list[dict[str, Any]] | None = None,
) -> HTMLResponse:
    r = await run_in_threadpool(exceptions.read_request, svc, user, request_id)
    return render(
        request,
        "exceptions/show.html",
        title=f"Exception request {r['id']}",
        status_code=status_code,
        errors=errors or [],
        r=r,
        form=form or {},
        breaks=breaks or [],
        states=STATES,
        waited=waited,
        may_decide=store.can_authorise_exceptions(user),
        may_withdraw=r["asked_by"] == user.id or store.can_authorise_exceptions(user),
        subject=subject_path(
            "child" if r["child_id"] else "group", r["child_id"] or r["group_id"] or ""
        ),
    )


@router.get("/exceptions/{request_id}", response_class=HTMLResponse)
async def request_page(
    request: Request, request_id: Serial, user: OfficerPage, svc: Svc
) -> HTMLResponse:
    return await _show(request, user, svc, request_id)


@router.post("/exceptions/{request_id}/authorise", response_class=HTMLResponse)
async def authorise(request: Request, request_id: Serial, user: AdminPage, svc: Svc) -> Response:
    try:
        await run_in_threadpool(exceptions.authorise, svc, user, request_id)
    except RuleBreaks as refused:
        shown = broken_rules(refused.breaks)
        why = "This match now breaks another hard rule, so it cannot be authorised"
        return await _show(
            request,
            user,
            svc,
            request_id,
            errors=[("authorise", why)],
            status_code=422,
            breaks=shown,
        )
    except store.Conflict as conflict:
        why = f"This cannot be authorised now: {conflict}"
        return await _show(
            request, user, svc, request_id, errors=[("authorise", why)], status_code=409
        )
    return see_other(f"/exceptions/{request_id}?saved=authorised")


@router.post("/exceptions/{request_id}/refuse", response_class=HTMLResponse)
async def refuse(
    request: Request,
    request_id: Serial,
    user: AdminPage,
    svc: Svc,
    reason: Annotated[str, Form()] = "",
) -> Response:
    errors: list[tuple[str, str]] = []
    why = form_text(reason, "reason", required="Enter why the exception is refused", errors=errors)
    if why is None:
        return await _show(
            request, user, svc, request_id, errors=errors, status_code=422, form={"reason": reason}
        )
    try:
        await run_in_threadpool(exceptions.refuse, svc, user, request_id, why)
    except store.Conflict as conflict:
        return await _show(
            request,
            user,
            svc,
            request_id,
            errors=[("reason", f"This cannot be refused now: {conflict}")],
            status_code=409,
        )
    return see_other(f"/exceptions/{request_id}?saved=refused")


@router.post("/exceptions/{request_id}/withdraw", response_class=HTMLResponse)
async def withdraw(request: Request, request_id: Serial, user: OfficerPage, svc: Svc) -> Response:
    try:
        await run_in_threadpool(exceptions.withdraw, svc, user, request_id)
    except store.Conflict as conflict:
        why = f"This cannot be withdrawn now: {conflict}"
        return await _show(
            request, user, svc, request_id, errors=[("withdraw", why)], status_code=409
        )
    return see_other(f"/exceptions/{request_id}?saved=withdrawn")
