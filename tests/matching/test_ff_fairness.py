"""Fairness of a family-finding round (issue 18): blocking pairs counted with every
adopter that holds a child as occupied, split groups read at their own link, each pair
put down to what it costs; and priority-aware deferred acceptance, stable with respect
to adopters who rank subjects by priority first. Checked against brute force written
apart from the production code (exact fractions, rounds evaluated by moving a subject)
and by hand."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from matching.family_finding import run_round
from matching.family_finding.fairness import (
    BLOCKING_KINDS,
    DEFERRED_ACCEPTANCE,
    OFFICER_PASS,
    PRIORITY_DEFERRED_ACCEPTANCE,
    ROUND,
    SubjectMarket,
)
from matching.family_finding.subjects import Subject
from tests.conftest import carer, child, problem

TIERS = ("first", "second", "third")
Scores = dict[tuple[str, str], int]
Market = tuple[list[Subject], Scores, dict[str, list[str]]]


def subject(id: str, children: Sequence[str], priority: str, weeks: int = 30) -> Subject:
    return Subject(id, tuple(children), weeks, 1, priority, ())


# -- small random markets, with sibling groups and rounds that split them ------------------


@st.composite
def subject_markets(draw: st.DrawFn, top: int = 4) -> Market:
    """Up to 5 subjects (a child or a group of 2–3) and 4 adopters; integer scores 0 to
    `top` on a random set of pairs (ties likely with a small `top`); a group's options
    are adopters scoring every member (some of them: not every such adopter has room
    for the whole group)."""
    adopters = [f"A{j}" for j in range(draw(st.integers(1, 4)))]
    found, scores, options = [], {}, {}
    for i in range(draw(st.integers(1, 5))):
        kids = [f"S{i}c{k}" for k in range(draw(st.sampled_from([1, 1, 2, 3])))]
        for c in kids:
            for a in adopters:
                if draw(st.booleans()):
                    scores[(c, a)] = draw(st.integers(0, top))
        everyone = [a for a in adopters if all((c, a) in scores for c in kids)]
        options[f"S{i}"] = (
            everyone if len(kids) == 1 else [a for a in everyone if draw(st.booleans())]
        )
        found.append(subject(f"S{i}", kids, draw(st.sampled_from(TIERS))))
    return found, scores, options


@st.composite
def rounds(draw: st.DrawFn, market: Market) -> dict[str, str]:
    """Any round an adoption agency could make: each child with an adopter it scores
    with, or none; an adopter holding children of one subject only. Groups may be
    split between adopters."""
    found, scores, _options = market
    carer_of: dict[str, str] = {}
    family_at: dict[str, str] = {}
    for s in found:
        for c in s.children:
            mine = [a for (x, a) in scores if x == c and family_at.get(a, s.id) == s.id]
            a = draw(st.sampled_from([None, *mine]))
            if a is not None:
                carer_of[c] = a
                family_at[a] = s.id
    return carer_of


# -- the brute force: what "would both rather" means, applied to whole rounds -------------


def _mean(values: Sequence[int]) -> Fraction:
    return Fraction(sum(values), len(values))


def _subject_value(s: Subject, carer_of: Mapping[str, str], scores: Scores) -> Fraction | None:
    """The subject's own link in a round: most of its children, then the best part."""
    parts: dict[str, list[int]] = {}
    for c in s.children:
        if c in carer_of:
            parts.setdefault(carer_of[c], []).append(scores[(c, carer_of[c])])
    if not parts:
        return None
    return max((len(v), _mean(v)) for v in parts.values())[1]


def _adopter_value(a: str, carer_of: Mapping[str, str], scores: Scores) -> Fraction | None:
    here = [scores[(c, x)] for c, x in carer_of.items() if x == a]
    return _mean(here) if here else None


def _better(new: Fraction | None, old: Fraction | None) -> bool:
    return new is not None and (old is None or new > old)


