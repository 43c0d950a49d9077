"""What every route and page needs: the services, the signed-in user and their role.

The one mechanism for sign-in, roles and LA scope. A JSON route's request carries
`Authorization: Bearer <token>` (`allow`); a page's request carries the session cookie
made when the user signed in with that token (`page`, `WebSessions`; the JSON routes do
not accept the cookie, so no cross-site form can drive them). Both give the same
`store.User`, checked against the same roles, whose `las` bound everything after.

A token is looked up by its hash (store.authenticate). A user found is remembered, in
this process's memory only, for a few seconds, so a busy officer's requests do not each
read the users table; revoking through the API forgets at once, elsewhere (the CLI,
another process) within `TOKEN_TTL_S`. A session is read on every page request.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

import store
from api.auditlog import AuditWriter, WriteLock
from api.cache import ProblemCache
from api.runs import RunManager
from api.signin import FailedSignIns
from api.websession import CSRF_FIELD, SESSION_COOKIE, CsrfRefused, SignInNeeded

#: Seconds a looked-up token is trusted before the users table is read again.
TOKEN_TTL_S = 5.0

#: Who may do what (docs/api.md): staff work on named children; planners see counts.
STAFF: tuple[str, ...] = ("placement_officer", "family_finder", "admin")
ADMIN: tuple[str, ...] = ("admin",)
#: Placement officers (and admins): exception requests are theirs to ask and withdraw.
OFFICERS: tuple[str, ...] = ("placement_officer", "admin")
#: Family-finding for adoption across an agency's LAs.
FAMILY_FINDERS: tuple[str, ...] = ("family_finder", "admin")
#: Sufficiency what-ifs: scenario comparisons (aggregates of simulated years only).
PLANNERS: tuple[str, ...] = ("planner", "admin")
ANYONE: tuple[str, ...] = store.ROLES


@dataclass
class TokenCache:
    engine: Engine
    ttl_s: float = TOKEN_TTL_S
    _known: dict[str, tuple[store.User, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def known(self, token: str) -> store.User | None:
        """The user holding `token` if looked up within the last `ttl_s` seconds."""
        hit = self._known.get(token)
        return hit[0] if hit is not None and hit[1] > time.monotonic() else None

    def user(self, token: str) -> store.User:
        """The active user holding `token` (Unauthenticated otherwise)."""
        if not token or len(token) > 200:
            raise store.Unauthenticated("missing or malformed token")
        user = self.known(token)
        if user is not None:
            return user
        with store.read_session(self.engine) as s:
            user = store.authenticate(s, token)
        with self._lock:
            if len(self._known) > 10_000:
                self._known.clear()
            self._known[token] = (user, time.monotonic() + self.ttl_s)
        return user

    def forget(self) -> None:
        with self._lock:
            self._known.clear()


@dataclass
class WebSessions:
    """The pages' sessions (store/sessions.py): each page request reads its session and
    user (one indexed read), so a revoked user's or signed-out session fails at once,
    in every process; `last_seen_at` is written at most every few minutes."""

    engine: Engine
    writes: WriteLock

    def find(self, session_id: str) -> tuple[store.WebSession, store.User]:
        with store.read_session(self.engine) as s:
            row, user = store.find_session(s, session_id)
        if store.needs_touch(row):
            with self.writes.transaction() as s:
                store.touch_session(s, row.id_hash)
        return row, user

    def start(self, user: store.User) -> str:
        """A new session for `user` (signed in with their token); its id, for the cookie."""
        with self.writes.transaction() as s:
            store.end_stale_sessions(s)
            session_id, _row = store.create_session(s, user)
            store.record(s, user, "session.start", object_id=user.id, las=user.las)
        return session_id

    def end(self, user: store.User, session_id: str) -> None:
        """Sign out: the session is deleted (logged as `session.end`)."""
        with self.writes.transaction() as s:
            store.end_session(s, session_id)
            store.record(s, user, "session.end", object_id=user.id, las=user.las)


@dataclass
class Services:
    """One per app: the database, its writers, the built problems, the batch runs, the
    tokens and the pages' sessions."""

    engine: Engine
    writes: WriteLock
    audit: AuditWriter
    cache: ProblemCache
    runs: RunManager
    tokens: TokenCache
    sessions: WebSessions
    failed_sign_ins: FailedSignIns = field(default_factory=FailedSignIns)


