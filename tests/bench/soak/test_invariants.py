"""Tests that the soak's invariants hold on a database the service wrote, and that each
one names the breach it is about when a row is written around the service (on SQLite
and PostgreSQL: the checks are plain SQL for both)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

import store
from bench.soak.invariants import INVARIANTS, check_invariants
from store.models import Placement, Proposal, ProposalChild, Referral, User
from tests.store.helpers import add_child, add_household, make_user


def _placed(engine: Engine, officer: User) -> tuple[int, int]:
    """C1 placed with H1 (two places) through the store: the proposal and placement ids."""
    with store.transaction(engine) as s:
        proposal = store.propose(s, "H1", by=officer, child_id="C1")
        placement = store.confirm(s, proposal.id, by=officer)[0]
        return proposal.id, placement.id


def _sql(engine: Engine, sql: str, **params: object) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def _live_proposal(engine: Engine, officer: User) -> int:
    with store.transaction(engine) as s:
        return store.propose(s, "H1", by=officer, child_id="C2").id


def too_many_free_places(engine: Engine, officer: User) -> None:
    """Around the database's own CHECK (vacancies + occupied <= places) too: the counter
    of lived-in places is set wrong with it, so only the placements tell."""
    _placed(engine, officer)
    _sql(engine, "UPDATE household SET vacancies = places, occupied = 0 WHERE id = 'H1'")


def holds_beyond_vacancies(engine: Engine, officer: User) -> None:
    _live_proposal(engine, officer)
    _sql(engine, "UPDATE household SET vacancies = 0 WHERE id = 'H1'")


def confirmed_without_placement(engine: Engine, officer: User) -> None:
    pid = _live_proposal(engine, officer)
    _sql(engine, "UPDATE proposal SET status = 'confirmed' WHERE id = :id", id=pid)


def placement_of_declined(engine: Engine, officer: User) -> None:
    pid, _ = _placed(engine, officer)
    _sql(engine, "UPDATE proposal SET status = 'declined' WHERE id = :id", id=pid)


def confirmed_after_hold(engine: Engine, officer: User) -> None:
    pid, _ = _placed(engine, officer)
    with store.transaction(engine) as s:
        p = s.get(Proposal, pid)
        assert p is not None and p.decided_at is not None
        p.hold_until = p.decided_at - timedelta(hours=1)
        s.add(p)


def unaudited_rows(engine: Engine, officer: User) -> None:
    """A proposal, its placement (taking the place) and a referral written straight into
    the tables, with no audit entry."""
    now = store.utcnow()
    with store.transaction(engine) as s:
        p = Proposal(child_id="C2", household_id="H1", status="confirmed", hold_until=now)
        p.decided_at = now
        s.add(p)
        s.flush()
        s.add(ProposalChild(proposal_id=p.id, child_id="C2"))
        s.add(Placement(child_id="C2", household_id="H1", proposal_id=p.id, started_on=now.date()))
        s.add(Referral(child_id="C3", urgency="urgent", needed_by=now.date(), opened_by=officer.id))
    _sql(engine, "UPDATE household SET vacancies = vacancies - 1 WHERE id = 'H1'")


def proposal_without_children(engine: Engine, officer: User) -> None:
    with store.transaction(engine) as s:
        s.add(Proposal(child_id="C2", household_id="H1", hold_until=store.utcnow()))


def import_entry_without_import(engine: Engine, officer: User) -> None:
    with store.transaction(engine) as s:
        store.record(s, officer, "child.import", ["C1"], "999", {"created": 1})


BREACHES: list[tuple[Callable[[Engine, User], None], set[str]]] = [
    (too_many_free_places, {"places_cover_children"}),
    (holds_beyond_vacancies, {"holds_within_vacancies"}),
    (confirmed_without_placement, {"confirmed_proposal_placed"}),
    (placement_of_declined, {"placement_from_confirmed_proposal", "decline_audited"}),
    (confirmed_after_hold, {"confirmed_within_hold"}),
    (
        unaudited_rows,
        {"proposal_audited", "placement_audited", "referral_audited"},
    ),
    (proposal_without_children, {"proposal_has_children", "proposal_audited"}),
    (import_entry_without_import, {"import_entry_has_import"}),
]


@pytest.fixture
def world(engine: Engine) -> User:
    """Leeds children C1 and C2 referred, C3 not; H1 with two places; an officer."""
    add_child(engine, "C1")
    add_child(engine, "C2")
    add_child(engine, "C3", referral=False)
    add_household(engine, "H1", vacancies=2, places=2)
    return make_user(engine)


def test_the_service_keeps_every_invariant(engine: Engine, world: User) -> None:
    """Tests that propose, confirm, decline, end and a new referral break none."""
    _placed(engine, world)
    with store.transaction(engine) as s:
        declined = store.propose(s, "H1", by=world, child_id="C2")
        store.decline(s, declined.id, "the carer withdrew", by=world)
        ended = store.confirm(s, store.propose(s, "H1", by=world, child_id="C2").id, by=world)
        store.end_placement(s, ended[0].id, "returned home", by=world)
        store.open_referral(s, "C2", {"urgency": "urgent", "needed_by": "2026-12-20"}, by=world)
    assert check_invariants(engine) == []


@pytest.mark.parametrize(("breach", "names"), BREACHES, ids=[b.__name__ for b, _ in BREACHES])
def test_each_breach_is_named(
    engine: Engine, world: User, breach: Callable[[Engine, User], None], names: set[str]
) -> None:
    """Tests that a row written around the service breaks exactly the invariants about it."""
    breach(engine, world)
    broken = check_invariants(engine)
    assert {b.invariant.name for b in broken} == names
    assert all(b.rows and b.invariant.name in str(b) for b in broken)


def test_the_database_itself_refuses_a_free_place_that_is_lived_in(
    engine: Engine, world: User
) -> None:
    """Tests that the household CHECK refuses, on both backends, the breach the soak
    found possible before issue 13: every place free with a child living there."""
    _placed(engine, world)
    with pytest.raises(IntegrityError):
        _sql(engine, "UPDATE household SET vacancies = places WHERE id = 'H1'")
    assert check_invariants(engine) == []


def test_invariants_have_unique_names() -> None:
    names = [i.name for i in INVARIANTS]
    assert len(names) == len(set(names))