def _moved(s: Subject, a: str, carer_of: Mapping[str, str]) -> dict[str, str]:
    """The round after subject and adopter go around it: every child of the subject at
    the adopter, whoever the adopter held let go."""
    out = {c: x for c, x in carer_of.items() if x != a and c not in s.children}
    return out | {c: a for c in s.children}


def brute_force_blocking(market: Market, carer_of: Mapping[str, str]) -> list[tuple[str, str, str]]:
    found, scores, options = market
    tier = {s.id: TIERS.index(s.priority) for s in found}
    family_of = {c: s.id for s in found for c in s.children}
    out = []
    for s in found:
        for a in options[s.id]:
            after = _moved(s, a, carer_of)
            gains = _better(
                _subject_value(s, after, scores), _subject_value(s, carer_of, scores)
            ) and _better(_adopter_value(a, after, scores), _adopter_value(a, carer_of, scores))
            if not gains:
                continue
            holders = {tier[family_of[c]] for c, x in carer_of.items() if x == a}
            kind = (
                "other"
                if not holders or min(holders) > tier[s.id]
                else "same tier"
                if min(holders) == tier[s.id]
                else "price of priority"
            )
            out.append((s.id, a, kind))
    return sorted(out)


def _market(m: Market) -> SubjectMarket:
    found, scores, options = m
    return SubjectMarket(found, {k: float(v) for k, v in scores.items()}, options)


def _found(m: SubjectMarket, carer_of: Mapping[str, str]) -> list[tuple[str, str, str]]:
    return sorted((b.subject, b.adopter, b.kind) for b in m.blocking(carer_of))


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_blocking_pairs_match_brute_force_on_rounds_that_split_groups(data: Any) -> None:
    m = data.draw(subject_markets())
    carer_of = data.draw(rounds(m))
    assert _found(_market(m), carer_of) == brute_force_blocking(m, carer_of)


def _priority_stable(m: Market, carer_of: Mapping[str, str]) -> bool:
    """No subject and adopter who would both rather have each other, the adopter
    ranking subjects by priority tier first and score second."""
    found, scores, options = m
    by_id = {s.id: s for s in found}
    for s in found:
        for a in options[s.id]:
            after = _moved(s, a, carer_of)
            if not _better(_subject_value(s, after, scores), _subject_value(s, carer_of, scores)):
                continue
            held = {
                x for c, y in carer_of.items() if y == a for x in by_id if c in by_id[x].children
            }
            if not held:
                return False
            (t,) = held
            mine = (-TIERS.index(s.priority), _mean([scores[(c, a)] for c in s.children]))
            theirs = (-TIERS.index(by_id[t].priority), _adopter_value(a, carer_of, scores))
            if mine > theirs:
                return False
    return True


def _valid(m: Market, carer_of: Mapping[str, str]) -> bool:
    """Whole subjects only, each at an adopter among its options, one per adopter."""
    found, _scores, options = m
    at: dict[str, str] = {}
    for s in found:
        homes = {carer_of.get(c) for c in s.children}
        if homes == {None}:
            continue
        if len(homes) != 1 or None in homes:
            return False
        (a,) = homes
        if a not in options[s.id] or at.setdefault(a, s.id) != s.id:
            return False
    return True


@settings(max_examples=400, deadline=None)
@given(subject_markets())
def test_priority_aware_deferred_acceptance_is_stable_with_priority_first(m: Market) -> None:
    """Stable against brute force with priority-first preferences; so every blocking
    pair left by score alone is the price of priority; and plain deferred acceptance
    leaves none at all."""
    market = _market(m)
    pda = market.priority_deferred_acceptance()
    assert _valid(m, pda)
    assert _priority_stable(m, pda)
    assert {b.kind for b in market.blocking(pda)} <= {"price of priority"}
    da = market.deferred_acceptance()
    assert _valid(m, da) and market.blocking(da) == []


