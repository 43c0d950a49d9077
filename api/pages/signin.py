"""Sign in, sign out, and the start page.

Signing in exchanges the user's token (as for the JSON routes: `TokenCache.user`, i.e.
`store.authenticate`, behind the same limit on failed sign-ins per address) for a
server-side session (store/sessions.py) named by an HttpOnly cookie. The sign-in form
itself carries a one-off value also set as a cookie (double submit), so another site
cannot sign a browser in as someone else. Signing out deletes the session.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

import store
from api.deps import AnyonePage, Svc, session_user
from api.pages.common import nav_for, page_router, render, safe_next, see_other
from api.signin import TooManyFailures
from api.websession import SESSION_COOKIE

router = page_router()

#: The sign-in form's own cookie (double submit against signing a browser in from
#: another site), for the few minutes a person takes to paste a token.
SIGN_IN_COOKIE = "placematch_sign_in"
SIGN_IN_FIELD = "sign_in_check"
SIGN_IN_COOKIE_S = 30 * 60
#: The session cookie's life in the browser: the session's absolute end (12 h); the
#: server ends it sooner if idle 8 h (store/sessions.py).
SESSION_COOKIE_S = int(store.sessions.ABSOLUTE.total_seconds())


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str | None = None, signed_out: bool = False) -> Response:
    return _form(request, next=safe_next(next), signed_out=signed_out)


def _form(
    request: Request,
    *,
    next: str,
    signed_out: bool = False,
    errors: list[tuple[str, str]] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    check = secrets.token_urlsafe(24)
    response = render(
        request,
        "sign_in.html",
        title="Sign in",
        next=next,
        signed_out=signed_out,
        sign_in_check=check,
        sign_in_field=SIGN_IN_FIELD,
        errors=errors or [],
        status_code=status_code,
    )
    response.set_cookie(
        SIGN_IN_COOKIE,
        check,
        max_age=SIGN_IN_COOKIE_S,
        path="/sign-in",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    return response


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(
    request: Request,
    svc: Svc,
    token: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
    sign_in_check: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    target = safe_next(next)
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not hmac.compare_digest(sign_in_check.encode(), expected.encode()):
        message = "The sign-in page had expired. Paste your token again."
        return _form(request, next=target, errors=[("token", message)], status_code=403)
    token = token.strip()
    if not token:
        message = "Enter your token"
        return _form(request, next=target, errors=[("token", message)], status_code=422)
    address = request.client.host if request.client else "unknown"
    try:
        svc.failed_sign_ins.check(address)
        user = await run_in_threadpool(svc.tokens.user, token)
    except TooManyFailures as exc:
        return _form(request, next=target, errors=[("token", str(exc.detail))], status_code=429)
    except store.Unauthenticated:
        svc.failed_sign_ins.failed(address)
        message = "The token is not right, or it has been revoked. Check you pasted all of it."
        return _form(request, next=target, errors=[("token", message)], status_code=422)
    session_id = await run_in_threadpool(svc.sessions.start, user)
    response = see_other(target)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=SESSION_COOKIE_S,
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in")
    return response


@router.post("/sign-out")
async def sign_out(request: Request, user: AnyonePage, svc: Svc) -> Response:
    """End the session (the CSRF token was checked by `AnyonePage`)."""
    await run_in_threadpool(svc.sessions.end, user, request.cookies.get(SESSION_COOKIE, ""))
    response = see_other("/sign-in?signed_out=true")
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


@router.get("/", response_class=HTMLResponse)
async def start(request: Request) -> Response:
    """The user's first page: the first of their navigation, else a page saying what
    comes; sign-in if not signed in."""
    _row, user = await session_user(request)
    links = nav_for(user)
    if links:
        return RedirectResponse(links[0].path, status_code=303)
    request.state.user = user
    return render(request, "start.html", title="Home")
