"""Exception requests: an officer asks for one hard rule to be set aside for one named
match; an admin authorises it (the proposal is made, with the exception) or refuses it
with a reason; the asker or an admin withdraws it; it lapses when a child's referral
closes first.

A request is a record of its own, not a proposal: asking holds no place (an officer
may not authorise, and a proposal's exception must name who authorised it, a CHECK of
the proposal table). Authorising makes the proposal through `propose(...,
exception=...)`, so every check, hold and audit entry is the proposal's own, and marks
the request authorised in the same transaction: if the household can no longer take
the children (no unheld place, a referral closed, another live proposal) the Conflict
`propose` raises rolls both back and the request stays pending.

Which hard rules the match fails now is the matching core's to say (the caller passes
them as `failing`: the service reads them from the built problem); this module checks
the rule asked for is one of them, the only one, and one that may be set aside.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import case, exists, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped
from sqlmodel import Session, col, select

from matching.eligibility import RULE_BY_ID
from store import audit
from store.children import check_page
from store.db import atomic
from store.errors import Conflict, Forbidden, Invalid, NotFound
from store.households import get_household
from store.models import (
    EXCEPTION_REQUEST_STATES,
    ChildRecord,
    ExceptionRequest,
    ExceptionRequestChild,
    Referral,
    User,
    utcnow,
)
from store.referrals import current_referral
from store.users import can_authorise_exceptions
from store.validate import text_value
from store.workflow.exceptions import RuleException
from store.workflow.proposals import _proposed_children, propose

#: Who may ask for an exception (an admin may also decide it).
ASKERS: frozenset[str] = frozenset({"placement_officer", "admin"})
#: The longest hold a request may ask for, in hours (30 days).
HOLD_HOURS_MAX = 720.0


def request_children(session: Session, request_id: int) -> list[str]:
    """The children a request covers, by id."""
    return list(
        session.exec(
            select(ExceptionRequestChild.child_id)
            .where(ExceptionRequestChild.request_id == request_id)
            .order_by(col(ExceptionRequestChild.child_id))
        )
    )


def _outside_las(las: Collection[str], request_id: int | Mapped[int | None]) -> object:
    return exists(
        select(ExceptionRequestChild.child_id)
        .join(ChildRecord, col(ChildRecord.id) == col(ExceptionRequestChild.child_id))
        .where(
            ExceptionRequestChild.request_id == request_id,
            col(ChildRecord.la).not_in(list(las)),
        )
    )


def get_request(
    session: Session, request_id: int, *, las: Collection[str] | None = None
) -> ExceptionRequest:
    """One request, or NotFound (also when it covers a child outside `las`)."""
    found = session.get(ExceptionRequest, request_id)
    if found is None:
        raise NotFound("exception request", request_id)
    if las is not None and session.exec(select(_outside_las(las, request_id))).one():  # type: ignore[call-overload]
        raise NotFound("exception request", request_id)
    return found


def list_requests(
    session: Session,
    *,
    las: Collection[str] | None = None,
    state: str | None = None,
    child_id: str | None = None,
    offset: int = 0,
    limit: int = 100,
) -> list[ExceptionRequest]:
    """Requests whose children are all in `las`: pending first, longest waiting first,
    then the decided ones newest first."""
    check_page(offset, limit)
    if state is not None and state not in EXCEPTION_REQUEST_STATES:
        raise Invalid.one("state", f"must be one of {', '.join(EXCEPTION_REQUEST_STATES)}")
    q = select(ExceptionRequest)
    if las is not None:
        q = q.where(~_outside_las(las, col(ExceptionRequest.id)))  # type: ignore[operator]
    if state is not None:
        q = q.where(ExceptionRequest.state == state)
    if child_id is not None:
        q = q.where(
            col(ExceptionRequest.id).in_(
                select(ExceptionRequestChild.request_id).where(
                    ExceptionRequestChild.child_id == child_id
                )
            )
        )
    pending = col(ExceptionRequest.state) == "pending"
    q = q.order_by(
        case((pending, 0), else_=1),
        case((pending, col(ExceptionRequest.id)), else_=-col(ExceptionRequest.id)),
    )
    return list(session.exec(q.offset(offset).limit(limit)))


def check_rule(rule: str, failing: Collection[str]) -> str:
    """The rule asked to be set aside, once it is a hard rule that may be set aside,
    one the match fails now, and the only one it fails; raises Invalid naming `rule`."""
    found = RULE_BY_ID.get(rule)
    if found is None:
        raise Invalid.one("rule", f"{rule!r} is not a hard rule id")
    if not found.exception_allowed:
        raise Invalid.one("rule", f"the {rule!r} rule ({found.summary}) is never set aside")
    if rule not in failing:
        raise Invalid.one("rule", f"this match does not fail the {rule!r} rule")
    others = sorted(set(failing) - {rule})
    never = [r for r in others if not (RULE_BY_ID.get(r) and RULE_BY_ID[r].exception_allowed)]
    if never:
        raise Invalid.one(
            "rule",
            f"this match also fails the {', '.join(never)} rule(s), which are never set aside",
        )
    if others:
        raise Invalid.one(
            "rule",
            f"this match also fails the {', '.join(others)} rule(s); "
            "an exception sets aside one rule only",
        )
    return rule


@atomic
def ask(
    session: Session,
    household_id: str,
    rule: str,
    reason: str,
    *,
    by: User,
    failing: Collection[str],
    child_id: str | None = None,
    group_id: str | None = None,
    hold_hours: float,
    las: Collection[str] | None = None,
    now: datetime | None = None,
) -> ExceptionRequest:
    """Ask for `rule` to be set aside for the household and a child or a sibling group
    (`failing`: the hard rules the match fails now). Raises NotFound, Invalid (naming
    the field), Forbidden (a role that may not ask), or Conflict (a child has no open
    referral; a request for this match and rule is already pending)."""
    now = now or utcnow()
    if by.role not in ASKERS:
        raise Forbidden(f"role {by.role!r} may not ask for an exception")
    children = _proposed_children(session, child_id, group_id, las)
    get_household(session, household_id)
    no_referral = [c for c in children if current_referral(session, c) is None]
    if no_referral:
        raise Conflict(f"no open referral for child(ren) {', '.join(no_referral)}")
    check_rule(rule, failing)
    why = text_value(reason, "reason", required=True)
    if not 0 < hold_hours <= HOLD_HOURS_MAX:
        raise Invalid.one("hold_hours", f"must be more than 0 and at most {HOLD_HOURS_MAX:g}")
    _check_none_pending(session, household_id, rule, child_id, group_id)
    assert why is not None and by.id is not None
    request = ExceptionRequest(
        child_id=child_id,
        group_id=group_id,
        household_id=household_id,
        rule=rule,
        reason=why,
        hold_hours=hold_hours,
        asked_at=now,
        asked_by=by.id,
    )
    try:
        session.add(request)
        session.flush()
    except IntegrityError as e:  # another officer asked at the same moment
        raise Conflict(f"an exception to the {rule!r} rule is already pending here") from e
    assert request.id is not None
    session.add_all(ExceptionRequestChild(request_id=request.id, child_id=c) for c in children)
    session.flush()
    audit.record(
        session,
        by,
        "exception.ask",
        children,
        request.id,
        {"household": household_id, "rule": rule, "group": group_id},
    )
    return request


def _check_none_pending(
    session: Session, household_id: str, rule: str, child_id: str | None, group_id: str | None
) -> None:
    q = select(ExceptionRequest.id).where(
        ExceptionRequest.state == "pending",
        ExceptionRequest.household_id == household_id,
        ExceptionRequest.rule == rule,
    )
    q = q.where(
        ExceptionRequest.child_id == child_id
        if child_id is not None
        else ExceptionRequest.group_id == group_id
    )
    found = session.exec(q).first()
    if found is not None:
        raise Conflict(f"exception request {found} for this match and rule is already pending")


def _decide(
    session: Session,
    request: ExceptionRequest,
    state: str,
    by: User,
    now: datetime,
    **values: object,
) -> None:
    """Move a pending request to `state`, once (a conditional UPDATE: two admins deciding
    at once cannot both win); Conflict when it was already decided."""
    done = session.execute(
        update(ExceptionRequest)
        .where(col(ExceptionRequest.id) == request.id, col(ExceptionRequest.state) == "pending")
        .values(state=state, decided_at=now, decided_by=by.id, **values)
    )
    if done.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(request)
        raise Conflict(f"exception request {request.id} is already {request.state}")
    session.refresh(request)


def _pending(session: Session, request: ExceptionRequest) -> None:
    if request.state != "pending":
        raise Conflict(f"exception request {request.id} is already {request.state}")


@atomic
def withdraw(
    session: Session,
    request_id: int,
    *,
    by: User,
    las: Collection[str] | None = None,
    now: datetime | None = None,
) -> ExceptionRequest:
    """Withdraw a pending request: the officer who asked, or an admin. Raises NotFound,
    Forbidden, or Conflict (already decided)."""
    now = now or utcnow()
    request = get_request(session, request_id, las=las)
    if request.asked_by != by.id and not can_authorise_exceptions(by):
        raise Forbidden("only the officer who asked, or an admin, may withdraw a request")
    _pending(session, request)
    _decide(session, request, "withdrawn", by, now)
    audit.record(
        session,
        by,
        "exception.withdraw",
        request_children(session, request_id),
        request_id,
        {"household": request.household_id, "rule": request.rule},
    )
    return request


@atomic
def refuse_request(
    session: Session,
    request_id: int,
    reason: str,
    *,
    by: User,
    las: Collection[str] | None = None,
    now: datetime | None = None,
) -> ExceptionRequest:
    """Refuse a pending request, with the reason (required): admins only. Raises
    NotFound, Forbidden, Invalid (`reason`), or Conflict (already decided)."""
    now = now or utcnow()
    request = get_request(session, request_id, las=las)
    if not can_authorise_exceptions(by):
        raise Forbidden(f"role {by.role!r} may not decide an exception request")
    why = text_value(reason, "reason", required=True)
    _pending(session, request)
    _decide(session, request, "refused", by, now, refusal_reason=why)
    audit.record(
        session,
        by,
        "exception.refuse",
        request_children(session, request_id),
        request_id,
        {"household": request.household_id, "rule": request.rule},
    )
    return request


@atomic
def authorise_request(
    session: Session,
    request_id: int,
    *,
    by: User,
    las: Collection[str] | None = None,
    now: datetime | None = None,
) -> ExceptionRequest:
    """Authorise a pending request: admins only. Makes the proposal with the exception
    (`propose`, holding the place for the hours asked from now) and marks the request
    authorised with the proposal's id, all or nothing. Raises NotFound, Forbidden,
    Conflict (already decided; or `propose`'s: no unheld place, a referral closed,
    another live proposal), or Invalid."""
    now = now or utcnow()
    request = get_request(session, request_id, las=las)
    if not can_authorise_exceptions(by):
        raise Forbidden(f"role {by.role!r} may not authorise an exception to a hard rule")
    _pending(session, request)
    proposal = propose(
        session,
        request.household_id,
        by=by,
        child_id=request.child_id,
        group_id=request.group_id,
        hold=timedelta(hours=request.hold_hours),
        exception=RuleException(request.rule, request.reason),
        las=las,
        now=now,
    )
    _decide(session, request, "authorised", by, now, proposal_id=proposal.id)
    audit.record(
        session,
        by,
        "exception.authorise",
        request_children(session, request_id),
        request_id,
        {"household": request.household_id, "rule": request.rule, "proposal": proposal.id},
    )
    return request


def lapsing_requests(session: Session) -> list[int]:
    """The pending requests with a child whose referral is no longer open (a read:
    `lapse_requests` marks them)."""
    open_referral = exists(
        select(Referral.id).where(
            col(Referral.child_id) == col(ExceptionRequestChild.child_id),
            Referral.status == "open",
        )
    )
    rows = session.exec(
        select(ExceptionRequestChild.request_id)
        .join(ExceptionRequest, col(ExceptionRequest.id) == col(ExceptionRequestChild.request_id))
        .where(ExceptionRequest.state == "pending", ~open_referral)
    ).all()
    return sorted(set(rows))


@atomic
def lapse_requests(session: Session, *, now: datetime | None = None) -> list[int]:
    """Mark lapsed every pending request with a child whose referral is no longer open
    (placed elsewhere, or closed); audited as the system's. The ids lapsed."""
    now = now or utcnow()
    ids = lapsing_requests(session)
    for request_id in ids:
        done = session.execute(
            update(ExceptionRequest)
            .where(col(ExceptionRequest.id) == request_id, col(ExceptionRequest.state) == "pending")
            .values(state="lapsed", decided_at=now)
        )
        if done.rowcount == 1:  # type: ignore[attr-defined]
            audit.record(
                session,
                None,
                "exception.lapse",
                request_children(session, request_id),
                request_id,
                {"why": "referral_closed"},
            )
    return ids