@settings(max_examples=150, deadline=None)
@given(subject_markets(top=1000))
def test_priority_aware_deferred_acceptance_is_the_best_such_round_for_every_subject(
    m: Market,
) -> None:
    """Every round stable with priority first gives each subject no better a score
    (the subject-proposing round is the best stable round for every subject; with
    strict preferences, so markets with ties are left out)."""
    found, scores, options = m
    market = _market(m)
    tier = {s.id: s.priority for s in found}
    for ranks in market.adopter_rank.values():
        assume(len({(tier[x], v) for x, v in ranks.items()}) == len(ranks))
    for sid, prefs in market.prefs.items():
        assume(len({market.score[(sid, a)] for a in prefs}) == len(prefs))
    pda = market.priority_deferred_acceptance()
    for choice in itertools.product(*[[None, *options[s.id]] for s in found]):
        other = {c: a for s, a in zip(found, choice, strict=True) if a for c in s.children}
        if not _valid(m, other) or not _priority_stable(m, other):
            continue
        for s in found:
            mine, theirs = _subject_value(s, pda, scores), _subject_value(s, other, scores)
            assert not _better(theirs, mine)


# -- by hand ------------------------------------------------------------------------------


def test_an_adopter_holding_a_later_member_of_a_split_group_is_not_free() -> None:
    """G split: C1 with A1, C2 with A2. X, unlinked, scores lower with A2 than C2
    does: A2 keeps C2, no blocking pair. (Counted at G's first member only, A2 looked
    free and (X, A2) was counted.)"""
    m = SubjectMarket(
        [subject("G", ["C1", "C2"], "second"), subject("X", ["X"], "second")],
        {("C1", "A1"): 70, ("C2", "A2"): 70, ("X", "A2"): 50},
        {"G": [], "X": ["A2"]},
    )
    assert m.blocking({"C1": "A1", "C2": "A2"}) == []
    assert m.row("r", {"C1": "A1", "C2": "A2"})["subjects_linked"] == 1


def test_a_split_group_is_valued_at_the_part_holding_most_of_it() -> None:
    """C1 and C2 with A1 (60 each), C3 with A2 (90): the group's own link is A1, at 60,
    so a free adopter who could take all three at 70 blocks. Valued at its best part
    (90) it would not."""
    scores = {("C1", "A1"): 60, ("C2", "A1"): 60, ("C3", "A2"): 90}
    scores |= {(c, "A3"): 70 for c in ("C1", "C2", "C3")}
    m = SubjectMarket([subject("G", ["C1", "C2", "C3"], "first")], scores, {"G": ["A3"]})
    split = {"C1": "A1", "C2": "A1", "C3": "A2"}
    assert [(b.adopter, b.kind) for b in m.blocking(split)] == [("A3", "other")]
    assert m.own_links(split)["G"].adopter == "A1"


def test_each_blocking_pair_is_put_down_to_what_it_costs() -> None:
    """One adopter each for: a first-priority child (price of priority for a third),
    a second (same tier for a second), a third (other, for a first linked worse), and
    a free adopter (other)."""
    m = SubjectMarket(
        [
            subject("F", ["F"], "first"),
            subject("T", ["T"], "third"),
            subject("S1", ["S1"], "second"),
            subject("S2", ["S2"], "second"),
            subject("L", ["L"], "third"),
            subject("P", ["P"], "first"),
        ],
        {
            ("F", "A1"): 40,
            ("T", "A1"): 80,
            ("S1", "A2"): 40,
            ("S2", "A2"): 80,
            ("L", "A3"): 40,
            ("P", "A3"): 80,
            ("P", "A4"): 30,
            ("T", "A5"): 50,
        },
        {
            "F": ["A1"],
            "T": ["A1", "A5"],
            "S1": ["A2"],
            "S2": ["A2"],
            "L": ["A3"],
            "P": ["A3", "A4"],
        },
    )
    carer_of = {"F": "A1", "S1": "A2", "L": "A3", "P": "A4"}
    assert sorted((b.subject, b.adopter, b.kind) for b in m.blocking(carer_of)) == [
        ("P", "A3", "other"),
        ("S2", "A2", "same tier"),
        ("T", "A1", "price of priority"),
        ("T", "A5", "other"),
    ]
    row = m.row("r", carer_of)
    assert (row["blocking_pairs"], row["blocking_price_of_priority"]) == (4, 1)
    assert (row["blocking_same_tier"], row["blocking_other"]) == (1, 2)


