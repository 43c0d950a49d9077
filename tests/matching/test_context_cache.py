"""The matching context kept with a problem: `rank(problem, id)` without a context builds
the carer table once per problem, answers exactly as a fresh context does, and a changed
problem never sees the table of the one it came from."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from unittest import mock

import matching
from matching.ranking import context_for
from matching.table import CarerTable
from tests.conftest import carer, child, group, problem


def region() -> matching.Problem:
    """Three children (two of them a sibling group) and five households, near and far."""
    return problem(
        [child("C1"), child("C2", age=12), child("C3", home="BD1", la="Bradford")],
        [
            carer("H-LS12", location="LS12", vacancies=2),
            carer("H-LS8", location="LS8"),
            carer("H-WF1", location="WF1", la="Wakefield"),
            carer("H-BD1", location="BD1", la="Bradford", vacancies=0),
            carer("H-LS11", location="LS11", min_age=10),
        ],
        groups=[group("G1", ["C1", "C2"], "should")],
    )


def test_rank_without_a_context_builds_the_table_once() -> None:
    """Tests that rankings of children and groups on one problem, no context passed,
    build its carer table once between them, and later calls reuse that context."""
    p = region()
    with mock.patch.object(CarerTable, "build", side_effect=CarerTable.build) as build:
        for subject in ["C1", "C2", "G1", "C3", "C1"]:
            matching.rank(p, subject)
    assert build.call_count == 1
    ctx = context_for(p)
    matching.rank_children(p, "H-LS12")
    assert context_for(p) is ctx


def test_kept_context_answers_as_a_fresh_one() -> None:
    """Tests every child, the group and every carer, ranked with the kept context and
    with a context built for the call: the same rankings, field by field."""
    p = region()
    for subject in ["C1", "C2", "C3", "G1", "C1"]:
        fresh = matching.MatchingContext(p)
        assert matching.rank(p, subject) == matching.rank(p, subject, ctx=fresh)
    for household in p.carers:
        fresh = matching.MatchingContext(p)
        assert matching.rank_children(p, household.id) == matching.rank_children(
            p, household.id, ctx=fresh
        )


def test_a_changed_problem_gets_a_context_of_its_own() -> None:
    """Tests that a problem made from a ranked one, with a carer gone, is ranked on its
    own carers: the one that left is nowhere in its answer."""
    p = region()
    before = matching.rank(p, "C1")
    assert "H-LS8" in [m.carer for m in before.matches]
    fewer = dataclasses.replace(p, carers=tuple(h for h in p.carers if h.id != "H-LS8"))
    after = matching.rank(fewer, "C1")
    assert context_for(fewer) is not context_for(p)
    assert "H-LS8" not in [m.carer for m in after.matches]
    assert after.eligible_count == before.eligible_count - 1
    assert after == matching.rank(fewer, "C1", ctx=matching.MatchingContext(fewer))
    assert matching.rank(p, "C1") == before


def test_a_copy_does_not_use_the_original_context() -> None:
    """Tests that a copy of a ranked problem is given a context that holds the copy
    itself, and ranks as the original does."""
    p = region()
    matching.rank(p, "C1")
    twin = copy.copy(p)
    assert context_for(twin).problem is twin
    assert context_for(p).problem is p
    assert matching.rank(twin, "C1") == matching.rank(p, "C1")


def test_a_pickled_problem_travels_without_its_context() -> None:
    """Tests that a problem sent to another process (pickled, as a spawned solve receives
    it) carries no table, and ranks as before once it arrives."""
    p = region()
    before = matching.rank(p, "G1")
    arrived = pickle.loads(pickle.dumps(p))
    assert "matching_context" not in arrived.derived
    assert matching.rank(arrived, "G1") == before
    assert context_for(arrived).problem is arrived
