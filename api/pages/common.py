"""What every page shares: its route class, the templates, the navigation and `render`.

A page is a route of a router made by `page_router()`: its routes answer only requests
that ask for HTML (`Accept: text/html`, as a browser's do), so a page and a JSON route
can share an address (`/referrals` is the JSON list for a client and the Referrals page
for a browser). A page's handler takes its user from a role dependency of `api/deps.py`
(`StaffPage`, `AdminPage`, …: the session cookie, the same roles and LAs as the JSON
routes), calls the same `api/services/` function as the JSON route, and returns
`render(request, "name.html", title=..., ...)`. Templates are in `api/templates/`
(autoescaped; every page extends `base.html`, macros in `macros.html`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Scope

import store
from api.headers import WEB_POLICY
from api.websession import CSRF_FIELD

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STATIC = Path(__file__).resolve().parent.parent / "static"
SERVICE_NAME = "placematch"
#: Set in a request's scope when a page route matched: its errors are answered as pages.
PAGE_SCOPE_KEY = "placematch.page"


def wants_html(scope: Scope) -> bool:
    """Whether the request asks for HTML (a browser's navigation or form does)."""
    for name, value in scope.get("headers", ()):
        if name == b"accept":
            return b"text/html" in value.lower()
    return False


class PageRoute(APIRoute):
    """A route answering only requests that ask for HTML; left out of the OpenAPI."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or not wants_html(scope):
            return Match.NONE, {}
        match, child = super().matches(scope)
        if match != Match.NONE:
            child = {**child, PAGE_SCOPE_KEY: True}
        return match, child


def page_router() -> APIRouter:
    """A router for pages: list it in `api/pages/__init__.py`'s ROUTERS."""
    return APIRouter(route_class=PageRoute, include_in_schema=False)


def is_page(request: Request) -> bool:
    """Whether an error on this request should be answered as a page: a page route
    matched it, or no route did and the browser asked for HTML."""
    if request.scope.get(PAGE_SCOPE_KEY):
        return True
    return "endpoint" not in request.scope and wants_html(request.scope)


#: How often a progress page (a batch run, a round, a comparison) reloads itself while its
#: work goes: `PLACEMATCH_REFRESH_S` seconds if set, else 3. A person reads the page
#: between reloads, so 3 s for users; the browser tests set a shorter one so as not to
#: wait on the clock (tests/web/conftest.py).
REFRESH_ENV = "PLACEMATCH_REFRESH_S"
DEFAULT_REFRESH_S = 3.0
MIN_REFRESH_S, MAX_REFRESH_S = 0.2, 60.0


def refresh_ms() -> int:
    """The progress pages' reload interval in milliseconds, which `refresh.js` reads from
    the page (`data-refresh-ms`): `PLACEMATCH_REFRESH_S` from 0.2 to 60 s, else 3 s (a
    value that is not a number, or out of range, is ignored rather than reloading a page
    in a tight loop or never)."""
    text = os.environ.get(REFRESH_ENV, "").strip()
    try:
        seconds = float(text) if text else DEFAULT_REFRESH_S
    except ValueError:
        seconds = DEFAULT_REFRESH_S
    if not MIN_REFRESH_S <= seconds <= MAX_REFRESH_S:
        seconds = DEFAULT_REFRESH_S
    return round(seconds * 1000)


#: A background run's state (a batch run, a family-finding round, a scenario comparison),
#: in words and the colour of its tag.
RUN_STATUS: dict[str, tuple[str, str]] = {
    "queued": ("Waiting to start", "grey"),
    "running": ("Running", "blue"),
    "done": ("Finished", "green"),
    "failed": ("Failed", "red"),
    "interrupted": ("Interrupted", "orange"),
}
RUN_STATUS_LABELS: dict[str, str] = {k: label for k, (label, _) in RUN_STATUS.items()}
RUN_STATUS_TAGS: dict[str, str] = {k: tag for k, (_, tag) in RUN_STATUS.items()}
#: The last page number a list accepts (a bound, so a huge number is an error, not a scan).
LAST_PAGE = 100_000


def page_number(raw: str | None) -> int | None:
    """A list's page number from the query string (blank is page 1), or None when it is
    not a whole number from 1 to LAST_PAGE."""
    text = (raw or "").strip() or "1"
    return int(text) if text.isdigit() and 1 <= int(text) <= LAST_PAGE else None


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: tuple[str, ...]


#: The navigation, in order: each link shown to the roles that may open its page. Add a
#: page's entry here when the page exists (never a link to a page that does not).
NAV: tuple[NavItem, ...] = (
    NavItem("Referrals", "/referrals", ("placement_officer", "admin")),
    NavItem("Proposals", "/proposals", ("placement_officer", "admin")),
    NavItem("Batch runs", "/runs", ("placement_officer", "admin")),
    NavItem("Exceptions", "/exceptions", ("placement_officer", "admin")),
    NavItem("Family-finding", "/family-finding", ("family_finder", "admin")),
    NavItem("Baseline", "/baseline", ("planner", "admin")),
    NavItem("What-ifs", "/what-ifs", ("planner", "admin")),
    NavItem("Imports", "/imports", ("admin",)),
    NavItem("Users", "/users", ("admin",)),
    NavItem("Audit log", "/audit", ("admin",)),
)


def nav_for(user: store.User | None) -> list[NavItem]:
    return [] if user is None else [n for n in NAV if user.role in n.roles]


ROLE_NAMES: dict[str, str] = {
    "placement_officer": "Placement officer",
    "family_finder": "Family-finder",
    "planner": "Sufficiency planner",
    "admin": "Admin",
}


def long_date(value: date | datetime | None) -> str:
    """6 December 2026 (GOV.UK style); with the time for a datetime: 6 December 2026, 2:05pm."""
    if value is None:
        return ""
    day = f"{value.day} {value:%B %Y}"
    if isinstance(value, datetime):
        hour = value.hour % 12 or 12
        return f"{day}, {hour}:{value:%M}{'am' if value.hour < 12 else 'pm'}"
    return day


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        # Templates ship with the code: each is compiled once and kept, never checked
        # against its file again (a served page would otherwise stat every template).
        auto_reload=False,
        cache_size=-1,
    )
    env.filters["long_date"] = long_date
    env.globals["plural"] = plural
    env.globals["ROLE_NAMES"] = ROLE_NAMES
    env.globals["SERVICE_NAME"] = SERVICE_NAME
    env.globals["CSRF_FIELD"] = CSRF_FIELD
    env.globals["refresh_ms"] = refresh_ms
    return env


