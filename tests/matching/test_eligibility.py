"""The hard pair rules of docs/design.md §4: each one, alone, shuts a carer out.

For every rule id there is an eligible pair and the same pair with exactly one thing
changed; the changed pair must fail that rule and no other, and `matching.rank` must
show the carer as a near miss naming it.
"""

from __future__ import annotations

from typing import Any

import pytest

import matching
from matching.eligibility import RULE_IDS
from matching.ranking import MatchingContext
from tests.conftest import carer, child, problem
from tests.oracle import pair_failures

ADOPTION: dict[str, Any] = {"waiting_since": "2025-05-01"}
APPROVAL: dict[str, Any] = {"approved_on": "2026-02-01"}
ADOPTER: dict[str, Any] = {"kind": "adoption", "provider": "in_house"}

# rule id -> (child fields, carer fields) of an eligible pair, then the one change
# (child fields, carer fields) that breaks exactly that rule.
CASES: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]] = {
    "kind": ({}, {}, {}, {"kind": "residential"}),
    "kinship_connection": (
        {"accepts": ["foster", "kinship"]},
        {"kind": "kinship", "connected_children": ["C1"]},
        {},
        {"connected_children": []},
    ),
    "age_range": ({}, {"min_age": 9, "max_age": 12}, {"age": 8}, {}),
    "sex": ({"sex": "M"}, {"sexes": ["M"]}, {"sex": "F"}, {}),
    "vacancy": ({}, {"vacancies": 1}, {}, {"vacancies": 0}),
    "skills": ({"needs": ["autism"]}, {"skills": ["autism"]}, {}, {"skills": ["complex_health"]}),
    "distance": ({}, {"location": "BD1", "la": "Bradford"}, {}, {"location": "YO1"}),
    "avoid_area": ({"avoid": ["LS11"]}, {}, {"avoid": ["LS12"]}, {}),
    "only_child": ({"flags": ["only_child"]}, {}, {}, {"household_children_ages": [14]}),
    "no_younger_children": (
        {"flags": ["no_younger_children"]},
        {"household_children_ages": [9, 12]},
        {},
        {"household_children_ages": [8, 12]},
    ),
    "no_older_children": (
        {"flags": ["no_older_children"]},
        {"household_children_ages": [3, 9]},
        {},
        {"household_children_ages": [3, 10]},
    ),
    "smoker_under_5": ({"age": 4}, {"smoker": False}, {}, {"smoker": True}),
    "wheelchair_access": (
        {"flags": ["needs_wheelchair_access"]},
        {"wheelchair_access": True},
        {},
        {"wheelchair_access": False},
    ),
    "pets": ({"flags": ["no_pets"]}, {"pets": False}, {}, {"pets": True}),
    "school_distance": (
        {"school": "LS8", "school_must_stay": True},
        {},
        {"school": "HG1"},
        {},
    ),
    "availability": (
        {"needed_by": "2026-11-25"},
        {"available_from": "2026-11-25"},
        {},
        {"available_from": "2026-11-26"},
    ),
    "early_permanence": (
        {"accepts": ["adoption"], "adoption": ADOPTION | {"early_permanence": True}},
        ADOPTER | {"adopter": APPROVAL | {"early_permanence": True}},
        {},
        {"adopter": APPROVAL},
    ),
    "uncertainties": (
        {
            "accepts": ["adoption"],
            "adoption": ADOPTION | {"uncertainties": ["family_mental_health"]},
        },
        ADOPTER | {"adopter": APPROVAL | {"uncertainties": ["family_mental_health"]}},
        {"adoption": ADOPTION | {"uncertainties": ["prenatal_drug_exposure"]}},
        {},
    ),
    "contact": (
        {"accepts": ["adoption"], "adoption": ADOPTION | {"contact": ["letterbox"]}},
        ADOPTER | {"adopter": APPROVAL | {"contact": ["letterbox", "direct_siblings"]}},
        {"adoption": ADOPTION | {"contact": ["direct_birth_family"]}},
        {},
    ),
    "ruled_out": (
        {"accepts": ["adoption"], "adoption": ADOPTION | {"ruled_out": ["H2"]}},
        ADOPTER | {"adopter": APPROVAL},
        {"adoption": ADOPTION | {"ruled_out": ["H2", "H1"]}},
        {},
    ),
    # LS9 to LS12 is 5.9 km; to BD1 (Bradford) 16.1 km.
    "min_distance": (
        {"accepts": ["adoption"], "adoption": ADOPTION | {"min_distance_km": 10}},
        ADOPTER | {"adopter": APPROVAL, "location": "BD1", "la": "Bradford"},
        {},
        {"location": "LS12", "la": "Leeds"},
    ),
    "need_level": (
        {
            "accepts": ["adoption"],
            "needs": ["learning_disability"],
            "adoption": ADOPTION | {"need_levels": {"learning_disability": "medium"}},
        },
        ADOPTER | {"adopter": APPROVAL | {"needs": {"learning_disability": "medium"}}},
        {},
        {"adopter": APPROVAL | {"needs": {"learning_disability": "low"}}},
    ),
}


