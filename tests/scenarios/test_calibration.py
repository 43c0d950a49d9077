"""The simulated region calibrated to England (issue 19): the cited figures, the supply,
the warm-up, planned and unplanned endings, and the officer year against its targets."""

from __future__ import annotations

import dataclasses
import statistics
from datetime import timedelta

import pytest

from scenarios import calibration as cal
from scenarios.outcomes import DIMENSIONS, METRICS, calibrate, rows, run_totals
from scenarios.simulate import START, Simulation, simulate
from scenarios.spec import EXAMPLES, Scenario, load_scenario

TINY = Scenario(name="tiny", seed=3, children=700, households=360, horizon_weeks=10, warmup_weeks=6)


# -- the figures ----------------------------------------------------------------------


def test_targets_are_the_cited_national_figures() -> None:
    """Tests that moving a target (or its tolerance) away from its source fails."""
    t = cal.TARGETS
    assert (t["within_20_miles"].value, t["within_20_miles"].tolerance) == (0.78, 0.04)
    assert (t["siblings_together"].value, t["siblings_together"].tolerance) == (0.66, 0.05)
    assert t["childrens_homes"].value == pytest.approx(0.127, abs=0.0005)
    assert t["childrens_homes"].tolerance == 0.025
    assert (t["home_la"].value, t["home_la"].tolerance) == (0.55, 0.05)
    assert all("§1." in target.source for target in t.values())


def test_supply_and_ending_figures_are_the_cited_ones() -> None:
    """Tests Ofsted's places (§1.8) and the DfE's leaving and change rates (§1.1, §1.6)."""
    foster = cal.APPROVED_PLACES["foster"]
    assert sum(foster.values()) == pytest.approx(1.0)
    assert sum(k * p for k, p in foster.items()) == pytest.approx(69_825 / 33_435, abs=0.01)
    assert pytest.approx(0.60, abs=0.005) == cal.FILLED_SHARE
    assert cal.VACANT_SHARE == 0.16
    assert pytest.approx(0.24, abs=0.005) == cal.UNAVAILABLE_SHARE
    assert pytest.approx(0.21) == cal.UNPLANNED_SHARE_OF_CHANGES
    assert pytest.approx(0.166, abs=0.001) == cal.UNPLANNED_PER_WEEK * 52
    assert pytest.approx(0.421, abs=0.001) == cal.LEAVING_CARE_PER_WEEK * 52


# -- the supply at the start ------------------------------------------------------------


def test_foster_households_start_with_ofsteds_approved_filled_and_vacant_places() -> None:
    """Tests 2.09 approved places a foster household, ~60% filled, ~16% free, the rest
    unavailable (never offered)."""
    sim = Simulation(dataclasses.replace(TINY, households=1500), 0)
    foster = [h for h, home in enumerate(sim.households) if home.kind == "foster"]
    approved = sum(sim.approved[h] for h in foster)
    filled = sum(len(sim.at[h]) for h in foster)
    free = sum(sim.free(h) for h in foster)
    assert approved / len(foster) == pytest.approx(2.09, abs=0.12)
    assert filled / approved == pytest.approx(cal.FILLED_SHARE, abs=0.04)
    assert free / approved == pytest.approx(cal.VACANT_SHARE, abs=0.04)
    assert all(sim.places[h] <= sim.approved[h] for h in foster)


def test_households_approved_for_sibling_groups_are_kept_for_them() -> None:
    """Tests that a sibling-approved household is offered to brothers and sisters
    waiting together only, and takes any age."""
    sim = Simulation(TINY, 0)
    kept = [h for h, yes in enumerate(sim.for_siblings) if yes]
    assert kept and all(sim.places[h] >= 2 for h in kept)
    assert all((sim.households[h].min_age, sim.households[h].max_age) == (0, 17) for h in kept)
    for units in sim.pool_by_band.values():
        for members in units[:3]:
            sim._refer(members, 0)
    singles, _ = sim._problem(START, siblings=False)
    offered = {c.id for c in singles.carers}
    assert not offered & {sim.households[h].id for h in kept}
    groups, _ = sim._problem(START, siblings=True)
    together = {c for g in groups.sibling_groups for c in g.children}
    assert {c.id for c in groups.children} == together


# -- endings ----------------------------------------------------------------------------


def test_a_seventeen_year_olds_placement_ends_as_planned_by_the_18th_birthday() -> None:
    sim = Simulation(TINY, 0)
    late = (0.999, 0.999)  # neither the care plan nor a breakdown for years
    weeks, planned = sim._end("foster", 17, late, worse=0)
    assert planned and weeks <= 52
    weeks, planned = sim._end("foster", 3, late, worse=0)
    assert planned and 52 * 14 <= weeks <= 52 * 15


