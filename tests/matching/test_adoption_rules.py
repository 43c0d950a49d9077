"""Issue 18's adoption rules beyond eligibility (which test_eligibility.py covers): no
score for nearness to the birth home in adoption, foster scoring unchanged, and the
adopters' wait since approval as a tie-break that never outweighs match quality."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from hypothesis import given, settings

import matching
from matching.family_finding import run_round
from matching.pairs import PairTable
from matching.ranking import MatchingContext
from matching.scoring import COMPONENTS, Scores
from tests.conftest import carer, child, problem
from tests.strategies import adoption_problems, problems

Doc = dict[str, Any]

WAITING = {"waiting_since": "2025-01-06"}


def kid(id: str = "C1", **fields: Any) -> Doc:
    return child(id, accepts=["adoption"], age=3, adoption=WAITING) | fields


def adopter(id: str, approved_on: str = "2026-02-01", **fields: Any) -> Doc:
    base = {"kind": "adoption", "max_age": 8, "weekly_cost": 0}
    return carer(id, **base, adopter={"approved_on": approved_on}) | fields


def scores_of(p: matching.Problem, c: int = 0) -> Scores:
    return PairTable(MatchingContext(p)).scores[c]


def score_before_issue_18(s: Scores) -> np.ndarray:
    """The score as it was computed before adoption left nearness out: every component
    that applies to the child, for every carer."""
    applicable = sum(s.weights[c] for c in COMPONENTS if s.applies[c])
    pts = sum(s.weights[c] * s.value[c] for c in COMPONENTS if s.applies[c])
    return 100.0 * np.asarray(pts, dtype=np.float64) / applicable


# -- nearness to the birth home ------------------------------------------------------------


def test_an_adopter_next_door_scores_the_same_as_one_far_away() -> None:
    """Tests that for adopters neither distance from the birth home nor being in the
    child's LA changes the score, and the reasons state the distance as a fact."""
    p = problem(
        [kid(home="LS9")],
        [
            adopter("NEAR", location="LS9", la="Leeds"),
            adopter("FAR", location="HG1", la="North Yorkshire"),
        ],
    )
    s = scores_of(p)
    near, far = s.total
    assert near == far
    assert s.home_km[0] == 0
    lines = s.reasons(0)
    assert not any("in the child's home LA" in line for line in lines)
    assert "0.0 km from the birth home (LS9 to LS9, Leeds); nearness is not scored" in lines[-1]


def test_the_round_gives_no_link_a_plus_for_the_home_la() -> None:
    p = problem([kid(adoption=WAITING | {"min_distance_km": 3})], [adopter("H1")])
    (link,) = run_round(p, time_limit_s=2).links
    assert not any("home LA" in r for r in link.reasons)
    assert any("the plan asks for at least 3 km" in r for r in link.reasons)


@settings(max_examples=30, deadline=None)
@given(problems())
def test_foster_and_residential_scores_are_unchanged(document: Doc) -> None:
    """Tests, on random problems, that every pair with a carer who is not an adopter
    scores exactly as before (nearness included)."""
    p = matching.load_problem(document)
    for s in PairTable(MatchingContext(p)).scores:
        others = ~s.adoptive
        if others.any():
            assert np.allclose(s.total[others], score_before_issue_18(s)[others])


def test_a_child_open_to_both_keeps_nearness_for_foster_carers_only() -> None:
    p = problem(
        [kid(accepts=["foster", "adoption"])],
        [adopter("A1", location="LS9"), carer("F1", location="LS9"), carer("F2", location="HG1")],
    )
    s = scores_of(p)
    a1, f1, f2 = s.total
    assert f1 > f2  # nearness still counts for foster carers
    assert np.isclose(f1, score_before_issue_18(s)[1])
    assert not np.isclose(a1, score_before_issue_18(s)[0])  # but not for the adopter


# -- the adopters' wait as a tie-break -----------------------------------------------------


def test_between_equal_adopters_the_one_who_has_waited_longest_is_linked() -> None:
    """Tests that two adopters alike in all but their approval date tie on score, and
    the one approved earlier gets the link, whichever is listed first."""
    for old, first, second in (
        ("H1", "2025-03-01", "2026-10-01"),
        ("H2", "2026-10-01", "2025-03-01"),
    ):
        p = problem([kid()], [adopter("H1", approved_on=first), adopter("H2", approved_on=second)])
        r = run_round(p, time_limit_s=2)
        assert r.result.carer_of() == {"C1": old}
        s = scores_of(r.problem)
        assert s.total[0] == s.total[1]


def test_a_long_wait_never_outweighs_a_better_match() -> None:
    """Tests that an adopter who has waited 90 weeks longer still loses the link to one
    who fits the child better (here: shares her ethnic group), however small the gap."""
    p = problem(
        [kid(ethnicity="BAFR")],
        [
            adopter("WAITED", approved_on="2025-01-06", ethnicity="WBRI"),
            adopter("FITS", approved_on="2026-10-01", ethnicity="BAFR"),
        ],
    )
    r = run_round(p, time_limit_s=2)
    s = scores_of(r.problem)
    assert s.total[1] > s.total[0]
    assert r.result.carer_of() == {"C1": "FITS"}


@settings(max_examples=25, deadline=None)
@given(adoption_problems())
def test_approval_dates_never_change_how_many_are_linked_or_the_quality(document: Doc) -> None:
    """Tests, on random adoption problems, that giving every adopter the same approval
    date leaves every level before the tie-break (links by priority, siblings kept
    together, match quality) at the same optimum."""
    same = copy.deepcopy(document)
    for h in same["carers"]:
        if "adopter" in h:
            h["adopter"]["approved_on"] = "2026-01-10"
    a = run_round(matching.load_problem(document), time_limit_s=5, seed=1).result
    b = run_round(matching.load_problem(same), time_limit_s=5, seed=1).result
    if a.status != "OPTIMAL" or b.status != "OPTIMAL":
        return
    levels = {s.name: s.value for s in a.stages if s.name != "cost"}
    assert levels == {s.name: s.value for s in b.stages if s.name != "cost"}


def test_an_adopters_reasons_give_their_level_beside_the_childs() -> None:
    plan = WAITING | {"need_levels": {"autism": "low"}}
    approval = {"approved_on": "2026-02-01", "needs": {"autism": "medium"}}
    p = problem([kid(needs=["autism"], adoption=plan)], [adopter("H1") | {"adopter": approval}])
    assert "can manage autism (medium; the child's: low)" in scores_of(p).reasons(0)


# -- what would change ---------------------------------------------------------------------


def test_what_would_change_names_the_level_and_the_minimum_distance() -> None:
    """Tests the phrases for a child whom one adopter misses on a need's level and
    another on the plan's minimum distance (LS9 to LS12 is 5.9 km; to BD1 16.1 km)."""
    plan = WAITING | {"min_distance_km": 10, "need_levels": {"learning_disability": "high"}}
    p = problem(
        [kid(needs=["learning_disability"], adoption=plan)],
        [
            adopter("LOW", location="BD1", la="Bradford", skills=[])
            | {"adopter": {"approved_on": "2026-02-01", "needs": {"learning_disability": "low"}}},
            adopter("NEAR", location="LS12", skills=["learning_disability"]),
        ],
    )
    (left,) = run_round(p, time_limit_s=2).unlinked
    assert "1 would be if they could manage a high level of learning disability (LOW)" in (
        left.what_would_change
    )
    assert (
        "1 would be if the adoption plan allowed adopters within 10 km of the birth home (NEAR)"
        in (left.what_would_change)
    )
