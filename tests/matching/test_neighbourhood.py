"""Large-neighbourhood search: a re-decided neighbourhood never breaks a rule or a
settled level, and it finds the exchanges that the place-keeping gather cannot."""

from __future__ import annotations

import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import matching
from matching.batch.model import AssignmentModel
from matching.batch.neighbourhood import Neighbourhoods, gather_by_neighbourhood
from tests.matching.batch_helpers import assign, exchange_problem, ids_of, model_of
from tests.oracle import RandomChooser, random_problem, result_violations
from vocab import URGENCIES


def _tiers(model: AssignmentModel, x: np.ndarray) -> dict[str, int]:
    return {u: model.level_value(u, x) for u in URGENCIES}


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), pick=st.integers(0, 10_000))
def test_a_re_decided_neighbourhood_keeps_every_rule_and_every_held_level(
    seed: int, pick: int
) -> None:
    document = random_problem(RandomChooser(seed), children=(5, 9), carers=(2, 5))
    model = model_of(document)
    x = model.values(model.greedy_start({}))
    held = _tiers(model, x) | {"siblings": model.level_value("siblings", x)}
    hoods = Neighbourhoods(model)
    rng = np.random.default_rng(pick)
    carers = set(rng.choice(len(model.pairs.vacancies), size=2).tolist())
    free = hoods.around_carers(x, carers, [])
    better = hoods.improve(x, free, ["quality"], held, seconds=2.0)
    if better is None:
        return
    assert model.feasible(better)
    assert result_violations(document, ids_of(model, better)) == []
    for level, value in held.items():
        assert model.level_value(level, better) >= value
    assert model.level_value("quality", better) > model.level_value("quality", x)
    assert (
        better[np.setdiff1d(np.arange(model.n_vars), free)]
        == x[np.setdiff1d(np.arange(model.n_vars), free)]
    ).all(), "only the neighbourhood may change"


def test_gathering_by_neighbourhood_trades_places_within_a_tier() -> None:
    document = exchange_problem()
    model = model_of(document)
    x = assign(model, {"C1": "B", "C2": "D", "X": "A", "Y": "A"})
    held = _tiers(model, x)
    # The place-keeping gather cannot: X and Y have nowhere else to go.
    kept = model.values(model.gather_siblings(model.assignment(x)))
    assert model.level_value("siblings", kept) == 0

    out = gather_by_neighbourhood(model, x, held, time.perf_counter() + 10)

    placed = ids_of(model, out)
    assert placed["C1"] == placed["C2"] == "A"
    assert model.level_value("siblings", out) == 1
    assert _tiers(model, out) == held
    assert result_violations(document, placed) == []


def test_gathering_never_buys_a_group_with_a_more_urgent_child() -> None:
    document = exchange_problem()
    for kid in document["children"]:
        if kid["id"] in ("X", "Y"):
            kid["urgency"] = "emergency"  # now the trade would cost an emergency place
    model = model_of(document)
    x = assign(model, {"C1": "B", "C2": "D", "X": "A", "Y": "A"})
    held = _tiers(model, x)

    out = gather_by_neighbourhood(model, x, held, time.perf_counter() + 10)

    assert _tiers(model, out) == held
    assert model.level_value("siblings", out) == 0
    assert ids_of(model, out)["X"] == "A"


@pytest.mark.parametrize("seed", range(4))
def test_a_pruned_solve_keeps_as_many_groups_together_as_the_greedy_baseline(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A generated region solved as if it were large (pruned, so the neighbourhoods do
    the sibling level): no rule broken, and no fewer groups together than an officer's
    greedy pass, which places fewer children."""
    import matching.solver as solver_module
    from matching.yardsticks.baselines import greedy
    from synth import generate_region

    monkeypatch.setattr(solver_module, "FULL_MODEL_PAIRS", 0)
    document = generate_region(80, 200, seed=seed)
    p = matching.load_problem(document)
    r = matching.solve(p, time_limit_s=5, seed=1, workers=1)
    g = greedy(p)
    assert result_violations(document, r.carer_of()) == []
    assert r.placed >= g.placed
    assert r.siblings_together >= g.siblings_together
