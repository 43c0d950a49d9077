"""Exception requests: an officer asks for one hard rule to be set aside for one named
match; an admin authorises it (the proposal is made with the exception) or refuses it
with a reason; the asker or an admin withdraws it (store/workflow/requests.py).

Which hard rules the match fails is read from the built problem of the user's LAs, as
the ranking and `POST /proposals` read it (the vacancy included: a full household may
be asked for a `vacancy` exception). Authorising checks the rules again as the records
stand now: a match that has come to break another rule is refused (RuleBreaks, nothing
written), and the store makes the proposal through `propose(..., exception=)` with the
request marked authorised in the same transaction (a Conflict leaves it pending).
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

import store
from api.deps import Services
from api.errors import RuleBreaks, invalid
from api.services.common import Reading, aware, reading
from api.services.proposals import LIVING_TOGETHER, STORE_CHECKED, may_authorise, rule_breaks
from matching.eligibility import RULE_BY_ID
from matching.ranking import group_conflicts


def rule_summary(rule: str) -> str:
    """A hard rule in plain words, first letter capitalised."""
    found = RULE_BY_ID.get(rule)
    text = found.summary if found else rule.replace("_", " ")
    return text[:1].upper() + text[1:]


def _name(s: Session, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    found = s.get(store.User, user_id)
    return found.name if found else None


def request_record(s: Session, r: store.ExceptionRequest) -> dict[str, Any]:
    assert r.id is not None
    return {
        "id": r.id,
        "state": r.state,
        "household_id": r.household_id,
        "child_id": r.child_id,
        "group_id": r.group_id,
        "children": store.request_children(s, r.id),
        "rule": r.rule,
        "rule_summary": rule_summary(r.rule),
        "reason": r.reason,
        "hold_hours": r.hold_hours,
        "asked_at": aware(r.asked_at),
        "asked_by": r.asked_by,
        "asked_by_name": _name(s, r.asked_by),
        "decided_at": aware(r.decided_at),
        "decided_by": r.decided_by,
        "decided_by_name": _name(s, r.decided_by),
        "refusal_reason": r.refusal_reason,
        "proposal_id": r.proposal_id,
    }


def failing_rules(
    svc: Services,
    user: store.User,
    household_id: str,
    *,
    child_id: str | None,
    group_id: str | None,
) -> set[str]:
    """Every hard rule the match fails now (the vacancy included); empty when the
    children are not all referred within the caller's LAs (the store then says which
    of 404 and 409 applies). NotFound for an unknown household."""
    snap = svc.cache.snapshot(user.las)
    if group_id is not None:
        group = snap.groups.get(group_id)
        children = list(group.children) if group else []
    else:
        children = [child_id] if child_id in snap.problem.child_by_id else []
    if not children:
        return set()
    index = snap.problem.carer_index.get(household_id)
    if index is None:
        raise store.NotFound("household", household_id)
    failing = {rule for c in children for rule in snap.assess(c).failed_rules(index)}
    if group_id is not None and group_conflicts([snap.problem.child_by_id[c] for c in children]):
        failing.add(LIVING_TOGETHER)
    return failing


def ask(
    svc: Services,
    user: store.User,
    household_id: str,
    *,
    child_id: str | None,
    group_id: str | None,
    rule: str,
    reason: str,
    hold_hours: float,
) -> dict[str, Any]:
    """Ask for `rule` to be set aside for the match: it must be the one hard rule the
    match fails, and one that may be set aside (Invalid naming `rule` otherwise)."""
    if (child_id is None) == (group_id is None):
        raise invalid("body.child_id", "give either child_id or group_id")
    failing = failing_rules(svc, user, household_id, child_id=child_id, group_id=group_id)
    with svc.writes.transaction() as s:
        made = store.ask(
            s,
            household_id,
            rule,
            reason,
            by=user,
            failing=failing,
            child_id=child_id,
            group_id=group_id,
            hold_hours=hold_hours,
            las=user.las,
        )
        return request_record(s, made)


def list_requests(
    svc: Services,
    user: store.User,
    *,
    state: str | None,
    child_id: str | None,
    offset: int,
    limit: int,
    within: Reading | None = None,
) -> list[dict[str, Any]]:
    """A page of requests (pending first, longest waiting first), lapsed ones marked
    first; audited (`exception.list`) with the children shown."""
    with reading(svc, within) as r:
        r.lapse_requests()
        rows = store.list_requests(
            r.session, las=user.las, state=state, child_id=child_id, offset=offset, limit=limit
        )
        items = [request_record(r.session, q) for q in rows]
        if items:
            r.audit(user, "exception.list", [c for q in items for c in q["children"]])
        return items


def read_request(svc: Services, user: store.User, request_id: int) -> dict[str, Any]:
    """One request within the caller's LAs (NotFound otherwise), audited."""
    with reading(svc) as r:
        out = request_record(r.session, store.get_request(r.session, request_id, las=user.las))
        r.audit(user, "exception.read", out["children"], request_id)
        return out


def withdraw(svc: Services, user: store.User, request_id: int) -> dict[str, Any]:
    with svc.writes.transaction() as s:
        return request_record(s, store.withdraw(s, request_id, by=user, las=user.las))


def refuse(svc: Services, user: store.User, request_id: int, reason: str) -> dict[str, Any]:
    with svc.writes.transaction() as s:
        done = store.refuse_request(s, request_id, reason, by=user, las=user.las)
        return request_record(s, done)


def authorise(svc: Services, user: store.User, request_id: int) -> dict[str, Any]:
    """Authorise a pending request: the hard rules are checked again as the records
    stand now (another rule broken: RuleBreaks, nothing written), then the proposal is
    made with the exception and the request marked authorised, in one transaction."""
    may_authorise(user)
    with store.transaction(svc.engine, write=False) as s:
        request = store.get_request(s, request_id, las=user.las)
    breaks = rule_breaks(
        svc, user, request.household_id, child_id=request.child_id, group_id=request.group_id
    )
    left = [b for b in breaks or [] if b["rule"] not in (request.rule, STORE_CHECKED)]
    if left:
        rules = ", ".join(sorted({b["rule"] for b in left}))
        raise RuleBreaks(
            f"the match now breaks hard rule(s) {rules} besides the {request.rule!r} rule "
            "asked for; it cannot be authorised",
            left,
        )
    with svc.writes.transaction() as s:
        done = store.authorise_request(s, request_id, by=user, las=user.las)
        return request_record(s, done)