def failed(child_fields: dict, carer_fields: dict, policy: dict | None = None) -> list[str]:
    """The rules the default carer (with `carer_fields`) fails for the child."""
    p = problem([child(**child_fields)], [carer(**carer_fields)], policy=policy)
    return MatchingContext(p).assess(p.children[0]).failed_rules(0)


def test_every_rule_has_a_case() -> None:
    assert set(CASES) == set(RULE_IDS)


@pytest.mark.parametrize("rule", RULE_IDS)
def test_rule_alone_makes_an_eligible_pair_ineligible(rule: str) -> None:
    base_child, base_carer, change_child, change_carer = CASES[rule]
    assert failed(base_child, base_carer) == []
    assert failed(base_child | change_child, base_carer | change_carer) == [rule]


@pytest.mark.parametrize("rule", RULE_IDS)
def test_rank_lists_the_pair_then_shows_it_as_a_near_miss_naming_the_rule(rule: str) -> None:
    base_child, base_carer, change_child, change_carer = CASES[rule]
    ok = matching.rank(problem([child(**base_child)], [carer(**base_carer)]), "C1")
    assert [m.carer for m in ok.matches] == ["H1"]
    assert ok.near_misses == ()

    p = problem([child(**(base_child | change_child))], [carer(**(base_carer | change_carer))])
    ranking = matching.rank(p, "C1")
    assert ranking.matches == ()
    assert ranking.eligible_count == 0
    if rule == "kinship_connection":
        # A kinship carer approved for other children is not a near miss: there is no
        # approval to widen, it is someone else's family.
        assert ranking.near_misses == ()
        return
    assert [(m.carer, m.failed_rule) for m in ranking.near_misses] == [("H1", rule)]
    assert ranking.near_misses[0].detail
    assert (
        ranking.near_misses[0].exception_allowed
        == matching.eligibility.RULE_BY_ID[rule].exception_allowed
    )


@pytest.mark.parametrize("rule", RULE_IDS)
def test_the_cases_agree_with_the_independent_reading_of_the_rules(rule: str) -> None:
    base_child, base_carer, change_child, change_carer = CASES[rule]
    assert pair_failures(child(**base_child), carer(**base_carer)) == set()
    changed = pair_failures(
        child(**(base_child | change_child)), carer(**(base_carer | change_carer))
    )
    assert changed == {rule}


def test_a_carer_failing_two_rules_is_not_a_near_miss() -> None:
    p = problem(
        [child(flags=["no_pets"])], [carer(vacancies=0, pets=True), carer("H2", vacancies=0)]
    )
    ranking = matching.rank(p, "C1")
    assert [(m.carer, m.failed_rule) for m in ranking.near_misses] == [("H2", "vacancy")]


# -- derived rules -------------------------------------------------------------------------


def test_harmful_sexual_behaviour_implies_no_younger_children() -> None:
    hsb = {"age": 12, "needs": ["harmful_sexual_behaviour"]}
    skilled = {"skills": ["harmful_sexual_behaviour"]}
    assert failed(hsb, skilled | {"household_children_ages": [12, 15]}) == []
    assert failed(hsb, skilled | {"household_children_ages": [11, 15]}) == ["no_younger_children"]
    # Without the need, the same household is fine.
    assert failed({"age": 12}, {"household_children_ages": [11, 15]}) == []


@pytest.mark.parametrize(("age", "ok"), [(0, False), (4, False), (5, True), (11, True)])
def test_under_five_never_with_a_smoker(age: int, ok: bool) -> None:
    assert failed({"age": age}, {"smoker": True}) == ([] if ok else ["smoker_under_5"])
    assert failed({"age": age}, {"smoker": False}) == []


@pytest.mark.parametrize(
    ("sexes", "allowed"),
    [
        ([], {"F", "M", "U"}),
        (["F", "M"], {"F", "M", "U"}),
        (["F"], {"F"}),
        (["M"], {"M"}),
    ],
)
def test_sex_approval_and_unknown_sex(sexes: list[str], allowed: set[str]) -> None:
    for sex in ("F", "M", "U"):
        expected = [] if sex in allowed else ["sex"]
        assert failed({"sex": sex}, {"sexes": sexes}) == expected, (sex, sexes)


