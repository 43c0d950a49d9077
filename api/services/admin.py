"""The audit log and the people who may use the service, within the admin's LAs.

An admin reads only the log's entries about their LAs (each naming only their LAs'
children) and manages only accounts whose LAs are all theirs; any other account is
NotFound exactly as an unknown one. Reading the log is itself audited (`audit.read`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import store
from api.deps import Services
from api.errors import invalid
from api.services.common import aware


def _utc(moment: datetime | None, field: str) -> datetime | None:
    if moment is None:
        return None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise invalid(field, "is out of range") from None


def user_record(u: store.User) -> dict[str, Any]:
    return {
        "id": u.id,
        "name": u.name,
        "role": u.role,
        "las": list(u.las),
        "active": u.active,
        "created_at": aware(u.created_at),
    }


def read_audit(
    svc: Services,
    user: store.User,
    *,
    user_id: int | None,
    child_id: str | None,
    action: str | None,
    object_id: str | None,
    since: datetime | None,
    until: datetime | None,
    before_id: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Entries about the user's LAs, newest first, filtered (`action`: one action or a
    prefix ending in a dot; `before_id`: older than that entry)."""
    with svc.writes.transaction() as s:
        entries = store.list_audit(
            s,
            las=user.las,
            user_id=user_id,
            child_id=child_id,
            action=action,
            object_id=object_id,
            since=_utc(since, "query.since"),
            until=_utc(until, "query.until"),
            before_id=before_id,
            limit=limit,
        )
        store.record(s, user, "audit.read", detail={"entries": len(entries)})
        return [
            {
                "id": e.id,
                "at": aware(e.at),
                "user_id": e.user_id,
                "action": e.action,
                "child_ids": list(e.child_ids),
                "object_id": e.object_id,
                "detail": dict(e.detail),
            }
            for e in entries
        ]


def list_users(svc: Services, user: store.User, offset: int, limit: int) -> list[dict[str, Any]]:
    """Users whose LAs are all the admin's."""
    with store.transaction(svc.engine, write=False) as s:
        rows = store.list_users(s, las=user.las, offset=offset, limit=limit)
        return [user_record(u) for u in rows]


def create_user(
    svc: Services, user: store.User, name: str, role: str, las: list[str]
) -> dict[str, Any]:
    """A user within the admin's LAs, and their token (shown once)."""
    outside = [la for la in las if la not in user.las]
    if outside and all(la in store.known_las() for la in outside):
        raise store.Forbidden(f"LA(s) {', '.join(outside)} are not yours")
    with svc.writes.transaction() as s:
        created, token = store.create_user(s, name, role, las, by=user)
    return {"user": user_record(created), "token": token}


def revoke_user(svc: Services, user: store.User, user_id: int) -> dict[str, Any]:
    """Revoke an account's token; this process forgets it at once."""
    with svc.writes.transaction() as s:
        revoked = store.deactivate_user(s, user_id, by=user, las=user.las)
    svc.tokens.forget()
    return user_record(revoked)


def reactivate_user(svc: Services, user: store.User, user_id: int) -> dict[str, Any]:
    """Let a revoked account sign in again, with a new token (Conflict if active)."""
    with svc.writes.transaction() as s:
        account, token = store.reactivate_user(s, user_id, by=user, las=user.las)
    svc.tokens.forget()
    return {"user": user_record(account), "token": token}
