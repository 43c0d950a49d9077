"""A true bound for a pruned model: LP duality over every eligible pair, kept or not.

A large problem keeps only each child's most promising carers. The LP of that pruned
model bounds the pruned model, not the problem. Its dual solution, though, prices
every column that was left out: for any solution x of the *full* LP,

    c·x  =  Σ_j rc_j x_j + y·(A x)  ≤  Σ_units max(0, max_j rc_j)  +  y·b

because each unit (a child, or a `must` group) takes at most one carer, and a row that
a left-out column would need but the pruned model lacks (its carer's capacity, a
living-alongside pair) enters with a dual of 0. So `y·b` plus every unit's best positive
reduced cost is an upper bound on the full problem; when no left-out carer prices
positive it equals the pruned LP's optimum, which is then exact for the whole problem.
"""

from __future__ import annotations

import numpy as np

from matching.batch.model import AssignmentModel, LpAnswer
from matching.pairs import PairTable
from vocab import URGENCIES


def unit_carers(pairs: PairTable, members: list[int]) -> np.ndarray:
    """Every carer the unit could be placed with in the full problem."""
    if len(members) == 1:
        return pairs.eligible[members[0]]
    return np.asarray(pairs.common_carers(members), dtype=np.int64)


def column_values(
    pairs: PairTable, model: AssignmentModel, members: list[int], carers: np.ndarray, level: str
) -> np.ndarray:
    """The objective coefficient of placing the unit with each of `carers`, for a level."""
    if level in URGENCIES:
        return np.full(len(carers), sum(pairs.children[c].urgency == level for c in members))
    if level == "count":
        return np.full(len(carers), len(members))
    if level == "placed":
        weight = sum(model.tier_weight[pairs.children[c].urgency] for c in members)
        return np.full(len(carers), weight)
    if level == "quality":
        total = np.zeros(len(carers), dtype=np.int64)
        for c in members:
            total = total + pairs.quality[c][np.searchsorted(pairs.eligible[c], carers)]
        return total
    if level == "cost":
        cost: np.ndarray = pairs.cost[carers]
        return -cost * len(members)
    return np.zeros(len(carers))  # siblings: only the "together" indicators count


def _left_out(
    pairs: PairTable, model: AssignmentModel, answer: LpAnswer, level: str, u: int
) -> tuple[np.ndarray, np.ndarray]:
    """The unit's carers missing from the model, and their reduced costs.

    A left-out column meets only its unit's row, its carer's capacity row and the settled
    levels' rows; any other row it would need is new, with a dual of 0.
    """
    unit = model.units[u]
    carers = unit_carers(pairs, unit.children)
    if unit.vars and len(carers):
        carers = carers[~np.isin(carers, list(unit.vars))]
    if not len(carers):
        return carers, np.zeros(0)
    y = answer.duals
    rc = column_values(pairs, model, unit.children, carers, level).astype(np.float64)
    rc -= y[model.once_row[u]] if u in model.once_row else 0.0
    capacity = np.array([model.capacity_row.get(int(h), -1) for h in carers])
    has_row = capacity >= 0
    rc[has_row] -= len(unit.children) * y[capacity[has_row]]
    for settled, dual in answer.held_duals.items():
        rc -= dual * column_values(pairs, model, unit.children, carers, settled)
    return carers, rc


def dual_bound(pairs: PairTable, model: AssignmentModel, answer: LpAnswer, level: str) -> float:
    """Upper bound on `level` over the full problem, given the settled levels."""
    total = answer.dual_rhs
    for u, unit in enumerate(model.units):
        best = max((float(answer.reduced_cost[v]) for v in unit.vars.values()), default=0.0)
        _carers, rc = _left_out(pairs, model, answer, level, u)
        if len(rc):
            best = max(best, float(rc.max()))
        total += max(0.0, best)
    for t in model.together:
        total += max(0.0, float(answer.reduced_cost[t]))
    return total


def price_out(
    pairs: PairTable,
    model: AssignmentModel,
    answer: LpAnswer,
    level: str,
    per_unit: int | None = 3,
    tolerance: float = 1e-6,
) -> list[tuple[int, int]]:
    """Left-out (unit, carer) pairs with reduced cost above `tolerance`: by default the
    columns that could raise the LP (the next round of column generation)."""
    wanted = []
    for u in range(len(model.units)):
        carers, rc = _left_out(pairs, model, answer, level, u)
        if len(rc) and rc.max() > tolerance:
            best = np.argsort(-rc, kind="stable")[:per_unit]
            wanted += [(u, int(carers[j])) for j in best if rc[j] > tolerance]
    return wanted