ENV = _environment()


def render(
    request: Request,
    template: str,
    *,
    title: str,
    status_code: int = 200,
    errors: Iterable[tuple[str, str]] = (),
    **context: Any,
) -> HTMLResponse:
    """The page `template` (in api/templates/) with the layout's context: the signed-in
    user and their navigation, the session's CSRF token, the title ("Title – placematch",
    "Error: " first when `errors`) and `errors` (field name, message) for the error
    summary and each field."""
    user: store.User | None = getattr(request.state, "user", None)
    errors = list(errors)
    html = ENV.get_template(template).render(
        request=request,
        user=user,
        nav=nav_for(user),
        path=request.url.path,
        csrf_token=getattr(request.state, "csrf_token", ""),
        title=title,
        errors=errors,
        field_errors=dict(reversed(errors)),
        **context,
    )
    headers = {"Vary": "Accept, Cookie", "Content-Security-Policy": WEB_POLICY}
    return HTMLResponse(html, status_code=status_code, headers=headers)


def see_other(path: str) -> RedirectResponse:
    """POST-redirect-GET: a 303 to `path` (a path of this service)."""
    return RedirectResponse(path, status_code=303)


def safe_next(value: str | None, default: str = "/") -> str:
    """`value` if it is a path of this service (same origin), else `default`: never
    another host (`//evil`, `https://evil`, `/\\evil`), never a control character."""
    if not value or len(value) > 2000 or not value.startswith("/"):
        return default
    if value.startswith(("//", "/\\")) or any(ord(c) < 32 or c == "\\" for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return default
    return value


def with_query(path: str, params: Mapping[str, str | int | None]) -> str:
    """`path?…` with the params that have a value."""
    kept = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{path}?{urlencode(kept)}" if kept else path
