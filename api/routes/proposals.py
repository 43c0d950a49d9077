"""The placement workflow: propose (hold a vacancy), confirm, decline; exceptions and
the officer's note on the child's views.

A proposal is checked against the hard rules with the matching core before the store
holds the place: a match that breaks one is refused (422, naming each rule) unless the
proposal sets that one rule aside as an exception, which only an authorising role may
do (403 otherwise) and only for a rule whose `exception_allowed` is true. The vacancy
itself is the store's to guard, under its locks: no unheld place is a 409.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Query, status

import store
from api.deps import Services, Staff, Svc
from api.errors import RuleBreaks, invalid, responses
from api.routes.common import IdFilter, Limit, Offset, Serial, page, proposal_out
from api.schemas.common import Page
from api.schemas.proposals import (
    ConfirmIn,
    ConfirmOut,
    DeclineIn,
    ExceptionIn,
    PlacementOut,
    ProposalIn,
    ProposalOut,
    ViewsNoteIn,
)
from matching.eligibility import RULE_BY_ID
from matching.ranking import group_conflicts

router = APIRouter(tags=["proposals"])

#: Checked by the store under its row locks (an unheld place), not here.
STORE_CHECKED = "vacancy"
#: The pseudo-rule of siblings whose safeguarding flags forbid one household.
LIVING_TOGETHER = "living_together"


def rule_breaks(
    svc: Services,
    user: store.User,
    household_id: str,
    *,
    child_id: str | None,
    group_id: str | None,
) -> list[dict[str, Any]] | None:
    """Every hard rule the match breaks, per child, as the records stand now; None when
    the children are not all referred within the caller's LAs (the store then says
    which of 404 and 409 applies)."""
    snap = svc.cache.snapshot(user.las)
    if group_id is not None:
        group = snap.groups.get(group_id)
        children = list(group.children) if group else []
    else:
        children = [child_id] if child_id in snap.problem.child_by_id else []
    if not children:
        return None
    index = snap.problem.carer_index.get(household_id)
    if index is None:
        raise store.NotFound("household", household_id)
    breaks = []
    for c in children:
        a = snap.assess(c)
        for rule in a.failed_rules(index):
            if rule != STORE_CHECKED:
                breaks.append(
                    {
                        "child": c,
                        "rule": rule,
                        "detail": a.detail(index, rule),
                        "exception_allowed": RULE_BY_ID[rule].exception_allowed,
                    }
                )
    if group_id is not None:
        members = [snap.problem.child_by_id[c] for c in children]
        breaks += [
            {"child": group_id, "rule": LIVING_TOGETHER, "detail": d, "exception_allowed": False}
            for d in group_conflicts(members)
        ]
    return breaks


def check_rules(
    breaks: list[dict[str, Any]], exception: ExceptionIn | None, *, field: str = "body.exception"
) -> None:
    """Refuse a match that breaks a rule the exception does not set aside."""
    broken = {b["rule"] for b in breaks}
    if exception is not None and exception.rule not in broken | {STORE_CHECKED}:
        raise invalid(f"{field}.rule", f"this match does not break the {exception.rule!r} rule")
    excused = exception.rule if exception is not None else None
    left = [b for b in breaks if b["rule"] != excused]
    if left:
        rules = ", ".join(sorted({b["rule"] for b in left}))
        raise RuleBreaks(
            f"the match breaks hard rule(s) {rules}; only rules with exception_allowed may be "
            "set aside, one per proposal, by a role that may authorise it",
            breaks,
        )


def _may_authorise(user: store.User) -> None:
    if not store.can_authorise_exceptions(user):
        raise store.Forbidden(f"role {user.role!r} may not authorise an exception to a hard rule")


def _keep_refused(
    svc: Services, user: store.User, body: ProposalIn, breaks: list[dict[str, Any]]
) -> None:
    """A refused proposal is kept (`refused`, with the rules broken) so an officer can
    later see why; it holds nothing."""
    with svc.writes.transaction() as s:
        store.refuse(
            s,
            body.household_id,
            breaks,
            by=user,
            child_id=body.child_id,
            group_id=body.group_id,
            las=user.las,
        )


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
    if (body.child_id is None) == (body.group_id is None):
        raise invalid("body.child_id", "give either child_id or group_id")
    hold = timedelta(hours=body.hold_hours) if body.hold_hours is not None else None
    if hold is not None and hold <= timedelta(0):
        raise invalid("body.hold_hours", "is too short to hold anything")
    if body.exception is not None:
        _may_authorise(user)
    breaks = rule_breaks(
        svc, user, body.household_id, child_id=body.child_id, group_id=body.group_id
    )
    if breaks is not None:
        try:
            check_rules(breaks, body.exception)
        except RuleBreaks:
            _keep_refused(svc, user, body, breaks)
            raise
    with svc.writes.transaction() as s:
        proposal = store.propose(
            s,
            body.household_id,
            by=user,
            child_id=body.child_id,
            group_id=body.group_id,
            hold=hold,
            views_note=body.views_note,
            exception=store.RuleException(body.exception.rule, body.exception.reason)
            if body.exception
            else None,
            las=user.las,
        )
        return proposal_out(s, proposal)


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
    with svc.writes.transaction() as s:
        store.expire_holds(s)
        rows = store.list_proposals(
            s,
            las=user.las,
            status=status,
            child_id=child_id,
            household_id=household_id,
            offset=offset,
            limit=limit,
        )
        items = [proposal_out(s, p) for p in rows]
        if items:
            children = [c for p in items for c in p["children"]]
            store.record(s, user, "proposal.list", children)
        return page(items, offset, limit)


@router.get(
    "/proposals/{proposal_id}",
    response_model=ProposalOut,
    responses=responses(401, 403, 404, 422),
    summary="Read a proposal",
)
def get_proposal(proposal_id: Serial, user: Staff, svc: Svc) -> Any:
    with svc.writes.transaction() as s:
        out = proposal_out(s, store.get_proposal(s, proposal_id, las=user.las))
        store.record(s, user, "proposal.read", out["children"], proposal_id)
        return out


@router.post(
    "/proposals/{proposal_id}/confirm",
    response_model=ConfirmOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Confirm a proposal: the placement starts and the vacancy is taken",
)
def confirm(proposal_id: Serial, user: Staff, svc: Svc, body: ConfirmIn | None = None) -> Any:
    """409 if the proposal was already decided, its hold lapsed, or the place went to
    another child."""
    with svc.writes.transaction() as s:
        placements = store.confirm(
            s, proposal_id, by=user, start=body.start if body else None, las=user.las
        )
        proposal = store.get_proposal(s, proposal_id, las=user.las)
        return {
            "proposal": proposal_out(s, proposal),
            "placements": [PlacementOut.model_validate(p).model_dump() for p in placements],
        }


@router.post(
    "/proposals/{proposal_id}/decline",
    response_model=ProposalOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Decline a proposal with a reason; its hold is released at once",
)
def decline(proposal_id: Serial, body: DeclineIn, user: Staff, svc: Svc) -> Any:
    with svc.writes.transaction() as s:
        proposal = store.decline(s, proposal_id, body.reason, by=user, las=user.las)
        return proposal_out(s, proposal)


@router.post(
    "/proposals/{proposal_id}/exception",
    response_model=ProposalOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="Authorise an exception to one hard rule on a live proposal",
)
def authorise_exception(proposal_id: Serial, body: ExceptionIn, user: Staff, svc: Svc) -> Any:
    """Authorising roles only (403). The rule must be one this match breaks and one
    that may be set aside."""
    _may_authorise(user)
    with store.transaction(svc.engine, write=False) as s:
        proposal = store.get_proposal(s, proposal_id, las=user.las)
    breaks = rule_breaks(
        svc,
        user,
        proposal.household_id,
        child_id=proposal.child_id,
        group_id=proposal.group_id,
    )
    if breaks is not None and body.rule not in {b["rule"] for b in breaks} | {STORE_CHECKED}:
        raise invalid("body.rule", f"this match does not break the {body.rule!r} rule")
    with svc.writes.transaction() as s:
        proposal = store.authorise_exception(
            s, proposal_id, store.RuleException(body.rule, body.reason), by=user, las=user.las
        )
        return proposal_out(s, proposal)


@router.put(
    "/proposals/{proposal_id}/views-note",
    response_model=ProposalOut,
    responses=responses(401, 403, 404, 422),
    summary="The officer's note of how the match meets the child's views, or why not",
)
def views_note(proposal_id: Serial, body: ViewsNoteIn, user: Staff, svc: Svc) -> Any:
    with svc.writes.transaction() as s:
        proposal = store.set_views_note(s, proposal_id, body.views_note, by=user, las=user.las)
        return proposal_out(s, proposal)
