"""Errors on a page answered as pages (api/errors.py asks `is_page` first): the same
statuses as the JSON routes, in plain words, never a stack trace.

A 404 says the same whatever was not found — an unknown id, another LA's child, an
address that does not exist — so a page never tells anyone that a record exists
elsewhere. A page without a live session redirects to sign-in, keeping where the user
was going (`next`, a path of this service only).
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.types import Scope

from api.limits import MIB
from api.pages.common import render, safe_next, wants_html, with_query

TITLES: dict[int, str] = {
    400: "There is a problem with the address",
    403: "You cannot open this page",
    404: "Page not found",
    409: "That cannot be done now",
    413: "The files are too large",
    422: "There is a problem with the address",
    429: "Too many failed sign-ins",
    500: "Sorry, there is a problem with the service",
    503: "Sorry, the service is unavailable",
}


def error_page(
    request: Request,
    status_code: int,
    *,
    message: str | None = None,
    items: Iterable[str] = (),
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """The error page for `status_code`: its title as heading, and `message` (said to
    the user as is: never a record's id that the user may not know of) and `items`."""
    title = TITLES.get(status_code, "There is a problem")
    response = render(
        request,
        "error.html",
        title=title,
        status_code=status_code,
        status=status_code,
        message=message,
        items=list(items),
    )
    if headers:
        response.headers.update(headers)
    return response


def sign_in_redirect(request: Request) -> RedirectResponse:
    """To sign-in, then back here (a GET's path and query); after a POST, to the start
    (the form's address may answer only a POST)."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    target = safe_next(here if request.method == "GET" else "/")
    params = {"next": target} if target != "/" else {}
    return RedirectResponse(with_query("/sign-in", params), status_code=303)


def csrf_refused(request: Request) -> HTMLResponse:
    return error_page(
        request,
        403,
        message="This form was not sent from a page of this service, or the page had expired. "
        "Go back, reload the page and try again.",
    )


def too_large_page(scope: Scope, limit: int) -> HTMLResponse | None:
    """A body over its limit (api/limits.py refuses it before it is read), as a page
    when a browser's form sent it; None for any other client (JSON then)."""
    if not wants_html(scope):
        return None
    response = error_page(
        Request(scope),
        413,
        message=f"The files are larger than the service accepts ({round(limit / MIB, 3):g} MB "
        "at most). Send one LA's return at a time, or ask whoever runs the service to raise "
        "the limit.",
    )
    response.headers["Connection"] = "close"
    return response