def test_priority_aware_deferred_acceptance_puts_the_waiting_child_first() -> None:
    """One adopter, who scores a newly waiting child higher: plain deferred acceptance
    links that child; with priority first, the child who waited longest."""
    m = SubjectMarket(
        [subject("F", ["F"], "first", 100), subject("T", ["T"], "third", 3)],
        {("F", "A"): 50, ("T", "A"): 80},
        {"F": ["A"], "T": ["A"]},
    )
    assert m.deferred_acceptance() == {"T": "A"}
    assert m.priority_deferred_acceptance() == {"F": "A"}
    row = m.row("pda", m.priority_deferred_acceptance())
    assert row["blocking_pairs"] == row["blocking_price_of_priority"] == 1
    assert m.row("da", m.deferred_acceptance())["priority_inversions"] == 1


def test_an_inversion_counts_an_adopter_holding_any_member_of_a_lower_priority_group() -> None:
    """A2 holds the second member of a third-priority group the round split; a
    first-priority child who could have had A2 waits: one inversion."""
    m = SubjectMarket(
        [subject("G", ["C1", "C2"], "third"), subject("F", ["F"], "first")],
        {("C1", "A1"): 70, ("C2", "A2"): 70, ("F", "A2"): 50},
        {"G": [], "F": ["A2"]},
    )
    assert m.inversions({"C1": "A1", "C2": "A2"}) == 1


def test_the_table_has_the_four_rounds_and_splits_its_blocking_pairs() -> None:
    kids = [
        child(f"C{i}", accepts=["adoption"], age=3, adoption={"waiting_since": since})
        for i, since in enumerate(["2024-06-03", "2026-09-28", "2026-01-05"])
    ]
    adopters = [
        carer(f"H{j}", kind="adoption", max_age=8, adopter={"approved_on": "2026-02-01"})
        for j in range(2)
    ]
    r = run_round(problem(kids, adopters), time_limit_s=2)
    assert [row["round"] for row in r.fairness] == [
        ROUND,
        DEFERRED_ACCEPTANCE,
        PRIORITY_DEFERRED_ACCEPTANCE,
        OFFICER_PASS,
    ]
    assert len(BLOCKING_KINDS) == 3
    for row in r.fairness:
        split = ("price_of_priority", "same_tier", "other")
        assert row["blocking_pairs"] == sum(row[f"blocking_{k}"] for k in split)


def test_the_report_shows_the_split_and_redraws_a_round_saved_before_it() -> None:
    """The region report's table has the split columns; a round saved before the
    split (no such keys) still draws, its blocking pairs shown unsplit."""
    from reports.family_finding import charts, render_html

    kids = [child(f"C{i}", accepts=["adoption"], age=3) for i in range(2)]
    adopters = [carer("H1", kind="adoption", max_age=8, adopter={"approved_on": "2026-02-01"})]
    doc = run_round(problem(kids, adopters), time_limit_s=2).to_dict()
    page = render_html(doc)
    assert "of which price of priority" in page and "priority-aware deferred acceptance" in page
    for row in doc["fairness"]:
        for key in ("blocking_price_of_priority", "blocking_same_tier", "blocking_other"):
            del row[key]
        row["blocking_pairs"] = 5
    assert charts(doc)["fairness.png"].startswith(b"\x89PNG")
    assert "priority-aware deferred acceptance" in render_html(doc)
