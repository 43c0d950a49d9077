"""Users and their bearer tokens.

A token is 256 random bits, shown once when the user is made and kept only as its
SHA-256: with that much entropy a fast hash is enough (nothing to guess), and a stolen
database gives no usable token. Lookup is by hash, then compared in constant time.

An admin manages the accounts within their own LAs: `las` is the admin's boundary, and
an account with an LA outside it is NotFound, the same answer as no account at all.
Revoking keeps the account and its trail; reactivating gives it a new token (shown
once) so the revoked one, wherever it was written down, stays dead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection

from sqlmodel import Session, col, select

from store import audit
from store.children import check_page
from store.db import atomic
from store.errors import Conflict, Invalid, NotFound, Unauthenticated
from store.models import ROLES, User
from store.sessions import end_user_sessions
from store.validate import check_las

#: Roles that may authorise a match setting aside a hard rule (local procedures: a
#: manager's decision); kept here so the API and the store agree.
AUTHORISERS: frozenset[str] = frozenset({"admin"})
TOKEN_PREFIX = "pm_"


def hash_token(token: str) -> str:
    """The stored form of a token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@atomic
def create_user(
    session: Session, name: str, role: str, las: Collection[str], *, by: User | None = None
) -> tuple[User, str]:
    """A new user and their token (returned once, never stored in clear).

    Raises Invalid for an empty name, an unknown role or an unknown LA.
    """
    name = (name or "").strip()
    issues = []
    if not name or len(name) > 200:
        issues.append(Invalid.one("name", "a name of 1 to 200 characters is required"))
    if role not in ROLES:
        issues.append(
            Invalid.one("role", f"{role!r} is not a role (expected one of: {', '.join(ROLES)})")
        )
    try:
        las = check_las(las, "las")
    except Invalid as exc:
        issues.append(exc)
    if issues:
        raise Invalid([i for exc in issues for i in exc.issues])
    token = new_token()
    user = User(name=name, role=role, las=list(las), token_hash=hash_token(token))
    session.add(user)
    session.flush()
    audit.record(session, by, "user.create", object_id=user.id, detail={"role": role}, las=user.las)
    return user, token


def new_token() -> str:
    """A fresh token: the prefix and 256 random bits."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def authenticate(session: Session, token: str) -> User:
    """The active user holding `token`; raises Unauthenticated otherwise."""
    if not token or len(token) > 200:
        raise Unauthenticated("missing or malformed token")
    digest = hash_token(token)
    user = session.exec(select(User).where(User.token_hash == digest)).first()
    if user is None or not hmac.compare_digest(user.token_hash, digest) or not user.active:
        raise Unauthenticated("unknown or revoked token")
    return user


def within(user: User, las: Collection[str] | None) -> bool:
    """Whether every LA of `user` is one of `las` (None: no boundary): the accounts an
    admin of `las` may see and manage, as they may create."""
    return las is None or all(la in las for la in user.las)


def get_user(session: Session, user_id: int, *, las: Collection[str] | None = None) -> User:
    """One account, or NotFound (also for one with an LA outside `las`)."""
    user = session.get(User, user_id)
    if user is None or not within(user, las):
        raise NotFound("user", user_id)
    return user


def list_users(
    session: Session,
    *,
    las: Collection[str] | None = None,
    offset: int = 0,
    limit: int = 1000,
) -> list[User]:
    """Accounts within `las`, by id. (LAs are a JSON list, so the boundary is applied
    here; an LA has hundreds of accounts, not millions.)"""
    check_page(offset, limit)
    users = [u for u in session.exec(select(User).order_by(col(User.id))) if within(u, las)]
    return users[offset : offset + limit]


@atomic
def deactivate_user(
    session: Session, user_id: int, *, by: User | None, las: Collection[str] | None = None
) -> User:
    """Revoke a user's token (the user and their audit trail stay)."""
    user = get_user(session, user_id, las=las)
    user.active = False
    session.add(user)
    if user.id is not None:
        end_user_sessions(session, user.id)  # the pages' sessions end with the token
    audit.record(session, by, "user.deactivate", object_id=user.id, las=user.las)
    return user


@atomic
def reactivate_user(
    session: Session, user_id: int, *, by: User | None, las: Collection[str] | None = None
) -> tuple[User, str]:
    """Let a revoked user sign in again, with a new token (returned once): the revoked
    one stays dead. Conflict if the account is active (revoke it first to replace a
    token that may have leaked)."""
    user = get_user(session, user_id, las=las)
    if user.active:
        raise Conflict(f"user {user_id} is active: only a revoked account is reactivated")
    token = new_token()
    user.token_hash = hash_token(token)
    user.active = True
    session.add(user)
    session.flush()
    audit.record(session, by, "user.reactivate", object_id=user.id, las=user.las)
    return user, token


def can_authorise_exceptions(user: User) -> bool:
    """Whether `user` may set aside a hard rule for one named match."""
    return user.role in AUTHORISERS
