"""Brothers and sisters: the group graph, who may share a household, and how the
batch treats `must`, `should` and `apart` groups (docs/design.md §4, Siblings)."""

from __future__ import annotations

from datetime import date

import matching
from children import Child, SiblingGroup, SiblingRelations
from tests.conftest import carer, child, group, problem, solve

NEAR = {"location": "LS12"}  # 5.9 km from home (LS9)
NEARER = {"location": "LS8"}  # 2.8 km
FAR = {"location": "BD1", "la": "Bradford"}  # 16 km


def kid(id: str, age: int, **kw) -> Child:
    return Child(
        id=id,
        la="Leeds",
        age=age,
        sex="F",
        home="LS9",
        accepts=("foster",),
        urgency="planned",
        needed_by=date(2026, 11, 25),
        **kw,
    )


def outcomes(result: matching.SolveResult) -> dict[str, str]:
    return {g.id: g.outcome for g in result.sibling_groups}


# -- the graph ---------------------------------------------------------------------------


def test_relations_know_each_childs_group_and_siblings() -> None:
    rel = SiblingRelations(
        [SiblingGroup("G1", ("A", "B", "C"), "must"), SiblingGroup("G2", ("D", "E"), "apart")]
    )
    assert rel.group_of("B").id == "G1"
    assert rel.group_of("E").policy == "apart"
    assert rel.group_of("Z") is None
    assert rel.siblings_of("A") == ("B", "C")
    assert rel.siblings_of("Z") == ()
    assert sorted(map(sorted, rel.components())) == [["A", "B", "C"], ["D", "E"]]


def test_check_reports_every_inconsistency() -> None:
    children = {c: kid(c, 5) for c in "ABC"}
    errors = SiblingRelations.check(
        [
            SiblingGroup("G1", ("A", "B"), "should"),
            SiblingGroup("G1", ("C", "X"), "should"),
            SiblingGroup("G3", ("B", "C"), "must"),
        ],
        children,
    )
    messages = [e.message for e in errors]
    assert any("duplicate sibling group id 'G1'" in m for m in messages)
    assert any("unknown child 'X'" in m for m in messages)
    assert any("child B is in two sibling groups" in m for m in messages)
    assert len(errors) >= 4  # C is in G1 (second) and G3 too


def test_check_accepts_consistent_groups() -> None:
    children = {c: kid(c, 5) for c in "ABCD"}
    groups = [SiblingGroup("G1", ("A", "B"), "must"), SiblingGroup("G2", ("C", "D"), "should")]
    assert SiblingRelations.check(groups, children) == []


# -- who can live alongside whom ----------------------------------------------------------


def test_only_child_shares_with_nobody() -> None:
    only = kid("A", 9, flags=frozenset({"only_child"}))
    for age in (3, 9, 15):
        other = kid("B", age)
        assert only.cannot_live_with(other) and other.cannot_live_with(only)


def test_harmful_sexual_behaviour_excludes_younger_children_both_ways() -> None:
    hsb = kid("A", 12, needs=frozenset({"harmful_sexual_behaviour"}))
    assert "no_younger_children" in hsb.living_flags
    assert hsb.cannot_live_with(kid("B", 11))
    assert kid("B", 11).cannot_live_with(hsb)
    assert not hsb.cannot_live_with(kid("B", 12))
    assert not hsb.cannot_live_with(kid("B", 15))


def test_no_older_children_excludes_older_ones_both_ways() -> None:
    young = kid("A", 6, flags=frozenset({"no_older_children"}))
    assert young.cannot_live_with(kid("B", 7)) and kid("B", 7).cannot_live_with(young)
    assert not young.cannot_live_with(kid("B", 5))


def test_children_without_flags_can_live_together() -> None:
    assert not kid("A", 3).cannot_live_with(kid("B", 16))


# -- must --------------------------------------------------------------------------------


def test_must_group_goes_together_even_to_a_worse_household() -> None:
    p = problem(
        [child("C1"), child("C2", age=7)],
        [carer("H-near", **NEAR), carer("H-near2", **NEARER), carer("H-far", vacancies=2, **FAR)],
        [group("G1", ["C1", "C2"], "must")],
    )
    r = solve(p)
    assert r.carer_of() == {"C1": "H-far", "C2": "H-far"}
    assert outcomes(r) == {"G1": "together"}
    assert all(any("brother or sister" in x for x in a.reasons) for a in r.assignments)


def test_must_group_is_not_placed_at_all_when_no_household_has_room_for_all() -> None:
    p = problem(
        [child("C1"), child("C2", age=7), child("C3", age=5)],
        [carer("H1", vacancies=2), carer("H2", vacancies=1, **NEARER)],
        [group("G1", ["C1", "C2", "C3"], "must")],
    )
    r = solve(p)
    assert r.assignments == ()
    assert outcomes(r) == {"G1": "unplaced"}
    assert {u.child for u in r.unplaced} == {"C1", "C2", "C3"}
    for u in r.unplaced:
        assert any("G1" in reason and "together" in reason for reason in u.reasons), u.reasons


def test_must_group_is_not_placed_when_one_member_has_no_eligible_household() -> None:
    p = problem(
        [child("C1"), child("C2", needs=["autism"])],
        [carer("H1", vacancies=2)],
        [group("G1", ["C1", "C2"], "must")],
    )
    r = solve(p)
    assert r.assignments == ()
    assert outcomes(r) == {"G1": "unplaced"}


