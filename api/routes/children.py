"""Children's records: list, create, read, change; each within the caller's LAs.

Every read is audited (`child.list`, `child.read`, with the children's ids); changes
are audited by the store. Another LA's child is a 404, the same as no child at all.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

import store
from api.deps import Staff, Svc
from api.errors import responses
from api.routes.common import Limit, Offset, RecordId, page
from api.schemas.children import ChildIn, ChildOut, ChildPatch
from api.schemas.common import Page

router = APIRouter(tags=["children"])


def _values(body: ChildIn | ChildPatch, *, partial: bool) -> dict[str, Any]:
    data = body.model_dump(mode="json", exclude_unset=partial)
    if not partial and data.get("age") is None:
        data.pop("age", None)  # worked out from date_of_birth, or "age: is required"
    return data


@router.get(
    "/children",
    response_model=Page[ChildOut],
    responses=responses(401, 403, 422),
    summary="List your LAs' children",
)
def list_children(
    user: Staff,
    svc: Svc,
    offset: Offset = 0,
    limit: Limit = 50,
    home_known: Annotated[
        bool | None,
        Query(description="false: only children whose home outcode is not recorded yet"),
    ] = None,
) -> Any:
    with svc.writes.transaction() as s:
        rows = store.list_children(
            s, las=user.las, offset=offset, limit=limit, home_known=home_known
        )
        items = [store.child_to_dict(c) for c in rows]
        if items:
            store.record(s, user, "child.list", [c["id"] for c in items], detail={"offset": offset})
    return page(items, offset, limit)


@router.post(
    "/children",
    response_model=ChildOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 409, 422),
    summary="Add a child's record",
)
def create_child(body: ChildIn, user: Staff, svc: Svc) -> Any:
    """The child's LA must be one of yours (else 403). Their need for a placement is a
    referral: `POST /children/{child_id}/referrals`."""
    with svc.writes.transaction() as s:
        child = store.create_child(s, _values(body, partial=False), by=user, las=user.las)
        return store.child_to_dict(child)


@router.get(
    "/children/{child_id}",
    response_model=ChildOut,
    responses=responses(401, 403, 404, 422),
    summary="Read a child's record",
)
def get_child(child_id: RecordId, user: Staff, svc: Svc) -> Any:
    with svc.writes.transaction() as s:
        child = store.get_child(s, child_id, las=user.las)
        store.record(s, user, "child.read", [child.id], child.id)
        return store.child_to_dict(child)


@router.patch(
    "/children/{child_id}",
    response_model=ChildOut,
    responses=responses(401, 403, 404, 422),
    summary="Change a child's record",
)
def update_child(child_id: RecordId, body: ChildPatch, user: Staff, svc: Svc) -> Any:
    """Only the fields sent change (`wishes` is replaced whole); the whole record is
    checked again."""
    with svc.writes.transaction() as s:
        child = store.update_child(s, child_id, _values(body, partial=True), by=user, las=user.las)
        return store.child_to_dict(child)
