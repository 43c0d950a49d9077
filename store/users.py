"""Users and their bearer tokens.

A token is 256 random bits, shown once when the user is made and kept only as its
SHA-256: with that much entropy a fast hash is enough (nothing to guess), and a stolen
database gives no usable token. Lookup is by hash, then compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Collection

from sqlmodel import Session, col, select

from store import audit
from store.db import atomic
from store.errors import Invalid, NotFound, Unauthenticated
from store.models import ROLES, User
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
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    user = User(name=name, role=role, las=list(las), token_hash=hash_token(token))
    session.add(user)
    session.flush()
    audit.record(session, by, "user.create", object_id=user.id, detail={"role": role})
    return user, token


def authenticate(session: Session, token: str) -> User:
    """The active user holding `token`; raises Unauthenticated otherwise."""
    if not token or len(token) > 200:
        raise Unauthenticated("missing or malformed token")
    digest = hash_token(token)
    user = session.exec(select(User).where(User.token_hash == digest)).first()
    if user is None or not hmac.compare_digest(user.token_hash, digest) or not user.active:
        raise Unauthenticated("unknown or revoked token")
    return user


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(col(User.id))))


@atomic
def deactivate_user(session: Session, user_id: int, *, by: User | None) -> User:
    """Revoke a user's token (the user and their audit trail stay)."""
    user = get_user(session, user_id)
    user.active = False
    session.add(user)
    audit.record(session, by, "user.deactivate", object_id=user.id)
    return user


def can_authorise_exceptions(user: User) -> bool:
    """Whether `user` may set aside a hard rule for one named match."""
    return user.role in AUTHORISERS