def test_a_worse_match_breaks_down_sooner_unless_the_scenario_sets_it_to_zero() -> None:
    sim = Simulation(TINY, 0)
    draws = (0.999_999, 0.5)  # no planned end for a long time
    good, planned = sim._end("foster", 2, draws, worse=0)
    bad, _ = sim._end("foster", 2, draws, worse=3)
    assert not planned and bad < good
    flat = Simulation(dataclasses.replace(TINY, breakdown_worse_match=0.0), 0)
    assert flat._end("foster", 2, draws, worse=3) == flat._end("foster", 2, draws, worse=0)


def test_a_breakdown_puts_the_child_back_on_the_list_and_is_counted() -> None:
    s = dataclasses.replace(TINY, horizon_weeks=30, breakdown_worse_match=3.0)
    run = simulate(s, 0)
    broke = [r for r in run.children if r.unplanned_endings]
    assert broke, "some placements break down in 30 weeks"
    assert sum(w["unplanned_endings"] for w in run.weeks) >= sum(
        r.unplanned_endings for r in broke if r.referred >= 0
    ) - len(broke)
    assert all(r.urgency in ("emergency", "urgent") for r in broke)
    total = run_totals(run, s.horizon_weeks)["unplanned_endings"]
    assert total == pytest.approx(
        sum(r.unplanned_endings for r in run.children) / len(run.children)
    )


def test_brothers_and_sisters_placed_together_end_together() -> None:
    """Tests that siblings placed in one household share their end, unless an elder's
    18th birthday comes first (care ends then for them alone)."""
    sim = Simulation(dataclasses.replace(TINY, horizon_weeks=20), 0)
    sim.run()
    pairs = 0
    for placements in sim.at.values():
        by_group: dict[str, set[int]] = {}
        for p in placements:
            rec = sim.records.get(p.child or "")
            if rec is None or rec.group is None or rec.placed is None or p.age is None:
                continue
            if p.ends >= rec.placed + (17 - p.age) * 52:
                continue  # the 18th birthday may be what ends it
            by_group.setdefault(rec.group, set()).add(p.ends)
        pairs += len(by_group)
        assert all(len(ends) == 1 for ends in by_group.values())
    assert pairs


def test_new_carers_are_known_weeks_before_they_join() -> None:
    sim = Simulation(dataclasses.replace(TINY, households=1000), 0)
    sim.week(sim.first_week)
    lo, hi = cal.ASSESSMENT_NOTICE_WEEKS
    due = {w: homes for w, homes in sim.approving.items() if homes}
    assert due and all(sim.first_week + lo <= w <= sim.first_week + hi for w in due)
    for w, homes in due.items():
        assert all(h.available_from == START + timedelta(weeks=w) for h in homes)


# -- the warm-up ------------------------------------------------------------------------


def _state(sim: Simulation) -> tuple[object, ...]:
    placements = sorted((p.household, p.child or "", p.ends) for ps in sim.at.values() for p in ps)
    return (placements, sorted(sim.waiting), sim.active, sim.places)


def test_the_warm_up_is_the_same_for_every_scenario_of_a_population_and_seed() -> None:
    """Tests pairing: matching mode, demand and policy changes apply from week 0."""
    other = dataclasses.replace(
        TINY,
        matching="on_arrival" if TINY.matching == "weekly" else "weekly",
        age_multiplier={"10-15": 2.0},
        carers_joining_per_year=0.5,
        max_distance_km={"foster": 10.0},
    )
    a, b = Simulation(TINY, 0), Simulation(other, 0)
    for week in range(a.first_week, 0):
        a.week(week)
        b.week(week)
    assert _state(a) == _state(b)


def test_outcomes_count_only_the_measured_horizon() -> None:
    run = simulate(TINY, 1)
    assert [w["week"] for w in run.weeks] == list(range(TINY.horizon_weeks))
    assert run.children and all(0 <= r.referred < TINY.horizon_weeks for r in run.children)


def test_uasc_is_a_dimension_and_unplanned_endings_a_metric() -> None:
    assert "uasc" in DIMENSIONS and "unplanned_endings" in METRICS
    run = simulate(TINY, 0)
    groups = {(g["dimension"], g["group"]) for g in rows(run, TINY.horizon_weeks)["groups"]}
    assert ("uasc", "UASC") in groups and ("uasc", "not UASC") in groups


# -- the officer year against England ----------------------------------------------------


@pytest.mark.slow
def test_the_officer_year_reproduces_englands_levels() -> None:
    """Tests each simulated level (officer process, the calibrated region) within its
    tolerance of its target: a few replications, serial."""
    s = load_scenario(EXAMPLES / "on-arrival.yaml")
    levels = calibrate(s, replications=3)
    for name, target in cal.TARGETS.items():
        assert abs(levels[name]["mean"] - target.value) <= target.tolerance, (name, levels[name])
    assert statistics.fmean(v["n"] for v in levels.values()) == 3
