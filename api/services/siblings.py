"""Sibling groups with a member in the user's LAs: list, record, read, change. Reads
are audited (`sibling_group.list`, `sibling_group.read`: they name children)."""

from __future__ import annotations

from typing import Any

import store
from api.deps import Services
from api.services.common import Reading, reading


def group_record(g: Any) -> dict[str, Any]:
    return {"id": g.id, "children": list(g.children), "policy": g.policy}


def list_groups(
    svc: Services, user: store.User, *, offset: int, limit: int
) -> list[dict[str, Any]]:
    with reading(svc) as r:
        groups = store.list_groups(r.session, las=user.las, offset=offset, limit=limit)
        if groups:
            children = [c for g in groups for c in g.children]
            r.audit(user, "sibling_group.list", children)
        return [group_record(g) for g in groups]


def create_group(svc: Services, user: store.User, values: dict[str, Any]) -> dict[str, Any]:
    with svc.writes.transaction() as s:
        return group_record(store.create_group(s, values, by=user, las=user.las))


def read_group(
    svc: Services, user: store.User, group_id: str, *, within: Reading | None = None
) -> dict[str, Any]:
    with reading(svc, within) as r:
        group = store.get_group(r.session, group_id, las=user.las)
        r.audit(user, "sibling_group.read", group.children, group.id)
        return group_record(group)


def update_group(
    svc: Services,
    user: store.User,
    group_id: str,
    *,
    children: list[str] | None,
    policy: str | None,
) -> dict[str, Any]:
    """Change the members or the policy (None: leave as is)."""
    with svc.writes.transaction() as s:
        group = store.update_group(
            s, group_id, by=user, children=children, policy=policy, las=user.las
        )
        return group_record(group)


def group_of_child(
    svc: Services, user: store.User, child_id: str, *, within: Reading | None = None
) -> dict[str, Any] | None:
    """The sibling group of a child of the user's LAs (None if they are in none),
    audited as a read of the group (`sibling_group.read`: it names the children)."""
    with reading(svc, within) as r:
        store.get_child(r.session, child_id, las=user.las)  # NotFound outside the user's LAs
        group = store.group_of(r.session, child_id)
        if group is None:
            return None
        r.audit(user, "sibling_group.read", group.children, group.id)
        return group_record(group)
