"""Exception requests (api/services/exceptions.py): a placement officer asks for one
hard rule to be set aside for one named match and may withdraw the request; an admin
of the children's LA authorises it (the proposal is made, with the exception) or
refuses it with a reason. Another LA's request is a 404, as an unknown id is."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query, status

from api.deps import Admin, Officer, Svc
from api.errors import responses
from api.routes.common import IdFilter, Limit, Offset, Serial, page
from api.schemas.common import Page
from api.schemas.exceptions import ExceptionRequestIn, ExceptionRequestOut, RefuseIn, State
from api.services import exceptions

router = APIRouter(tags=["exception requests"])


@router.post(
    "/exception-requests",
    response_model=ExceptionRequestOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 404, 409, 422),
    summary="Ask an admin to set aside one hard rule for one named match",
)
def ask(body: ExceptionRequestIn, user: Officer, svc: Svc) -> Any:
    """Give `child_id` or `group_id`. `rule` must be the one hard rule the match fails
    now and one whose `exception_allowed` is true (422 naming `body.rule` otherwise).
    409 if a child has no open referral or the same request is already pending."""
    return exceptions.ask(
        svc,
        user,
        body.household_id,
        child_id=body.child_id,
        group_id=body.group_id,
        rule=body.rule,
        reason=body.reason,
        hold_hours=body.hold_hours,
    )


@router.get(
    "/exception-requests",
    response_model=Page[ExceptionRequestOut],
    responses=responses(401, 403, 422),
    summary="List exception requests for your LAs' children, pending first",
)
def list_requests(
    user: Officer,
    svc: Svc,
    state: State | None = Query(None),
    child_id: IdFilter = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    items = exceptions.list_requests(
        svc, user, state=state, child_id=child_id, offset=offset, limit=limit
    )
    return page(items, offset, limit)


@router.get(
    "/exception-requests/{request_id}",
    response_model=ExceptionRequestOut,
    responses=responses(401, 403, 404, 422),
    summary="Read an exception request",
)
def get_request(request_id: Serial, user: Officer, svc: Svc) -> Any:
    return exceptions.read_request(svc, user, request_id)


@router.post(
    "/exception-requests/{request_id}/authorise",
    response_model=ExceptionRequestOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Authorise a pending request: the proposal is made, with the exception",
)
def authorise(request_id: Serial, user: Admin, svc: Svc) -> Any:
    """Admins only. The place is held for the hours asked, from now. 409 (and the
    request stays pending) if the household can no longer take the children: no
    unheld place, a referral closed, another live proposal. 422 if the match now breaks
    another hard rule."""
    return exceptions.authorise(svc, user, request_id)


@router.post(
    "/exception-requests/{request_id}/refuse",
    response_model=ExceptionRequestOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Refuse a pending request, with the reason",
)
def refuse(request_id: Serial, body: RefuseIn, user: Admin, svc: Svc) -> Any:
    return exceptions.refuse(svc, user, request_id, body.reason)


@router.post(
    "/exception-requests/{request_id}/withdraw",
    response_model=ExceptionRequestOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Withdraw a pending request (the officer who asked, or an admin)",
)
def withdraw(request_id: Serial, user: Officer, svc: Svc) -> Any:
    return exceptions.withdraw(svc, user, request_id)
