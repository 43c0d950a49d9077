"""Children's records: list, create, read, change; each within the caller's LAs
(api/services/children.py).

Every read is audited (`child.list`, `child.read`, with the children's ids); changes
are audited by the store. Another LA's child is a 404, the same as no child at all.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.deps import Staff, Svc
from api.errors import responses
from api.routes.common import Limit, Offset, RecordId, page
from api.schemas.children import ChildIn, ChildOut, ChildPatch
from api.schemas.common import Page
from api.services import children

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
    items = children.list_children(svc, user, offset=offset, limit=limit, home_known=home_known)
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
    return children.create_child(svc, user, _values(body, partial=False))


@router.get(
    "/children/{child_id}",
    response_model=ChildOut,
    responses=responses(401, 403, 404, 422),
    summary="Read a child's record",
)
def get_child(child_id: RecordId, user: Staff, svc: Svc) -> Any:
    return children.read_child(svc, user, child_id)


@router.patch(
    "/children/{child_id}",
    response_model=ChildOut,
    responses=responses(401, 403, 404, 422),
    summary="Change a child's record",
)
def update_child(child_id: RecordId, body: ChildPatch, user: Staff, svc: Svc) -> Any:
    """Only the fields sent change (`wishes` is replaced whole); the whole record is
    checked again."""
    return children.update_child(svc, user, child_id, _values(body, partial=True))
