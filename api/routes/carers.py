"""Carer households and homes: list, create, read, change.

Households are not bounded by LA (an officer may look for a place anywhere) and hold no
child's details, so reading them is not audited; changes are, by the store.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

import store
from api.deps import Staff, Svc
from api.errors import responses
from api.routes.common import Limit, Offset, RecordId, page
from api.schemas import LA, CarerIn, CarerOut, CarerPatch, Kind, Page

router = APIRouter(tags=["carers"])


@router.get(
    "/carers",
    response_model=Page[CarerOut],
    responses=responses(401, 403, 422),
    summary="List carer households",
)
def list_carers(
    user: Staff,
    svc: Svc,
    la: Annotated[LA | None, Query(description="only this LA's")] = None,
    kind: Annotated[Kind | None, Query()] = None,
    with_vacancy: Annotated[bool, Query(description="only those with a free place")] = False,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    with store.transaction(svc.engine, write=False) as s:
        rows = store.list_households(
            s,
            las=[la] if la else None,
            kind=kind,
            with_vacancy=with_vacancy,
            offset=offset,
            limit=limit,
        )
        return page([store.household_to_dict(h) for h in rows], offset, limit)


@router.post(
    "/carers",
    response_model=CarerOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 409, 422),
    summary="Add a carer household",
)
def create_carer(body: CarerIn, user: Staff, svc: Svc) -> Any:
    data = body.model_dump(mode="json")
    if data.get("places") is None:
        data.pop("places", None)  # approved places default to the vacancies
    with svc.writes.transaction() as s:
        return store.household_to_dict(store.create_household(s, data, by=user))


@router.get(
    "/carers/{carer_id}",
    response_model=CarerOut,
    responses=responses(401, 403, 404, 422),
    summary="Read a carer household",
)
def get_carer(carer_id: RecordId, user: Staff, svc: Svc) -> Any:
    with store.transaction(svc.engine, write=False) as s:
        return store.household_to_dict(store.get_household(s, carer_id))


@router.patch(
    "/carers/{carer_id}",
    response_model=CarerOut,
    responses=responses(401, 403, 404, 422),
    summary="Change a carer household",
)
def update_carer(carer_id: RecordId, body: CarerPatch, user: Staff, svc: Svc) -> Any:
    """Only the fields sent change; the whole record is checked again (vacancies never
    above places)."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    with svc.writes.transaction() as s:
        return store.household_to_dict(store.update_household(s, carer_id, changes, by=user))
