"""Scenarios (issue 6): specs, the simulation's sanity properties, outcomes, and runs on
a local Ray."""

from __future__ import annotations

import dataclasses
import statistics
from pathlib import Path

import pytest

from matching.ranking import MatchingContext
from matching.unplaced import blocking_rule
from scenarios.outcomes import differences, interval, run_totals, summary, t975
from scenarios.runner import load_results, run_scenarios
from scenarios.simulate import simulate
from scenarios.spec import (
    EXAMPLES,
    Recruit,
    Scenario,
    ScenarioInvalid,
    load_scenario,
    load_scenario_text,
)
from tests.conftest import carer, child, problem

TINY = Scenario(name="tiny", seed=3, children=700, households=260, horizon_weeks=10)


def totals(s: Scenario, replications: int) -> list[dict[str, float]]:
    return [run_totals(simulate(s, r), s.horizon_weeks) for r in range(replications)]


def mean(rows: list[dict[str, float]], metric: str) -> float:
    return statistics.fmean(r[metric] for r in rows)


# -- specs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_is_valid(path: Path) -> None:
    s = load_scenario(path)
    assert s.name and s.replications >= 1 and s.horizon_weeks == 52


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_runs_a_short_year_on_a_small_region(path: Path) -> None:
    """Each shipped example still runs (its matching, policy, recruitment and closures
    from week 4 and 8 included), on a small region so the test stays quick."""
    small = dataclasses.replace(
        load_scenario(path), children=700, households=300, horizon_weeks=10, warmup_weeks=4
    )
    run = simulate(small, 0)
    totals = run_totals(run, small.horizon_weeks)
    assert totals["referred"] > 0 and len(run.weeks) == 10
    assert all(r.placed is None or r.placed >= r.arrived for r in run.children)


def test_a_scenario_inherits_from_its_base_and_changes_only_what_differs() -> None:
    base = load_scenario(EXAMPLES / "baseline.yaml")
    teen = load_scenario(EXAMPLES / "teen-carers-leeds-east.yaml")
    assert teen.children == base.children and teen.fallback_after_weeks == base.fallback_after_weeks
    assert teen.recruit and teen.recruit[0].areas == ("LS9", "LS14", "LS15")
    narrower = load_scenario_text(
        "base: baseline.yaml\nname: n\nfallback: {after_weeks: {planned: 3}}\n"
    )
    assert narrower.fallback_after_weeks == {"emergency": 0, "urgent": 2, "planned": 3}


@pytest.mark.parametrize(
    ("text", "path", "words"),
    [
        ("name: x\nhorizon_weeks: lots\n", "horizon_weeks", "expected a whole number"),
        ("name: x\nhorizon_weeks: 0\n", "horizon_weeks", "out of range"),
        ("name: x\nbogus: 1\n", "bogus", "unknown field"),
        (
            "name: x\ndemand: {age_multiplier: {'2-3': 1}}\n",
            "demand.age_multiplier.2-3",
            "not one of",
        ),
        (
            "name: x\ndemand: {need_multiplier: {telepathy: 2}}\n",
            "demand.need_multiplier.telepathy",
            "not one of",
        ),
        ("name: x\nmatching: sometimes\n", "matching", "not one of"),
        ("name: x\nsupply: {recruit: [{week: 1, count: 2}]}\n", "supply.recruit[0].la", "required"),
        (
            "name: x\nsupply: {recruit: [{week: 1, la: Leeds, areas: [ZZ99]}]}\n",
            "supply.recruit[0].areas[0]",
            "not a known UK outcode",
        ),
        (
            "name: x\nsupply: {recruit: [{la: Leeds, min_age: 12, max_age: 4}]}\n",
            "supply.recruit[0].min_age",
            "above max_age",
        ),
        (
            "name: x\npolicy: {max_distance_km: {teleport: 3}}\n",
            "policy.max_distance_km.teleport",
            "not one of",
        ),
        ("name: x\nsupply: {recruit: [{la: Narnia}]}\n", "supply.recruit[0].la", "not an LA area"),
        ("horizon_weeks: 4\n", "name", "required"),
        ("name: [unclosed\n", "$", "not valid YAML at line"),
        ("base: ../../etc/passwd\nname: x\n", "base", "file name of an example"),
        ("name: x\npopulation: {las: [Narnia]}\n", "population.las[0]", "not an LA area"),
        ("name: x\nsupply: {close: [{la: Atlantis}]}\n", "supply.close[0].la", "not an LA area"),
        ("a: &x [1, 2]\nb: [*x, *x]\nname: q\n", "$", "aliases"),
        ("[" * 3000, "$", "nested too deeply"),
    ],
)
def test_bad_specs_name_the_field_and_the_reason(text: str, path: str, words: str) -> None:
    with pytest.raises(ScenarioInvalid) as caught:
        load_scenario_text(text)
    assert any(p == path and words in m for p, m in caught.value.issues), caught.value.issues


