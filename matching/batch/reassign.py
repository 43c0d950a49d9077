"""Reassign the children who can move freely, all at once, by network flow.

Most children in a batch are placed alone and bound by nothing but their own eligible
carers and each carer's places. For them, which child goes where is a b-matching, which
min-cost flow solves exactly in milliseconds: every chain of moves at once, where
CP-SAT and small neighbourhoods find chains one link at a time. At 300 x 900 a level
given one second ends 10-15% short of the best quality; the flow closes most of that
before any search starts.

The rest stays where the incumbent has it: `must` groups (they move as one), members of
`should` groups kept together (so level 2 cannot fall), and every indicator. The rules
about a whole result (who may live alongside whom, one family per adopter) are rows the
flow cannot carry, so where such a row could bind, a free child may only keep the place
it has: the result keeps every row, and every settled level, by construction.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from matching.batch.model import AssignmentModel
from vocab import URGENCIES


@dataclass(frozen=True)
class FreePart:
    """The part of an assignment the flow may change.

    `units` are the free units (single children), `vars` the variables they may take
    (an array aligned with `units` per entry), `room` each carer's places left once the
    fixed units are in.
    """

    units: list[int]
    vars: list[np.ndarray]
    room: np.ndarray


def reassign(model: AssignmentModel, x: np.ndarray, *, more_placed: bool) -> np.ndarray:
    """A sound assignment at least as good as `x` at every level, usually better.

    With `more_placed`, the free children's tier counts are raised as far as they go,
    most urgent first (level 1 not yet settled); otherwise each tier keeps exactly its
    count. Then the best total quality with those counts. Returns `x` itself when the
    flow finds nothing better.
    """
    y = _reassigned(model, x, more_placed)
    if y is None:
        return x
    better = [model.level_value(lv, y) for lv in ("placed", "siblings", "quality")]
    if better <= [model.level_value(lv, x) for lv in ("placed", "siblings", "quality")]:
        return x
    return y


def gather_by_flow(
    model: AssignmentModel, x: np.ndarray, held: dict[str, int], deadline: float, tries: int = 2
) -> np.ndarray:
    """Each split `should` group in turn, put in one of its best `tries` households
    that could take them all, and everyone free reassigned around them by the flow:
    kept if every tier keeps its held count. One flow moves every child the group
    displaces, and every child those displace, at once (a neighbourhood holds a few
    links of that chain)."""
    groups = model.pairs.group_members("should")
    at: dict[tuple[int, ...], list[int]] = {}
    for t, member_vars in model.members_of.items():
        at.setdefault(tuple(sorted(model.var_unit[v] for v in member_vars)), []).append(t)
    tiers = [u for u in URGENCIES if u in held]
    for _gid, members in groups:
        units = tuple(sorted(model.unit_of[c] for c in members))
        options = at.get(units, [])
        if not options or any(x[t] for t in options):
            continue
        best = sorted(
            options, key=lambda t: -sum(model.pairs.q(c, model.var_carer[t]) for c in members)
        )
        for t in best[:tries]:
            if time.perf_counter() >= deadline:
                return x
            carer_of = model.assignment(x)
            for c in members:
                carer_of[c] = model.var_carer[t]
            y = _reassigned(model, model.values(carer_of), more_placed=False)
            if (
                y is not None
                and all(model.level_value(u, y) >= held[u] for u in tiers)
                and model.level_value("siblings", y) > model.level_value("siblings", x)
            ):
                x = y
                break
    return x


def _reassigned(model: AssignmentModel, x: np.ndarray, more_placed: bool) -> np.ndarray | None:
    """The flow's reassignment of `x`'s free children (None if the flow cannot keep
    the counts: `x` is then over a carer's places, as a group pinned by
    `gather_by_flow` can leave it)."""
    free = free_part(model, x)
    if not free.units or (free.room < 0).any():
        return None
    tier_of = [model.children[model.units[u].children[0]].urgency for u in free.units]
    now = {u: 0 for u in URGENCIES}
    for i, vs in enumerate(free.vars):
        if x[vs].any():
            now[tier_of[i]] += 1
    target = _most_per_tier(free, model, tier_of) if more_placed else now
    chosen = _best_quality(free, model, tier_of, target)
    if chosen is None:
        return None
    y = x.copy()
    for vs in free.vars:
        y[vs] = 0
    y[chosen] = 1
    y = model.values(model.assignment(y))
    # Sound by construction; checked all the same (milliseconds), never trusted.
    return y if model.feasible(y) else None


def free_part(model: AssignmentModel, x: np.ndarray) -> FreePart:
    """The units the flow may move, the variables each may take, the room at carers.

    Fixed: `must` groups, members of `should` groups together, and children with a
    flag about who they live alongside (their rows pair them with others). A free
    child may not join a fixed child it cannot live with; an adopter who takes one
    family has room for one free child, or none if a fixed family is there.
    """
    fixed = np.array([len(unit.children) > 1 or not unit.vars for unit in model.units], dtype=bool)
    for t, members in model.members_of.items():
        if x[t]:
            fixed[[model.var_unit[v] for v in members]] = True
    fixed |= model.alongside_bound
    room = model.pairs.vacancies.astype(np.int64).copy()
    var_unit = np.asarray(model.var_unit, dtype=np.int64)
    var_carer = np.asarray(model.var_carer, dtype=np.int64)
    placed = np.flatnonzero((x > 0) & (var_unit >= 0))
    holds_fixed = np.zeros(len(room), dtype=bool)
    for v in placed[fixed[var_unit[placed]]].tolist():
        h = int(var_carer[v])
        room[h] -= len(model.units[var_unit[v]].children)
        holds_fixed[h] = True
    one_family = model.pairs.one_family & (model.pairs.vacancies >= 2)
    room[one_family] = np.where(holds_fixed[one_family], np.minimum(room[one_family], 0), 1)
    allowed = (var_unit >= 0) & ~fixed[np.maximum(var_unit, 0)]
    for v in placed[fixed[var_unit[placed]]].tolist():
        # Nobody joins a fixed child who cannot live with them.
        h = int(var_carer[v])
        mine = [model.children[c] for c in model.units[var_unit[v]].children]
        for oc, ov in model.at_carer[h]:
            if allowed[ov] and any(a.cannot_live_with(model.children[oc]) for a in mine):
                allowed[ov] = False
    units: list[int] = []
    vars_: list[np.ndarray] = []
    for u, unit in enumerate(model.units):
        if not fixed[u]:
            vs = np.array([v for v in unit.vars.values() if allowed[v]], dtype=np.int64)
            if len(vs):
                units.append(u)
                vars_.append(vs)
    return FreePart(units, vars_, room)


def _arcs(model: AssignmentModel, free: FreePart) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pair arcs (unit position -> carer node), with the variable of each."""
    var = np.concatenate(free.vars)
    tails = np.concatenate([np.full(len(vs), i, dtype=np.int64) for i, vs in enumerate(free.vars)])
    carer = np.asarray(model.var_carer, dtype=np.int64)[var]
    return tails, carer + len(free.units), var