def test_child_max_distance_overrides_the_policy_limit() -> None:
    # LS9 (home) to LS12 (carer) is 5.9 km.
    assert failed({}, {}) == []
    assert failed({"max_distance_km": 5}, {}) == ["distance"]
    assert failed({"max_distance_km": 6}, {}) == []
    assert failed({}, {}, policy={"max_distance_km": {"foster": 5}}) == ["distance"]
    assert failed({"max_distance_km": 10}, {}, policy={"max_distance_km": {"foster": 5}}) == []
    assert failed({"max_distance_km": 5}, {}, policy={"max_distance_km": {"foster": 50}}) == [
        "distance"
    ]


def test_policy_distance_limit_is_per_kind() -> None:
    # LS9 to YO1 is 33 km: too far for foster (32 km) but not for a children's home (80 km).
    accepts = {"accepts": ["foster", "residential"]}
    far = {"location": "YO1", "la": "York"}
    assert failed(accepts, far) == ["distance"]
    assert failed(accepts, far | {"kind": "residential"}) == []
    policy = {"max_distance_km": {"residential": 30}}
    assert failed(accepts, far | {"kind": "residential"}, policy=policy) == ["distance"]


@pytest.mark.parametrize(
    ("avoid", "ok"),
    [
        (["LS12"], False),
        (["ls12 3ab"], False),  # a full postcode names its outcode
        (["Leeds"], False),  # the carer's LA
        (["LS11", "Bradford"], True),
        (["LS1"], True),  # a different outcode with a shared prefix
    ],
)
def test_avoid_by_outcode_or_la_name(avoid: list[str], ok: bool) -> None:
    assert failed({"avoid": avoid}, {}) == ([] if ok else ["avoid_area"])


def test_avoid_by_la_name_uses_the_carers_la_not_its_outcode() -> None:
    # The carer's own `la` is what an LA name is checked against (LS12 lies in Leeds).
    assert failed({"avoid": ["Bradford"]}, {"la": "Bradford"}) == ["avoid_area"]
    assert failed({"avoid": ["Bradford"]}, {"la": "Leeds"}) == []


def test_school_must_stay_uses_the_policy_school_travel_distance() -> None:
    # The school in HG1 is 23.6 km from the carer in LS12.
    stays = {"school": "HG1", "school_must_stay": True}
    assert failed(stays, {}) == ["school_distance"]  # default 16 km
    assert failed(stays, {}, policy={"school_travel_km": 25}) == []
    assert failed(stays, {}, policy={"school_travel_km": 20}) == ["school_distance"]
    assert failed({"school": "HG1", "school_must_stay": False}, {}) == []


def test_kinship_carer_takes_only_its_connected_children() -> None:
    p = problem(
        [child("C1", accepts=["kinship"]), child("C2", accepts=["kinship"])],
        [carer("K1", kind="kinship", connected_children=["C2"])],
    )
    ctx = MatchingContext(p)
    assert ctx.assess(p.children[0]).failed_rules(0) == ["kinship_connection"]
    assert ctx.assess(p.children[1]).failed_rules(0) == []


def test_a_connected_child_still_needs_a_plan_accepting_kinship() -> None:
    assert failed({"accepts": ["foster"]}, {"kind": "kinship", "connected_children": ["C1"]}) == [
        "kind"
    ]


def test_same_age_is_neither_younger_nor_older() -> None:
    assert (
        failed(
            {"flags": ["no_younger_children", "no_older_children"]},
            {"household_children_ages": [9]},
        )
        == []
    )


def test_age_range_bounds_are_inclusive() -> None:
    assert failed({"age": 9}, {"min_age": 9, "max_age": 9}) == []
    assert failed({"age": 10}, {"min_age": 9, "max_age": 9}) == ["age_range"]


def test_available_on_the_day_needed_is_in_time() -> None:
    assert failed({"needed_by": "2026-12-01"}, {"available_from": "2026-12-01"}) == []
    assert failed({"needed_by": "2026-11-30"}, {"available_from": "2026-12-01"}) == ["availability"]


def test_every_failing_rule_is_reported_not_just_the_first() -> None:
    rules = failed(
        {"age": 3, "flags": ["no_pets"], "needs": ["autism"]},
        {"kind": "residential", "smoker": True, "pets": True, "vacancies": 0, "min_age": 5},
    )
    assert set(rules) == {"kind", "age_range", "vacancy", "skills", "smoker_under_5", "pets"}


