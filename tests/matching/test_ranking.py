"""Ranked matches for one referral: eligible carers best first, then near misses."""

from __future__ import annotations

import json

import pytest

import matching
from tests.conftest import carer, child, problem

# From LS9: LS8 2.8 km, LS11 4.1 km, LS12 5.9 km, WF1 12.6 km, BD1 16.1 km.
FIVE = [
    carer("H-LS12", location="LS12"),
    carer("H-WF1", location="WF1", la="Wakefield"),
    carer("H-LS8", location="LS8"),
    carer("H-BD1", location="BD1", la="Bradford"),
    carer("H-LS11", location="LS11"),
]


def test_matches_are_best_first() -> None:
    ranking = matching.rank(problem([child()], FIVE), "C1")
    assert [m.carer for m in ranking.matches] == ["H-LS8", "H-LS11", "H-LS12", "H-WF1", "H-BD1"]
    scores = [m.score for m in ranking.matches]
    assert scores == sorted(scores, reverse=True)
    assert ranking.eligible_count == 5


def test_top_limits_the_list_to_the_best() -> None:
    p = problem([child()], FIVE)
    full = matching.rank(p, "C1", top=20)
    top2 = matching.rank(p, "C1", top=2)
    assert top2.matches == full.matches[:2]
    assert top2.eligible_count == 5


def test_near_misses_are_closest_first_and_limited() -> None:
    carers = [c | {"vacancies": 0} for c in FIVE]
    p = problem([child()], carers)
    ranking = matching.rank(p, "C1", near_misses=3)
    assert ranking.matches == ()
    assert [m.carer for m in ranking.near_misses] == ["H-LS8", "H-LS11", "H-LS12"]
    assert {m.failed_rule for m in ranking.near_misses} == {"vacancy"}
    distances = [m.distance_km for m in ranking.near_misses]
    assert distances == sorted(distances)


def test_carers_failing_two_rules_are_neither_matches_nor_near_misses() -> None:
    p = problem(
        [child(flags=["no_pets"])],
        [
            carer("Two", pets=True, smoker=True, min_age=10),
            carer("One", pets=True),
            carer("Ok", location="LS8"),
        ],
    )
    ranking = matching.rank(p, "C1")
    assert [m.carer for m in ranking.matches] == ["Ok"]
    assert [(n.carer, n.failed_rule) for n in ranking.near_misses] == [("One", "pets")]


def test_near_miss_details_say_what_to_check() -> None:
    p = problem(
        [child(age=8, needs=["autism"])],
        [carer("Ages", min_age=10, max_age=15, skills=["autism"]), carer("Skill", location="LS8")],
    )
    misses = {m.carer: m for m in matching.rank(p, "C1").near_misses}
    assert misses["Ages"].failed_rule == "age_range"
    assert "10–15" in misses["Ages"].detail and "8" in misses["Ages"].detail
    assert misses["Skill"].failed_rule == "skills"
    assert "'autism'" in misses["Skill"].detail


def test_ranking_a_group_by_its_id_and_unknown_subjects() -> None:
    p = problem(
        [child("C1"), child("C2")],
        [carer(vacancies=2)],
        groups=[{"id": "G1", "children": ["C1", "C2"], "policy": "should"}],
    )
    assert matching.rank(p, "G1").subject == "G1"
    with pytest.raises(KeyError, match="C9"):
        matching.rank(p, "C9")


def test_ranking_serialises_to_the_public_shape() -> None:
    p = problem([child()], [carer(), carer("H2", vacancies=0)])
    out = json.loads(json.dumps(matching.rank(p, "C1").to_dict()))
    (match,) = out["matches"]
    assert set(match) == {"carer", "score", "distance_km", "reasons"}
    assert match["carer"] == "H1" and match["distance_km"] == 5.9 and match["reasons"]
    (miss,) = out["near_misses"]
    assert miss["carer"] == "H2" and miss["failed_rule"] == "vacancy"


def test_every_listed_match_is_eligible_for_a_mixed_pool() -> None:
    kid = child(
        age=4, needs=["complex_health"], flags=["no_pets", "no_older_children"], avoid=["Bradford"]
    )
    pool = [
        carer("ok", skills=["complex_health"], household_children_ages=[2]),
        carer("older", skills=["complex_health"], household_children_ages=[6]),
        carer("smoke", skills=["complex_health"], smoker=True),
        carer("pets", skills=["complex_health"], pets=True),
        carer("brad", skills=["complex_health"], la="Bradford", location="BD1"),
        carer("skill"),
        carer("ok2", skills=["complex_health"], location="LS8"),
    ]
    ranking = matching.rank(problem([kid], pool), "C1")
    assert {m.carer for m in ranking.matches} == {"ok", "ok2"}
    assert {(n.carer, n.failed_rule) for n in ranking.near_misses} == {
        ("older", "no_older_children"),
        ("smoke", "smoker_under_5"),
        ("pets", "pets"),
        ("brad", "avoid_area"),
        ("skill", "skills"),
    }
