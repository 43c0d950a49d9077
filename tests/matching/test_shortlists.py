"""Shortlists and link history (issue 18): who each child's family-finder approaches, in
what order, spread over the families; and what earlier links change in the next round.
Checked against the independent oracle and on hand-built problems."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import matching
from matching.eligibility import RULE_BY_ID
from matching.family_finding import FamilyFindingPolicy, run_round
from matching.family_finding.links import LinkHistory
from matching.family_finding.shortlist import (
    Candidate,
    ShortlistPolicy,
    fill,
    in_priority_order,
)
from matching.family_finding.subjects import Subject
from matching.problem import problem_to_dict
from matching.ranking import rank
from tests.conftest import carer, child, problem
from tests.oracle import pair_failures
from tests.strategies import adoption_problems_with_links

Doc = dict[str, Any]

WAITING = {"waiting_since": "2025-01-06"}  # 97 weeks before 2026-11-22
APPROVAL = {"approved_on": "2026-02-01"}
#: Adopters further from LS9 score lower (proximity): A1 best, then A2, A3, A4.
PLACES = {"A1": "LS9", "A2": "LS8", "A3": "LS17", "A4": "BD1"}


def kid(id: str, **fields: Any) -> Doc:
    return child(id, accepts=["adoption"], age=3, adoption=WAITING) | fields


def adopter(id: str, **fields: Any) -> Doc:
    base = {"kind": "adoption", "max_age": 8, "adopter": APPROVAL, "weekly_cost": 0}
    return carer(id, location=PLACES.get(id, "LS12"), **base) | fields


def history(**pairs: list[tuple[str, str]]) -> LinkHistory:
    return LinkHistory(**{k: frozenset(v) for k, v in pairs.items()})


def order(r: Any, subject: str) -> list[str]:
    (found,) = [s for s in r.shortlists if s.subject == subject]
    return [e.adopter for e in found.adopters]


# -- what a shortlist may name --------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(adoption_problems_with_links(), st.integers(1, 4), st.integers(1, 3), st.integers(1, 3))
def test_shortlists_name_only_eligible_adopters_within_the_limits(
    drawn: tuple[Doc, dict[str, Any]], size: int, lists: int, firsts: int
) -> None:
    """Tests that every entry is eligible for every child of its subject with places for
    them all (by the oracle, on the round's problem), never a declined or progressing
    pair; that no adopter is on more lists, or first on more, than the limits; and that
    each list is ordered 1, 2, ... without repeats, the round's link first."""
    document, links = drawn
    firsts = min(firsts, lists)
    h = LinkHistory.from_dict(links)
    r = run_round(
        matching.load_problem(document),
        time_limit_s=2,
        seed=1,
        history=h,
        shortlist_size=size,
        max_lists_per_adopter=lists,
        max_first_choices=firsts,
    )
    tiered = problem_to_dict(r.problem)
    kids = {c["id"]: c for c in tiered["children"]}
    homes = {h["id"]: h for h in tiered["carers"]}
    carer_of = r.result.carer_of()
    on_lists: Counter[str] = Counter()
    first: Counter[str] = Counter()
    for s in r.shortlists:
        names = [e.adopter for e in s.adopters]
        assert len(names) <= size and len(set(names)) == len(names)
        assert [e.position for e in s.adopters] == list(range(1, len(names) + 1))
        on_lists.update(names)
        first.update(names[:1])
        for e in s.adopters:
            assert homes[e.adopter]["vacancies"] >= len(s.children)
            for c in s.children:
                assert pair_failures(kids[c], homes[e.adopter], tiered["policy"]) == set()
                assert (c, e.adopter) not in h.declined | h.progressing
            linked = all(carer_of.get(c) == e.adopter for c in s.children)
            assert e.round_link == linked and (e.position == 1 or not linked)
            others = {
                o.subject for o in r.shortlists if e.adopter in {x.adopter for x in o.adopters}
            }
            assert set(e.also_shortlisted_for) == others - {s.subject}
    assert max(on_lists.values(), default=0) <= lists
    assert max(first.values(), default=0) <= firsts


@settings(max_examples=20, deadline=None)
@given(adoption_problems_with_links())
def test_a_declined_link_never_comes_back_in_the_next_round(
    drawn: tuple[Doc, dict[str, Any]],
) -> None:
    """Tests that when every link of a round is declined, the next round neither links
    nor shortlists any of those pairs (nor the declines given before)."""
    document, links = drawn
    p = matching.load_problem(document)
    before = LinkHistory.from_dict(links)
    first = run_round(p, time_limit_s=2, seed=1, history=before)
    declined = before.declined | {(c, h) for c, h in first.result.carer_of().items()}
    after = run_round(p, time_limit_s=2, seed=1, history=LinkHistory(declined=declined))
    assert not set(after.result.carer_of().items()) & declined
    for s in after.shortlists:
        assert not {(c, e.adopter) for c in s.children for e in s.adopters} & declined


def test_progressing_links_take_the_child_and_the_adopter_out_of_the_round() -> None:
    """Tests that a link at matching panel leaves its child and adopter out: neither is
    linked nor listed, and the adopter is free for no one else."""
    p = problem([kid("C1"), kid("C2")], [adopter("A1"), adopter("A2")])
    r = run_round(p, time_limit_s=2, history=history(progressing=[("C1", "A1")]))
    assert [c.id for c in r.problem.children] == ["C2"]
    assert [h.id for h in r.problem.carers] == ["A2"]
    assert r.result.carer_of() == {"C2": "A2"}
    assert [s.subject for s in r.shortlists] == ["C2"] and order(r, "C2") == ["A2"]
    assert r.to_dict()["history"]["progressing"] == [["C1", "A1"]]


# -- order: the round's link, then interest, then score --------------------------------


def test_the_rounds_link_comes_first_then_by_score() -> None:
    r = run_round(problem([kid("C1")], [adopter(a) for a in PLACES]), time_limit_s=2)
    assert r.result.carer_of() == {"C1": "A1"}
    assert order(r, "C1") == ["A1", "A2", "A3", "A4"]
    entries = r.shortlists[0].adopters
    assert entries[0].round_link and not any(e.round_link for e in entries[1:])
    scores = [e.score for e in entries]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize(
    ("interest", "expected"),
    [
        ({"adopter_interest": [("C1", "A4")]}, ["A1", "A4", "A2", "A3"]),
        ({"finder_interest": [("C1", "A4")]}, ["A1", "A4", "A2", "A3"]),
        # the adopter's interest above the family-finder's
        (
            {"finder_interest": [("C1", "A3")], "adopter_interest": [("C1", "A4")]},
            ["A1", "A4", "A3", "A2"],
        ),
        # both sides above either
        (
            {
                "adopter_interest": [("C1", "A3"), ("C1", "A4")],
                "finder_interest": [("C1", "A4")],
            },
            ["A1", "A4", "A3", "A2"],
        ),
    ],
)
def test_interest_raises_an_adopter_both_sides_most(
    interest: dict[str, list[tuple[str, str]]], expected: list[str]
) -> None:
    p = problem([kid("C1")], [adopter(a) for a in PLACES])
    r = run_round(p, time_limit_s=2, history=history(**interest))
    assert order(r, "C1") == expected
    (entry,) = [e.to_dict() for e in r.shortlists[0].adopters if e.adopter == "A4"]
    for side in ("adopter_interest", "finder_interest"):
        assert entry[side] == (("C1", "A4") in interest.get(side, []))


def test_interest_never_makes_an_ineligible_adopter_eligible() -> None:
    p = problem([kid("C1")], [adopter("A1"), adopter("A2", max_age=2)])
    both = [("C1", "A2")]
    r = run_round(p, time_limit_s=2, history=history(adopter_interest=both, finder_interest=both))
    assert order(r, "C1") == ["A1"]
    assert r.shortlists[0].eligible == 1


def test_interest_in_one_of_a_group_counts_for_the_group() -> None:
    p = problem(
        [kid("C1"), kid("C2")],
        [adopter(a, vacancies=2) for a in ("A1", "A2", "A3")],
        groups=[{"id": "G1", "children": ["C1", "C2"], "policy": "must"}],
    )
    r = run_round(p, time_limit_s=2, history=history(adopter_interest=[("C2", "A3")]))
    assert order(r, "G1") == ["A1", "A3", "A2"]


# -- spread ---------------------------------------------------------------------------


def test_no_adopter_is_on_more_lists_or_first_more_often_than_the_limits() -> None:
    """Tests that five children who all score A1 best share the four adopters out: the
    round links four; A1 goes on three lists only and is first on two (its link and the
    child left without one); each entry names the other lists that adopter is on."""
    kids = [kid(f"C{i}") for i in range(1, 6)]
    p = problem(kids, [adopter(a) for a in PLACES])
    r = run_round(p, time_limit_s=2, shortlist_size=3, max_lists_per_adopter=3, max_first_choices=2)
    named = Counter(e.adopter for s in r.shortlists for e in s.adopters)
    assert named["A1"] == 3 and max(named.values()) <= 3
    (unlinked,) = [s for s in r.shortlists if not s.adopters[0].round_link]
    assert order(r, unlinked.subject)[0] == "A1"
    for s in r.shortlists:
        for e in s.adopters:
            others = [
                o.subject for o in r.shortlists if o is not s and e.adopter in order(r, o.subject)
            ]
            assert sorted(e.also_shortlisted_for) == sorted(others)
    spread = r.to_dict()["shortlist_spread"]
    assert spread["most_lists_naming_one_adopter"] == 3
    assert spread["most_first_choices"] == 2
    assert spread["plain_most_lists_naming_one_adopter"] == 5
    assert spread["plain_most_first_choices"] == 5


def test_an_adopter_at_its_limit_is_held_back_and_named() -> None:
    """Tests that a child whose only eligible adopter is already on its limit of lists
    gets an empty list that names the adopter held back, and higher priority comes
    first: the child who waited longer keeps the adopter."""
    p = problem(
        [kid("C1"), kid("C2", adoption={"waiting_since": "2026-09-28"})],
        [adopter("A1")],
    )
    r = run_round(
        p,
        FamilyFindingPolicy(priority="waiting"),
        time_limit_s=2,
        max_lists_per_adopter=1,
        max_first_choices=1,
    )
    assert order(r, "C1") == ["A1"]
    (c2,) = [s for s in r.shortlists if s.subject == "C2"]
    assert c2.adopters == () and c2.eligible == 1 and c2.held_back == ("A1",)
    assert r.shortlist_spread["empty_with_eligible_adopters"] == 1


# -- the declined rule and the history's contract ---------------------------------------


def test_a_declined_adopter_is_a_near_miss_that_says_so() -> None:
    p = problem(
        [kid("C1", adoption=WAITING | {"ruled_out": ["A1"]})], [adopter("A1"), adopter("A2")]
    )
    ranking = rank(p, "C1", 5, 5)
    assert [m.carer for m in ranking.matches] == ["A2"]
    (miss,) = ranking.near_misses
    assert miss.carer == "A1" and miss.failed_rule == "ruled_out"
    assert miss.detail == "declined in an earlier link"
    assert not RULE_BY_ID["ruled_out"].exception_allowed


def test_the_round_rules_out_declined_adopters_on_the_childs_plan() -> None:
    p = problem(
        [kid("C1"), child("C2", accepts=["adoption"], age=3)], [adopter("A1"), adopter("A2")]
    )
    declined = [("C1", "A1"), ("C2", "A2"), ("C9", "A1")]  # C9: not in the problem
    r = run_round(p, time_limit_s=2, history=history(declined=declined))
    plans = {c.id: c.adoption for c in r.problem.children}
    assert plans["C1"] is not None and plans["C1"].ruled_out == {"A1"}
    assert plans["C2"] is not None and plans["C2"].ruled_out == {"A2"}  # a plan made for it
    assert r.result.carer_of() == {"C1": "A2", "C2": "A1"}


def test_link_history_reads_its_json_and_names_what_is_wrong() -> None:
    h = LinkHistory.from_dict({"declined": [["C1", "A1"]], "finder_interest": []})
    assert h.declined == {("C1", "A1")} and h.to_dict()["declined"] == [["C1", "A1"]]
    assert LinkHistory.from_dict(h.to_dict()) == h
    for bad, word in (
        ({"refused": []}, "refused"),
        ({"declined": [["C1"]]}, "declined"),
        ({"progressing": "C1"}, "progressing"),
        ({"adopter_interest": [["C1", ""]]}, "adopter_interest"),
        ([], "object"),
    ):
        with pytest.raises(ValueError, match=word):
            LinkHistory.from_dict(bad)  # type: ignore[arg-type]


def test_shortlist_policy_rejects_nonsense() -> None:
    for kw in ({"size": 0}, {"max_lists_per_adopter": 0}, {"max_first_choices": 6}):
        with pytest.raises(ValueError):
            ShortlistPolicy(**kw)  # type: ignore[arg-type]


@st.composite
def markets(draw: st.DrawFn) -> tuple[list[Subject], dict[str, list[Candidate]], Counter[str]]:
    """Subjects of random priority, each with random eligible adopters (best first, as
    `candidates` gives them), some linked by a round (one subject per adopter at most)."""
    adopters = [f"A{j}" for j in range(draw(st.integers(1, 6)))]
    found, pool = [], {}
    linked: Counter[str] = Counter()
    for i in range(draw(st.integers(1, 8))):
        sid = f"C{i}"
        found.append(
            Subject(
                sid,
                (sid,),
                draw(st.integers(0, 120)),
                0,
                draw(st.sampled_from(["first", "second", "third"])),
                (),
            )
        )
        mine = draw(st.lists(st.sampled_from(adopters), unique=True))
        link = draw(st.sampled_from([None, *[a for a in mine if not linked[a]]]))
        if link is not None:
            linked[link] += 1
        cands = [
            Candidate(
                a, draw(st.floats(0, 100)), 1.0, a == link, draw(st.booleans()), draw(st.booleans())
            )
            for a in mine
        ]
        pool[sid] = sorted(cands, key=Candidate.order)
    return found, pool, linked


@settings(max_examples=200, deadline=None)
@given(markets(), st.integers(1, 5), st.integers(1, 4), st.integers(1, 4))
def test_lists_keep_the_limits_and_leave_out_only_adopters_at_one(
    market: tuple[list[Subject], dict[str, list[Candidate]], Counter[str]],
    size: int,
    lists: int,
    firsts: int,
) -> None:
    """Tests, over random markets, that filling lists keeps every limit, puts the round's
    link first, keeps each list in the candidates' order after its first place, and
    leaves an adopter off a list that is not full only when that adopter is at a limit."""
    found, pool, linked = market
    policy = ShortlistPolicy(size, lists, min(firsts, lists))
    picked = fill(in_priority_order(found), pool, linked, policy)
    on = Counter(c.adopter for got in picked.values() for c in got)
    first = Counter(got[0].adopter for got in picked.values() if got)
    assert max(on.values(), default=0) <= policy.max_lists_per_adopter
    assert max(first.values(), default=0) <= policy.max_first_choices
    for sid, got in picked.items():
        assert len(got) <= size and len({c.adopter for c in got}) == len(got)
        link = [c for c in pool[sid] if c.round_link]
        assert got[:1] == link or (not link and all(not c.round_link for c in got))
        assert got[1:] == sorted(got[1:], key=Candidate.order)
        if len(got) < min(size, len(pool[sid])):
            for c in pool[sid]:
                if c not in got:
                    full = on[c.adopter] >= policy.max_lists_per_adopter
                    assert full or (not got and first[c.adopter] >= policy.max_first_choices)


def test_the_higher_priority_fills_first_and_every_subject_of_a_priority_gets_a_first() -> None:
    """Tests the fill order: first-priority children take the only places on A0 and A1
    before a longer-waiting second-priority child; within a priority, every child gets
    a first adopter before any gets a second."""

    def subject(sid: str, priority: str, weeks: int) -> Subject:
        return Subject(sid, (sid,), weeks, 0, priority, ())

    def cand(a: str, score: float) -> Candidate:
        return Candidate(a, score, 1.0, False, False, False)

    found = [subject("S2", "second", 200), subject("F1", "first", 80), subject("F2", "first", 90)]
    pool = {
        "S2": [cand("A0", 90)],
        "F1": [cand("A0", 90), cand("A1", 80)],
        "F2": [cand("A1", 95), cand("A0", 10)],
    }
    picked = fill(in_priority_order(found), pool, Counter(), ShortlistPolicy(2, 1, 1))
    # F2 waited longer and takes A1 first; F1 then takes A0 for its first place
    # before F2 could take A0 as its second; S2, second priority, comes after both.
    assert [c.adopter for c in picked["F2"]] == ["A1"]
    assert [c.adopter for c in picked["F1"]] == ["A0"]
    assert picked["S2"] == []


def test_within_a_priority_the_child_with_fewest_adopters_chooses_first() -> None:
    """Tests that a child with one possible family gets it before a longer-waiting child
    of the same priority who has two."""
    one = Subject("ONE", ("ONE",), 80, 0, "first", ())
    two = Subject("TWO", ("TWO",), 150, 0, "first", ())
    pool = {
        "ONE": [Candidate("A0", 50, 1.0, False, False, False)],
        "TWO": [Candidate(a, 90 - i, 1.0, False, False, False) for i, a in enumerate(["A0", "A1"])],
    }
    picked = fill(in_priority_order([one, two]), pool, Counter(), ShortlistPolicy(2, 1, 1))
    assert [c.adopter for c in picked["ONE"]] == ["A0"]
    assert [c.adopter for c in picked["TWO"]] == ["A1"]


def test_a_default_first_choice_limit_follows_a_lower_list_limit() -> None:
    assert ShortlistPolicy.of(4, None, None) == ShortlistPolicy(4, 5, 3)
    assert ShortlistPolicy.of(4, 2, None) == ShortlistPolicy(4, 2, 2)
    with pytest.raises(ValueError, match="max_first_choices"):
        ShortlistPolicy.of(4, 2, 3)


def test_a_group_id_in_the_history_stands_for_each_of_its_children() -> None:
    """Tests that a link recorded against a sibling group (declined, or with interest)
    counts for every child of the group."""
    p = problem(
        [kid("C1"), kid("C2")],
        [adopter(a, vacancies=2) for a in PLACES],
        groups=[{"id": "G1", "children": ["C1", "C2"], "policy": "must"}],
    )
    r = run_round(
        p,
        time_limit_s=2,
        history=history(declined=[("G1", "A1")], adopter_interest=[("G1", "A4")]),
    )
    plans = {c.id: c.adoption for c in r.problem.children}
    assert all(plan is not None and plan.ruled_out == {"A1"} for plan in plans.values())
    assert order(r, "G1") == ["A2", "A4", "A3"]
    r = run_round(p, time_limit_s=2, history=history(progressing=[("G1", "A1")]))
    assert r.problem.children == () and [h.id for h in r.problem.carers] == ["A2", "A3", "A4"]
