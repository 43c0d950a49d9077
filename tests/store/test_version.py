"""The data version, bulk audit entries, planners' counts and the next hold's end:
what the API builds on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

import store
from store.models import User
from tests.store.helpers import add_child, add_household


def version(engine: Engine) -> int:
    with store.transaction(engine, write=False) as s:
        return store.data_version(s)


def test_every_change_to_a_problems_inputs_bumps_the_version(engine: Engine, officer: User) -> None:
    start = version(engine)
    add_child(engine, "C1")
    after_child = version(engine)
    assert after_child > start
    add_household(engine, "H1")
    assert version(engine) > after_child
    before = version(engine)
    with store.transaction(engine) as s:
        store.record(s, officer, "child.read", ["C1"], "C1")  # the audit log alone: no bump
        store.get_child(s, "C1")
    assert version(engine) == before
    with store.transaction(engine) as s:
        p = store.propose(s, "H1", child_id="C1", by=officer)
    proposed = version(engine)
    assert proposed > before
    with store.transaction(engine) as s:  # an UPDATE statement, not an ORM flush
        store.decline(s, p.id, "carer unwell", by=officer)
    assert version(engine) > proposed
    declined = version(engine)
    with pytest.raises(RuntimeError), store.transaction(engine) as s:
        store.update_household(s, "H1", {"vacancies": 0}, by=None)
        raise RuntimeError("rolled back")
    assert version(engine) == declined


def test_record_many_writes_checked_entries(engine: Engine, officer: User) -> None:
    rows = [
        store.entry_values(officer, "match.rank", ["C1"], "C1", {"top": 20}),
        store.entry_values(None, "match.rank", ["C2", "C3"], "G1"),
    ]
    with store.transaction(engine) as s:
        ids = store.record_many(s, rows)
    assert ids == sorted(ids) and len(ids) == 2
    with store.transaction(engine, write=False) as s:
        assert [e.object_id for e in store.list_audit(s, child_id="C3")] == ["G1"]
        assert store.list_audit(s, child_id="C1")[0].detail == {"top": 20}
    with pytest.raises(store.Invalid):
        store.entry_values(officer, "match.rank", ["Jane Smith"])


def test_aggregates_count_without_naming(engine: Engine, officer: User) -> None:
    add_child(engine, "C1")
    add_child(engine, "C2", accepts=["foster", "kinship"])
    add_child(engine, "B1", la="Bradford", home="BD1")
    add_household(engine, "H1", vacancies=2)
    with store.transaction(engine) as s:
        store.propose(s, "H1", child_id="C1", by=officer)
    with store.transaction(engine, write=False) as s:
        counts = store.aggregates(s, ["Leeds"])
    assert counts["open_referrals"] == 2
    assert counts["referrals_by_kind"] == [
        {"la": "Leeds", "key": "foster", "count": 2},
        {"la": "Leeds", "key": "kinship", "count": 1},
    ]
    assert counts["live_proposals"] == [{"la": "Leeds", "key": "proposed", "count": 1}]
    assert counts["carers"] == [
        {"la": "Leeds", "kind": "foster", "households": 1, "places": 2, "vacancies": 2}
    ]
    assert "C1" not in str(counts)


def test_next_hold_end(engine: Engine, officer: User) -> None:
    add_child(engine, "C1")
    add_household(engine, "H1")
    with store.transaction(engine, write=False) as s:
        assert store.next_hold_end(s) is None
    with store.transaction(engine) as s:
        p = store.propose(s, "H1", child_id="C1", by=officer, hold=timedelta(hours=2))
    with store.transaction(engine, write=False) as s:
        end = store.next_hold_end(s)
        assert end is not None and abs(end - p.hold_until) < timedelta(seconds=1)
        assert store.next_hold_end(s, now=p.hold_until + timedelta(seconds=1)) is None
