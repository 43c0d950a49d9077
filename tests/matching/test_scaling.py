"""The machinery that lets the batch scale: pruning, pricing, column generation and
completion. On problems small enough for exhaustive search, a pruned solve must reach
the same level 1 as the full model, and no bound may ever fall below the true optimum.
"""

from __future__ import annotations

import pytest

import matching
import matching.solver as solver_module
from matching.batch.model import AssignmentModel, LpRelaxation
from matching.batch.pricing import dual_bound
from matching.batch.relaxation import relax
from matching.pairs import PairTable
from matching.ranking import MatchingContext
from tests.conftest import solve
from tests.oracle import (
    RandomChooser,
    best_outcome,
    feasible_assignments,
    placed_key,
    random_problem,
    result_violations,
)

SEEDS = range(40)


def prune_hard(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every problem 'large': each child keeps one carer to begin with."""
    monkeypatch.setattr(solver_module, "FULL_MODEL_PAIRS", 0)
    monkeypatch.setattr(solver_module, "KEEP_PER_CHILD", 1)
    monkeypatch.setattr(solver_module, "KEEP_PER_GROUP", 1)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_pruned_solve_reaches_the_full_models_level_1(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = random_problem(RandomChooser(seed))
    full = solve(matching.load_problem(document), time_limit_s=20)
    prune_hard(monkeypatch)
    pruned = solve(matching.load_problem(document), time_limit_s=20)
    assert result_violations(document, pruned.carer_of()) == []
    best_key, best_together = best_outcome(document)
    assert placed_key(document, full.carer_of()) == best_key
    assert placed_key(document, pruned.carer_of()) == best_key
    level1 = next((s for s in pruned.stages if s.name == "placed"), None)
    assert level1 is None or level1.status == "OPTIMAL"
    together = sum(
        1 for g in pruned.sibling_groups if g.policy == "should" and g.outcome == "together"
    )
    assert together == best_together


def _pruned_model(document: dict) -> tuple[PairTable, AssignmentModel]:
    p = matching.load_problem(document)
    pairs = PairTable(MatchingContext(p))
    urgency = [c.urgency for c in pairs.children]
    relaxed = relax(pairs.eligible, pairs.quality, pairs.vacancies, urgency)
    keep, must = solver_module.candidates(pairs, relaxed)
    return pairs, AssignmentModel(pairs, keep, must)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_priced_bound_is_never_below_the_true_optimum(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = random_problem(RandomChooser(seed), children=(4, 7), carers=(2, 5))
    prune_hard(monkeypatch)
    pairs, model = _pruned_model(document)
    most_placed = max(len(a) for a in feasible_assignments(document))
    lp = LpRelaxation(model)
    answer = lp.bound("count", 10)
    assert answer is not None
    assert dual_bound(pairs, model, answer, "count") >= most_placed - 1e-6


@pytest.mark.parametrize("seed", SEEDS)
def test_reported_bounds_hold_on_small_problems(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    document = random_problem(RandomChooser(seed))
    prune_hard(monkeypatch)
    r = solve(matching.load_problem(document), time_limit_s=20)
    best_key, _ = best_outcome(document)
    most_placed = max(len(a) for a in feasible_assignments(document))
    assert r.bound_placed >= sum(best_key)
    if r.stages and r.stages[0].status != "OPTIMAL":
        assert r.bound_placed >= most_placed
    assert r.bound_quality >= r.quality
    assert 0 <= r.gap <= 1
