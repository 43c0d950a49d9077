"""The placement workflow: propose (hold a vacancy), confirm, decline; exceptions and
the officer's note on the child's views; proposals listed and read (audited).

A proposal is checked against the hard rules with the matching core before the store
holds the place: a match that breaks one is refused (RuleBreaks, naming each rule, and
the refused proposal kept) unless the proposal sets that one rule aside as an
exception, which only an authorising role may do (Forbidden otherwise) and only for a
rule whose `exception_allowed` is true. The vacancy itself is the store's to guard,
under its locks: no unheld place is a Conflict.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

import store
from api.deps import Services
from api.errors import RuleBreaks, invalid
from api.schemas.proposals import PlacementOut
from api.services.common import Reading, aware, reading
from matching.eligibility import RULE_BY_ID
from matching.ranking import group_conflicts

#: Checked by the store under its row locks (an unheld place), not here.
STORE_CHECKED = "vacancy"
#: The pseudo-rule of siblings whose safeguarding flags forbid one household.
LIVING_TOGETHER = "living_together"


def proposal_record(
    s: Session, p: store.Proposal, children: list[str] | None = None
) -> dict[str, Any]:
    """A proposal as the API answers it (`children`: its children, if already read)."""
    hold_until = aware(p.hold_until)
    assert p.id is not None and hold_until is not None
    return {
        "id": p.id,
        "status": p.status,
        "holding": p.status == "proposed" and hold_until > store.utcnow(),
        "household_id": p.household_id,
        "child_id": p.child_id,
        "group_id": p.group_id,
        "children": store.proposal_children(s, p.id) if children is None else children,
        "places": p.places,
        "hold_until": hold_until,
        "proposed_at": aware(p.proposed_at),
        "proposed_by": p.proposed_by,
        "decided_at": aware(p.decided_at),
        "decided_by": p.decided_by,
        "decline_reason": p.decline_reason,
        "views_note": p.views_note,
        "exception": {
            "rule": p.exception_rule,
            "reason": p.exception_reason,
            "authorised_by": p.exception_authorised_by,
        }
        if p.exception_rule
        else None,
        "rules": list(p.refused_rules or []),
    }


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
    breaks: list[dict[str, Any]],
    exception: store.RuleException | None,
    *,
    field: str = "body.exception",
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


def may_authorise(user: store.User) -> None:
    """Forbidden unless the user's role may authorise an exception to a hard rule."""
    if not store.can_authorise_exceptions(user):
        raise store.Forbidden(f"role {user.role!r} may not authorise an exception to a hard rule")


def _keep_refused(
    svc: Services,
    user: store.User,
    household_id: str,
    breaks: list[dict[str, Any]],
    *,
    child_id: str | None,
    group_id: str | None,
) -> None:
    """A refused proposal is kept (`refused`, with the rules broken) so an officer can
    later see why; it holds nothing."""
    with svc.writes.transaction() as s:
        store.refuse(
            s, household_id, breaks, by=user, child_id=child_id, group_id=group_id, las=user.las
        )


def _hold(hold_hours: float | None) -> timedelta | None:
    """How long to hold the place (None: the store's default)."""
    hold = timedelta(hours=hold_hours) if hold_hours is not None else None
    if hold is not None and hold <= timedelta(0):
        raise invalid("body.hold_hours", "is too short to hold anything")
    return hold


def propose(
    svc: Services,
    user: store.User,
    household_id: str,
    *,
    child_id: str | None,
    group_id: str | None,
    hold_hours: float | None,
    views_note: str | None,
    exception: store.RuleException | None,
) -> dict[str, Any]:
    """Propose the household for a child or a sibling group (one of the two) and hold
    the place; refused (and kept as refused) if the match breaks a hard rule the
    exception does not set aside."""
    if (child_id is None) == (group_id is None):
        raise invalid("body.child_id", "give either child_id or group_id")
    hold = _hold(hold_hours)
    if exception is not None:
        may_authorise(user)
    breaks = rule_breaks(svc, user, household_id, child_id=child_id, group_id=group_id)
    if breaks is not None:
        try:
            check_rules(breaks, exception)
        except RuleBreaks:
            _keep_refused(svc, user, household_id, breaks, child_id=child_id, group_id=group_id)
            raise
    with svc.writes.transaction() as s:
        proposal = store.propose(
            s,
            household_id,
            by=user,
            child_id=child_id,
            group_id=group_id,
            hold=hold,
            views_note=views_note,
            exception=exception,
            las=user.las,
        )
        return proposal_record(s, proposal)


def list_proposals(
    svc: Services,
    user: store.User,
    *,
    status: str | None,
    child_id: str | None,
    household_id: str | None,
    offset: int,
    limit: int,
    within: Reading | None = None,
) -> list[dict[str, Any]]:
    """A page of proposals, newest first (lapsed holds expired first), audited."""
    with reading(svc, within) as r:
        r.expire_holds()
        s = r.session
        rows = store.list_proposals(
            s,
            las=user.las,
            status=status,
            child_id=child_id,
            household_id=household_id,
            offset=offset,
            limit=limit,
        )
        covers = store.children_of_proposals(s, [p.id for p in rows if p.id is not None])
        items = [proposal_record(s, p, covers.get(p.id or 0)) for p in rows]
        if items:
            children = [c for p in items for c in p["children"]]
            r.audit(user, "proposal.list", children)
        return items


def read_proposal(svc: Services, user: store.User, proposal_id: int) -> dict[str, Any]:
    with reading(svc) as r:
        out = proposal_record(r.session, store.get_proposal(r.session, proposal_id, las=user.las))
        r.audit(user, "proposal.read", out["children"], proposal_id)
        return out


def confirm(
    svc: Services, user: store.User, proposal_id: int, start: date | None
) -> dict[str, Any]:
    """Confirm a proposal: its placements start (`start`: default today)."""
    with svc.writes.transaction() as s:
        placements = store.confirm(s, proposal_id, by=user, start=start, las=user.las)
        proposal = store.get_proposal(s, proposal_id, las=user.las)
        return {
            "proposal": proposal_record(s, proposal),
            "placements": [PlacementOut.model_validate(p).model_dump() for p in placements],
        }


def decline(svc: Services, user: store.User, proposal_id: int, reason: str) -> dict[str, Any]:
    with svc.writes.transaction() as s:
        proposal = store.decline(s, proposal_id, reason, by=user, las=user.las)
        return proposal_record(s, proposal)


def authorise_exception(
    svc: Services, user: store.User, proposal_id: int, exception: store.RuleException
) -> dict[str, Any]:
    """Set one hard rule aside on a live proposal: one the match breaks (authorising
    roles only)."""
    may_authorise(user)
    with store.transaction(svc.engine, write=False) as s:
        proposal = store.get_proposal(s, proposal_id, las=user.las)
    breaks = rule_breaks(
        svc,
        user,
        proposal.household_id,
        child_id=proposal.child_id,
        group_id=proposal.group_id,
    )
    if breaks is not None and exception.rule not in {b["rule"] for b in breaks} | {STORE_CHECKED}:
        raise invalid("body.rule", f"this match does not break the {exception.rule!r} rule")
    with svc.writes.transaction() as s:
        proposal = store.authorise_exception(s, proposal_id, exception, by=user, las=user.las)
        return proposal_record(s, proposal)


def set_views_note(
    svc: Services, user: store.User, proposal_id: int, note: str | None
) -> dict[str, Any]:
    with svc.writes.transaction() as s:
        proposal = store.set_views_note(s, proposal_id, note, by=user, las=user.las)
        return proposal_record(s, proposal)
