"""Carer households and homes: list, create, read, change.

Every LA's staff may read every household, but only the household's own LA's staff
may add or change it (the store refuses, naming its LA). A kinship household's
connected children are shown only when they are the reader's LAs' children, and a read
that shows some is audited with their ids (`household.read`, `household.list`).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

import store
from api.deps import Services
from api.services.common import audit


def _as_seen(s: Session, household: store.HouseholdRecord, user: store.User) -> Any:
    return store.households_as_seen(s, [household], user.las)[0][0]


def list_carers(
    svc: Services,
    user: store.User,
    *,
    la: str | None,
    kind: str | None,
    with_vacancy: bool,
    offset: int,
    limit: int,
) -> list[dict[str, Any]]:
    """A page of households (`la`: only that LA's; `with_vacancy`: only those with a
    free place), as the user may see them."""
    with store.transaction(svc.engine, write=False) as s:
        rows = store.list_households(
            s,
            las=[la] if la else None,
            kind=kind,
            with_vacancy=with_vacancy,
            offset=offset,
            limit=limit,
        )
        items, named = store.households_as_seen(s, rows, user.las)
    if named:
        audit(svc, user, "household.list", named, detail={"offset": offset})
    return items


def create_carer(svc: Services, user: store.User, values: dict[str, Any]) -> Any:
    with svc.writes.transaction() as s:
        return _as_seen(s, store.create_household(s, values, by=user, las=user.las), user)


def read_carer(svc: Services, user: store.User, carer_id: str) -> Any:
    with store.transaction(svc.engine, write=False) as s:
        items, named = store.households_as_seen(s, [store.get_household(s, carer_id)], user.las)
    if named:
        audit(svc, user, "household.read", named, carer_id)
    return items[0]


def update_carer(svc: Services, user: store.User, carer_id: str, changes: dict[str, Any]) -> Any:
    """Change the fields in `changes` (the household's own LA's staff only)."""
    with svc.writes.transaction() as s:
        household = store.update_household(s, carer_id, changes, by=user, las=user.las)
        return _as_seen(s, household, user)
