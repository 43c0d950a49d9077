"""Admin: the audit log, and the people who may use the service, within the admin's LAs.

An admin reads only the log's entries about their LAs (each naming only their LAs'
children) and manages only accounts whose LAs are all theirs; any other account answers
404 exactly as an unknown one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

import store
from api.deps import Admin, Anyone, Svc
from api.errors import invalid, responses
from api.routes.common import IdFilter, Limit, Offset, Serial, page
from api.schemas.admin import AuditPage, UserCreated, UserIn, UserOut
from api.schemas.common import Page
from api.schemas.types import MAX_INT
from api.services.common import aware

router = APIRouter(tags=["admin"])


def _utc(moment: datetime | None, field: str) -> datetime | None:
    if moment is None:
        return None
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (OverflowError, ValueError):
        raise invalid(field, "is out of range") from None


def _user_out(u: store.User) -> dict[str, Any]:
    return {
        "id": u.id,
        "name": u.name,
        "role": u.role,
        "las": list(u.las),
        "active": u.active,
        "created_at": aware(u.created_at),
    }


@router.get(
    "/audit",
    response_model=AuditPage,
    responses=responses(401, 403, 422),
    summary="The audit log, newest first (admin)",
)
def list_audit(
    user: Admin,
    svc: Svc,
    user_id: Annotated[int | None, Query(ge=1, le=MAX_INT)] = None,
    child_id: IdFilter = None,
    action: Annotated[
        str | None,
        Query(
            max_length=64,
            pattern=r"^[a-z][a-z_.]*$",
            description="an action (child.read), or a prefix ending in a dot (proposal.)",
        ),
    ] = None,
    object_id: IdFilter = None,
    since: Annotated[datetime | None, Query(description="from this time (UTC if no zone)")] = None,
    until: Annotated[datetime | None, Query(description="before this time")] = None,
    before_id: Annotated[
        int | None, Query(ge=1, le=MAX_INT, description="next_before_id of the previous page")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Any:
    """Who did what, when, to which children's records; ids and codes only. Only the
    entries about your LAs, naming only your LAs' children."""
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
        items = [
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
    return {
        "items": items,
        "next_before_id": items[-1]["id"] if len(items) == limit else None,
    }


@router.get(
    "/me",
    response_model=UserOut,
    responses=responses(401),
    summary="Who you are signed in as",
    tags=["users"],
)
def me(user: Anyone) -> Any:
    return _user_out(user)


@router.get(
    "/users",
    response_model=Page[UserOut],
    responses=responses(401, 403, 422),
    summary="Users whose LAs are all yours (admin)",
    tags=["users"],
)
def list_users(user: Admin, svc: Svc, offset: Offset = 0, limit: Limit = 100) -> Any:
    with store.transaction(svc.engine, write=False) as s:
        rows = store.list_users(s, las=user.las, offset=offset, limit=limit)
        return page([_user_out(u) for u in rows], offset, limit)


@router.post(
    "/users",
    response_model=UserCreated,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 422),
    summary="Create a user and their token (admin, within your LAs)",
    tags=["users"],
)
def create_user(body: UserIn, user: Admin, svc: Svc) -> Any:
    """The token is in this answer only; it is kept hashed and cannot be shown again."""
    outside = [la for la in body.las if la not in user.las]
    if outside and all(la in store.known_las() for la in outside):
        raise store.Forbidden(f"LA(s) {', '.join(outside)} are not yours")
    with svc.writes.transaction() as s:
        created, token = store.create_user(s, body.name, body.role, body.las, by=user)
    return {"user": _user_out(created), "token": token}


@router.post(
    "/users/{user_id}/revoke",
    response_model=UserOut,
    responses=responses(401, 403, 404, 422),
    summary="Revoke a user's token (admin, users within your LAs)",
    tags=["users"],
)
def revoke_user(user_id: Serial, user: Admin, svc: Svc) -> Any:
    with svc.writes.transaction() as s:
        revoked = store.deactivate_user(s, user_id, by=user, las=user.las)
    svc.tokens.forget()
    return _user_out(revoked)


@router.post(
    "/users/{user_id}/reactivate",
    response_model=UserCreated,
    responses=responses(401, 403, 404, 409, 422),
    summary="Let a revoked user sign in again, with a new token (admin, within your LAs)",
    tags=["users"],
)
def reactivate_user(user_id: Serial, user: Admin, svc: Svc) -> Any:
    """The new token is in this answer only; the revoked one stays dead. 409 for an
    account that is active."""
    with svc.writes.transaction() as s:
        account, token = store.reactivate_user(s, user_id, by=user, las=user.las)
    svc.tokens.forget()
    return {"user": _user_out(account), "token": token}
