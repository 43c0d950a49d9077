"""Match quality: each soft criterion moves the score the right way, the score stays
within 0-100, the weights are the policy's, and the reasons say what the numbers do."""

from __future__ import annotations

from typing import Any

import pytest

import matching
from tests.conftest import carer, child, problem

ALL_WEIGHTS = (
    "proximity",
    "same_la",
    "siblings_already_placed",
    "culture",
    "skills_depth",
    "age_fit",
    "household_fit",
    "experience",
    "wishes",
    "cost",
)


def scores(
    child_fields: dict[str, Any], carers: list[dict[str, Any]], policy: dict | None = None
) -> dict[str, float]:
    p = problem([child(**child_fields)], carers, policy=policy)
    ranking = matching.rank(p, "C1", top=50)
    assert ranking.eligible_count == len(carers), ranking.near_misses
    return {m.carer: m.score for m in ranking.matches}


def reasons(child_fields: dict[str, Any], carer_fields: dict[str, Any]) -> list[str]:
    p = problem([child(**child_fields)], [carer(**carer_fields)])
    (match,) = matching.rank(p, "C1").matches
    return list(match.reasons)


def only(weight: str) -> dict:
    return {"weights": {w: (1 if w == weight else 0) for w in ALL_WEIGHTS}}


def test_a_perfect_match_scores_100() -> None:
    s = scores(
        {"age": 9, "ethnicity": "WBRI"},
        [
            carer(
                location="LS9",
                min_age=5,
                max_age=13,
                years_experience=10,
                weekly_cost=0,
                ethnicity="WIRI",
            )
        ],
    )
    assert s["H1"] == pytest.approx(100.0)


def test_unrecorded_ethnicity_is_neither_a_match_nor_a_mismatch() -> None:
    carers = [
        carer("H1", ethnicity="NOBT"),
        carer("H2", ethnicity="WBRI"),
        carer("H3", ethnicity="BAFR"),
    ]
    unknown = scores({"ethnicity": "NOBT"}, carers)
    assert unknown["H1"] == unknown["H2"] == unknown["H3"]
    known = scores({"ethnicity": "WBRI"}, carers)
    assert known["H2"] > known["H1"] > known["H3"]


def test_scores_stay_within_0_and_100() -> None:
    kid = {
        "age": 17,
        "languages": ["ur"],
        "religion": "muslim",
        "needs": ["autism"],
        "ethnicity": "APKN",
        "wishes": {"areas": ["LS8"]},
        "siblings_placed_with": ["H2"],
    }
    poor = carer(
        "H1",
        location="WF1",
        la="Wakefield",
        skills=["autism"],
        household_children_ages=[1, 2, 3, 4, 5],
        weekly_cost=9000,
    )
    rich = carer(
        "H2",
        location="LS8",
        skills=["autism", "learning_disability"],
        years_experience=30,
        weekly_cost=0,
        ethnicity="APKN",
        religion="muslim",
        languages=["ur"],
        min_age=17,
        max_age=17,
    )
    s = scores(kid, [poor, rich])
    assert 0 <= s["H1"] < s["H2"] <= 100


def test_nearer_scores_higher() -> None:
    s = scores(
        {},
        [
            carer("H-2.8km", location="LS8"),
            carer("H-5.9km", location="LS12"),
            carer("H-12.6km", location="WF1"),
        ],
    )
    assert s["H-2.8km"] > s["H-5.9km"] > s["H-12.6km"]


def test_nearer_the_school_scores_higher() -> None:
    far = scores({"school": "WF1"}, [carer("A", location="LS12")])["A"]
    near = scores({"school": "LS12"}, [carer("A", location="LS12")])["A"]
    assert near > far


def test_the_home_la_scores_higher() -> None:
    s = scores({}, [carer("Leeds", la="Leeds"), carer("Other", la="Bradford")])
    assert s["Leeds"] > s["Other"]


def test_a_brother_or_sister_already_placed_scores_higher() -> None:
    s = scores({"siblings_placed_with": ["H2"]}, [carer("H1"), carer("H2")])
    assert s["H2"] > s["H1"]
    assert "a brother or sister already lives here" in reasons({"siblings_placed_with": ["H1"]}, {})