def test_every_fault_is_reported_at_once_and_bases_cannot_loop(tmp_path: Path) -> None:
    with pytest.raises(ScenarioInvalid) as caught:
        load_scenario_text("name: 3\nseed: -1\nreplications: 0\n")
    assert {p for p, _ in caught.value.issues} == {"name", "seed", "replications"}
    (tmp_path / "a.yaml").write_text("base: b.yaml\nname: a\n")
    (tmp_path / "b.yaml").write_text("base: a.yaml\nname: b\n")
    with pytest.raises(ScenarioInvalid, match="loop"):
        load_scenario(tmp_path / "a.yaml")


# -- the simulation -------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_year() -> None:
    a, b = simulate(TINY, 1), simulate(TINY, 1)
    assert a.weeks == b.weeks
    assert [dataclasses.astuple(r) for r in a.children] == [
        dataclasses.astuple(r) for r in b.children
    ]
    assert simulate(TINY, 2).weeks != a.weeks


def test_a_year_accounts_for_every_child() -> None:
    run = simulate(TINY, 0)
    referred = sum(w["arrivals"] for w in run.weeks)
    assert referred == len(run.children) > 0
    placed_or_fallback = sum(w["placed"] + w["fallback"] for w in run.weeks)
    still_waiting = run.weeks[-1]["waiting"]
    # Children back on the list (a breakdown, a closure) and those still waiting from
    # the warm-up are placed in the measured weeks too.
    relisted = sum(w["relisted"] for w in run.weeks)
    assert placed_or_fallback + still_waiting == referred + relisted + run.waiting_at_start
    for r in run.children:
        if r.kind == "fallback":
            assert r.blocked_by is not None and not r.home_la
        if r.placed is not None:
            assert r.placed >= r.arrived


def test_adding_suitable_carers_never_makes_local_placement_worse() -> None:
    """The same children arrive in both (common random numbers); 40 wide-approval
    foster households in every LA from week 0 can only add options."""
    more = dataclasses.replace(
        TINY,
        recruit=tuple(
            Recruit(week=0, count=8, la=la, min_age=0, max_age=17, places=2) for la in TINY.las
        ),
    )
    base, wider = totals(TINY, 3), totals(more, 3)
    assert mean(wider, "share_fallback") <= mean(base, "share_fallback") + 0.01
    assert mean(wider, "share_within_20_miles") >= mean(base, "share_within_20_miles") - 0.01
    assert mean(wider, "wait_mean_weeks") <= mean(base, "wait_mean_weeks") + 0.05
    # and the new carers are used: more children stay in their home LA
    assert mean(wider, "share_home_la") > mean(base, "share_home_la")


