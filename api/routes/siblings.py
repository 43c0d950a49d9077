"""Sibling groups: which children are brothers and sisters, and whether they must,
should or need not live together. Reads are audited (they name children)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from api.deps import Staff, Svc
from api.errors import responses
from api.routes.common import Limit, Offset, RecordId, page
from api.schemas.common import Page
from api.schemas.siblings import SiblingGroupIn, SiblingGroupOut, SiblingGroupPatch
from api.services import siblings

router = APIRouter(tags=["sibling groups"])


@router.get(
    "/sibling-groups",
    response_model=Page[SiblingGroupOut],
    responses=responses(401, 403, 422),
    summary="List sibling groups with a member in your LAs",
)
def list_groups(user: Staff, svc: Svc, offset: Offset = 0, limit: Limit = 50) -> Any:
    return page(siblings.list_groups(svc, user, offset=offset, limit=limit), offset, limit)


@router.post(
    "/sibling-groups",
    response_model=SiblingGroupOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 409, 422),
    summary="Record a sibling group",
)
def create_group(body: SiblingGroupIn, user: Staff, svc: Svc) -> Any:
    return siblings.create_group(svc, user, body.model_dump(mode="json"))


@router.get(
    "/sibling-groups/{group_id}",
    response_model=SiblingGroupOut,
    responses=responses(401, 403, 404, 422),
    summary="Read a sibling group",
)
def get_group(group_id: RecordId, user: Staff, svc: Svc) -> Any:
    return siblings.read_group(svc, user, group_id)


@router.patch(
    "/sibling-groups/{group_id}",
    response_model=SiblingGroupOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Change a sibling group's members or policy",
)
def update_group(group_id: RecordId, body: SiblingGroupPatch, user: Staff, svc: Svc) -> Any:
    changes = body.model_dump(mode="json", exclude_unset=True)
    return siblings.update_group(
        svc, user, group_id, children=changes.get("children"), policy=changes.get("policy")
    )