def test_must_group_whose_members_cannot_share_a_home_is_not_placed() -> None:
    p = problem(
        [child("C1", age=13, needs=["harmful_sexual_behaviour"]), child("C2", age=6)],
        [carer("H1", vacancies=2, skills=["harmful_sexual_behaviour"]), carer("H2", **NEARER)],
        [group("G1", ["C1", "C2"], "must")],
    )
    r = solve(p)
    assert r.assignments == ()
    reasons = " ".join(x for u in r.unplaced for x in u.reasons)
    assert "safeguarding" in reasons


def test_apart_group_is_free_to_split() -> None:
    p = problem(
        [child("C1"), child("C2", age=7)],
        [carer("H-near", **NEAR), carer("H-near2", **NEARER), carer("H-far", vacancies=2, **FAR)],
        [group("G1", ["C1", "C2"], "apart")],
    )
    r = solve(p)
    assert set(r.carer_of().values()) == {"H-near", "H-near2"}
    assert outcomes(r) == {"G1": "split"}


# -- should ------------------------------------------------------------------------------


def test_should_group_together_beats_match_quality() -> None:
    p = problem(
        [child("C1"), child("C2", age=7)],
        [
            carer("H-near", **NEAR),
            carer("H-near2", **NEARER),
            carer("H-far", vacancies=2, weekly_cost=1900, years_experience=0, **FAR),
        ],
        [group("G1", ["C1", "C2"], "should")],
    )
    r = solve(p)
    assert r.carer_of() == {"C1": "H-far", "C2": "H-far"}
    assert outcomes(r) == {"G1": "together"}
    assert r.siblings_together == 1


def test_should_group_splits_when_together_is_impossible_and_says_so() -> None:
    p = problem(
        [child("C1"), child("C2", age=7)],
        [carer("H1", **NEAR), carer("H2", **FAR)],
        [group("G1", ["C1", "C2"], "should")],
    )
    r = solve(p)
    assert set(r.carer_of()) == {"C1", "C2"}
    assert outcomes(r) == {"G1": "split"}
    assert r.siblings_together == 0


def test_should_group_splits_rather_than_leave_a_child_unplaced() -> None:
    # Together at H-big would leave C3 (who can go nowhere else) without a home.
    p = problem(
        [child("C1"), child("C2", age=7), child("C3", age=8, needs=["autism"])],
        [carer("H-big", vacancies=2, skills=["autism"]), carer("H-small", **NEARER)],
        [group("G1", ["C1", "C2"], "should")],
    )
    r = solve(p)
    assert r.placed == 3
    assert r.carer_of()["C3"] == "H-big"
    assert outcomes(r) == {"G1": "split"}


def test_should_siblings_who_cannot_share_are_placed_apart() -> None:
    p = problem(
        [child("C1", age=13, needs=["harmful_sexual_behaviour"]), child("C2", age=6)],
        [carer("H1", vacancies=2, skills=["harmful_sexual_behaviour"]), carer("H2", **FAR)],
        [group("G1", ["C1", "C2"], "should")],
    )
    r = solve(p)
    assert r.carer_of() == {"C1": "H1", "C2": "H2"}
    assert outcomes(r) == {"G1": "split"}


def test_should_group_with_one_member_unplaced_is_reported_split() -> None:
    p = problem(
        [child("C1"), child("C2", needs=["autism"])],
        [carer("H1", vacancies=2)],
        [group("G1", ["C1", "C2"], "should")],
    )
    r = solve(p)
    assert r.carer_of() == {"C1": "H1"}
    assert outcomes(r) == {"G1": "split"}


# -- ranked matches for a group ------------------------------------------------------------


def test_rank_group_lists_only_households_with_room_for_everyone() -> None:
    p = problem(
        [child("C1"), child("C2", age=7)],
        [
            carer("H-one", **NEARER),
            carer("H-two", vacancies=2),
            carer("H-three", vacancies=3, **FAR),
        ],
        [group("G1", ["C1", "C2"], "must")],
    )
    ranking = matching.rank(p, "G1")
    assert ranking.children == ("C1", "C2")
    assert {m.carer for m in ranking.matches} == {"H-two", "H-three"}
    assert [m.carer for m in ranking.matches][0] == "H-two"  # nearer
    assert [(n.carer, n.failed_rule) for n in ranking.near_misses] == [("H-one", "vacancy")]
    assert all(0 <= m.score <= 100 for m in ranking.matches)


def test_rank_group_near_miss_names_the_member_who_fails() -> None:
    p = problem(
        [child("C1"), child("C2", age=7, flags=["no_pets"])],
        [carer("H1", vacancies=2, pets=True)],
        [group("G1", ["C1", "C2"], "should")],
    )
    ranking = matching.rank(p, "G1")
    assert ranking.matches == ()
    (miss,) = ranking.near_misses
    assert miss.failed_rule == "pets"
    assert "C2" in miss.detail and "C1" not in miss.detail


def test_rank_group_with_a_safeguarding_conflict_has_no_matches_and_says_why() -> None:
    p = problem(
        [child("C1", age=13, flags=["no_younger_children"]), child("C2", age=6)],
        [carer("H1", vacancies=2)],
        [group("G1", ["C1", "C2"], "must")],
    )
    ranking = matching.rank(p, "G1")
    assert ranking.matches == ()
    assert ranking.note and "C1" in ranking.note and "C2" in ranking.note