def test_doubling_demand_never_reduces_waiting() -> None:
    double = dataclasses.replace(TINY, referrals_per_year=2 * TINY.yearly_referrals)
    base, busy = totals(TINY, 3), totals(double, 3)
    assert mean(busy, "referred") > 1.6 * mean(base, "referred")
    assert mean(busy, "unplaced_child_days") > mean(base, "unplaced_child_days")
    assert mean(busy, "wait_mean_weeks") >= mean(base, "wait_mean_weeks") - 0.05
    assert mean(busy, "share_fallback") >= mean(base, "share_fallback") - 0.01


def test_closing_homes_sends_their_children_elsewhere() -> None:
    shut = dataclasses.replace(TINY, close=(dataclasses.replace(_close(), count=20),))
    base, closed = simulate(TINY, 0), simulate(shut, 0)
    assert closed.weeks[2]["households"] < base.weeks[2]["households"]
    assert closed.weeks[1]["moved_by_closure"] > 0
    assert all(w["moved_by_closure"] == 0 for w in base.weeks)
    assert closed.weeks[3]["residential"] >= base.weeks[3]["residential"] - 5


def _close():  # noqa: ANN202 - a Close at week 1, any LA
    from scenarios.spec import Close

    return Close(week=1, kind="residential", la=None, count=1)


def test_on_arrival_matching_is_the_officer_baseline() -> None:
    one_by_one = dataclasses.replace(TINY, matching="on_arrival")
    run = simulate(one_by_one, 0)
    assert sum(w["placed"] for w in run.weeks) > 0


def test_the_blocking_rule_is_where_the_funnel_runs_dry() -> None:
    p = problem(
        [child("C1", needs=["autism"]), child("C2")],
        [carer("H1", skills=[]), carer("H2", skills=["complex_health"])],
    )
    ctx = MatchingContext(p)
    assert blocking_rule(ctx.assess(p.children[0])) == "skills"
    assert blocking_rule(ctx.assess(p.children[1])) is None


# -- outcomes --------------------------------------------------------------------------------


def test_intervals_and_paired_differences() -> None:
    assert t975(1) == pytest.approx(12.706) and t975(11) == pytest.approx(2.179)
    assert t975(100) == 1.96
    i = interval([1.0, 2.0, 3.0])
    assert i["mean"] == 2.0 and i["low"] < 2.0 < i["high"] and i["n"] == 3
    rows = [
        {"scenario": s, "replication": r, "metric": "share_home_la", "value": v}
        for s, vals in (("a", [0.5, 0.6, 0.7]), ("b", [0.6, 0.7, 0.8]))
        for r, v in enumerate(vals)
    ]
    (d,) = [x for x in differences(rows, "a") if x["metric"] == "share_home_la"]
    # Paired: every replication differs by exactly 0.1, so the interval is a point.
    assert d["mean"] == pytest.approx(0.1) and d["high"] - d["low"] == pytest.approx(0, abs=1e-9)
    assert {r["scenario"] for r in summary(rows)} == {"a", "b"}


# -- runs on Ray and stored results ----------------------------------------------------------


def test_replications_on_a_local_ray_match_serial_runs_and_are_stored(tmp_path: Path) -> None:
    small = dataclasses.replace(TINY, horizon_weeks=4)
    other = dataclasses.replace(small, name="other", referrals_per_year=400)
    on_ray = run_scenarios(
        [small, other], tmp_path / "ray", replications=2, backend="ray", workers=2
    )
    serial = run_scenarios([small, other], tmp_path / "serial", replications=2, backend="serial")

    def same(rows: list[dict]) -> list[tuple]:
        """Rows in order, NaN (no sibling group arrived, say) made comparable."""
        return sorted(
            (
                r["scenario"],
                r["replication"],
                r["metric"],
                None if r["value"] != r["value"] else r["value"],
            )
            for r in rows
        )

    assert same(on_ray["totals"]) == same(serial["totals"])
    scenarios, tables = load_results(tmp_path / "ray")
    assert [s.name for s in scenarios] == ["tiny", "other"]
    assert same(tables["totals"]) == same(on_ray["totals"])
    assert {t.name for t in (tmp_path / "ray" / "results").iterdir()} >= {
        "totals.parquet",
        "weekly.parquet",
        "groups.parquet",
        "blocking.parquet",
        "scenarios.json",
    }


