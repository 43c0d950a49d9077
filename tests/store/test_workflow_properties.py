"""Any sequence of workflow steps keeps the books straight (hypothesis, on SQLite).

Whatever officers do, in any order, with holds lapsing in between: no vacancy count
goes below zero or above the approved places; free places plus current placements
always add up to the places; live holds never exceed the vacancies; a child lives in
at most one household and then has no open referral.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func
from sqlmodel import select

import store
from store.models import Placement, Referral, User
from tests.store.helpers import REFERRAL, child_data, fresh_sqlite, household_data

CHILDREN = [f"C{i}" for i in range(5)]
HOUSEHOLDS = {"H0": 1, "H1": 2}

step = st.one_of(
    st.tuples(st.just("propose"), st.sampled_from(CHILDREN), st.sampled_from(sorted(HOUSEHOLDS))),
    st.tuples(st.just("confirm"), st.integers(0, 9)),
    st.tuples(st.just("decline"), st.integers(0, 9)),
    st.tuples(st.just("end"), st.integers(0, 9)),
    st.tuples(st.just("refer"), st.sampled_from(CHILDREN)),
    st.tuples(st.just("wait"), st.integers(1, 3)),
    st.tuples(st.just("expire")),
)


def check_books(engine: Engine, now: object) -> None:
    with store.transaction(engine, write=False) as s:
        for hid, places in HOUSEHOLDS.items():
            h = store.get_household(s, hid)
            current = s.exec(
                select(func.count())
                .select_from(Placement)
                .where(Placement.household_id == hid, Placement.ended_on.is_(None))
            ).one()
            assert 0 <= h.vacancies <= places
            assert h.vacancies + current == places
            assert store.held_places(s, hid, now) <= h.vacancies
        for cid in CHILDREN:
            living = store.list_placements(s, child_id=cid, current=True)
            assert len(living) <= 1
            open_ = s.exec(
                select(func.count())
                .select_from(Referral)
                .where(Referral.child_id == cid, Referral.status == "open")
            ).one()
            assert open_ <= 1 and not (living and open_)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_any_sequence_keeps_the_books(sqlite_template: Path, steps: list[tuple]) -> None:
    with fresh_sqlite(sqlite_template) as engine:
        run(engine, steps)


def run(engine: Engine, steps: list[tuple]) -> None:
    with store.transaction(engine) as s:
        officer: User = store.create_user(s, "officer", "placement_officer", ["Leeds"])[0]
        for hid, places in HOUSEHOLDS.items():
            store.create_household(s, household_data(hid, vacancies=places), by=None)
        for cid in CHILDREN:
            store.create_child(s, child_data(cid), by=None)
            store.open_referral(s, cid, REFERRAL, by=None)
    now = store.utcnow()
    proposals: list[int] = []
    placements: list[int] = []
    for op, *args in steps:
        try:
            with store.transaction(engine) as s:
                if op == "propose":
                    p = store.propose(
                        s, args[1], child_id=args[0], by=officer, hold=timedelta(hours=2), now=now
                    )
                    proposals.append(p.id)
                elif op == "confirm" and proposals:
                    pid = proposals[args[0] % len(proposals)]
                    placements += [pl.id for pl in store.confirm(s, pid, by=officer, now=now)]
                elif op == "decline" and proposals:
                    store.decline(s, proposals[args[0] % len(proposals)], "no", by=officer, now=now)
                elif op == "end" and placements:
                    store.end_placement(s, placements[args[0] % len(placements)], "x", by=officer)
                elif op == "refer":
                    if not store.list_placements(s, child_id=args[0], current=True):
                        store.open_referral(s, args[0], REFERRAL, by=None)
                elif op == "wait":
                    now += timedelta(hours=args[0])
                elif op == "expire":
                    store.expire_holds(s, now=now)
        except store.StoreError:
            pass  # refusals are fine; the books must still balance
        check_books(engine, now)