async def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


bearer = HTTPBearer(
    auto_error=False,
    bearerFormat="pm_…",
    description="A token from `placematch users create` (or POST /users, or `placematch "
    "serve`'s demo token), sent as `Authorization: Bearer <token>`.",
)


async def current_user(
    request: Request, credentials: HTTPAuthorizationCredentials | None
) -> store.User:
    """The signed-in user, or 401. The database is read (in a worker thread) only when
    the token was not looked up in the last few seconds; an address that has sent too
    many bad tokens lately is refused (429) before it is."""
    if credentials is None:
        raise store.Unauthenticated("send Authorization: Bearer <token>")
    services: Services = request.app.state.services
    token = credentials.credentials
    if token and len(token) <= 200:
        user = services.tokens.known(token)
        if user is not None:
            return user
    address = request.client.host if request.client else "unknown"
    services.failed_sign_ins.check(address)
    try:
        return await run_in_threadpool(services.tokens.user, token)
    except store.Unauthenticated:
        services.failed_sign_ins.failed(address)
        raise


def allow(*roles: str) -> Callable[..., Any]:
    """A dependency: the signed-in user, if their role is one of `roles`, else 403.
    (One level of dependency, not several: it runs on every request.)"""

    async def check(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(bearer)],
    ) -> store.User:
        return permitted(request, await current_user(request, credentials), roles)

    check.__name__ = "allow_" + "_".join(roles)
    return check


def permitted(request: Request, user: store.User, roles: Collection[str]) -> store.User:
    """`user`, if their role is one of `roles`, else Forbidden (403): the one role check
    of routes and pages."""
    request.state.user = user  # for auditing a 404 (api/probes.py)
    if user.role not in roles:
        raise store.Forbidden(f"role {user.role!r} may not do this")
    return user


async def session_user(request: Request) -> tuple[store.WebSession, store.User]:
    """The session named by the cookie and its user, or SignInNeeded."""
    session_id = request.cookies.get(SESSION_COOKIE, "")
    if not session_id:
        raise SignInNeeded()
    services: Services = request.app.state.services
    try:
        return await run_in_threadpool(services.sessions.find, session_id)
    except store.Unauthenticated:
        raise SignInNeeded() from None


def page(*roles: str) -> Callable[..., Any]:
    """A page's dependency: the user signed in by the session cookie, if their role is
    one of `roles` (else 403); without a live session, a redirect to sign-in. On a POST
    the form's CSRF token must be the session's (else CsrfRefused, a 403 page). The
    session's CSRF token is left in `request.state.csrf_token` for the templates."""

    async def check(request: Request) -> store.User:
        row, user = await session_user(request)
        request.state.csrf_token = row.csrf_secret
        if request.method == "POST":
            form = await request.form()
            sent = form.get(CSRF_FIELD)
            if not isinstance(sent, str) or not hmac.compare_digest(
                sent.encode(), row.csrf_secret.encode()
            ):
                raise CsrfRefused()
        return permitted(request, user, roles)

    check.__name__ = "page_" + "_".join(roles)
    return check


Staff = Annotated[store.User, Depends(allow(*STAFF))]
Admin = Annotated[store.User, Depends(allow(*ADMIN))]
Officer = Annotated[store.User, Depends(allow(*OFFICERS))]
FamilyFinder = Annotated[store.User, Depends(allow(*FAMILY_FINDERS))]
Planner = Annotated[store.User, Depends(allow(*PLANNERS))]
Anyone = Annotated[store.User, Depends(allow(*ANYONE))]
Svc = Annotated[Services, Depends(services)]

#: The same roles for pages (signed in by the session cookie).
StaffPage = Annotated[store.User, Depends(page(*STAFF))]
AdminPage = Annotated[store.User, Depends(page(*ADMIN))]
OfficerPage = Annotated[store.User, Depends(page(*OFFICERS))]
FamilyFinderPage = Annotated[store.User, Depends(page(*FAMILY_FINDERS))]
PlannerPage = Annotated[store.User, Depends(page(*PLANNERS))]
AnyonePage = Annotated[store.User, Depends(page(*ANYONE))]


def boundary(user: store.User) -> Collection[str]:
    """The LAs whose children `user` may see."""
    return tuple(user.las)