def _most_per_tier(free: FreePart, model: AssignmentModel, tier_of: list[str]) -> dict[str, int]:
    """Most free children placeable per tier, most urgent first (nested max-flows: the
    children placeable together form a matroid, so each prefix's maximum is reached
    at once)."""
    tails, heads, _var = _arcs(model, free)
    n, m = len(free.units), len(free.room)
    source, sink = n + m, n + m + 1
    out: dict[str, int] = {}
    running = 0
    covered: list[int] = []
    for u in URGENCIES:
        covered += [i for i, t in enumerate(tier_of) if t == u]
        keep = np.isin(tails, covered)
        flow = max_flow.SimpleMaxFlow()
        flow.add_arcs_with_capacity(tails[keep], heads[keep], np.ones(int(keep.sum()), np.int64))
        kids = np.asarray(covered, dtype=np.int64)
        flow.add_arcs_with_capacity(np.full(len(kids), source), kids, np.ones(len(kids), np.int64))
        open_ = np.flatnonzero(free.room > 0)
        flow.add_arcs_with_capacity(open_ + n, np.full(len(open_), sink), free.room[open_])
        flow.solve(source, sink)
        total = int(flow.optimal_flow())
        out[u] = total - running
        running = total
    return out


def _best_quality(
    free: FreePart, model: AssignmentModel, tier_of: list[str], target: dict[str, int]
) -> np.ndarray | None:
    """The variables of the best-quality placement of exactly `target[u]` free children
    of each tier (None if the flow fails, which a sound start rules out)."""
    tails, heads, var = _arcs(model, free)
    quality = np.zeros(model.n_vars, dtype=np.int64)
    q_idx, q_coef = model.objective["quality"]
    quality[q_idx] = q_coef
    n, m = len(free.units), len(free.room)
    tier_node = {u: n + m + i for i, u in enumerate(URGENCIES)}
    source, sink = n + m + len(URGENCIES), n + m + len(URGENCIES) + 1
    total = sum(target.values())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails, heads, np.ones(len(tails), dtype=np.int64), -quality[var]
    )
    for u in URGENCIES:
        flow.add_arc_with_capacity_and_unit_cost(source, tier_node[u], target[u], 0)
    for i, t in enumerate(tier_of):
        flow.add_arc_with_capacity_and_unit_cost(tier_node[t], i, 1, 0)
    open_ = np.flatnonzero(free.room > 0)
    flow.add_arcs_with_capacity_and_unit_cost(
        open_ + n,
        np.full(len(open_), sink),
        free.room[open_],
        np.zeros(len(open_), dtype=np.int64),
    )
    flow.set_node_supply(source, total)
    flow.set_node_supply(sink, -total)
    if flow.solve() != flow.OPTIMAL:
        return None
    flows = flow.flows(np.arange(len(tails)))
    return np.asarray(var[flows > 0], dtype=np.int64)
