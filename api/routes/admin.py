"""Admin: the audit log, and the people who may use the service, within the admin's LAs.

An admin reads only the log's entries about their LAs (each naming only their LAs'
children) and manages only accounts whose LAs are all theirs; any other account answers
404 exactly as an unknown one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.deps import Admin, Anyone, Svc
from api.errors import responses
from api.routes.common import IdFilter, Limit, Offset, Serial, page
from api.schemas.admin import AuditPage, UserCreated, UserIn, UserOut
from api.schemas.common import Page
from api.schemas.types import MAX_INT
from api.services import admin

router = APIRouter(tags=["admin"])


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
    items = admin.read_audit(
        svc,
        user,
        user_id=user_id,
        child_id=child_id,
        action=action,
        object_id=object_id,
        since=since,
        until=until,
        before_id=before_id,
        limit=limit,
    )
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
    return admin.user_record(user)


@router.get(
    "/users",
    response_model=Page[UserOut],
    responses=responses(401, 403, 422),
    summary="Users whose LAs are all yours (admin)",
    tags=["users"],
)
def list_users(user: Admin, svc: Svc, offset: Offset = 0, limit: Limit = 100) -> Any:
    return page(admin.list_users(svc, user, offset, limit), offset, limit)


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
    return admin.create_user(svc, user, body.name, body.role, list(body.las))


@router.post(
    "/users/{user_id}/revoke",
    response_model=UserOut,
    responses=responses(401, 403, 404, 422),
    summary="Revoke a user's token (admin, users within your LAs)",
    tags=["users"],
)
def revoke_user(user_id: Serial, user: Admin, svc: Svc) -> Any:
    return admin.revoke_user(svc, user, user_id)


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
    return admin.reactivate_user(svc, user, user_id)
