"""Place now or wait in the batch (issue 19, item 2): the wait policy holds back planned
referrals whose best match now is poor when a clearly better home is expected in time."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings

import matching
from matching.better_soon import WAIT_MARGIN
from matching.problem import problem_to_dict
from matching.wait import WAIT_SLACK_DAYS, hold_back, without
from tests.conftest import carer, child, doc, group, problem, solve
from tests.strategies import problems_with_expected_places

NEEDED_BY = "2026-12-20"  # as_of is 2026-11-22
ON = {"wait_for_better": True}


def ending(day: str, places: int = 1, why: str = "placement_ends") -> list[dict[str, Any]]:
    return [{"from": day, "places": places, "why": why}]


# As in test_better_soon: from LS9, BD1 in Bradford at three times the cost is a poor
# match now (51.5); LS8, free on 10 December, scores 84.0.
POOR_NOW = carer("FAR", location="BD1", la="Bradford", weekly_cost=1500)
NEAR_SOON = carer("NEAR", location="LS8", vacancies=0, expected_places=ending("2026-12-10"))


def planned(id: str = "C1", **overrides: Any) -> dict[str, Any]:
    return child(id, **({"needed_by": NEEDED_BY} | overrides))


def test_a_planned_child_is_held_back_for_a_clearly_better_home() -> None:
    """Tests that the batch leaves out a planned child whose best match now is poor, names
    the home expected and its scores, and keeps the poor match open to others."""
    other = child("C2", urgency="urgent", home="BD1", la="Bradford")
    p = problem([planned(), other], [POOR_NOW, NEAR_SOON], policy=ON)
    result = solve(p)
    assert result.held_back is not None
    assert [(h.child, h.unit, h.better_soon.carer) for h in result.held_back] == [
        ("C1", "C1", "NEAR")
    ]
    soon = result.held_back[0].better_soon
    assert soon.best_now == "FAR" and soon.best_now_score is not None
    assert soon.score - soon.best_now_score >= WAIT_MARGIN
    assert result.carer_of() == {"C2": "FAR"}  # the held-back child's best now, taken
    assert "C1" not in {u.child for u in result.unplaced}


def test_the_expected_home_comes_free_a_week_before_the_date_needed() -> None:
    """Tests the slack: a home free `WAIT_SLACK_DAYS` before needed-by is waited for, one
    free a day later is not (the advisory alone would still name it)."""
    needed = date.fromisoformat(NEEDED_BY)
    in_time = (needed - timedelta(days=WAIT_SLACK_DAYS)).isoformat()
    too_late = (needed - timedelta(days=WAIT_SLACK_DAYS - 1)).isoformat()
    ok = problem([planned()], [POOR_NOW, NEAR_SOON | {"expected_places": ending(in_time)}])
    assert [h.child for h in hold_back(ok, margin=WAIT_MARGIN)] == ["C1"]
    late = problem([planned()], [POOR_NOW, NEAR_SOON | {"expected_places": ending(too_late)}])
    assert hold_back(late, margin=WAIT_MARGIN) == ()
    assert matching.rank(late, "C1").better_soon is not None


def test_not_held_back_when_the_margin_is_not_met() -> None:
    """Tests that a better home coming free by less than the margin is not waited for,
    and that the policy's own margin is the one applied."""
    p = problem([planned()], [POOR_NOW, NEAR_SOON], policy=ON)
    gap = hold_back(p)[0].better_soon.score - (hold_back(p)[0].better_soon.best_now_score or 0)
    strict = problem([planned()], [POOR_NOW, NEAR_SOON], policy=ON | {"wait_margin": gap + 1})
    assert hold_back(strict) == ()
    assert solve(strict).carer_of() == {"C1": "FAR"}


def test_emergencies_and_urgent_referrals_are_never_held_back() -> None:
    """Tests that only planned referrals wait: the same child as an emergency or urgent
    is placed now."""
    for urgency in ("emergency", "urgent"):
        kid = planned(urgency=urgency)
        p = problem([kid], [POOR_NOW, NEAR_SOON], policy=ON)
        assert hold_back(p) == ()
        assert solve(p).carer_of() == {"C1": "FAR"}


