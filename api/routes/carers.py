"""Carer households and homes: list, create, read, change.

Every LA's staff may read every household (an officer may look for a place anywhere),
but only the household's own LA's staff may add or change it (403 otherwise, naming its
LA: nothing a reader could not see). A kinship household's connected children are
shown only when they are the reader's LAs' children (others are left out, as if
absent), and a read that shows some is audited with their ids (`household.read`,
`household.list`); changes are audited by the store.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from api.deps import Staff, Svc
from api.errors import responses
from api.routes.common import Limit, Offset, RecordId, page
from api.schemas.carers import CarerIn, CarerOut, CarerPatch
from api.schemas.common import Page
from api.schemas.types import LA, Kind
from api.services import carers

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
    items = carers.list_carers(
        svc, user, la=la, kind=kind, with_vacancy=with_vacancy, offset=offset, limit=limit
    )
    return page(items, offset, limit)


@router.post(
    "/carers",
    response_model=CarerOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 409, 422),
    summary="Add a carer household (of one of your LAs)",
)
def create_carer(body: CarerIn, user: Staff, svc: Svc) -> Any:
    data = body.model_dump(mode="json")
    if data.get("places") is None:
        data.pop("places", None)  # approved places default to the vacancies
    return carers.create_carer(svc, user, data)


@router.get(
    "/carers/{carer_id}",
    response_model=CarerOut,
    responses=responses(401, 403, 404, 422),
    summary="Read a carer household",
)
def get_carer(carer_id: RecordId, user: Staff, svc: Svc) -> Any:
    return carers.read_carer(svc, user, carer_id)


@router.patch(
    "/carers/{carer_id}",
    response_model=CarerOut,
    responses=responses(401, 403, 404, 422),
    summary="Change a carer household (its own LA's staff)",
)
def update_carer(carer_id: RecordId, body: CarerPatch, user: Staff, svc: Svc) -> Any:
    """Only the fields sent change; the whole record is checked again. Free places never
    exceed the approved places less those children live in, nor fall below the places
    live proposals hold (422 naming `vacancies` or `places`, with both counts).
    `connected_children` replaces those you can see. 403 for another LA's household."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    return carers.update_carer(svc, user, carer_id, changes)
