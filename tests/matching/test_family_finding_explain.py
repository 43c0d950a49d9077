"""Family-finding explanations (issue 18): split sibling groups, the "what would change"
headline, children with no option (register referral, the widest search), adopters'
own wait since approval, and waiting time in the adopter -> children search."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings

import matching
from matching.family_finding import FamilyFindingPolicy, run_round, search_children
from matching.family_finding.region import months_after
from matching.family_finding.search import blocking_rules
from matching.ranking import MatchingContext
from tests.conftest import problem
from tests.matching.test_family_finding import RECENT, WAITING, adopter, kid
from tests.strategies import adoption_problems

Doc = dict[str, Any]
LEEDS = FamilyFindingPolicy(home_las=frozenset({"Leeds"}))
SIBLING_CONTACT = "direct contact with brothers and sisters living elsewhere"


def _entries(r: Any, child: str) -> list[Doc]:
    return [x.to_dict() for x in (*r.links, *r.unlinked) if child in x.children]


# -- the headline names the rule that removes the most adopters ----------------------------


def test_the_headline_names_the_need_that_removes_most_adopters_not_the_child() -> None:
    """A girl of 3 every adopter is approved for; physical disability removes 4 of 6,
    age 3 of 6, sibling contact 2 — though contact is the commonest single failure."""
    plan = WAITING | {"contact": ["direct_siblings"]}
    c1 = kid("C1", age=3, sex="F", needs=["physical_disability"], adoption=plan)
    contact = {"approved_on": "2026-02-01", "contact": ["direct_siblings"]}
    p = problem(
        [c1],
        [
            adopter("H1", skills=["physical_disability"]),  # contact only
            adopter("H2", skills=["physical_disability"]),  # contact only
            adopter("H3", max_age=2, adopter=contact),  # needs and age
            adopter("H4", max_age=2, adopter=contact),
            adopter("H5", max_age=2, adopter=contact),
            adopter("H6", adopter=contact),  # the need only
        ],
    )
    (left,) = run_round(p, time_limit_s=2).unlinked
    assert left.what_would_change[0] == (
        "physical disability: 4 of 6 adopters in the round could not manage it at the "
        "child's level; "
        f"then approval for age 3: 3; then {SIBLING_CONTACT}: 2"
    )
    assert not any("approved for a girl" in line for line in left.what_would_change)
    assert [(b.rule, b.adopters) for b in left.blocking_rules] == [
        ("need_level", 4),
        ("age_range", 3),
        ("contact", 2),
    ]
    # The one-change lines follow: two adopters are one change (contact) away.
    assert (
        left.what_would_change[1] == f"2 would be if they could support {SIBLING_CONTACT} (H1, H2)"
    )


def test_a_rule_naming_several_needs_is_counted_need_by_need() -> None:
    c1 = kid("C1", needs=["physical_disability", "autism"])
    p = problem(
        [c1],
        [
            adopter("H1", skills=["autism"]),
            adopter("H2", skills=["physical_disability"]),
            adopter("H3"),
            adopter("H4", skills=["autism", "learning_disability"]),
        ],
    )
    found = blocking_rules(MatchingContext(p), ["C1"])
    assert [(b.what, b.adopters, b.of) for b in found] == [
        ("physical disability", 3, 4),
        ("autism", 2, 4),
    ]


def test_graded_needs_are_counted_at_the_childs_level() -> None:
    """An adopter who could manage a medium level of autism is counted as failing a
    child with a high level of it, and not a child with a low level."""
    medium = {"approved_on": "2026-02-01", "needs": {"autism": "medium"}}
    adopters = [adopter("H1", adopter=medium), adopter("H2", skills=["autism"]), adopter("H3")]
    high = kid("C1", needs=["autism"])
    low = kid("C2", needs=["autism"], adoption=WAITING | {"need_levels": {"autism": "low"}})
    p = problem([high, low], adopters)
    ctx = MatchingContext(p)
    assert [(b.rule, b.what, b.adopters) for b in blocking_rules(ctx, ["C1"])] == [
        ("need_level", "autism", 2)
    ]
    assert [(b.rule, b.what, b.adopters) for b in blocking_rules(ctx, ["C2"])] == [
        ("need_level", "autism", 1)
    ]


@settings(max_examples=30, deadline=None)
@given(adoption_problems())
def test_blocking_rules_count_every_adopter_failing_each_rule(document: Doc) -> None:
    """Each rule's count is the adopters whose assessment fails it (for a need, contact
    or uncertainty: those failing it who lack that one), largest first."""
    p = matching.load_problem(document)
    ctx = MatchingContext(p)
    for c in p.children[:3]:
        found = blocking_rules(ctx, [c.id])
        assert [b.adopters for b in found] == sorted((b.adopters for b in found), reverse=True)
        fails = ctx.assess(c).failures
        for b in found:
            assert 0 < b.adopters <= len(p.carers) == b.of
            row = matching.eligibility.RULE_IDS.index(b.rule)
            assert b.adopters <= int(fails[row].sum())
        several = ("skills", "need_level", "contact", "uncertainties")
        plain = {b.rule for b in found if b.rule not in several}
        for rule in plain:
            row = matching.eligibility.RULE_IDS.index(rule)
            (mine,) = [b for b in found if b.rule == rule]
            assert mine.adopters == int(fails[row].sum())


# -- split sibling groups -----------------------------------------------------------------


def test_a_split_should_group_is_flagged_and_each_entry_names_where_the_others_went() -> None:
    p = problem(
        [kid("C1"), kid("C2")],
        [adopter("H1"), adopter("H2", location="LS8")],
        groups=[{"id": "G1", "children": ["C1", "C2"], "policy": "should"}],
    )
    r = run_round(p, time_limit_s=2)
    carer_of = r.result.carer_of()
    assert set(carer_of) == {"C1", "C2"} and carer_of["C1"] != carer_of["C2"]
    for c in ("C1", "C2"):
        (entry,) = _entries(r, c)
        assert entry["together_or_apart_assessment"] is True
        assert entry["siblings"] == carer_of
        other = "C2" if c == "C1" else "C1"
        assert f"{other} is linked with {carer_of[other]}" in entry["reasons"]


@settings(max_examples=30, deadline=None)
@given(adoption_problems())
def test_every_split_entry_names_where_each_sibling_went(document: Doc) -> None:
    """On random adoption problems: each entry of a group not linked together maps every
    member to their adopter (or None); a `should` group with some linked is flagged; and
    no one-change line of an unlinked child names an adopter holding a brother or
    sister (those are read as together-placements)."""
    r = run_round(matching.load_problem(document), time_limit_s=2, seed=1)
    carer_of = r.result.carer_of()
    policy = {g.id: g.policy for g in r.problem.sibling_groups}
    for x in (*r.links, *r.unlinked):
        d = x.to_dict()
        group = r.problem.siblings.group_of(x.children[0])
        went = {c: carer_of.get(c) for c in group.children} if group else {}
        together = len(set(went.values())) == 1 and None not in went.values()
        if group is None or group.policy == "apart" or together:
            assert d["together_or_apart_assessment"] is False and d["siblings"] == {}
            continue
        assert d["siblings"] == went
        linked = any(c in carer_of for c in group.children)
        assert d["together_or_apart_assessment"] == (policy[group.id] == "should" and linked)
        held = {carer_of[c] for c in group.children if c in carer_of}
        one_change = [w for w in d.get("what_would_change", []) if " would be " in w]
        assert not any(h in w for h in held for w in one_change)


def test_a_group_linked_together_is_not_flagged() -> None:
    p = problem(
        [kid("C1"), kid("C2")],
        [adopter("H1", vacancies=2)],
        groups=[{"id": "G1", "children": ["C1", "C2"], "policy": "should"}],
    )
    (link,) = [x.to_dict() for x in run_round(p, time_limit_s=2).links]
    assert link["together_or_apart_assessment"] is False and link["siblings"] == {}


def test_the_unlinked_sibling_never_lists_the_brothers_adopter_as_a_contact_failure() -> None:
    """C1's plan has contact with brothers and sisters elsewhere, which H1 (who took C2)
    cannot support: alone, H1 fails only that rule for C1 — but H1 is the family that
    would have them together, so it is read as a together-placement."""
    plan = WAITING | {"contact": ["direct_siblings"]}
    p = problem(
        [kid("C1", adoption=plan), kid("C2")],
        [adopter("H1"), adopter("H2", location="LS8", adopter={"approved_on": "2026-02-01"})],
        groups=[{"id": "G1", "children": ["C1", "C2"], "policy": "should"}],
    )
    r = run_round(p, time_limit_s=2)
    carer_of = r.result.carer_of()
    assert "C1" not in carer_of
    (left,) = r.unlinked
    assert left.children == ("C1",)
    by_contact = [line for line in left.what_would_change if "could support" in line]
    assert by_contact and not any(carer_of["C2"] in line for line in by_contact)
    assert left.to_dict()["siblings"] == {"C1": None, "C2": carer_of["C2"]}
    assert any(
        line.startswith(f"{carer_of['C2']} (linked with C2)") for line in left.what_would_change
    )


def test_when_several_of_a_split_group_are_left_the_headline_says_whom_it_explains() -> None:
    p = problem(
        [kid("C1", age=3), kid("C2", age=10), kid("C3", age=11)],
        [adopter("H1")],  # approved to age 8
        groups=[{"id": "G1", "children": ["C1", "C2", "C3"], "policy": "should"}],
    )
    r = run_round(p, time_limit_s=2)
    (left,) = r.unlinked
    assert left.children == ("C2", "C3") and left.subject == "C2"
    assert left.what_would_change[0] == (
        "for C2, approval for age 10: 1 of 1 adopters in the round do not meet it"
    )
    assert left.to_dict()["siblings"] == {"C1": "H1", "C2": None, "C3": None}


def test_a_family_for_the_pair_taken_by_another_pair_is_named() -> None:
    """H1 alone could take either pair; the pair waiting longer (G2, a must group) gets
    it, and G1 is split: its entries say H1 is linked with G2."""
    long_ago = {"waiting_since": "2024-01-01"}
    p = problem(
        [
            kid("C1", adoption=RECENT),
            kid("C2", adoption=RECENT),
            kid("C3", adoption=long_ago),
            kid("C4", adoption=long_ago),
        ],
        [adopter("H1", vacancies=2), adopter("H2", location="LS8"), adopter("H3")],
        groups=[
            {"id": "G1", "children": ["C1", "C2"], "policy": "should"},
            {"id": "G2", "children": ["C3", "C4"], "policy": "must"},
        ],
    )
    r = run_round(p, FamilyFindingPolicy(priority="waiting"), time_limit_s=2)
    assert r.result.carer_of()["C3"] == "H1"
    for c in ("C1", "C2"):
        (entry,) = _entries(r, c)
        assert entry["taken_by_others"] == {"H1": "G2"}
        assert "H1 could take them all together but is linked with G2" in entry["reasons"]


def test_a_pair_left_waiting_hears_who_took_their_family() -> None:
    long_ago = {"waiting_since": "2024-01-01"}
    p = problem(
        [
            kid("C1", adoption=RECENT),
            kid("C2", adoption=RECENT),
            kid("C3", adoption=long_ago),
            kid("C4", adoption=long_ago),
        ],
        [adopter("H1", vacancies=2)],
        groups=[
            {"id": "G1", "children": ["C1", "C2"], "policy": "should"},
            {"id": "G2", "children": ["C3", "C4"], "policy": "must"},
        ],
    )
    r = run_round(p, FamilyFindingPolicy(priority="waiting"), time_limit_s=2)
    (left,) = r.unlinked
    d = left.to_dict()
    assert left.children == ("C1", "C2") and d["together_or_apart_assessment"] is False
    assert d["taken_by_others"] == {"H1": "G2"}
    assert "H1 could take them all together but is linked with G2" in d["reasons"]
    assert not any("is not linked" in x for x in d["reasons"])


# -- children with no option ---------------------------------------------------------------


def test_no_option_children_get_a_referral_due_date_and_the_widest_search() -> None:
    """C1: only an adopter outside the agency's LAs meets her need. C2: only with the
    distance limit lifted. C3: nobody in the data. C4 has an option."""
    far = {"max_distance_km": 1}
    p = problem(
        [
            kid("C1", needs=["autism"]),
            kid("C2", adoption=RECENT, needs=["complex_health"], **far),
            kid("C3", adoption=RECENT, needs=["sensory_impairment"]),
            kid("C4"),
        ],
        [
            adopter("H1", la="York", location="YO1", skills=["autism"]),
            adopter("H2", skills=["complex_health"]),
            adopter("H3", location="LS8"),
        ],
    )
    r = run_round(p, LEEDS, time_limit_s=2)
    entries = {x.children[0]: x for x in r.unlinked}
    assert entries["C1"].no_option is not None
    one = entries["C1"].to_dict()["no_option"]
    assert one["widest_search"] == {
        "step": "beyond_region",
        "adopters": 1,
        "says": "1 adopter(s) approved outside the region could take her",
    }
    assert one["referral_due"] == "2025-04-06" and one["overdue"] is True
    assert one["exchange_days"] is True  # waited 97 weeks
    two = entries["C2"].to_dict()["no_option"]
    assert two["widest_search"]["step"] == "distance" and two["widest_search"]["adopters"] == 1
    assert "distance limit (1 km) lifted" in two["widest_search"]["says"]
    assert two["referral_due"] == "2026-12-28" and two["overdue"] is False
    assert two["exchange_days"] is False  # 7 weeks, and a wider search finds a family
    three = entries["C3"].to_dict()["no_option"]
    assert three["widest_search"] == {
        "step": None,
        "adopters": 0,
        "says": "none in the data: national register and recruitment",
    }
    assert three["exchange_days"] is True
    assert "C4" in r.result.carer_of() or entries["C4"].no_option is None


def test_referral_months_end_on_the_last_day_of_a_short_month() -> None:
    assert months_after(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert months_after(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert months_after(date(2025, 1, 6), 3) == date(2025, 4, 6)
    assert months_after(date(2023, 11, 30), 3) == date(2024, 2, 29)


# -- adopters' own wait ------------------------------------------------------------------


def test_adopters_waiting_since_approval_longest_first() -> None:
    p = problem(
        [kid("C1"), kid("C2", age=7)],
        [
            adopter("H1", adopter={"approved_on": "2026-10-25"}),  # 4 weeks
            adopter("H2", max_age=4, adopter={"approved_on": "2025-11-23"}),  # 52 weeks
            adopter("H3", max_age=1, adopter={"approved_on": "2026-05-24"}),  # 26 weeks
        ],
    )
    r = run_round(p, time_limit_s=2)
    waits = [w.to_dict() for w in r.adopters_waiting]
    assert [w["adopter"] for w in waits] == ["H2", "H3", "H1"]
    assert [w["weeks_since_approval"] for w in waits] == [52, 26, 4]
    assert [w["children_possible"] for w in waits] == [1, 0, 2]
    carer_of = r.result.carer_of()
    assert carer_of == {"C1": "H2", "C2": "H1"}
    assert [w["linked_with"] for w in waits] == ["C1", None, "C2"]
    assert [w["referral_due"] for w in waits] == ["2026-02-23", "2026-08-24", "2027-01-25"]
    assert [w["referral_overdue"] for w in waits] == [False, True, False]
    table = r.region["adopters_by_wait"]
    assert table["rows"] == [
        ["under 3 months", 1, 1, 0],
        ["3–6 months", 0, 0, 0],
        ["6–12 months", 1, 0, 1],
        ["12 months or more", 1, 1, 0],
    ]


# -- the adopter -> children search -----------------------------------------------------------


def test_the_children_search_shows_weeks_waited_and_priority() -> None:
    p = problem(
        [kid("C1"), kid("C2", adoption=RECENT), kid("C3", age=12)],
        [adopter("H1"), adopter("H2"), adopter("H3"), adopter("H4")],
    )
    found = search_children(p, "H1", FamilyFindingPolicy(few_families=1)).to_dict()
    rows = {m["child"]: m for m in found["in_region"]["matches"]}
    assert rows["C1"]["weeks_waiting"] == 97 and rows["C1"]["priority"] == "first"
    assert rows["C1"]["why_priority"] == ["waited 97 weeks (78 or more)"]
    assert rows["C2"]["weeks_waiting"] == 7 and rows["C2"]["priority"] == "third"
    (miss,) = found["in_region"]["near_misses"]
    assert miss["child"] == "C3" and miss["priority"] == "first"


def test_the_region_report_has_the_no_option_and_adopters_waiting_tables() -> None:
    from reports.family_finding import render_html

    p = problem(
        [kid("C1", needs=["autism"]), kid("C2")],
        [adopter("H1", la="York", location="YO1", skills=["autism"]), adopter("H2")],
    )
    page = render_html(run_round(p, LEEDS, time_limit_s=2).to_dict())
    assert "Children with no adopter in the round (1)" in page
    assert "1 adopter(s) approved outside the region could take her" in page
    assert "2025-04-06 (overdue)" in page
    assert "Adopters waiting since approval (1)" in page
    assert "Adopters by time since approval" in page


def test_blocking_rules_in_words_for_a_mixed_group_and_a_lone_child() -> None:
    p = problem(
        [kid("C1", sex="F"), kid("C2", sex="M"), kid("C3")],
        [adopter("H1", sexes=["F"], vacancies=2), adopter("H2", vacancies=0)],
        groups=[{"id": "G1", "children": ["C1", "C2"], "policy": "must"}],
    )
    ctx = MatchingContext(p)
    pair = {(b.what, b.adopters) for b in blocking_rules(ctx, ["C1", "C2"])}
    assert pair == {("approval for girls and boys", 1), ("places for 2 together", 1)}
    assert [(b.what, b.adopters) for b in blocking_rules(ctx, ["C3"])] == [("free places", 1)]


def test_with_adopters_beyond_the_region_in_the_round_the_widest_search_lifts_the_limit() -> None:
    """The round already has York's adopter, so the first wider step is the distance."""
    wider = FamilyFindingPolicy(home_las=frozenset({"Leeds"}), beyond_region=True)
    p = problem(
        [kid("C1", max_distance_km=1, needs=["autism"])],
        [adopter("H1", la="York", location="YO1", skills=["autism"])],
    )
    (left,) = run_round(p, wider, time_limit_s=2).unlinked
    assert left.no_option is not None
    assert left.no_option.widest_search.step == "distance"
    assert left.no_option.widest_search.says == (
        "1 adopter(s) could take her with the distance limit (1 km) lifted"
    )
