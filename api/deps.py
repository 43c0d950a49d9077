"""What every route needs: the services, the signed-in user and their role.

A request carries `Authorization: Bearer <token>`; the token is looked up by its hash
(store.authenticate). A user found is remembered, in this process's memory only, for a
few seconds, so a busy officer's requests do not each read the users table; revoking
through the API forgets at once, elsewhere (the CLI, another process) within
`TOKEN_TTL_S`.
"""

from __future__ import annotations

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

#: Seconds a looked-up token is trusted before the users table is read again.
TOKEN_TTL_S = 5.0

#: Who may do what (docs/api.md): staff work on named children; planners see counts.
STAFF: tuple[str, ...] = ("placement_officer", "family_finder", "admin")
ADMIN: tuple[str, ...] = ("admin",)
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
class Services:
    """One per app: the database, its writers, the built problems, the batch runs and
    the tokens."""

    engine: Engine
    writes: WriteLock
    audit: AuditWriter
    cache: ProblemCache
    runs: RunManager
    tokens: TokenCache
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
        user = await current_user(request, credentials)
        request.state.user = user  # for auditing a 404 (api/probes.py)
        if user.role not in roles:
            raise store.Forbidden(f"role {user.role!r} may not do this")
        return user

    check.__name__ = "allow_" + "_".join(roles)
    return check


Staff = Annotated[store.User, Depends(allow(*STAFF))]
Admin = Annotated[store.User, Depends(allow(*ADMIN))]
FamilyFinder = Annotated[store.User, Depends(allow(*FAMILY_FINDERS))]
Planner = Annotated[store.User, Depends(allow(*PLANNERS))]
Anyone = Annotated[store.User, Depends(allow(*ANYONE))]
Svc = Annotated[Services, Depends(services)]


def boundary(user: store.User) -> Collection[str]:
    """The LAs whose children `user` may see."""
    return tuple(user.las)
