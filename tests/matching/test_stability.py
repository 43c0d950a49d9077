"""Stability and crowding: deferred acceptance leaves no blocking pair and is the best
stable round for every child (checked against every stable round by brute force);
blocking pairs and crowding are counted as defined."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.yardsticks.stability import (
    blocking_pairs,
    crowding,
    deferred_acceptance,
    priority_first,
)
from tests.strategies import markets


def _valid(child_prefs, family_rank, capacity, links) -> bool:
    for c, f in links.items():
        if f not in child_prefs[c] or c not in family_rank[f]:
            return False
    load = {f: 0 for f in capacity}
    for f in links.values():
        load[f] += 1
    return all(load[f] <= capacity[f] for f in capacity)


def _all_rounds(child_prefs, family_rank, capacity):
    """Every set of links that respects acceptability and capacity (small markets)."""
    children = list(child_prefs)
    options = [[None, *child_prefs[c]] for c in children]
    for choice in itertools.product(*options):
        links = {c: f for c, f in zip(children, choice, strict=True) if f is not None}
        if _valid(child_prefs, family_rank, capacity, links):
            yield links


def _position(prefs, family) -> int:
    return len(prefs) if family is None else prefs.index(family)


@settings(max_examples=300, deadline=None)
@given(markets())
def test_deferred_acceptance_is_stable_and_best_for_every_child(market) -> None:
    child_prefs, family_rank, capacity = market
    links = deferred_acceptance(child_prefs, family_rank, capacity)
    assert _valid(child_prefs, family_rank, capacity, links)
    assert blocking_pairs(child_prefs, family_rank, capacity, links) == []
    for other in _all_rounds(child_prefs, family_rank, capacity):
        if blocking_pairs(child_prefs, family_rank, capacity, other):
            continue
        for c, prefs in child_prefs.items():
            assert _position(prefs, links.get(c)) <= _position(prefs, other.get(c))


@settings(max_examples=300, deadline=None)
@given(markets(), st.data())
def test_with_priority_first_deferred_acceptance_is_stable_for_those_ranks(market, data) -> None:
    """School choice with priorities: families rank by tier, then their own rank; the
    round has no blocking pair for those ranks, and no family holds a child of a lower
    tier than a child who would rather be there and is not."""
    child_prefs, family_rank, capacity = market
    tier = {c: data.draw(st.integers(0, 2)) for c in child_prefs}
    ranks = priority_first(family_rank, tier)
    links = deferred_acceptance(child_prefs, ranks, capacity)
    assert _valid(child_prefs, ranks, capacity, links)
    assert blocking_pairs(child_prefs, ranks, capacity, links) == []
    for c, f in blocking_pairs(child_prefs, family_rank, capacity, links):
        assert all(
            tier[o] < tier[c] or family_rank[f][o] <= family_rank[f][c]
            for o, g in links.items()
            if g == f
        )


def test_priority_first_puts_every_higher_tier_above_any_lower() -> None:
    ranks = priority_first({"F": {"A": 0, "B": 1, "C": 2}}, {"A": 1, "B": 0, "C": 1})
    assert ranks == {"F": {"B": 0.0, "A": 1.0, "C": 2.0}}
    child_prefs = {"A": ["F"], "B": ["F"]}
    assert deferred_acceptance(child_prefs, {"F": {"A": 0, "B": 1}}, {"F": 1}) == {"A": "F"}
    tiered = priority_first({"F": {"A": 0, "B": 1}}, {"A": 1, "B": 0})
    assert deferred_acceptance(child_prefs, tiered, {"F": 1}) == {"B": "F"}


def test_a_pair_who_both_prefer_each_other_blocks() -> None:
    child_prefs = {"A": ["F1", "F2"], "B": ["F1"]}
    family_rank = {"F1": {"A": 0, "B": 1}, "F2": {"A": 0}}
    capacity = {"F1": 1, "F2": 1}
    # A sent to F2 while F1 took B, whom it likes less than A.
    assert blocking_pairs(child_prefs, family_rank, capacity, {"A": "F2", "B": "F1"}) == [
        ("A", "F1")
    ]
    # B would like F1, but F1 has no room and prefers A, whom it has: stable.
    assert blocking_pairs(child_prefs, family_rank, capacity, {"A": "F1"}) == []
    # An unlinked child and a family with room who accept each other block.
    assert blocking_pairs(child_prefs, family_rank, capacity, {}) == [
        ("A", "F1"),
        ("A", "F2"),
        ("B", "F1"),
    ]
    assert deferred_acceptance(child_prefs, family_rank, capacity) == {"A": "F1"}


def test_a_family_that_does_not_accept_a_child_never_blocks_nor_links() -> None:
    child_prefs = {"A": ["F1"]}
    family_rank = {"F1": {}}
    capacity = {"F1": 3}
    assert blocking_pairs(child_prefs, family_rank, capacity, {}) == []
    assert deferred_acceptance(child_prefs, family_rank, capacity) == {}


def test_crowding_counts_the_families_on_short_lists() -> None:
    lists = {
        "A": ["F1", "F2", "F3"],
        "B": ["F1", "F2"],
        "C": ["F1", "F4"],
        "D": ["F5"],
    }
    c = crowding(lists, top=2)
    assert c.named == {"F1": 3, "F2": 2, "F4": 1, "F5": 1}
    assert c.most == 3
    assert c.top(1) == ["F1"]
    assert c.share_naming_top(1) == pytest.approx(0.75)
    even = crowding({"A": ["F1"], "B": ["F2"]}, top=1)
    assert even.gini() == pytest.approx(0.0)
    assert c.gini() > even.gini()


def test_a_solved_round_against_deferred_acceptance_on_a_generated_region() -> None:
    """The comparison the family-finding report prints: the stable round has no
    blocking pair, but knows nothing of urgency; the batch places more emergencies."""
    import matching
    from matching.pairs import PairTable
    from matching.ranking import MatchingContext
    from matching.yardsticks.stability import compare_with_deferred_acceptance
    from synth import generate_region

    p = matching.load_problem(generate_region(80, 200, seed=4))
    ctx = MatchingContext(p)
    r = matching.solve(p, time_limit_s=5, seed=1, workers=1, ctx=ctx)
    cmp = compare_with_deferred_acceptance(PairTable(ctx), r.carer_of())
    assert cmp.da_blocking == 0
    assert cmp.placed == r.placed == sum(cmp.placed_by_urgency.values())
    assert cmp.da_placed == sum(cmp.da_placed_by_urgency.values())
    # Level 1 places the most emergencies any round can (proven at this size).
    assert r.stages[0].status == "OPTIMAL"
    assert cmp.placed_by_urgency["emergency"] >= cmp.da_placed_by_urgency["emergency"]
    assert 0 <= cmp.mean_score <= 100 and 0 <= cmp.da_mean_score <= 100
