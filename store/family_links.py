"""Family-finding links and expressions of interest (issue 18).

A *link* is a family-finder's working match of a child, or brothers and sisters, with
an adopter — taken from a round's shortlist or made by hand — moved through proposed →
exploring → to_panel → placed, or declined (with a reason) at any step before placed.
Its children give its scope: within the caller's LAs or NotFound, as a proposal's. Past
the panel's door a child and an adopter are spoken for: one link at to_panel or placed
per adopter (a partial unique index) and per child (checked here, holding the
children's row locks).

*Interest* is one side saying "this one": the adopter (their social worker records it)
or the child's family-finder, one record per child, adopter and side; withdrawing deletes
it. Every change is audited with the children's ids; free text (notes) is not copied
into the log, only codes.

`link_history` reads them back as the round wants them (matching.family_finding.links):
a declined link keeps the pair off the next shortlist, interest raises it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence

from sqlalchemy import exists, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, delete, select

from matching.family_finding.links import LinkHistory
from store import audit
from store.children import check_page, get_child
from store.db import atomic
from store.errors import Conflict, Invalid, NotFound
from store.households import get_household
from store.models import (
    DECLINE_REASONS,
    INTEREST_SIDES,
    LINK_PROGRESSING,
    LINK_STATES,
    ChildRecord,
    FamilyInterest,
    FamilyLink,
    FamilyLinkChild,
    User,
    utcnow,
)
from store.validate import text_value

#: Where a link may go from each state: forward one step, or declined before placed.
NEXT_STATES: dict[str, tuple[str, ...]] = {
    "proposed": ("exploring", "declined"),
    "exploring": ("to_panel", "declined"),
    "to_panel": ("placed", "declined"),
    "placed": (),
    "declined": (),
}
#: A link still being worked: a second one for the same child and adopter is a Conflict.
LIVE_STATES: tuple[str, ...] = ("proposed", "exploring", "to_panel")
#: Brothers and sisters in one link, at most.
CHILDREN_MAX = 10


def _adopter(session: Session, household_id: str) -> None:
    """NotFound unless the household is an approved adopter (kind adoption)."""
    try:
        household = get_household(session, household_id)
    except NotFound:
        raise NotFound("adopter", household_id) from None
    if household.kind != "adoption":
        raise NotFound("adopter", household_id)


def link_children(session: Session, link_id: int) -> list[str]:
    """The children a link covers, by id."""
    return list(
        session.exec(
            select(FamilyLinkChild.child_id)
            .where(FamilyLinkChild.link_id == link_id)
            .order_by(col(FamilyLinkChild.child_id))
        )
    )


def _in_las(las: Collection[str] | None) -> object:
    """Links whose children are all within `las` (None: every link)."""
    if las is None:
        return True
    outside = (
        select(FamilyLinkChild.child_id)
        .join(ChildRecord, col(ChildRecord.id) == col(FamilyLinkChild.child_id))
        .where(
            col(FamilyLinkChild.link_id) == col(FamilyLink.id),
            col(ChildRecord.la).not_in(list(las)),
        )
    )
    return ~exists(outside)


def get_link(session: Session, link_id: int, *, las: Collection[str] | None = None) -> FamilyLink:
    """One link, or NotFound (also for a link with a child outside `las`)."""
    found = session.exec(
        select(FamilyLink).where(FamilyLink.id == link_id, _in_las(las))  # type: ignore[arg-type]
    ).first()
    if found is None:
        raise NotFound("link", link_id)
    return found


def _children(session: Session, child_ids: Sequence[str], las: Collection[str]) -> list[str]:
    ids = [c.strip() for c in child_ids]
    if not ids or len(ids) > CHILDREN_MAX:
        raise Invalid.one("children", f"name 1 to {CHILDREN_MAX} children")
    if len(set(ids)) != len(ids):
        raise Invalid.one("children", "names a child twice")
    for child_id in ids:
        get_child(session, child_id, las=las)
    return sorted(ids)


def _lock_children(session: Session, children: Sequence[str]) -> None:
    """Take the children's row locks (PostgreSQL; on SQLite a writer holds the database),
    in id order: two family-finders linking or taking to panel the same child queue,
    and the second sees the first's link."""
    session.exec(
        select(ChildRecord.id)
        .where(col(ChildRecord.id).in_(list(children)))
        .order_by(col(ChildRecord.id))
        .with_for_update()
    ).all()


def _live_with(session: Session, household_id: str, children: Iterable[str]) -> int | None:
    """A live link of one of the children with the adopter, if any."""
    return session.exec(
        select(FamilyLink.id)
        .join(FamilyLinkChild, col(FamilyLinkChild.link_id) == col(FamilyLink.id))
        .where(
            FamilyLink.household_id == household_id,
            col(FamilyLink.state).in_(LIVE_STATES),
            col(FamilyLinkChild.child_id).in_(list(children)),
        )
    ).first()