# -- issue 18: the adoption plan's minimum distance and graded needs -----------------------

CHILD_LEVELS = ("low", "medium", "high", None)  # None: the plan gives the need no level
ADOPTER_LEVELS = ("low", "medium", "high", "skill", None)  # None: not said at all
RANK = {"low": 1, "medium": 2, "high": 3, "skill": 3, None: 0}


def _graded(child_level: str | None, adopter_level: str | None) -> list[str]:
    levels = {} if child_level is None else {"learning_disability": child_level}
    approval = APPROVAL | (
        {"needs": {"learning_disability": adopter_level}}
        if adopter_level not in (None, "skill")
        else {}
    )
    skills = ["learning_disability"] if adopter_level == "skill" else []
    return failed(
        {
            "accepts": ["adoption"],
            "needs": ["learning_disability"],
            "adoption": ADOPTION | {"need_levels": levels},
        },
        ADOPTER | {"adopter": approval, "skills": skills},
    )


@pytest.mark.parametrize("child_level", CHILD_LEVELS)
@pytest.mark.parametrize("adopter_level", ADOPTER_LEVELS)
def test_an_adopter_manages_a_need_at_the_childs_level_or_above(
    child_level: str | None, adopter_level: str | None
) -> None:
    """Tests that an adopter passes exactly when their level for the need is at least
    the child's; a skill counts as high and a need the plan leaves ungraded as high."""
    passes = RANK[adopter_level] >= RANK[child_level or "high"]
    assert _graded(child_level, adopter_level) == ([] if passes else ["need_level"])


def test_without_levels_adopters_are_judged_as_before_the_grading() -> None:
    """Tests that old data keeps today's behaviour: with no levels on either side an
    adopter passes exactly when the need is in their skills (as the `skills` rule did),
    and a foster carer is still judged by `skills`, never by `need_level`."""
    plan = {"accepts": ["adoption", "foster"], "needs": ["autism"], "adoption": ADOPTION}
    assert failed(plan, ADOPTER | {"adopter": APPROVAL, "skills": ["autism"]}) == []
    assert failed(plan, ADOPTER | {"adopter": APPROVAL}) == ["need_level"]
    assert failed(plan, {"skills": ["autism"]}) == []
    assert failed(plan, {}) == ["skills"]
    graded = plan | {"adoption": ADOPTION | {"need_levels": {"autism": "low"}}}
    assert failed(graded, {}) == ["skills"]  # a foster carer's skill is not graded


def test_the_minimum_distance_binds_adopters_only_and_is_a_minimum() -> None:
    """Tests that an adopter exactly at the minimum distance passes and one nearer
    fails, while a foster carer near the birth home is not ruled out by the adoption
    plan, and a plan without a minimum rules out nobody."""
    near = {"location": "LS12", "la": "Leeds"}  # 5.9 km from LS9
    plan = {"accepts": ["adoption", "foster"], "adoption": ADOPTION | {"min_distance_km": 5.8}}
    assert failed(plan, ADOPTER | {"adopter": APPROVAL} | near) == []
    plan["adoption"] = ADOPTION | {"min_distance_km": 6}
    assert failed(plan, ADOPTER | {"adopter": APPROVAL} | near) == ["min_distance"]
    assert failed(plan, near) == []
    plan["adoption"] = ADOPTION | {"min_distance_km": 0}
    assert failed(plan, ADOPTER | {"adopter": APPROVAL} | near) == []


def test_the_near_miss_names_the_level_and_the_distance() -> None:
    """Tests the near misses' details: the level the adopter could manage against the
    child's, and the distance against the plan's minimum."""
    kid = child(
        accepts=["adoption"],
        needs=["learning_disability"],
        adoption=ADOPTION | {"min_distance_km": 10, "need_levels": {"learning_disability": "high"}},
    )
    homes = [
        carer(
            "H1",
            **ADOPTER,
            adopter=APPROVAL | {"needs": {"learning_disability": "medium"}},
            location="BD1",
            la="Bradford",
        ),
        carer("H2", **ADOPTER, adopter=APPROVAL, skills=["learning_disability"]),
    ]
    misses = {m.carer: m for m in matching.rank(problem([kid], homes), "C1").near_misses}
    assert misses["H1"].failed_rule == "need_level"
    assert "learning disability up to a medium level (the child's: high)" in misses["H1"].detail
    assert misses["H2"].failed_rule == "min_distance"
    assert "at least 10 km" in misses["H2"].detail