def test_culture_language_religion_and_ethnicity() -> None:
    kid = {"languages": ["en", "ur"], "religion": "muslim", "ethnicity": "APKN"}
    s = scores(
        kid,
        [
            carer("Match", languages=["en", "ur"], religion="muslim", ethnicity="AIND"),
            carer("Language", languages=["en", "ur"], religion="christian", ethnicity="WBRI"),
            carer("None", languages=["en"], religion="christian", ethnicity="WBRI"),
        ],
    )
    assert s["Match"] > s["Language"] > s["None"]
    text = reasons(kid, {"languages": ["en", "ur"], "religion": "muslim", "ethnicity": "AIND"})
    assert any("speaks Urdu" in r for r in text)
    assert any("shares the child's religion" in r for r in text)
    assert any("same ethnic group" in r and "Asian" in r for r in text)


def test_deeper_related_skills_score_higher() -> None:
    s = scores(
        {"needs": ["emotional_behavioural"]},
        [
            carer("Deep", skills=["emotional_behavioural", "therapeutic"]),
            carer("Plain", skills=["emotional_behavioural"]),
        ],
    )
    assert s["Deep"] > s["Plain"]
    text = reasons(
        {"needs": ["emotional_behavioural"]}, {"skills": ["emotional_behavioural", "therapeutic"]}
    )
    assert any("also therapeutic" in r for r in text)


def test_fit_within_the_approval_range() -> None:
    s = scores(
        {"age": 9}, [carer("Centre", min_age=6, max_age=12), carer("Edge", min_age=9, max_age=17)]
    )
    assert s["Centre"] > s["Edge"]


def test_fewer_children_already_at_home_scores_higher() -> None:
    s = scores({"age": 9}, [carer("Empty"), carer("Busy", household_children_ages=[10, 12, 14])])
    assert s["Empty"] > s["Busy"]


def test_experience_scores_higher() -> None:
    s = scores({}, [carer("Seasoned", years_experience=12), carer("New", years_experience=0)])
    assert s["Seasoned"] > s["New"]


def test_the_childs_wishes_score_higher() -> None:
    met = scores({"wishes": {"areas": ["LS12"]}}, [carer()])["H1"]
    unmet = scores({"wishes": {"areas": ["LS8"]}}, [carer()])["H1"]
    assert met > unmet
    s = scores({"wishes": {"carers": ["B"]}}, [carer("A"), carer("B")])
    assert s["B"] > s["A"]
    assert any(
        "a carer the child asked for" in r for r in reasons({"wishes": {"carers": ["H1"]}}, {})
    )
    assert any(
        "where the child asked to live" in r for r in reasons({"wishes": {"areas": ["LS12"]}}, {})
    )


def test_cheaper_scores_higher() -> None:
    s = scores({}, [carer("Cheap", weekly_cost=400), carer("Dear", weekly_cost=4000)])
    assert s["Cheap"] > s["Dear"]


def test_weights_come_from_the_policy() -> None:
    carers = [
        carer("Near-dear", location="LS8", weekly_cost=3000),
        carer("Far-cheap", location="WF1", weekly_cost=300),
    ]
    by_distance = scores({}, carers, policy=only("proximity"))
    by_cost = scores({}, carers, policy=only("cost"))
    assert by_distance["Near-dear"] > by_distance["Far-cheap"]
    assert by_cost["Far-cheap"] > by_cost["Near-dear"]
    # With cost the only weight, the score is the cost component alone: 1 - cost / 6000.
    assert by_cost["Far-cheap"] == pytest.approx(95.0)
    assert by_cost["Near-dear"] == pytest.approx(50.0)


def test_a_criterion_that_does_not_apply_gives_no_free_points() -> None:
    # No wishes stated: the wishes weight is left out, so an otherwise equal carer scores
    # higher than for a child whose wishes it does not meet.
    plain = scores({}, [carer()])["H1"]
    unmet = scores({"wishes": {"areas": ["HG1"]}}, [carer()])["H1"]
    assert plain > unmet


def test_reasons_explain_the_match_in_plain_words() -> None:
    text = reasons({}, {})
    assert "5.9 km from home (LS9 to LS12)" in text
    assert "in the child's home LA (Leeds)" in text
    assert "in-house foster placement, £500 a week" in text
    assert any("within approval 0–17" in r for r in text)
    outside = reasons(
        {}, {"la": "Bradford", "location": "BD1", "provider": "ifa", "weekly_cost": 1250}
    )
    assert "outside the home LA (Leeds): carer is in Bradford" in outside
    assert "IFA foster placement, £1,250 a week" in outside
    assert any(r == "16.1 km from home (LS9 to BD1)" for r in outside)


def test_reasons_lead_with_the_weightiest_criterion() -> None:
    assert reasons({}, {})[0].startswith("5.9 km from home")