def test_a_group_is_held_back_whole_when_only_a_split_is_possible_now() -> None:
    """Tests that a sibling group who could only be split today is held back whole when a
    household with room for them all comes free in time."""
    kids = [planned(), planned("C2")]
    two_singles = [carer("A", location="LS8"), carer("B", location="LS11")]
    room_for_both = NEAR_SOON | {"vacancies": 1}  # 1 now + 1 on 10 December
    g = [group("G1", ["C1", "C2"], "should")]
    p = problem(kids, [*two_singles, room_for_both], g, policy=ON)
    result = solve(p)
    assert result.held_back is not None
    assert sorted((h.child, h.unit) for h in result.held_back) == [("C1", "G1"), ("C2", "G1")]
    assert result.held_back[0].better_soon.best_now is None  # nothing takes both now
    assert result.placed == 0 and result.sibling_groups == ()
    # Without the household coming free, the group is placed (split) today.
    today = problem(kids, [*two_singles, room_for_both | {"expected_places": []}], g, policy=ON)
    assert hold_back(today) == ()
    assert len(solve(today).carer_of()) == 2


def test_two_referrals_do_not_wait_for_the_same_place() -> None:
    """Tests that a place coming free is awaited by one referral only: the one needed
    first; the other is placed now."""
    kids = [planned(), planned("C2", needed_by="2026-12-27")]
    p = problem(kids, [POOR_NOW | {"vacancies": 2}, NEAR_SOON], policy=ON)
    assert [h.child for h in hold_back(p)] == ["C1"]
    assert solve(p).carer_of() == {"C2": "FAR"}


def test_off_by_default_the_result_is_unchanged() -> None:
    """Tests that without the policy nothing is held back, the result JSON has no
    `held_back` and equals the result of the same problem without expected places."""
    with_soon = problem([planned(), planned("C2")], [POOR_NOW, NEAR_SOON])
    assert with_soon.policy.wait_for_better is False
    plain = problem([planned(), planned("C2")], [POOR_NOW, NEAR_SOON | {"expected_places": []}])
    off, before = solve(with_soon).to_dict(), solve(plain).to_dict()
    assert "held_back" not in off
    for d in (off, before):
        d.pop("solve_seconds")
        for s in d["stages"]:
            s.pop("seconds")
    assert off == before


def test_the_policy_round_trips_and_is_written_only_when_set() -> None:
    """Tests the policy fields in the problem format: read, written back when they differ
    from the defaults, and absent otherwise."""
    p = problem([planned()], [POOR_NOW], policy=ON | {"wait_margin": 15})
    assert (p.policy.wait_for_better, p.policy.wait_margin) == (True, 15.0)
    written = problem_to_dict(p)["policy"]
    assert (written["wait_for_better"], written["wait_margin"]) == (True, 15.0)
    plain = problem_to_dict(problem([planned()], [POOR_NOW]))["policy"]
    assert "wait_for_better" not in plain and "wait_margin" not in plain
    bad = doc([planned()], [POOR_NOW], policy={"wait_for_better": "yes"})
    try:
        matching.load_problem(bad)
    except matching.ProblemInvalid as err:
        assert [i.path for i in err.issues] == ["$.policy.wait_for_better"]
    else:
        raise AssertionError("a non-boolean wait_for_better loaded")


def test_the_result_json_carries_held_back() -> None:
    """Tests that the result's JSON names each held-back child with the home expected."""
    result = solve(problem([planned()], [POOR_NOW, NEAR_SOON], policy=ON))
    out = json.loads(json.dumps(result.to_dict()))
    assert out["held_back"] == [
        {"child": "C1", "unit": "C1", **result.held_back[0].better_soon.to_dict()}
    ]
    assert out["held_back"][0]["carer"] == "NEAR"
    assert without(problem([planned()], [POOR_NOW]), ()).children[0].id == "C1"


@settings(max_examples=60, deadline=None)
@given(problems_with_expected_places())
def test_only_planned_units_are_held_back_whole_and_in_time(d: dict[str, Any]) -> None:
    """Tests, over random small problems, that no emergency or urgent child is held back,
    a sibling group that should live together is held back whole or not at all, and each
    expected home comes free `WAIT_SLACK_DAYS` before the unit's earliest date needed."""
    p = matching.load_problem(d)
    p = replace(p, policy=replace(p.policy, wait_for_better=True))
    held = hold_back(p)
    by_id = p.child_by_id
    for h in held:
        assert by_id[h.child].urgency == "planned"
        members = {h.child}
        group_ = p.siblings.groups.get(h.unit)
        if group_ is not None:
            assert group_.policy in ("must", "should")
            members = set(group_.children)
            assert members <= {x.child for x in held}
        earliest = min(by_id[m].needed_by for m in members)
        assert h.better_soon.free_from <= earliest - timedelta(days=WAIT_SLACK_DAYS)
    rest = without(p, held)
    assert {c.id for c in rest.children} == set(by_id) - {h.child for h in held}
    assert len(rest.carers) == len(p.carers)
