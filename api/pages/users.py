"""The Users page (admins): the accounts whose LAs are all the admin's, creating one
(its token shown once, on the answer to the form, never again), revoking one, and
letting a revoked one sign in again with a new token. The same services as `/users`
and its JSON routes (api/services/admin.py), so the same scope: another LA's account
is the same 404 page as an unknown id.

A token is shown on the answer to the POST itself, not after a redirect: it must never
be kept anywhere it could be shown again (the store keeps only its hash). The answer is
`Cache-Control: no-store`, so the browser does not keep it either.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

import store
from api.deps import AdminPage, Svc
from api.pages.common import ROLE_NAMES, page_number, page_router, render, see_other, with_query
from api.routes.common import Serial
from api.services import admin

router = page_router()

PER_PAGE = 50
NAME_MAX = 200


async def _users_page(
    request: Request,
    user: store.User,
    svc: Svc,
    *,
    errors: list[tuple[str, str]] | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    number = (page_number(request.query_params.get("page")) or 1) if errors is None else 1
    rows = await run_in_threadpool(
        admin.list_users, svc, user, (number - 1) * PER_PAGE, PER_PAGE + 1
    )
    more = len(rows) > PER_PAGE
    return render(
        request,
        "admin/users.html",
        title="Users",
        status_code=422 if errors else 200,
        errors=errors or [],
        users=rows[:PER_PAGE],
        roles=ROLE_NAMES,
        las=list(user.las),
        form=form or {"name": "", "role": "", "las": list(user.las)[:1]},
        page=number,
        previous=with_query("/users", {"page": number - 1}) if number > 1 else None,
        next_page=with_query("/users", {"page": number + 1}) if more else None,
    )


@router.get("/users", response_class=HTMLResponse)
async def users_page(request: Request, user: AdminPage, svc: Svc) -> HTMLResponse:
    return await _users_page(request, user, svc)


def _token_page(request: Request, *, title: str, account: dict[str, Any], token: str) -> Response:
    response = render(
        request,
        "admin/token.html",
        title=title,
        account=account,
        token=token,
        roles=ROLE_NAMES,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/users", response_class=HTMLResponse)
async def create_user(request: Request, user: AdminPage, svc: Svc) -> Response:
    sent = await request.form()
    name = str(sent.get("name", "")).strip()
    role = str(sent.get("role", ""))
    las = [str(la) for la in sent.getlist("las")]
    errors: list[tuple[str, str]] = []
    if not name:
        errors.append(("name", "Enter the person's name"))
    elif len(name) > NAME_MAX:
        errors.append(("name", f"The name must be {NAME_MAX} characters or fewer"))
    if role not in ROLE_NAMES:
        errors.append(("role", "Choose what the person does"))
    if not las:
        errors.append(("las", "Choose at least one LA"))
    elif any(la not in user.las for la in las):
        errors.append(("las", "Choose only your LAs"))
    form = {"name": name, "role": role, "las": las}
    if not errors:
        try:
            made = await run_in_threadpool(admin.create_user, svc, user, name, role, las)
        except store.Invalid as exc:
            known = {"name", "role", "las"}
            for issue in exc.issues:
                field = issue.field.split(".")[-1].split("[")[0]
                errors.append((field if field in known else "name", issue.message))
        else:
            return _token_page(
                request, title="User created", account=made["user"], token=made["token"]
            )
    return await _users_page(request, user, svc, errors=errors, form=form)


@router.post("/users/{user_id}/revoke", response_class=HTMLResponse)
async def revoke_user(user_id: Serial, user: AdminPage, svc: Svc) -> Response:
    await run_in_threadpool(admin.revoke_user, svc, user, user_id)
    return see_other("/users")


@router.post("/users/{user_id}/reactivate", response_class=HTMLResponse)
async def reactivate_user(request: Request, user_id: Serial, user: AdminPage, svc: Svc) -> Response:
    made = await run_in_threadpool(admin.reactivate_user, svc, user, user_id)
    return _token_page(
        request, title="User can sign in again", account=made["user"], token=made["token"]
    )
