"""Children's records within the user's LAs: list, create, read, change.

Every read is audited (`child.list`, `child.read`, with the children's ids); changes
are audited by the store. Another LA's child is NotFound, the same as no child at all.
"""

from __future__ import annotations

from typing import Any

import store
from api.deps import Services
from api.services.common import Reading, reading


def list_children(
    svc: Services, user: store.User, *, offset: int, limit: int, home_known: bool | None
) -> list[dict[str, Any]]:
    """A page of the user's LAs' children (`home_known` False: those with no home
    outcode recorded yet)."""
    with reading(svc) as r:
        rows = store.list_children(
            r.session, las=user.las, offset=offset, limit=limit, home_known=home_known
        )
        items = [store.child_to_dict(c) for c in rows]
        if items:
            r.audit(user, "child.list", [c["id"] for c in items], detail={"offset": offset})
    return items


def create_child(svc: Services, user: store.User, values: dict[str, Any]) -> dict[str, Any]:
    """Add a child of one of the user's LAs (Forbidden otherwise)."""
    with svc.writes.transaction() as s:
        child = store.create_child(s, values, by=user, las=user.las)
        return store.child_to_dict(child)


def read_child(
    svc: Services, user: store.User, child_id: str, *, within: Reading | None = None
) -> dict[str, Any]:
    """One child of the user's LAs (else NotFound), audited as read."""
    with reading(svc, within) as r:
        child = store.get_child(r.session, child_id, las=user.las)
        r.audit(user, "child.read", [child.id], child.id)
        return store.child_to_dict(child)


def update_child(
    svc: Services, user: store.User, child_id: str, changes: dict[str, Any]
) -> dict[str, Any]:
    """Change the fields in `changes`; the whole record is checked again."""
    with svc.writes.transaction() as s:
        child = store.update_child(s, child_id, changes, by=user, las=user.las)
        return store.child_to_dict(child)
