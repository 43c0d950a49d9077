"""A vacancy is never given to two children, however many officers press at once.

Each thread has its own session and connection and starts at the same barrier; on
PostgreSQL that is true concurrency with row locks, on SQLite the write lock queues
them. The proposals for one vacancy are written straight into the table (propose
itself would refuse all but one): confirm must hold even if something upstream let
too many through.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Engine, func
from sqlmodel import select

import store
from store.models import Placement, Proposal, ProposalChild, User
from tests.store.helpers import add_household, child_data

#: Concurrent sessions: 60 on PostgreSQL (the guarantee under test); on SQLite, where
#: writers queue anyway, 20 keep the suite quick.
THREADS = {"postgresql": 60, "sqlite": 20}


def race(n: int, work: Callable[[int], object]) -> Counter[str]:
    """Run work(i) for i < n in n threads released together; count outcomes by name."""
    barrier = threading.Barrier(n)
    outcomes: list[str] = [""] * n

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
            outcomes[i] = "ok"
        except Exception as exc:  # noqa: BLE001 - every outcome is counted and asserted
            outcomes[i] = type(exc).__name__

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return Counter(outcomes)


def children_with_referrals(engine: Engine, n: int) -> list[str]:
    ids = [f"C{i:03d}" for i in range(n)]
    with store.transaction(engine) as s:
        for c in ids:
            store.create_child(s, child_data(c), by=None)
            store.open_referral(s, c, {"urgency": "urgent", "needed_by": "2026-11-25"}, by=None)
    return ids


def proposals_for(engine: Engine, household: str, children: list[str], by: User) -> list[int]:
    """One live proposal per child for the same household, bypassing propose's hold."""
    hold_until = store.utcnow() + timedelta(hours=1)
    with store.transaction(engine) as s:
        proposals = [
            Proposal(child_id=c, household_id=household, hold_until=hold_until, proposed_by=by.id)
            for c in children
        ]
        s.add_all(proposals)
        s.flush()
        s.add_all(ProposalChild(proposal_id=p.id, child_id=p.child_id) for p in proposals)
        return [p.id for p in proposals]


def counts(engine: Engine, household: str) -> tuple[int, int, int]:
    """(vacancies, placements, confirmed proposals) for the household."""
    with store.transaction(engine, write=False) as s:
        placed = s.exec(
            select(func.count()).select_from(Placement).where(Placement.household_id == household)
        ).one()
        confirmed = len(store.list_proposals(s, household_id=household, status="confirmed"))
        return store.get_household(s, household).vacancies, placed, confirmed


def confirm(engine: Engine, proposal_id: int, by: User) -> None:
    with store.transaction(engine) as s:
        store.confirm(s, proposal_id, by=by)


def test_many_confirms_one_vacancy_exactly_one_wins(
    engine: Engine, backend: str, officer: User
) -> None:
    n = THREADS[backend]
    add_household(engine, "H1", vacancies=1)
    proposals = proposals_for(engine, "H1", children_with_referrals(engine, n), officer)
    outcome = race(n, lambda i: confirm(engine, proposals[i], officer))
    assert outcome == Counter({"ok": 1, "VacancyTaken": n - 1})
    assert counts(engine, "H1") == (0, 1, 1)
    with store.transaction(engine, write=False) as s:
        assert len(store.list_referrals(s, status="placed")) == 1
        assert len(store.list_audit(s, action="proposal.confirm")) == 1


def test_as_many_winners_as_vacancies(engine: Engine, backend: str, officer: User) -> None:
    n = THREADS[backend]
    add_household(engine, "H1", vacancies=3)
    proposals = proposals_for(engine, "H1", children_with_referrals(engine, n), officer)
    outcome = race(n, lambda i: confirm(engine, proposals[i], officer))
    assert outcome == Counter({"ok": 3, "VacancyTaken": n - 3})
    assert counts(engine, "H1") == (0, 3, 3)


def test_one_proposal_confirmed_many_times_once(
    engine: Engine, backend: str, officer: User
) -> None:
    n = THREADS[backend]
    add_household(engine, "H1", vacancies=2)
    (proposal,) = proposals_for(engine, "H1", children_with_referrals(engine, 1), officer)
    outcome = race(n, lambda i: confirm(engine, proposal, officer))
    assert outcome == Counter({"ok": 1, "ProposalClosed": n - 1})
    assert counts(engine, "H1") == (1, 1, 1)


def test_many_proposals_one_vacancy_one_hold(engine: Engine, backend: str, officer: User) -> None:
    n = THREADS[backend]
    add_household(engine, "H1", vacancies=1)
    children = children_with_referrals(engine, n)

    def propose(i: int) -> None:
        with store.transaction(engine) as s:
            store.propose(s, "H1", child_id=children[i], by=officer)

    outcome = race(n, propose)
    assert outcome == Counter({"ok": 1, "VacancyTaken": n - 1})
    with store.transaction(engine, write=False) as s:
        assert len(store.list_proposals(s, household_id="H1")) == 1
        assert store.free_places(s, "H1") == 0


def test_one_child_proposed_to_many_households_once(engine: Engine, officer: User) -> None:
    (child,) = children_with_referrals(engine, 1)
    households = [add_household(engine, f"H{i:02d}") for i in range(20)]

    def propose(i: int) -> None:
        with store.transaction(engine) as s:
            store.propose(s, households[i], child_id=child, by=officer)

    outcome = race(len(households), propose)
    assert outcome == Counter({"ok": 1, "Conflict": len(households) - 1})
    with store.transaction(engine, write=False) as s:
        assert len(store.list_proposals(s, child_id=child)) == 1
