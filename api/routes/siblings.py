"""Sibling groups: which children are brothers and sisters, and whether they must,
should or need not live together. Reads are audited (they name children)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

import store
from api.deps import Staff, Svc
from api.errors import responses
from api.routes.common import Limit, Offset, RecordId, page
from api.schemas.common import Page
from api.schemas.siblings import SiblingGroupIn, SiblingGroupOut, SiblingGroupPatch

router = APIRouter(tags=["sibling groups"])


def _out(g: Any) -> dict[str, Any]:
    return {"id": g.id, "children": list(g.children), "policy": g.policy}


@router.get(
    "/sibling-groups",
    response_model=Page[SiblingGroupOut],
    responses=responses(401, 403, 422),
    summary="List sibling groups with a member in your LAs",
)
def list_groups(user: Staff, svc: Svc, offset: Offset = 0, limit: Limit = 50) -> Any:
    with svc.writes.transaction() as s:
        groups = store.list_groups(s, las=user.las, offset=offset, limit=limit)
        if groups:
            children = [c for g in groups for c in g.children]
            store.record(s, user, "sibling_group.list", children)
        return page([_out(g) for g in groups], offset, limit)


@router.post(
    "/sibling-groups",
    response_model=SiblingGroupOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 409, 422),
    summary="Record a sibling group",
)
def create_group(body: SiblingGroupIn, user: Staff, svc: Svc) -> Any:
    with svc.writes.transaction() as s:
        return _out(store.create_group(s, body.model_dump(mode="json"), by=user, las=user.las))


@router.get(
    "/sibling-groups/{group_id}",
    response_model=SiblingGroupOut,
    responses=responses(401, 403, 404, 422),
    summary="Read a sibling group",
)
def get_group(group_id: RecordId, user: Staff, svc: Svc) -> Any:
    with svc.writes.transaction() as s:
        group = store.get_group(s, group_id, las=user.las)
        store.record(s, user, "sibling_group.read", group.children, group.id)
        return _out(group)


@router.patch(
    "/sibling-groups/{group_id}",
    response_model=SiblingGroupOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Change a sibling group's members or policy",
)
def update_group(group_id: RecordId, body: SiblingGroupPatch, user: Staff, svc: Svc) -> Any:
    changes = body.model_dump(mode="json", exclude_unset=True)
    with svc.writes.transaction() as s:
        group = store.update_group(
            s,
            group_id,
            by=user,
            children=changes.get("children"),
            policy=changes.get("policy"),
            las=user.las,
        )
        return _out(group)
