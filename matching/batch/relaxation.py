"""The assignment relaxation: pair rules and capacity only, solved exactly by network flow.

Dropping the rules about a whole result (`must` siblings, `only_child`, no younger /
older children beside) leaves a bipartite b-matching, which network flow solves
exactly in milliseconds. Every real result is also a solution of the relaxation, so
its optimum is a true bound on the whole, unpruned problem; and its assignment is an
excellent starting point (hint) for CP-SAT.

Level 1 is lexicographic by urgency. The children a b-matching can cover form a
(transversal) matroid, so the lexicographic optimum is found by nested max-flows: the
most emergencies that fit, then the most emergencies-and-urgent, then everyone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from vocab import URGENCIES


@dataclass(frozen=True)
class Relaxation:
    tier_bound: dict[str, int]  # most children placeable per urgency tier, lexicographically
    quality_bound: int  # most total quality (scaled ints) with those tier counts
    carer_of: dict[int, int]  # an optimal relaxed assignment: child -> carer

    @property
    def placed_bound(self) -> int:
        return sum(self.tier_bound.values())


def _arcs(
    eligible: list[np.ndarray], children: list[int], n_children: int
) -> tuple[np.ndarray, np.ndarray]:
    tails = np.concatenate(
        [np.full(len(eligible[c]), c, dtype=np.int64) for c in children] or [np.zeros(0, np.int64)]
    )
    heads = np.concatenate(
        [eligible[c].astype(np.int64) + n_children for c in children] or [np.zeros(0, np.int64)]
    )
    return tails, heads


def max_placeable(eligible: list[np.ndarray], vacancies: np.ndarray, children: list[int]) -> int:
    """Most of `children` that can be given an eligible place at once (max-flow)."""
    n, m = len(eligible), len(vacancies)
    source, sink = n + m, n + m + 1
    flow = max_flow.SimpleMaxFlow()
    with_options = [c for c in children if len(eligible[c])]
    if not with_options:
        return 0
    tails, heads = _arcs(eligible, with_options, n)
    flow.add_arcs_with_capacity(tails, heads, np.ones(len(tails), dtype=np.int64))
    kids = np.array(with_options, dtype=np.int64)
    flow.add_arcs_with_capacity(
        np.full(len(kids), source), kids, np.ones(len(kids), dtype=np.int64)
    )
    open_ = np.flatnonzero(vacancies > 0)
    flow.add_arcs_with_capacity(
        open_ + n, np.full(len(open_), sink), vacancies[open_].astype(np.int64)
    )
    status = flow.solve(source, sink)
    if status != flow.OPTIMAL:  # pragma: no cover - only on malformed input
        raise RuntimeError(f"max-flow failed: {status}")
    return int(flow.optimal_flow())


def relax(
    eligible: list[np.ndarray],
    quality: list[np.ndarray],
    vacancies: np.ndarray,
    urgency: list[str],
) -> Relaxation:
    """Solve the relaxation: lexicographic tier counts, then the best quality with them."""
    tiers: dict[str, int] = {}
    covered: list[int] = []
    running = 0
    for u in URGENCIES:
        covered += [c for c, cu in enumerate(urgency) if cu == u]
        total = max_placeable(eligible, vacancies, covered)
        tiers[u] = total - running
        running = total

    n, m = len(eligible), len(vacancies)
    tier_node = {u: n + m + i for i, u in enumerate(URGENCIES)}
    source, sink = n + m + len(URGENCIES), n + m + len(URGENCIES) + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    placeable = [c for c in range(n) if len(eligible[c])]
    if running == 0:
        return Relaxation(tiers, 0, {})
    tails, heads = _arcs(eligible, placeable, n)
    cost = -np.concatenate([quality[c].astype(np.int64) for c in placeable])
    # Pair arcs go in first, so arc k is pair k when reading the flows back.
    flow.add_arcs_with_capacity_and_unit_cost(
        tails, heads, np.ones(len(tails), dtype=np.int64), cost
    )
    for u in URGENCIES:
        flow.add_arc_with_capacity_and_unit_cost(source, tier_node[u], tiers[u], 0)
    for c in placeable:
        flow.add_arc_with_capacity_and_unit_cost(tier_node[urgency[c]], c, 1, 0)
    open_ = np.flatnonzero(vacancies > 0)
    flow.add_arcs_with_capacity_and_unit_cost(
        open_ + n,
        np.full(len(open_), sink),
        vacancies[open_].astype(np.int64),
        np.zeros(len(open_), dtype=np.int64),
    )
    flow.set_node_supply(source, running)
    flow.set_node_supply(sink, -running)
    status = flow.solve()
    if status != flow.OPTIMAL:  # pragma: no cover - the tier counts are feasible by construction
        raise RuntimeError(f"min-cost flow failed: {status}")
    flows = flow.flows(np.arange(len(tails)))
    used = np.flatnonzero(flows > 0)
    carer_of = {int(tails[a]): int(heads[a]) - n for a in used}
    return Relaxation(tiers, int(-flow.optimal_cost()), carer_of)