def test_scenario_names_must_differ(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must differ"):
        run_scenarios([TINY, TINY], tmp_path, replications=1, backend="serial")


# -- starting from an LA's 903 data ----------------------------------------------------------


def test_a_scenario_can_count_the_places_taken_at_the_start() -> None:
    from scenarios.simulate import Simulation

    counted = dataclasses.replace(TINY, placed={"foster": 150, "residential": 9})
    sim = Simulation(counted, 0)
    taken: dict[str, int] = {}
    for placements in sim.at.values():
        for p in placements:
            if p.child is None:
                taken[p.kind] = taken.get(p.kind, 0) + 1
    assert taken["foster"] == 150 and taken["residential"] == 9
    assert taken.get("kinship", 0) > 0  # kinds not counted are still drawn
    # the same households start with the same free places either way
    assert [sim.free(h) for h in range(40)] == [Simulation(TINY, 0).free(h) for h in range(40)]


def test_bad_placed_counts_are_named() -> None:
    with pytest.raises(ScenarioInvalid) as caught:
        load_scenario_text("name: x\npopulation: {placed: {adoption: 3, foster: -1}}\n")
    paths = {p for p, _ in caught.value.issues}
    assert paths == {"population.placed.adoption", "population.placed.foster"}


def test_a_scenario_from_903_data_counts_the_children_in_the_regions_own_homes() -> None:
    from scenarios.from_903 import placed_locally, scenario_from_903, scenario_yaml
    from tests.ssda903.helpers import EPISODES, changed, extract, imported

    imp = imported()  # 101 fostered in Leeds, 102 in a Calderdale home, 103 in Leeds (supported)
    assert placed_locally([imp], ["Leeds"]) == {
        "foster": 1,
        "kinship": 0,
        "residential": 0,
        "supported": 1,
    }
    assert placed_locally([imp], ["Leeds", "Calderdale"])["residential"] == 1
    # a placement whose outcode is unknown counts inside as the known ones do
    # (no other residential placement is known: all kinds' share inside, 2 of 2)
    unknown = imported(extract(episodes=changed(EPISODES, 1, PL_POST="")))
    assert placed_locally([unknown], ["Leeds"])["residential"] == 1
    doc = scenario_from_903([imp])
    scenario = load_scenario_text(scenario_yaml(doc))
    assert scenario.las == ("Leeds",) and scenario.children == 10  # at least 10
    assert scenario.placed == {"foster": 1, "kinship": 0, "residential": 0, "supported": 1}
    assert (
        scenario.name == "Leeds from the 903" and "3 children looked after" in scenario.description
    )


def test_a_generated_regions_903_scenario_keeps_its_size_and_local_placements() -> None:
    from scenarios.from_903 import HOUSEHOLDS_PER_CHILD, scenario_from_903
    from ssda903 import import_extract, read_extract
    from synth.looked_after import generate_looked_after

    region = generate_looked_after(600, seed=4)
    imports = []
    with __import__("tempfile").TemporaryDirectory() as tmp:
        region.write(tmp)
        for la in region.las:
            imports.append(import_extract(read_extract(Path(tmp) / la), la=la, as_of=region.as_of))
    doc = scenario_from_903(imports)
    pop = doc["population"]
    assert pop["children"] == sum(len(i.children) for i in imports) == 600
    assert pop["households"] == round(600 * HOUSEHOLDS_PER_CHILD)
    local = sum(pop["placed"].values())
    # about 57% inside the child's own LA, more inside the region; adoption, parents and
    # other settings take no simulated place
    assert 0.45 * 600 < local < 0.9 * 600
