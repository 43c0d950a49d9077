"""Family-finding links and expressions of interest, for the JSON routes and the pages
alike (store/family_links.py holds the rules).

Scope is the children's LAs: another LA's child, link or interest is NotFound with the
same text as an unknown one. Audited: `family_finding.link_create` and
`family_finding.link_state` (from, to, reason) and `family_finding.interest` and
`family_finding.interest_withdraw`, written with the change; reads of lists that name
children as `family_finding.links` and `family_finding.interests`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

import store
from api.deps import Services
from api.services.common import Reading, aware, reading
from api.services.family_finding import KIND
from store import family_links
from store.models import FamilyInterest, FamilyLink


def _name(s: Session, user_id: int) -> str | None:
    found = s.get(store.User, user_id)
    return found.name if found else None


def link_record(s: Session, link: FamilyLink) -> dict[str, Any]:
    assert link.id is not None
    return {
        "id": link.id,
        "state": link.state,
        "adopter": link.household_id,
        "children": family_links.link_children(s, link.id),
        "round_id": link.round_id,
        "decline_reason": link.decline_reason,
        "note": link.note,
        "next_states": list(family_links.NEXT_STATES[link.state]),
        "created_at": aware(link.created_at),
        "created_by_name": _name(s, link.created_by),
        "updated_at": aware(link.updated_at),
        "updated_by_name": _name(s, link.updated_by),
    }


def interest_record(s: Session, i: FamilyInterest) -> dict[str, Any]:
    assert i.id is not None
    return {
        "id": i.id,
        "child": i.child_id,
        "adopter": i.household_id,
        "side": i.side,
        "note": i.note,
        "recorded_at": aware(i.recorded_at),
        "recorded_by_name": _name(s, i.recorded_by),
    }


def create_link(
    svc: Services,
    user: store.User,
    adopter: str,
    children: Sequence[str],
    *,
    round_id: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """A proposed link of the children with the adopter (audited with the change); a
    `round_id` must be a round over LAs all the user's (NotFound otherwise)."""
    if round_id is not None:
        svc.runs.get(round_id, user.las, KIND)
    with svc.writes.transaction(changes=False) as s:
        made = family_links.create_link(
            s, adopter, children, by=user, las=user.las, round_id=round_id, note=note
        )
        return link_record(s, made)


def move_link(
    svc: Services,
    user: store.User,
    link_id: int,
    state: str,
    *,
    reason: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """A link moved on, or declined with a reason (audited from → to)."""
    with svc.writes.transaction(changes=False) as s:
        moved = family_links.move_link(
            s, link_id, state, by=user, las=user.las, reason=reason, note=note
        )
        return link_record(s, moved)


def read_link(svc: Services, user: store.User, link_id: int) -> dict[str, Any]:
    with reading(svc) as r:
        out = link_record(r.session, family_links.get_link(r.session, link_id, las=user.las))
        r.audit(user, "family_finding.links", out["children"], link_id)
        return out


def list_links(
    svc: Services,
    user: store.User,
    *,
    state: str | None = None,
    child_id: str | None = None,
    adopter: str | None = None,
    offset: int = 0,
    limit: int = 50,
    within: Reading | None = None,
) -> list[dict[str, Any]]:
    """Links of children within the user's LAs, most recently changed first."""
    with reading(svc, within) as r:
        rows = family_links.list_links(
            r.session,
            las=user.las,
            state=state,
            child_id=child_id,
            household_id=adopter,
            offset=offset,
            limit=limit,
        )
        out = [link_record(r.session, link) for link in rows]
        named = sorted({c for link in out for c in link["children"]})
        if named:
            r.audit(user, "family_finding.links", named, None, {"links": len(out)})
        return out


def count_links(svc: Services, user: store.User, state: str) -> int:
    """How many links of the user's LAs' children are at `state` (names no child)."""
    with reading(svc) as r:
        return family_links.count_links(r.session, las=user.las, state=state)


def record_interest(
    svc: Services, user: store.User, adopter: str, child: str, side: str, note: str | None
) -> dict[str, Any]:
    with svc.writes.transaction(changes=False) as s:
        made = family_links.record_interest(
            s, adopter, child, side, by=user, las=user.las, note=note
        )
        return interest_record(s, made)


def list_interest(
    svc: Services,
    user: store.User,
    *,
    child_id: str | None = None,
    adopter: str | None = None,
    within: Reading | None = None,
) -> list[dict[str, Any]]:
    """Interest in children within the user's LAs, newest first."""
    with reading(svc, within) as r:
        rows = family_links.list_interest(
            r.session, las=user.las, child_id=child_id, household_id=adopter
        )
        out = [interest_record(r.session, i) for i in rows]
        named = sorted({i["child"] for i in out})
        if named:
            r.audit(user, "family_finding.interests", named, None, {"interests": len(out)})
        return out


def withdraw_interest(svc: Services, user: store.User, interest_id: int) -> dict[str, Any]:
    with svc.writes.transaction(changes=False) as s:
        gone = family_links.withdraw_interest(s, interest_id, by=user, las=user.las)
        return interest_record(s, gone)
