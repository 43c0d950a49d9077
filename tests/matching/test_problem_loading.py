"""Loading a problem document: every fault reported at once, with its JSON path."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import pytest

import matching
from matching.problem import problem_to_dict
from tests.conftest import carer, child, doc, group, issues_of, problem


def paths(issues: list[matching.ProblemIssue]) -> list[str]:
    return [i.path for i in issues]


def only_issue(document: dict) -> matching.ProblemIssue:
    found = issues_of(document)
    assert len(found) == 1, found
    return found[0]


# -- valid documents ---------------------------------------------------------------------


def test_minimal_document_loads_with_typed_values_and_defaults() -> None:
    p = problem()
    (c,) = p.children
    (h,) = p.carers
    assert (c.id, c.age, c.home, c.accepts, c.needs, c.flags) == (
        "C1",
        9,
        "LS9",
        ("foster",),
        set(),
        set(),
    )
    assert (h.id, h.location, h.vacancies, h.sexes) == ("H1", "LS12", 1, set())
    assert p.policy.max_distance_km["foster"] == 32
    assert p.policy.school_travel_km == 16
    assert p.sibling_groups == ()


def test_the_full_example_of_the_problem_format_loads() -> None:
    document = {
        "as_of": "2026-11-22",
        "policy": {
            "max_distance_km": {
                "foster": 32,
                "kinship": 400,
                "residential": 80,
                "supported": 32,
                "adoption": 400,
            },
            "time_limit_s": 10,
            "school_travel_km": 16,
            "weights": {
                "proximity": 30,
                "same_la": 10,
                "siblings_already_placed": 40,
                "culture": 10,
                "skills_depth": 10,
                "age_fit": 5,
                "household_fit": 5,
                "experience": 5,
                "wishes": 10,
                "cost": 10,
            },
        },
        "children": [
            {
                "id": "C-0001",
                "la": "Leeds",
                "age": 9,
                "sex": "F",
                "ethnicity": "WBRI",
                "religion": "none",
                "languages": ["en"],
                "home": "LS9",
                "school": "LS8",
                "school_must_stay": True,
                "avoid": ["LS11", "Bradford"],
                "accepts": ["foster", "kinship"],
                "needs": ["learning_disability"],
                "flags": ["no_pets"],
                "urgency": "urgent",
                "needed_by": "2026-11-25",
                "max_distance_km": None,
                "siblings_placed_with": [],
                "wishes": {"areas": ["LS8", "LS9"], "carers": []},
            },
            child("C-0002", accepts=["foster", "kinship"]),
        ],
        "sibling_groups": [{"id": "G-01", "children": ["C-0001", "C-0002"], "policy": "should"}],
        "carers": [
            {
                "id": "H-0001",
                "la": "Leeds",
                "kind": "foster",
                "provider": "in_house",
                "location": "LS12",
                "min_age": 5,
                "max_age": 15,
                "sexes": ["F", "M"],
                "vacancies": 2,
                "available_from": "2026-11-20",
                "skills": ["learning_disability", "emotional_behavioural"],
                "languages": ["en", "ur"],
                "ethnicity": "APKN",
                "religion": "muslim",
                "household_children_ages": [4],
                "smoker": False,
                "pets": True,
                "wheelchair_access": False,
                "years_experience": 6,
                "weekly_cost": 520,
                "connected_children": [],
            }
        ],
    }
    p = matching.load_problem(document)
    assert [c.id for c in p.children] == ["C-0001", "C-0002"]
    assert p.children[0].avoid == ("LS11", "Bradford")
    assert p.siblings.group_of("C-0002").id == "G-01"


def test_full_postcodes_are_normalised_to_outcodes_everywhere() -> None:
    p = problem(
        children=[
            child(
                home="ls9 7tf",
                school="LS8 1AB",
                avoid=["ls11 5aa", "Bradford"],
                wishes={"areas": ["ls82ab"]},
            )
        ],
        carers=[carer(location="LS12 3AB")],
    )
    c = p.children[0]
    assert (c.home, c.school, c.avoid, c.wishes.areas) == (
        "LS9",
        "LS8",
        ("LS11", "Bradford"),
        ("LS8",),
    )
    assert p.carers[0].location == "LS12"


def test_problem_round_trips_through_the_public_format() -> None:
    p = problem(
        children=[
            child(needs=["autism"], flags=["no_pets"], school="LS8", avoid=["Bradford"]),
            child("C2"),
        ],
        carers=[
            carer(skills=["autism"], vacancies=2),
            carer("H2", kind="kinship", connected_children=["C2"]),
        ],
        groups=[group("G1", ["C1", "C2"], "should")],
        policy={"school_travel_km": 12, "weights": {"cost": 0}},
    )
    assert matching.load_problem(json.loads(json.dumps(problem_to_dict(p)))) == p


def test_load_problem_reads_a_json_file(tmp_path: Path) -> None:
    f = tmp_path / "problem.json"
    f.write_text(json.dumps(doc()), "utf-8")
    assert matching.load_problem(f) == problem()
    assert matching.load_problem(str(f)) == problem()


# -- file faults -------------------------------------------------------------------------


def test_malformed_json_is_reported_with_file_line_and_column(tmp_path: Path) -> None:
    f = tmp_path / "broken.json"
    f.write_text('{"as_of": "2026-11-22",\n "children": [,]}', "utf-8")
    with pytest.raises(matching.ProblemInvalid) as info:
        matching.load_problem(f)
    (issue,) = info.value.issues
    assert "broken.json" in issue.message
    assert "not valid JSON" in issue.message
    assert "line 2" in issue.message


def test_missing_file_is_reported_as_unreadable(tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    with pytest.raises(matching.ProblemInvalid) as info:
        matching.load_problem(missing)
    (issue,) = info.value.issues
    assert "nope.json" in issue.message
    assert "cannot read" in issue.message


# -- document faults ---------------------------------------------------------------------


def test_unknown_home_outcode_names_the_child_and_the_field() -> None:
    issue = only_issue(doc(children=[child("C-7", home="ZZ99")]))
    assert issue.path == "$.children[0].home"
    assert "C-7" in issue.message and "ZZ99" in issue.message


def test_unknown_carer_location_names_the_carer_and_the_field() -> None:
    issue = only_issue(doc(carers=[carer(), carer("H-9", location="QQ1")]))
    assert issue.path == "$.carers[1].location"
    assert "H-9" in issue.message and "QQ1" in issue.message


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"school": "ZZ99"}, "$.children[0].school"),
        ({"avoid": ["LS11", "ZZ99"]}, "$.children[0].avoid[1]"),
        ({"wishes": {"areas": ["ZZ99"]}}, "$.children[0].wishes.areas[0]"),
        ({"home": "not a postcode"}, "$.children[0].home"),
    ],
)
def test_every_outcode_field_is_checked(overrides: dict, path: str) -> None:
    assert only_issue(doc(children=[child(**overrides)])).path == path


def test_unknown_need_is_rejected_with_the_vocabulary() -> None:
    issue = only_issue(doc(children=[child(needs=["autism", "flying"])]))
    assert issue.path == "$.children[0].needs[1]"
    assert "'flying'" in issue.message and "autism" in issue.message


@pytest.mark.parametrize(
    ("entry", "field", "path"),
    [
        ("child", {"flags": ["no_cats"]}, "$.children[0].flags[0]"),
        ("child", {"urgency": "soon"}, "$.children[0].urgency"),
        ("child", {"sex": "X"}, "$.children[0].sex"),
        ("child", {"accepts": ["hotel"]}, "$.children[0].accepts[0]"),
        ("child", {"ethnicity": "XXXX"}, "$.children[0].ethnicity"),
        ("carer", {"kind": "hotel"}, "$.carers[0].kind"),
        ("carer", {"provider": "charity"}, "$.carers[0].provider"),
        ("carer", {"skills": ["juggling"]}, "$.carers[0].skills[0]"),
        ("carer", {"sexes": ["U"]}, "$.carers[0].sexes[0]"),
    ],
)
def test_words_outside_the_vocabularies_are_rejected(entry: str, field: dict, path: str) -> None:
    document = doc(children=[child(**field)]) if entry == "child" else doc(carers=[carer(**field)])
    assert only_issue(document).path == path


def test_duplicate_child_id() -> None:
    issue = only_issue(doc(children=[child("C1"), child("C2"), child("C1")]))
    assert issue.path == "$.children[2].id"
    assert "duplicate child id 'C1'" in issue.message and "$.children[0]" in issue.message


def test_duplicate_carer_id() -> None:
    issue = only_issue(doc(carers=[carer("H1"), carer("H1")]))
    assert issue.path == "$.carers[1].id"
    assert "duplicate carer id 'H1'" in issue.message


def test_child_in_two_groups() -> None:
    issue = only_issue(
        doc(
            children=[child("C1"), child("C2"), child("C3")],
            groups=[group("G1", ["C1", "C2"], "should"), group("G2", ["C3", "C2"], "apart")],
        )
    )
    assert issue.path == "$.sibling_groups[1].children[1]"
    assert "C2" in issue.message and "G1" in issue.message and "G2" in issue.message


def test_group_naming_an_unknown_child() -> None:
    issue = only_issue(doc(children=[child("C1")], groups=[group("G1", ["C1", "C9"], "must")]))
    assert issue.path == "$.sibling_groups[0].children[1]"
    assert "'C9'" in issue.message


def test_group_of_one_child_repeated() -> None:
    found = issues_of(doc(children=[child("C1")], groups=[group("G1", ["C1", "C1"], "should")]))
    assert {i.path for i in found} == {"$.sibling_groups[0]"}
    messages = " / ".join(i.message for i in found)
    assert "C1 more than once" in messages and "two different children" in messages


def test_a_child_listed_twice_in_a_group_is_an_error() -> None:
    found = issues_of(
        doc(children=[child("C1"), child("C2")], groups=[group("G1", ["C1", "C1", "C2"], "must")])
    )
    assert [(i.path, i.message) for i in found] == [
        ("$.sibling_groups[0]", "group G1 lists C1 more than once")
    ]


def test_an_unknown_la_name_in_avoid_is_an_error() -> None:
    found = issues_of(doc(children=[child("C1", avoid=["Leds"])]))
    assert [(i.path, "Leds" in i.message) for i in found] == [("$.children[0].avoid[0]", True)]


def test_must_group_with_no_common_kind() -> None:
    issue = only_issue(
        doc(
            children=[
                child("C1", accepts=["foster"]),
                child("C2", accepts=["residential", "kinship"]),
            ],
            groups=[group("G1", ["C1", "C2"], "must")],
        )
    )
    assert issue.path == "$.sibling_groups[0]"
    assert "no common placement kind" in issue.message


def test_should_group_with_no_common_kind_is_allowed() -> None:
    p = problem(
        children=[child("C1", accepts=["foster"]), child("C2", accepts=["residential"])],
        groups=[group("G1", ["C1", "C2"], "should")],
    )
    assert p.sibling_groups[0].policy == "should"


@pytest.mark.parametrize(
    ("document", "path"),
    [
        ({**doc(), "extra": 1}, "$"),
        (doc(children=[child(nickname="Jo")]), "$.children[0]"),
        (doc(carers=[carer(garden=True)]), "$.carers[0]"),
        (doc(policy={"max_distance_km": {"hotel": 3}}), "$.policy.max_distance_km"),
        (doc(policy={"weights": {"luck": 3}}), "$.policy.weights"),
        (doc(children=[child(wishes={"pets": ["cat"]})]), "$.children[0].wishes"),
    ],
)
def test_unknown_fields_are_rejected_by_name(document: dict, path: str) -> None:
    issue = only_issue(document)
    assert issue.path == path
    assert "unknown field" in issue.message


def test_min_age_above_max_age() -> None:
    issue = only_issue(doc(carers=[carer("H-3", min_age=12, max_age=8)]))
    assert issue.path == "$.carers[0].min_age"
    assert "H-3" in issue.message and "12" in issue.message and "8" in issue.message


@pytest.mark.parametrize(
    ("document", "path", "words"),
    [
        (doc(children=[child(home=...)]), "$.children[0]", "'home' is required"),
        (doc(carers=[carer(vacancies=-1)]), "$.carers[0].vacancies", ""),
        (doc(children=[child(age="nine")]), "$.children[0].age", ""),
        (doc(children=[child(needed_by="25/11/2026")]), "$.children[0].needed_by", ""),
        (doc(children=[child(school_must_stay=True)]), "$.children[0].school", "no school"),
        (
            doc(children=[child(siblings_placed_with=["H9"])]),
            "$.children[0].siblings_placed_with[0]",
            "H9",
        ),
        (doc(children=[child(wishes={"carers": ["H9"]})]), "$.children[0].wishes.carers[0]", "H9"),
        (
            doc(carers=[carer(connected_children=["C1"])]),
            "$.carers[0].connected_children",
            "kinship",
        ),
        (doc(children=[child(max_distance_km=0)]), "$.children[0].max_distance_km", ""),
    ],
)
def test_other_faults_name_their_field(document: dict, path: str, words: str) -> None:
    found = issues_of(document)
    assert set(paths(found)) == {path}
    assert any(words in i.message for i in found)


def test_every_fault_in_a_document_is_reported_together() -> None:
    document = doc(
        children=[
            child("C1", home="ZZ99"),
            child("C1"),
            child("C3", accepts=["residential"], school_must_stay=True),
        ],
        carers=[carer("H1", min_age=10, max_age=5), carer("H1", location="LS99 1AA")],
        groups=[group("G1", ["C1", "C9"], "should"), group("G2", ["C3", "C1"], "must")],
    )
    found = issues_of(document)
    assert sorted(paths(found)) == sorted(
        [
            "$.children[0].home",
            "$.children[1].id",
            "$.children[2].school",
            "$.carers[0].min_age",
            "$.carers[1].id",
            "$.carers[1].location",
            "$.sibling_groups[0].children[1]",
            "$.sibling_groups[1].children[1]",
            "$.sibling_groups[1]",
        ]
    )


def test_vocabulary_and_reference_faults_are_reported_together() -> None:
    """A wrong word must not hide a wrong outcode or a duplicate id elsewhere: one pass."""
    document = doc(
        children=[child("C1", needs=["flying"]), child("C2", home="ZZ99"), child("C2")],
        carers=[carer("H1", kind="hotel"), carer("H2", min_age=12, max_age=3)],
    )
    found = set(paths(issues_of(document)))
    assert {
        "$.children[0].needs[0]",
        "$.carers[0].kind",
        "$.children[1].home",
        "$.children[2].id",
        "$.carers[1].min_age",
    } <= found


def test_the_exception_message_lists_every_issue() -> None:
    with pytest.raises(matching.ProblemInvalid) as info:
        matching.load_problem(doc(children=[child(home="ZZ99"), child("C1")]))
    text = str(info.value)
    assert "2 problem(s)" in text
    assert "$.children[0].home" in text and "$.children[1].id" in text


def test_loading_sets_the_cycle_collector_back_as_it_was() -> None:
    """Tests that the collector, paused while a document is read, is on again after a
    load and after a refused one, and stays off for a caller who had turned it off."""
    assert gc.isenabled()
    matching.load_problem(doc())
    assert gc.isenabled()
    with pytest.raises(matching.ProblemInvalid):
        matching.load_problem(doc(children=[child(home="ZZ99")]))
    assert gc.isenabled()
    gc.disable()
    try:
        matching.load_problem(doc())
        assert not gc.isenabled()
    finally:
        gc.enable()


# -- issue 18: minimum distance and graded needs in the adoption contract ------------------

PLAN = {"waiting_since": "2025-05-01"}
APPROVED = {"approved_on": "2026-02-01"}


def _adoptive(plan: dict, approval: dict, needs: list[str] | None = None) -> dict:
    return doc(
        children=[child(accepts=["adoption"], needs=needs or ["autism"], adoption=PLAN | plan)],
        carers=[carer(kind="adoption", provider="in_house", adopter=APPROVED | approval)],
    )


def test_the_adoption_rules_load_and_round_trip() -> None:
    """Tests that a minimum distance, need levels and an adopter's graded needs load
    onto the dataclasses and come back out of problem_to_dict unchanged."""
    p = matching.load_problem(
        _adoptive(
            {"min_distance_km": 25.5, "need_levels": {"autism": "low"}},
            {"needs": {"autism": "medium", "complex_health": "high"}},
        )
    )
    plan, approval = p.children[0].adoption, p.carers[0].adopter
    assert plan is not None and approval is not None
    assert (plan.min_distance_km, dict(plan.need_levels)) == (25.5, {"autism": "low"})
    assert plan.need_level("autism") == "low"
    assert dict(approval.needs) == {"autism": "medium", "complex_health": "high"}
    assert matching.load_problem(json.loads(json.dumps(problem_to_dict(p)))) == p


def test_an_ungraded_plan_asks_for_the_high_level() -> None:
    p = matching.load_problem(_adoptive({}, {}))
    plan = p.children[0].adoption
    assert plan is not None
    assert (plan.min_distance_km, dict(plan.need_levels), plan.need_level("autism")) == (
        None,
        {},
        "high",
    )


@pytest.mark.parametrize(
    ("plan", "approval", "path"),
    [
        ({"min_distance_km": -1}, {}, "$.children[0].adoption.min_distance_km"),
        ({"min_distance_km": "far"}, {}, "$.children[0].adoption.min_distance_km"),
        ({"need_levels": {"autism": "severe"}}, {}, "$.children[0].adoption.need_levels.autism"),
        ({"need_levels": {"flying": "low"}}, {}, "$.children[0].adoption.need_levels"),
        (
            {"need_levels": {"complex_health": "low"}},
            {},
            "$.children[0].adoption.need_levels.complex_health",
        ),
        ({}, {"needs": {"autism": "some"}}, "$.carers[0].adopter.needs.autism"),
        ({}, {"needs": ["autism"]}, "$.carers[0].adopter.needs"),
    ],
)
def test_bad_adoption_rule_values_name_their_field(plan: dict, approval: dict, path: str) -> None:
    """Tests that a negative or non-numeric minimum distance, an unknown level or need,
    and a level for a need the child does not have are each refused at their path."""
    found = paths(issues_of(_adoptive(plan, approval)))
    assert path in found and all(p.startswith(path) for p in found)
