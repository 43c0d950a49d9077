"""The placement workflow: propose (hold a vacancy), confirm, decline; exceptions and
the officer's note on the child's views (api/services/proposals.py).

A proposal is checked against the hard rules with the matching core before the store
holds the place: a match that breaks one is refused (422, naming each rule) unless the
proposal sets that one rule aside as an exception, which only an authorising role may
do (403 otherwise) and only for a rule whose `exception_allowed` is true. The vacancy
itself is the store's to guard, under its locks: no unheld place is a 409.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query, status

import store
from api.deps import Staff, Svc
from api.errors import responses
from api.routes.common import IdFilter, Limit, Offset, Serial, page
from api.schemas.common import Page
from api.schemas.proposals import (
    ConfirmIn,
    ConfirmOut,
    DeclineIn,
    ExceptionIn,
    ProposalIn,
    ProposalOut,
    ViewsNoteIn,
)
from api.services import proposals

router = APIRouter(tags=["proposals"])


def _exception(body: ExceptionIn | None) -> store.RuleException | None:
    return store.RuleException(body.rule, body.reason) if body is not None else None


@router.post(
    "/proposals",
    response_model=ProposalOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 404, 409, 422),
    summary="Propose a match and hold the vacancy",
)
def propose(body: ProposalIn, user: Staff, svc: Svc) -> Any:
    """Give `child_id` or `group_id`. The household must take every child without
    breaking a hard rule (422 lists each rule broken, and the refused proposal is kept:
    `GET /proposals?status=refused`), unless `exception` sets that one rule aside
    (authorising roles only: 403). 409 if no unheld place is left or a child
    already has a live proposal or no open referral."""
    return proposals.propose(
        svc,
        user,
        body.household_id,
        child_id=body.child_id,
        group_id=body.group_id,
        hold_hours=body.hold_hours,
        views_note=body.views_note,
        exception=_exception(body.exception),
    )


@router.get(
    "/proposals",
    response_model=Page[ProposalOut],
    responses=responses(401, 403, 422),
    summary="List proposals for your LAs' children, newest first",
)
def list_proposals(
    user: Staff,
    svc: Svc,
    status: Literal["proposed", "confirmed", "declined", "expired", "refused"] | None = Query(None),
    child_id: IdFilter = None,
    household_id: IdFilter = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> Any:
    items = proposals.list_proposals(
        svc,
        user,
        status=status,
        child_id=child_id,
        household_id=household_id,
        offset=offset,
        limit=limit,
    )
    return page(items, offset, limit)


@router.get(
    "/proposals/{proposal_id}",
    response_model=ProposalOut,
    responses=responses(401, 403, 404, 422),
    summary="Read a proposal",
)
def get_proposal(proposal_id: Serial, user: Staff, svc: Svc) -> Any:
    return proposals.read_proposal(svc, user, proposal_id)


@router.post(
    "/proposals/{proposal_id}/confirm",
    response_model=ConfirmOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Confirm a proposal: the placement starts and the vacancy is taken",
)
def confirm(proposal_id: Serial, user: Staff, svc: Svc, body: ConfirmIn | None = None) -> Any:
    """409 if the proposal was already decided, its hold lapsed, or the place went to
    another child."""
    return proposals.confirm(svc, user, proposal_id, body.start if body else None)


@router.post(
    "/proposals/{proposal_id}/decline",
    response_model=ProposalOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Decline a proposal with a reason; its hold is released at once",
)
def decline(proposal_id: Serial, body: DeclineIn, user: Staff, svc: Svc) -> Any:
    return proposals.decline(svc, user, proposal_id, body.reason)


@router.post(
    "/proposals/{proposal_id}/exception",
    response_model=ProposalOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Authorise an exception to one hard rule on a live proposal",
)
def authorise_exception(proposal_id: Serial, body: ExceptionIn, user: Staff, svc: Svc) -> Any:
    """Authorising roles only (403). The rule must be one this match breaks and one
    that may be set aside."""
    exception = store.RuleException(body.rule, body.reason)
    return proposals.authorise_exception(svc, user, proposal_id, exception)


@router.put(
    "/proposals/{proposal_id}/views-note",
    response_model=ProposalOut,
    responses=responses(401, 403, 404, 422),
    summary="The officer's note of how the match meets the child's views, or why not",
)
def views_note(proposal_id: Serial, body: ViewsNoteIn, user: Staff, svc: Svc) -> Any:
    return proposals.set_views_note(svc, user, proposal_id, body.views_note)