@atomic
def create_link(
    session: Session,
    household_id: str,
    child_ids: Sequence[str],
    *,
    by: User,
    las: Collection[str],
    round_id: str | None = None,
    note: str | None = None,
) -> FamilyLink:
    """A proposed link of the children with the adopter; NotFound for a child outside
    `las` or a household that is not an adopter, Conflict while one of the children
    has a live link with them already."""
    children = _children(session, child_ids, las)
    _adopter(session, household_id)
    _lock_children(session, children)
    live = _live_with(session, household_id, children)
    if live is not None:
        raise Conflict(f"link {live} of these children with adopter {household_id} is still open")
    assert by.id is not None
    link = FamilyLink(
        household_id=household_id,
        round_id=round_id,
        note=text_value(note, "note"),
        created_by=by.id,
        updated_by=by.id,
    )
    session.add(link)
    session.flush()
    assert link.id is not None
    session.add_all(FamilyLinkChild(link_id=link.id, child_id=c) for c in children)
    session.flush()
    detail = {"adopter": household_id, "state": "proposed", "round": round_id}
    audit.record(session, by, "family_finding.link_create", children, link.id, detail)
    return link


def _progressing_elsewhere(session: Session, link: FamilyLink, children: list[str]) -> str | None:
    """Why the link cannot go to panel: a child or the adopter in another link there."""
    taken = session.exec(
        select(FamilyLinkChild.child_id, FamilyLink.id)
        .join(FamilyLink, col(FamilyLink.id) == col(FamilyLinkChild.link_id))
        .where(
            col(FamilyLink.state).in_(LINK_PROGRESSING),
            FamilyLink.id != link.id,
            col(FamilyLinkChild.child_id).in_(children),
        )
    ).first()
    if taken is not None:
        return f"child {taken[0]} is in link {taken[1]}, at panel or placed"
    other = session.exec(
        select(FamilyLink.id).where(
            col(FamilyLink.state).in_(LINK_PROGRESSING),
            FamilyLink.id != link.id,
            FamilyLink.household_id == link.household_id,
        )
    ).first()
    if other is not None:
        return f"adopter {link.household_id} is in link {other}, at panel or placed"
    return None


def _decline_reason(reason: str | None, note: str | None) -> str:
    if reason is None or not reason.strip():
        raise Invalid.one("reason", f"is required to decline: one of {', '.join(DECLINE_REASONS)}")
    if reason not in DECLINE_REASONS:
        raise Invalid.one("reason", f"must be one of {', '.join(DECLINE_REASONS)}")
    if reason == "other" and note is None:
        raise Invalid.one("note", "say why, when the reason is other")
    return reason


@atomic
def move_link(
    session: Session,
    link_id: int,
    to: str,
    *,
    by: User,
    las: Collection[str],
    reason: str | None = None,
    note: str | None = None,
) -> FamilyLink:
    """Move a link to state `to`: Invalid for an unknown state or a decline without a
    reason, Conflict for a move its state does not allow (naming both) or to panel
    while a child or the adopter is in another link at panel or placed."""
    if to not in LINK_STATES:
        raise Invalid.one("state", f"must be one of {', '.join(LINK_STATES)}")
    link = get_link(session, link_id, las=las)
    was = link.state
    if to not in NEXT_STATES[was]:
        allowed = " or ".join(NEXT_STATES[was]) or "nothing: it is final"
        raise Conflict(f"link {link_id} cannot go from {was} to {to} (from {was}: {allowed})")
    note = text_value(note, "note")
    children = link_children(session, link_id)
    if to == "declined":
        link.decline_reason = _decline_reason(reason, note)
    if to == "to_panel":
        _lock_children(session, children)
        if why := _progressing_elsewhere(session, link, children):
            raise Conflict(why)
    assert by.id is not None
    link.state, link.updated_by, link.updated_at = to, by.id, utcnow()
    if note is not None:
        link.note = note
    session.add(link)
    try:
        session.flush()
    except IntegrityError as e:  # another family-finder took the adopter to panel
        raise Conflict(f"adopter {link.household_id} is in another link at panel") from e
    detail = {"adopter": link.household_id, "from": was, "to": to, "reason": link.decline_reason}
    audit.record(session, by, "family_finding.link_state", children, link_id, detail)
    return link


