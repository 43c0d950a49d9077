"""The batch solver's named units, one at a time: the run's searches (`BatchRun`) and
one level's settling (`LevelSearch`), on small random problems and fresh runs.

Tests that a level's search keeps every level above it, that the LP bound is an upper
bound on what any search finds, that the incumbent never gets worse at the level being
searched, and that the tie-break objective keeps lower levels below one unit of the
level above."""

from __future__ import annotations

import time
from typing import Any

import pytest
from ortools.sat.python import cp_model

import matching
import matching.solver as solver_module
from matching.batch.level import LevelSearch, floor, roundings
from matching.batch.model import AssignmentModel
from matching.batch.relaxation import Relaxation, relax
from matching.batch.run import BatchRun, with_tie_break
from matching.pairs import PairTable
from matching.ranking import MatchingContext
from tests.oracle import RandomChooser, random_problem, result_violations
from vocab import URGENCIES

SEEDS = range(12)


def _run(document: dict[str, Any], seconds: float = 20.0) -> tuple[BatchRun, Relaxation]:
    """A fresh run as `solve` sets it up: the relaxation's start, nothing settled."""
    problem = matching.load_problem(document)
    pairs = PairTable(MatchingContext(problem))
    urgency = [c.urgency for c in pairs.children]
    relaxed = relax(pairs.eligible, pairs.quality, pairs.vacancies, urgency)
    keep, must = solver_module.candidates(pairs, relaxed)
    model = AssignmentModel(pairs, keep, must)
    start = model.values(model.gather_siblings(model.greedy_start(relaxed.carer_of)))
    run = BatchRun(
        pairs,
        model,
        start,
        pruned=False,
        seed=0,
        solver=solver_module._cp_solver(0, 1),
        deadline=time.perf_counter() + seconds,
        say=lambda _msg: None,
    )
    return run, relaxed


def _document(seed: int) -> dict[str, Any]:
    return random_problem(RandomChooser(seed), children=(5, 9), carers=(2, 5))


def _ids(run: BatchRun) -> dict[str, str]:
    table = run.pairs.ctx.table
    carer_of = run.model.assignment(run.x)
    return {run.model.children[c].id: table.carers[h].id for c, h in carer_of.items()}


@pytest.mark.parametrize("seed", SEEDS)
def test_settling_a_level_keeps_every_level_above_it(seed: int) -> None:
    """Tests that each level's search leaves every settled level (and tier) at least
    where it was held, and the incumbent keeps every hard rule throughout."""
    document = _document(seed)
    run, relaxed = _run(document)
    share_left = 1.0
    for level, share in solver_module.STAGE_SHARE.items():
        if run.has_terms(level):
            held = dict(run.held)
            LevelSearch(run, level, share, share_left, relaxed, True).settle()
            assert all(run.value(lv) >= value for lv, value in held.items()), level
            assert run.model.feasible(run.x)
            assert result_violations(document, _ids(run)) == []
            run.hold(level)
        share_left -= share


@pytest.mark.parametrize("seed", SEEDS)
def test_the_lp_bound_is_an_upper_bound_on_what_the_search_finds(seed: int) -> None:
    """Tests that the LP of a level (nothing settled above it) is at least the value
    the level's whole search reaches, and that a proven level meets its bound."""
    run, relaxed = _run(_document(seed))
    answer, bound = run.lp_bound("placed", 5.0)
    assert answer is not None and bound is not None
    search = LevelSearch(run, "placed", 0.4, 1.0, relaxed, True)
    report = search.settle()
    assert run.value("placed") <= floor(bound)
    if report.status == "OPTIMAL":
        assert search.global_bound is not None
        assert run.value("placed") == search.global_bound
        assert report.value == report.bound


@pytest.mark.parametrize("seed", SEEDS)
def test_a_search_never_makes_the_incumbent_worse_at_its_level(seed: int) -> None:
    """Tests that `BatchRun.search` returns a CP-SAT status and keeps the incumbent
    unless it found one at least as good at the level, from a poor start too."""
    run, _relaxed = _run(_document(seed))
    poor = run.model.values(run.model.greedy_start({}))
    run.x = poor
    before = run.value("placed")
    status = run.search("placed", [], 5.0, poor)
    assert status in (cp_model.OPTIMAL, cp_model.FEASIBLE, cp_model.UNKNOWN)
    assert run.value("placed") >= before
    assert run.model.feasible(run.x)


@pytest.mark.parametrize("seed", SEEDS)
def test_tiers_in_turn_reach_the_most_of_each_tier_in_order(seed: int) -> None:
    """Tests that level 1 settled tier by tier, when proven, places as many children
    of each tier as the weighted level-1 search does."""
    run, _relaxed = _run(_document(seed))
    if run.tiers_in_turn(10.0) != cp_model.OPTIMAL:
        pytest.skip("not proven in the time")
    by_tiers = {u: run.value(u) for u in URGENCIES}
    other, _ = _run(_document(seed))
    assert other.search("placed", [], 10.0, other.x) == cp_model.OPTIMAL
    assert by_tiers == {u: other.value(u) for u in URGENCIES}


@pytest.mark.parametrize("seed", SEEDS)
def test_each_rounding_of_the_lp_is_sound(seed: int) -> None:
    """Tests that the roundings offered from an LP solution keep every hard rule."""
    run, _relaxed = _run(_document(seed))
    answer, _bound = run.lp_bound("quality", 5.0)
    assert answer is not None
    for rounded in roundings(run.model, answer.x):
        assert run.model.feasible(rounded)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_tie_break_weighs_less_than_one_unit_of_the_level(seed: int) -> None:
    """Tests that in the level-1 objective all of the lower terms together weigh
    less than one more unit of level 1 (so the tie-break never buys a placement)."""
    run, _relaxed = _run(_document(seed))
    cp = run.fresh_cp()
    _objective, scale = with_tie_break(cp, run.model, "placed", cp.expr("placed"))
    if scale == 1:
        return  # too fine to carry: no tie-break at all
    most = {lv: int(run.model.objective[lv][1].sum()) for lv in ("siblings", "quality")}
    # The most the tie-break can weigh: all of quality, and all of siblings above it.
    assert scale > most["quality"] + (most["quality"] + 1) * most["siblings"]
