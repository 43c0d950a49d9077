"""The product's wait policy in the simulated year (issue 19, "Place now or wait" (3)):
the simulator tells the batch what it knows of the near future, planned referrals may be
held back for a clearly better home, and nobody else ever is."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from scenarios.calibration import EXPECTED_NOTICE_WEEKS
from scenarios.simulate import START, Simulation
from scenarios.spec import Scenario, ScenarioInvalid, parse_scenario

WAITS = Scenario(
    name="waits",
    seed=3,
    children=700,
    households=360,
    horizon_weeks=10,
    warmup_weeks=6,
    wait_for_better=True,
)


def _year(s: Scenario) -> tuple[Simulation, list[tuple[int, str, str]]]:
    """The simulation after its year, and every (week, child, urgency) held back."""
    sim = Simulation(s, 0)
    held = []
    for week in range(sim.first_week, s.horizon_weeks):
        sim.week(week)
        held += [(week, c, sim.records[c].urgency) for c in sim.holding]
    return sim, held


def test_only_planned_referrals_are_held_back_and_never_placed_that_week() -> None:
    sim, held = _year(WAITS)
    assert len(held) >= 5  # the policy acts in this region
    assert {urgency for _, _, urgency in held} == {"planned"}
    assert all(week >= 0 for week, _, _ in held)  # the warm-up is today's practice
    for week, child, _ in held:
        assert sim.records[child].placed != week
    weeks_held = {c: sum(1 for _, x, _ in held if x == c) for _, c, _ in held}
    assert all(sim.records[c].held_back_weeks == n for c, n in weeks_held.items())


def test_officers_and_the_plain_weekly_batch_hold_no_one_back() -> None:
    for s in (
        dataclasses.replace(WAITS, wait_for_better=False),
        dataclasses.replace(WAITS, matching="on_arrival"),
    ):
        assert _year(s)[1] == []


def test_the_product_knows_planned_endings_ahead_but_not_breakdowns() -> None:
    sim = Simulation(WAITS, 0)
    for week in range(sim.first_week, 0):
        sim.week(week)
    known = sim._placements_ending(0)
    due = {
        (h, p.ends)
        for h, ps in sim.at.items()
        for p in ps
        if sim.active[h] and 0 < p.ends <= EXPECTED_NOTICE_WEEKS and p.ends < sim.leaves[h]
    }
    planned = {(h, w) for h, w in due if any(p.planned for p in sim.at[h] if p.ends == w)}
    shown = {(h, (e.day - START).days // 7) for h, es in known.items() for e in es}
    assert shown == planned and planned
    h, w = next(iter(sorted(planned)))
    for p in sim.at[h]:
        if p.ends == w:
            p.planned = False  # a breakdown: nobody knows it is coming
    assert all((e.day - START).days // 7 != w for e in sim._placements_ending(0).get(h, ()))


def test_carers_in_assessment_are_offered_as_an_approval_expected() -> None:
    sim = Simulation(WAITS, 0)
    for week in range(sim.first_week, 0):
        sim.week(week)
    coming = sim._in_assessment(0)
    assert coming
    assert all(h.vacancies == 0 and len(h.expected_places) == 1 for h in coming)
    assert all(h.expected_places[0].why == "approval" for h in coming)
    days = {(h.expected_places[0].day - START).days // 7 for h in coming}
    assert days <= set(range(1, EXPECTED_NOTICE_WEEKS + 1))


def test_a_planned_referral_is_needed_weeks_after_it_arrives_an_emergency_today() -> None:
    sim = Simulation(dataclasses.replace(WAITS, wait_for_better=False), 0)
    seen = set()
    for week in range(sim.first_week, 3):
        today = START + timedelta(weeks=week)
        sim.week(week)
        for child in sim.waiting.values():
            rec = sim.records[child.id]
            arrived = START + timedelta(weeks=rec.arrived)
            needed = sim._needed_by(child, today)
            if child.urgency == "planned" and rec.arrived == week:
                assert 14 <= (needed - arrived).days <= 56
                seen.add("planned")
            if child.urgency == "emergency":
                assert needed == today
                seen.add("emergency")
    assert "planned" in seen


def test_the_wait_policy_is_read_from_the_scenario_with_named_faults() -> None:
    s = parse_scenario({"name": "w", "policy": {"wait_for_better": True, "wait_margin": 15}})
    assert s.wait_for_better and s.wait_margin == 15
    with pytest.raises(ScenarioInvalid) as bad:
        parse_scenario({"name": "w", "policy": {"wait_for_better": "yes", "wait_margin": 200}})
    assert bad.value.issues == [
        ("policy.wait_for_better", "expected true or false, got 'yes'"),
        ("policy.wait_margin", "200 is out of range (0 to 100)"),
    ]
