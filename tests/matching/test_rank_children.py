"""Children for a carer: the same rules and scores as a child's own list, read the
other way round."""

from __future__ import annotations

import pytest

import matching
from synth import generate_region
from tests.conftest import carer, child, problem


@pytest.fixture(scope="module")
def region() -> matching.Problem:
    return matching.load_problem(generate_region(60, 120, seed=7))


def test_a_carer_lists_exactly_the_children_whose_lists_name_it(region) -> None:
    ctx = matching.MatchingContext(region)
    lists = {c.id: matching.rank(region, c.id, top=10_000, ctx=ctx) for c in region.children}
    for h in region.carers[:40]:
        mine = matching.rank_children(region, h.id, top=10_000, near_misses=10_000, ctx=ctx)
        expected = {c: m.score for c, r in lists.items() for m in r.matches if m.carer == h.id}
        assert {m.child: m.score for m in mine.matches} == pytest.approx(expected)
        assert mine.eligible_count == len(expected)
        scores = [m.score for m in mine.matches]
        assert scores == sorted(scores, reverse=True)


def test_near_misses_name_the_one_rule_and_whether_it_may_be_set_aside() -> None:
    p = problem(
        [child("C1", age=9), child("C2", age=12), child("C3", age=9, needs=["autism"])],
        [carer("H1", min_age=0, max_age=10)],
    )
    r = matching.rank_children(p, "H1")
    assert [m.child for m in r.matches] == ["C1"]
    misses = {m.child: (m.failed_rule, m.exception_allowed) for m in r.near_misses}
    assert misses["C2"][0] == "age_range" and misses["C2"][1] is True
    assert misses["C3"][0] == "skills"
    assert r.to_dict()["matches"][0]["child"] == "C1"


def test_an_unknown_carer_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="no carer"):
        matching.rank_children(problem(), "H-nobody")
