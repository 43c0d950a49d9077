"""Placements of the user's LAs' children: list, read, end. Reads are audited
(`placement.list`, `placement.read`); ending one by the store."""

from __future__ import annotations

from datetime import date
from typing import Any

import store
from api.deps import Services
from api.schemas.proposals import PlacementOut
from api.services.common import Reading, reading


def placement_record(p: store.Placement) -> dict[str, Any]:
    return PlacementOut.model_validate(p).model_dump()


def list_placements(
    svc: Services,
    user: store.User,
    *,
    child_id: str | None,
    household_id: str | None,
    current: bool | None,
    offset: int,
    limit: int,
    within: Reading | None = None,
) -> list[dict[str, Any]]:
    """A page of placements, newest first (`current` True: not ended; False: ended)."""
    with reading(svc, within) as r:
        rows = store.list_placements(
            r.session,
            las=user.las,
            child_id=child_id,
            household_id=household_id,
            current=current,
            offset=offset,
            limit=limit,
        )
        if rows:
            r.audit(user, "placement.list", [p.child_id for p in rows])
        return [placement_record(p) for p in rows]


def read_placement(svc: Services, user: store.User, placement_id: int) -> dict[str, Any]:
    with reading(svc) as r:
        placement = store.get_placement(r.session, placement_id, las=user.las)
        r.audit(user, "placement.read", [placement.child_id], placement_id)
        return placement_record(placement)


def end_placement(
    svc: Services, user: store.User, placement_id: int, reason: str, ended_on: date | None
) -> dict[str, Any]:
    """End a placement; the household's place is free again."""
    with svc.writes.transaction() as s:
        placement = store.end_placement(
            s, placement_id, reason, by=user, ended_on=ended_on, las=user.las
        )
        return placement_record(placement)