def list_links(
    session: Session,
    *,
    las: Collection[str] | None,
    state: str | None = None,
    child_id: str | None = None,
    household_id: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[FamilyLink]:
    """Links within `las`, most recently changed first, by state, child or adopter."""
    check_page(offset, limit)
    q = select(FamilyLink).where(_in_las(las))  # type: ignore[arg-type]
    if state is not None:
        q = q.where(FamilyLink.state == state)
    if household_id is not None:
        q = q.where(FamilyLink.household_id == household_id)
    if child_id is not None:
        mine = select(FamilyLinkChild.link_id).where(FamilyLinkChild.child_id == child_id)
        q = q.where(col(FamilyLink.id).in_(mine))
    q = q.order_by(col(FamilyLink.updated_at).desc(), col(FamilyLink.id).desc())
    return list(session.exec(q.offset(offset).limit(limit)))


def count_links(session: Session, *, las: Collection[str] | None, state: str) -> int:
    """How many links within `las` are at `state` (for the links page's headings and
    pages)."""
    q = select(func.count()).select_from(FamilyLink).where(_in_las(las))  # type: ignore[arg-type]
    return int(session.exec(q.where(FamilyLink.state == state)).one())


@atomic
def record_interest(
    session: Session,
    household_id: str,
    child_id: str,
    side: str,
    *,
    by: User,
    las: Collection[str],
    note: str | None = None,
) -> FamilyInterest:
    """One side's interest in the child and the adopter; Conflict if recorded already."""
    if side not in INTEREST_SIDES:
        raise Invalid.one("side", f"must be one of {', '.join(INTEREST_SIDES)}")
    get_child(session, child_id, las=las)
    _adopter(session, household_id)
    assert by.id is not None
    made = FamilyInterest(
        child_id=child_id,
        household_id=household_id,
        side=side,
        note=text_value(note, "note"),
        recorded_by=by.id,
    )
    try:
        session.add(made)
        session.flush()
    except IntegrityError as e:
        raise Conflict(f"the {side}'s interest in {child_id} and {household_id} is recorded") from e
    detail = {"adopter": household_id, "side": side}
    audit.record(session, by, "family_finding.interest", [child_id], made.id, detail)
    return made


def _interest_in_las(las: Collection[str] | None) -> object:
    if las is None:
        return True
    mine = select(ChildRecord.id).where(col(ChildRecord.la).in_(list(las)))
    return col(FamilyInterest.child_id).in_(mine)


def list_interest(
    session: Session,
    *,
    las: Collection[str] | None,
    child_id: str | None = None,
    household_id: str | None = None,
) -> list[FamilyInterest]:
    """Interest in children within `las`, newest first, for one child or adopter."""
    q = select(FamilyInterest).where(_interest_in_las(las))  # type: ignore[arg-type]
    if child_id is not None:
        q = q.where(FamilyInterest.child_id == child_id)
    if household_id is not None:
        q = q.where(FamilyInterest.household_id == household_id)
    q = q.order_by(col(FamilyInterest.recorded_at).desc(), col(FamilyInterest.id).desc())
    return list(session.exec(q))


@atomic
def withdraw_interest(
    session: Session, interest_id: int, *, by: User, las: Collection[str]
) -> FamilyInterest:
    """Delete an expression of interest (audited); NotFound outside `las`."""
    found = session.exec(
        select(FamilyInterest).where(
            FamilyInterest.id == interest_id,
            _interest_in_las(las),  # type: ignore[arg-type]
        )
    ).first()
    if found is None:
        raise NotFound("interest", interest_id)
    session.exec(delete(FamilyInterest).where(col(FamilyInterest.id) == interest_id))
    detail = {"adopter": found.household_id, "side": found.side}
    audit.record(
        session, by, "family_finding.interest_withdraw", [found.child_id], interest_id, detail
    )
    return found


def open_links_by_adopter(session: Session, las: Collection[str]) -> dict[str, str]:
    """Each adopter with a link not declined, of children in `las`, to the furthest
    state of their links, with its children ("to_panel: A-0016, A-0017"): such an
    adopter is being actively considered, so their register referral is not overdue."""
    order = {state: i for i, state in enumerate(LINK_STATES)}
    q = select(FamilyLink).where(_in_las(las)).where(FamilyLink.state != "declined")  # type: ignore[arg-type]
    best: dict[str, FamilyLink] = {}
    for link in session.exec(q):
        mine = best.get(link.household_id)
        if mine is None or order[link.state] > order[mine.state]:
            best[link.household_id] = link
    return {
        adopter: f"{link.state}: {', '.join(link_children(session, link.id or 0))}"
        for adopter, link in best.items()
    }


def link_history(session: Session, las: Collection[str]) -> LinkHistory:
    """The links and interest of children within `las`, as the next round reads them:
    declined pairs, each side's interest (a link being explored counts as the
    family-finder's), and pairs at panel or placed. Pairs are (child id, adopter id)."""
    by_state: dict[str, set[tuple[str, str]]] = defaultdict(set)
    rows = session.exec(
        select(FamilyLink.state, FamilyLinkChild.child_id, FamilyLink.household_id)
        .join(FamilyLinkChild, col(FamilyLinkChild.link_id) == col(FamilyLink.id))
        .where(_in_las(las))  # type: ignore[arg-type]
    )
    for state, child_id, household_id in rows:
        by_state[state].add((child_id, household_id))
    sides: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for i in list_interest(session, las=las):
        sides[i.side].add((i.child_id, i.household_id))
    # A pair declined once and linked again since is judged by its newer link.
    again = by_state["proposed"] | by_state["exploring"] | by_state["to_panel"] | by_state["placed"]
    return LinkHistory(
        declined=frozenset(by_state["declined"] - again),
        adopter_interest=frozenset(sides["adopter"]),
        finder_interest=frozenset(sides["finder"] | by_state["exploring"]),
        progressing=frozenset(by_state["to_panel"] | by_state["placed"]),
    )
