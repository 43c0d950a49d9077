"""Family-finding (issue 5): the round, its priorities, search both ways, what would
change, fairness and crowding — checked against the independent oracle and by hand."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import pytest
from hypothesis import given, settings

import matching
from matching.family_finding import (
    FamilyFindingPolicy,
    adoption_problem,
    run_round,
    search_adopters,
    search_children,
    subjects,
)
from matching.pairs import PairTable
from matching.problem import problem_to_dict
from synth.adoption import generate_adoption_region
from synth.region import WEST_YORKSHIRE
from tests.conftest import carer, child, doc, problem
from tests.oracle import (
    best_outcome,
    family,
    placed_key,
    result_violations,
)
from tests.strategies import adoption_problems

Doc = dict[str, Any]

WAITING = {"waiting_since": "2025-01-06"}  # 97 weeks before 2026-11-22
RECENT = {"waiting_since": "2026-09-28"}  # 8 weeks
APPROVAL = {"approved_on": "2026-02-01"}


def kid(id: str, **fields: Any) -> Doc:
    return child(id, accepts=["adoption"], age=fields.pop("age", 3), adoption=WAITING) | fields


def adopter(id: str, **fields: Any) -> Doc:
    base = {"kind": "adoption", "max_age": 8, "adopter": APPROVAL, "weekly_cost": 0}
    return carer(id, **base) | fields


# -- a round never breaks a rule, and places by priority optimally -----------------------


@settings(max_examples=40, deadline=None)
@given(adoption_problems())
def test_a_round_breaks_no_hard_rule_and_keeps_every_must_group_together(document: Doc) -> None:
    r = run_round(matching.load_problem(document), time_limit_s=2, seed=1)
    carer_of = r.result.carer_of()
    assert result_violations(document, carer_of) == []
    for g in document.get("sibling_groups", []):
        if g["policy"] == "must":
            assert len({carer_of.get(c) for c in g["children"]}) == 1
    families_at: dict[str, set[str]] = defaultdict(set)
    for c, h in carer_of.items():
        families_at[h].add(family(document, c))
    assert all(len(f) == 1 for f in families_at.values()), "an adopter given two families"


@settings(max_examples=40, deadline=None)
@given(adoption_problems())
def test_a_proven_round_links_the_most_children_by_priority(document: Doc) -> None:
    """Against exhaustive search on the round's own problem (priorities as tiers); and
    then no higher-priority child waits while an adopter they could have had went to a
    lower-priority one."""
    r = run_round(matching.load_problem(document), time_limit_s=5, seed=1)
    if r.result.status != "OPTIMAL":
        return
    tiered = problem_to_dict(r.problem)
    carer_of = r.result.carer_of()
    assert placed_key(tiered, carer_of) == best_outcome(tiered)[0]
    assert r.fairness[0]["priority_inversions"] == 0
    assert r.fairness[1]["blocking_pairs"] == 0  # deferred acceptance is stable


def test_an_adopter_takes_one_child_or_one_sibling_group() -> None:
    p = problem(
        [kid("C1"), kid("C2"), kid("C3"), kid("C4")],
        [adopter("H1", vacancies=3)],
        groups=[{"id": "G1", "children": ["C3", "C4"], "policy": "must"}],
    )
    r = run_round(p, time_limit_s=2)
    assert r.result.carer_of() == {"C3": "H1", "C4": "H1"}  # two children beat one
    assert len(r.links) == 1 and r.links[0].children == ("C3", "C4")


def test_a_should_group_split_between_adopters_never_shares_with_strangers() -> None:
    p = problem(
        [kid("C1"), kid("C2"), kid("C3")],
        [adopter("H1", vacancies=2), adopter("H2", vacancies=1, location="LS8")],
        groups=[{"id": "G1", "children": ["C1", "C2"], "policy": "should"}],
    )
    carer_of = run_round(p, time_limit_s=2).result.carer_of()
    assert carer_of["C1"] == carer_of["C2"] == "H1"
    assert carer_of["C3"] == "H2"


def test_the_longest_waiting_child_comes_first() -> None:
    # One adopter, a better match for the newer child (the same ethnic group; nearness
    # to the birth home scores nothing in adoption), but the other has waited 97 weeks.
    p = problem(
        [
            kid("C1", la="Bradford", home="BD1"),
            kid("C2", adoption=RECENT, ethnicity="BAFR"),
        ],
        [adopter("H1", ethnicity="BAFR")],
    )
    first, second = PairTable(matching.MatchingContext(p)).scores
    assert second.total[0] > first.total[0]
    # Both have one possible adopter (hard to place, so both first by default):
    # priority by waiting time alone.
    r = run_round(p, FamilyFindingPolicy(priority="waiting"), time_limit_s=2)
    assert r.result.carer_of() == {"C1": "H1"}
    assert r.links[0].priority == "first"
    assert "waited 97 weeks" in r.links[0].why_priority[0]
    (left,) = r.unlinked
    assert left.children == ("C2",) and left.priority == "third"
    assert any("higher priority" in reason for reason in left.reasons)


def test_priority_none_lets_the_better_fit_win() -> None:
    p = problem(
        [kid("C1", la="Bradford", home="BD1", age=7), kid("C2", adoption=RECENT)],
        [adopter("H1", min_age=2, max_age=7)],
    )
    r = run_round(p, FamilyFindingPolicy(priority="none"), time_limit_s=2)
    assert {s.priority for s in r.subjects} == {"third"}
    assert len(r.result.carer_of()) == 1


@pytest.mark.parametrize(
    ("weeks_since", "possible", "policy", "expected"),
    [
        ("2025-01-06", 5, FamilyFindingPolicy(), "first"),  # 97 weeks
        ("2026-09-28", 1, FamilyFindingPolicy(), "first"),  # hard to place
        ("2026-09-28", 1, FamilyFindingPolicy(priority="waiting"), "third"),
        ("2026-03-02", 5, FamilyFindingPolicy(), "second"),  # 38 weeks
        ("2026-03-02", 5, FamilyFindingPolicy(wait_weeks=40), "third"),
        ("2025-01-06", 5, FamilyFindingPolicy(priority="none"), "third"),
    ],
)
def test_priority_tiers_follow_the_policy(
    weeks_since: str, possible: int, policy: FamilyFindingPolicy, expected: str
) -> None:
    carers = [adopter(f"H{i}", location="LS12") for i in range(possible)]
    p = problem([kid("C1", adoption={"waiting_since": weeks_since})], carers)
    (s,) = subjects(PairTable(matching.MatchingContext(p)), policy)
    assert s.adopters_possible == possible
    assert s.priority == expected


def test_policy_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="priority"):
        FamilyFindingPolicy(priority="loudest")
    with pytest.raises(ValueError, match="wait_weeks"):
        FamilyFindingPolicy(wait_weeks=90, long_wait_weeks=78)


# -- what would change -------------------------------------------------------------------


def test_what_would_change_names_the_approval_to_widen() -> None:
    members = [kid("C1", age=2), kid("C2", age=4), kid("C3", age=6)]
    p = problem(
        members,
        [adopter("H1", vacancies=2), adopter("H2", vacancies=2, location="LS8")],
        groups=[{"id": "G1", "children": ["C1", "C2", "C3"], "policy": "must"}],
    )
    r = run_round(p, time_limit_s=2)
    (left,) = r.unlinked
    assert left.subject == "G1"
    assert left.what_would_change[0] == (
        "places for 3 together: 2 of 2 adopters in the round do not have them"
    )
    assert "2 would be if their approval were widened to 3 children (H2, H1)" in (
        left.what_would_change
    )


def test_what_would_change_names_the_uncertainty_an_adopter_could_accept() -> None:
    plan = WAITING | {"uncertainties": ["prenatal_alcohol_exposure"]}
    p = problem([kid("C1", adoption=plan)], [adopter("H1")])
    (left,) = run_round(p, time_limit_s=2).unlinked
    assert left.what_would_change[1] == (
        "1 would be if they could accept alcohol exposure before birth (H1)"
    )


# -- search both ways ----------------------------------------------------------------------


def test_search_lists_the_agencys_own_adopters_first_then_beyond() -> None:
    p = problem(
        [kid("C1")],
        [adopter("H1"), adopter("H2", la="York", location="YO1"), carer("F1")],
    )
    own = FamilyFindingPolicy(home_las=frozenset({"Leeds"}))
    found = search_adopters(p, "C1", own).to_dict()
    assert [m["carer"] for m in found["in_region"]["matches"]] == ["H1"]
    assert found["beyond"] is None
    wider = FamilyFindingPolicy(home_las=frozenset({"Leeds"}), beyond_region=True)
    found = search_adopters(p, "C1", wider).to_dict()
    assert [m["carer"] for m in found["beyond"]["matches"]] == ["H2"]


def test_search_children_for_an_adopter_ranks_only_waiting_children() -> None:
    p = problem(
        [kid("C1"), child("C2"), kid("C3", la="York", home="YO1")],
        [adopter("H1"), carer("F1")],
    )
    policy = FamilyFindingPolicy(home_las=frozenset({"Leeds"}), beyond_region=True)
    found = search_children(p, "H1", policy).to_dict()
    assert [m["child"] for m in found["in_region"]["matches"]] == ["C1"]
    assert [m["child"] for m in found["beyond"]["matches"]] == ["C3"]
    with pytest.raises(KeyError, match="not an adopter"):
        search_children(p, "F1", policy)
    with pytest.raises(KeyError):
        search_children(p, "nobody", policy)


# -- a generated agency: calibration, crowding, fairness ---------------------------------------


@pytest.fixture(scope="module")
def west_yorkshire() -> matching.Problem:
    return matching.load_problem(generate_adoption_region(seed=0))


@pytest.fixture(scope="module")
def wy_round(west_yorkshire: matching.Problem) -> Any:
    policy = FamilyFindingPolicy(home_las=frozenset(WEST_YORKSHIRE))
    return run_round(west_yorkshire, policy, time_limit_s=10, seed=0)


def test_the_generated_agency_is_calibrated(west_yorkshire: matching.Problem) -> None:
    p = west_yorkshire
    assert len(p.children) == 240 and len(p.carers) == 100
    weeks = [c.adoption.weeks_waiting(p.as_of) for c in p.children if c.adoption]
    assert len(weeks) == 240
    assert 0.40 <= sum(w >= 78 for w in weeks) / len(weeks) <= 0.55  # national 47%
    siblings = sum(1 for h in p.carers if h.vacancies >= 2)
    assert 12 <= siblings <= 26  # OAWY: 19 of 101
    ages = sorted(c.age for c in p.children)
    assert 2 <= ages[len(ages) // 2] <= 4  # average age at adoption 3y4m


def test_the_round_on_the_agency(wy_round: Any, west_yorkshire: matching.Problem) -> None:
    r = wy_round
    assert r.result.status == "OPTIMAL"
    document = problem_to_dict(west_yorkshire)
    assert result_violations(document, r.result.carer_of()) == []
    in_region = adoption_problem(west_yorkshire, r.policy)
    assert len(r.problem.carers) == len(in_region.carers) < len(west_yorkshire.carers)
    rows = {row["round"].split(" (")[0]: row for row in r.fairness}
    ours, stable, officer = rows["round"], rows["deferred acceptance"], rows["officer-style pass"]
    assert ours["children_linked"] >= max(stable["children_linked"], officer["children_linked"])
    assert ours["first_priority_linked"] >= officer["first_priority_linked"]
    assert ours["priority_inversions"] == 0 and stable["blocking_pairs"] == 0


def test_plain_recommendations_crowd_and_the_round_does_not(wy_round: Any) -> None:
    c = wy_round.crowding
    assert c["most_lists_naming_one_adopter"] >= 10
    assert c["round_most_subjects_for_one_adopter"] == 1
    linked = Counter(a.carer for a in wy_round.result.assignments)
    assert all(n <= h.vacancies for h in wy_round.problem.carers for n in [linked[h.id]])


def test_every_link_and_every_child_without_one_is_explained(wy_round: Any) -> None:
    d = wy_round.to_dict()
    assert d["links"] and d["unlinked"]
    assert all(link["reasons"] and link["why_priority"] for link in d["links"])
    assert all(x["reasons"] for x in d["unlinked"])
    linked = sum(len(x["children"]) for x in d["links"])
    waiting = sum(len(x["children"]) for x in d["unlinked"])
    assert linked == d["summary"]["children_linked"] and linked + waiting == 240
    tables = d["region"]
    assert sum(r[1] for r in tables["outcomes_by_ethnicity"]["rows"]) == 240


def test_adoption_details_round_trip_through_the_contract() -> None:
    generated = generate_adoption_region(20, 10, seed=3)
    again = problem_to_dict(matching.load_problem(generated))
    for before, after in zip(generated["children"], again["children"], strict=True):
        assert after["adoption"] == before["adoption"] | {
            "notes": before["adoption"]["notes"],
            "placement_order_date": before["adoption"]["placement_order_date"],
            "min_distance_km": before["adoption"].get("min_distance_km"),
        }
    assert [h["adopter"] for h in again["carers"]] == [
        h["adopter"]
        | {"uncertainties": sorted(h["adopter"]["uncertainties"])}
        | {"contact": sorted(h["adopter"]["contact"])}
        for h in generated["carers"]
    ]


def test_adoption_fields_in_the_wrong_place_are_rejected() -> None:
    from tests.conftest import issues_of

    found = issues_of(doc([child("C1", adoption=WAITING)], [carer("H1", adopter=APPROVAL)]))
    messages = {i.path: i.message for i in found}
    assert "does not accept it" in messages["$.children[0].adoption"]
    assert "kind 'foster'" in messages["$.carers[0].adopter"]
