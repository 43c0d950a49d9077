"""Web sessions: a signed-in browser, kept server-side (docs/security.md, "Web pages").

The browser holds a random session id (256 bits) in a cookie; the table keeps only its
SHA-256, so a copy of the database signs no one in. Each session has its own CSRF secret
for the pages' forms. A session ends after `IDLE` without use or `ABSOLUTE` after it
began, whichever is sooner, when its user signs out, and when its user is revoked
(`store.deactivate_user` deletes their sessions; a lookup also refuses an inactive user).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, delete, select

from store.errors import Unauthenticated
from store.models import User, WebSession, utcnow

#: A session unused this long ends (a working day with a long lunch).
IDLE = timedelta(hours=8)
#: A session ends this long after sign-in, however busy (one shift; sign in each day).
ABSOLUTE = timedelta(hours=12)
#: `last_seen_at` is written at most this often (each write is a database write).
TOUCH_EVERY = timedelta(minutes=5)


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def create_session(session: Session, user: User) -> tuple[str, WebSession]:
    """A new session for `user`: the id to give the browser (once) and its row."""
    if user.id is None or not user.active:
        raise Unauthenticated("unknown or revoked token")
    session_id = secrets.token_urlsafe(32)
    now = utcnow()
    row = WebSession(
        id_hash=hash_session_id(session_id),
        user_id=user.id,
        csrf_secret=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + ABSOLUTE,
    )
    session.add(row)
    session.flush()
    return session_id, row


def find_session(
    session: Session, session_id: str, now: datetime | None = None
) -> tuple[WebSession, User]:
    """The live session with this id and its active user; Unauthenticated otherwise
    (unknown, idle past `IDLE`, past its absolute end, or its user revoked)."""
    if not session_id or len(session_id) > 200:
        raise Unauthenticated("no session")
    now = now or utcnow()
    found = session.exec(
        select(WebSession, User)
        .join(User, col(User.id) == col(WebSession.user_id))
        .where(WebSession.id_hash == hash_session_id(session_id))
    ).first()
    if found is None:
        raise Unauthenticated("no session")
    row, user = found
    if not user.active or _aware(row.expires_at) <= now or _aware(row.last_seen_at) + IDLE <= now:
        raise Unauthenticated("session ended")
    return row, user


def needs_touch(row: WebSession, now: datetime | None = None) -> bool:
    """Whether the session's last use is old enough to be written again."""
    return _aware(row.last_seen_at) + TOUCH_EVERY <= (now or utcnow())


def touch_session(session: Session, id_hash: str, now: datetime | None = None) -> None:
    """Record that the session was used now."""
    row = session.get(WebSession, id_hash)
    if row is not None:
        row.last_seen_at = now or utcnow()
        session.add(row)


def end_session(session: Session, session_id: str) -> None:
    """Sign out: the session is deleted (its id then signs no one in)."""
    session.exec(delete(WebSession).where(col(WebSession.id_hash) == hash_session_id(session_id)))


def end_user_sessions(session: Session, user_id: int) -> None:
    """Every session of a user (on revoking them)."""
    session.exec(delete(WebSession).where(col(WebSession.user_id) == user_id))


def end_stale_sessions(session: Session, now: datetime | None = None) -> int:
    """Delete sessions past their end or idle too long; how many."""
    now = now or utcnow()
    stale = session.exec(
        select(WebSession.id_hash).where(
            (col(WebSession.expires_at) <= now) | (col(WebSession.last_seen_at) <= now - IDLE)
        )
    ).all()
    for id_hash in stale:
        session.exec(delete(WebSession).where(col(WebSession.id_hash) == id_hash))
    return len(stale)
