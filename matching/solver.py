"""The batch optimiser: every open referral at once, with OR-Tools CP-SAT.

The objective is lexicographic (DESIGN.md §4): (1) children placed, emergencies before
urgent before planned; (2) `should` sibling groups together; (3) total match quality;
(4) total weekly cost. No weighted sum can honour "a lower level never buys a higher
one" without coefficients that overflow or stall the solver, so each level is solved
in turn, the levels above it held at the values found.

Three things make it fast and keep it honest:

- the *relaxation* (pair rules and capacity only, `relaxation.py`) is solved exactly by
  network flow first. Its optimum bounds the whole problem, so it is added to the model
  as a valid cut (when the levels above are at their bounds) and a solution that meets
  it is proven optimal at once; its assignment, repaired to respect every rule about
  the whole result, is the solver's starting hint.
- on large problems each child keeps only its most promising carers (its relaxed
  carer, its best by quality, and the carers that could take its whole sibling group).
  Bounds and the gap are always those of the unpruned problem, so pruning can cost
  optimality but never make a claim false.
- hard rules about one pair are in the model by construction (variables exist only for
  eligible pairs); rules about a result are constraints: capacity, `must` groups as one
  unit, `only_child`, no younger / older children beside.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from children.model import Child
from matching.occupancy import Occupancy
from matching.problem import Problem
from matching.ranking import MatchingContext, group_conflicts
from matching.relaxation import Relaxation, relax
from matching.result import Assignment, SiblingOutcome, SolveResult, StageReport
from matching.scoring import Scores, score
from matching.unplaced import explain_unplaced
from vocab import URGENCIES

Progress = Callable[[str], None]

#: Quality is optimised in tenths of a score point (CP-SAT wants integers).
QUALITY_SCALE = 10
#: Below this many eligible pairs the model keeps every pair (no pruning).
FULL_MODEL_PAIRS = 40_000
#: Carers kept per child when pruning, beyond its relaxed carer.
KEEP_PER_CHILD = 12
#: Households kept per sibling group that could take the whole group.
KEEP_PER_GROUP = 12
#: Share of the time limit each level may use; unused time rolls to the next level.
STAGE_SHARE = {"placed": 0.4, "siblings": 0.2, "quality": 0.4}


@dataclass
class _Unit:
    """Children who move as one: a single child, or a `must` sibling group."""

    children: list[int]
    vars: dict[int, cp_model.IntVar]  # carer index -> placed-here variable


class _Pairs:
    """Every child's eligible carers and scores: the data all levels share."""

    def __init__(self, ctx: MatchingContext) -> None:
        p = ctx.problem
        self.ctx = ctx
        self.children: tuple[Child, ...] = p.children
        self.index = {c.id: i for i, c in enumerate(self.children)}
        self.assessments = [ctx.assess(c) for c in self.children]
        self.eligible = [a.eligible for a in self.assessments]
        self.scores: list[Scores] = [
            score(a, e, p.policy) for a, e in zip(self.assessments, self.eligible, strict=True)
        ]
        self.quality = [np.rint(s.total * QUALITY_SCALE).astype(np.int64) for s in self.scores]
        self.vacancies = ctx.table.vacancies
        self.n_pairs = int(sum(len(e) for e in self.eligible))
        self._common: dict[tuple[int, ...], list[int]] = {}

    def q(self, child: int, carer: int) -> int:
        e = self.eligible[child]
        return int(self.quality[child][np.searchsorted(e, carer)])

    def group_members(self, policy: str) -> list[tuple[str, list[int]]]:
        return [
            (g.id, [self.index[c] for c in g.children])
            for g in self.ctx.problem.sibling_groups
            if g.policy == policy
        ]

    def common_carers(self, members: list[int]) -> list[int]:
        """Carers eligible for every member with room for all, best first; none if the
        members cannot share a household."""
        key = tuple(members)
        if key not in self._common:
            self._common[key] = self._common_carers(members)
        return self._common[key]

    def _common_carers(self, members: list[int]) -> list[int]:
        if group_conflicts([self.children[c] for c in members]):
            return []
        common = self.eligible[members[0]]
        for c in members[1:]:
            common = np.intersect1d(common, self.eligible[c], assume_unique=True)
        common = common[self.vacancies[common] >= len(members)]
        total = sum(
            self.quality[c][np.searchsorted(self.eligible[c], common)] for c in members
        )
        return [int(h) for h in common[np.argsort(-np.asarray(total), kind="stable")]]


def candidates(pairs: _Pairs, relaxed: Relaxation) -> tuple[list[set[int]], dict[str, list[int]]]:
    """Carers each child keeps in the model, and carers each `must` group keeps."""
    full = pairs.n_pairs <= FULL_MODEL_PAIRS
    keep: list[set[int]] = []
    for c, e in enumerate(pairs.eligible):
        if full or len(e) <= KEEP_PER_CHILD:
            keep.append(set(e.tolist()))
            continue
        best = e[np.argsort(-pairs.quality[c], kind="stable")[:KEEP_PER_CHILD]]
        kept = set(best.tolist())
        if c in relaxed.carer_of:
            kept.add(relaxed.carer_of[c])
        keep.append(kept)
    must: dict[str, list[int]] = {}
    for gid, members in pairs.group_members("must"):
        common = pairs.common_carers(members)
        must[gid] = common if full else common[:KEEP_PER_GROUP]
    for _gid, members in pairs.group_members("should"):
        common = pairs.common_carers(members)
        for h in common if full else common[:KEEP_PER_GROUP]:
            for c in members:
                keep[c].add(h)
    return keep, must


class _Model:
    def __init__(self, pairs: _Pairs, keep: list[set[int]], must: dict[str, list[int]]) -> None:
        self.pairs = pairs
        self.children = pairs.children
        self.model = cp_model.CpModel()
        self.units: list[_Unit] = []
        self.unit_of: dict[int, int] = {}
        m = self.model
        in_must: set[int] = set()
        for gid, members in pairs.group_members("must"):
            in_must.update(members)
            self._add_unit(_Unit(members, {h: m.new_bool_var(f"g{gid}_{h}") for h in must[gid]}))
        for c in range(len(self.children)):
            if c not in in_must:
                self._add_unit(_Unit([c], {h: m.new_bool_var(f"x{c}_{h}") for h in sorted(keep[c])}))
        self._add_capacity_and_once()
        self._add_living_alongside()
        self.together = self._add_should_groups()
        self._objectives()

    def _add_unit(self, unit: _Unit) -> None:
        for c in unit.children:
            self.unit_of[c] = len(self.units)
        self.units.append(unit)

    def x(self, child: int, carer: int) -> cp_model.IntVar | None:
        return self.units[self.unit_of[child]].vars.get(carer)

    def _add_capacity_and_once(self) -> None:
        m = self.model
        at: dict[int, list[tuple[cp_model.IntVar, int]]] = defaultdict(list)
        self.at_carer: dict[int, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
        for unit in self.units:
            if len(unit.vars) > 1:
                m.add_at_most_one(unit.vars.values())
            for h, v in unit.vars.items():
                at[h].append((v, len(unit.children)))
                for c in unit.children:
                    self.at_carer[h].append((c, v))
        vac = self.pairs.vacancies
        for h, terms in at.items():
            if sum(size for _, size in terms) > vac[h]:
                m.add(sum(size * v for v, size in terms) <= int(vac[h]))

    def _add_living_alongside(self) -> None:
        """`only_child`, no younger / no older children beside: across the whole result."""
        m = self.model
        flagged = [
            c
            for c, child in enumerate(self.children)
            if child.living_flags & {"only_child", "no_younger_children", "no_older_children"}
        ]
        done: set[tuple[int, int]] = set()
        for c in flagged:
            unit = self.units[self.unit_of[c]]
            for h, v in unit.vars.items():
                others = [
                    ov
                    for oc, ov in self.at_carer[h]
                    if self.unit_of[oc] != self.unit_of[c]
                    and self.children[c].cannot_live_with(self.children[oc])
                ]
                for ov in others:
                    key = (min(v.index, ov.index), max(v.index, ov.index))
                    if key not in done:
                        done.add(key)
                        m.add_bool_or([v.Not(), ov.Not()])

    def _add_should_groups(self) -> list[tuple[str, cp_model.IntVar]]:
        m = self.model
        together = []
        for gid, members in self.pairs.group_members("should"):
            common = set(self.units[self.unit_of[members[0]]].vars)
            for c in members[1:]:
                common &= set(self.units[self.unit_of[c]].vars)
            if group_conflicts([self.children[c] for c in members]):
                continue
            for h in sorted(common):
                if self.pairs.vacancies[h] < len(members):
                    continue
                t = m.new_bool_var(f"t{gid}_{h}")
                for c in members:
                    m.add_implication(t, self.x(c, h))
                together.append((gid, t))
        return together

    def _objectives(self) -> None:
        """Three levels: placed (tiers weighted so one more emergency outweighs any number
        of urgent, and so on), `should` groups together, then quality with cost as an
        exact tie-break (quality × (largest possible cost + 1) − cost)."""
        n = {u: sum(1 for c in self.children if c.urgency == u) for u in URGENCIES}
        w = {"planned": 1, "urgent": n["planned"] + 1}
        w["emergency"] = (n["urgent"] + 1) * w["urgent"]
        self.tier_weight = w
        table = self.pairs.ctx.table
        self.cost_span = int(sum(round(table.cost[max(u.vars, key=lambda h: table.cost[h])])
                                 * len(u.children) for u in self.units if u.vars)) + 1
        placed, quality = [], []
        tier: dict[str, list] = {u: [] for u in URGENCIES}
        for unit in self.units:
            weight = sum(w[self.children[c].urgency] for c in unit.children)
            for h, v in unit.vars.items():
                placed.append(weight * v)
                for c in unit.children:
                    tier[self.children[c].urgency].append(v)
                q = sum(self.pairs.q(c, h) for c in unit.children)
                cost = int(round(table.cost[h])) * len(unit.children)
                quality.append((q * self.cost_span - cost) * v)
        self.tier = {u: sum(tier[u]) for u in URGENCIES}
        self.level = {
            "placed": sum(placed),
            "siblings": sum(t for _, t in self.together),
            "quality": sum(quality),
        }

    def measure(self, carer_of: dict[int, int]) -> dict[str, int]:
        """The level values of an assignment, in the same units as `level`."""
        together = 0
        for _gid, members in self.pairs.group_members("should"):
            homes = {carer_of.get(c) for c in members}
            together += len(homes) == 1 and None not in homes
        table = self.pairs.ctx.table
        return {
            "placed": sum(self.tier_weight[self.children[c].urgency] for c in carer_of),
            "siblings": together,
            "quality": sum(
                self.pairs.q(c, h) * self.cost_span - int(round(table.cost[h]))
                for c, h in carer_of.items()
            ),
        }

    def start(self, relaxed: Relaxation) -> dict[int, int]:
        """A sound starting assignment: the relaxed one, repaired, then filled greedily."""
        occ = Occupancy(self.children, self.pairs.vacancies)
        rank = {u: i for i, u in enumerate(URGENCIES)}

        def urgency(unit: _Unit) -> int:
            return min(rank[self.children[c].urgency] for c in unit.children)

        order = sorted(range(len(self.units)), key=lambda u: urgency(self.units[u]))
        for u in order:
            unit = self.units[u]
            homes = {relaxed.carer_of.get(c) for c in unit.children}
            if len(homes) == 1:
                (h,) = homes
                if h is not None and h in unit.vars and occ.fits(unit.children, h):
                    occ.place(unit.children, h)
        for u in order:
            unit = self.units[u]
            if unit.children[0] in occ.carer_of:
                continue
            best = sorted(
                unit.vars, key=lambda h: -sum(self.pairs.q(c, h) for c in unit.children)
            )
            for h in best:
                if occ.fits(unit.children, h):
                    occ.place(unit.children, h)
                    break
        return occ.carer_of

    def hint(self, carer_of: dict[int, int]) -> None:
        m = self.model
        m.clear_hints()
        for unit in self.units:
            home = carer_of.get(unit.children[0])
            for h, v in unit.vars.items():
                m.add_hint(v, 1 if h == home else 0)
        for gid, t in self.together:
            del gid
            m.add_hint(t, 0)


def _global_bounds(pairs: _Pairs, mod: _Model, relaxed: Relaxation) -> dict[str, int]:
    """True upper bounds on each level for the whole, unpruned problem.

    `placed` and `quality` come from the relaxation; the quality bound holds for results
    that place the relaxation's tier counts. `siblings`: groups that have any household
    able to take them together.
    """
    return {
        "placed": sum(mod.tier_weight[u] * relaxed.tier_bound[u] for u in URGENCIES),
        "siblings": sum(
            1 for _gid, members in pairs.group_members("should") if pairs.common_carers(members)
        ),
        "quality": relaxed.quality_bound * mod.cost_span,
    }


def solve(
    problem: Problem,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    ctx: MatchingContext | None = None,
) -> SolveResult:
    """Assign children to carers under every hard rule, best result first by level."""
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    ctx = ctx or MatchingContext(problem)
    limit = problem.policy.time_limit_s if time_limit_s is None else time_limit_s
    seed = problem.policy.seed if seed is None else seed
    say(f"checking {len(problem.children)} children against {len(problem.carers)} carers")
    pairs = _Pairs(ctx)
    urgency = [c.urgency for c in pairs.children]
    relaxed = relax(pairs.eligible, pairs.quality, pairs.vacancies, urgency)
    keep, must = candidates(pairs, relaxed)
    pruned = pairs.n_pairs > FULL_MODEL_PAIRS
    mod = _Model(pairs, keep, must)
    bounds = _global_bounds(pairs, mod, relaxed)
    say(
        f"{pairs.n_pairs} eligible pairs; at most {relaxed.placed_bound} children can be placed"
        + (f"; model keeps {sum(len(u.vars) for u in mod.units)}" if pruned else "")
    )
    carer_of = mod.start(relaxed)
    mod.hint(carer_of)

    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = workers or max(8, os.cpu_count() or 1)
    m = mod.model
    stages: list[StageReport] = []
    deadline = started + limit
    share_left = 1.0
    level1_at_bound = False  # once true, the quality bound is a valid cut
    for name, share in STAGE_SHARE.items():
        expr = mod.level[name]
        budget = max(0.05, (deadline - time.perf_counter()) * share / share_left)
        share_left -= share
        if isinstance(expr, int):  # nothing to decide at this level
            continue
        cut_valid = name != "quality" or level1_at_bound
        if cut_valid:
            m.add(expr <= bounds[name])
        solver.parameters.max_time_in_seconds = budget
        m.maximize(expr)
        say(f"optimising {name} (up to {budget:.1f} s)")
        t0 = time.perf_counter()
        status = solver.solve(m)
        took = time.perf_counter() - t0
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            # Keep the last sound assignment (the hint) and report the stage as unsettled.
            stages.append(StageReport(name, solver.status_name(status), 0.0, 0.0, took))
            break
        carer_of = _read(mod, solver)
        value = mod.measure(carer_of)[name]
        proven = status == cp_model.OPTIMAL and (not pruned or (cut_valid and value == bounds[name]))
        if name == "placed":
            level1_at_bound = value == bounds["placed"]
        bound = bounds[name] if (pruned or not proven) and cut_valid else value
        if not pruned and not proven:
            bound = min(bound, int(solver.best_objective_bound)) if cut_valid else int(
                solver.best_objective_bound
            )
        stages.append(
            StageReport(name, "OPTIMAL" if proven else "FEASIBLE", *_human(mod, name, value, bound), took)
        )
        if name == "placed":
            # Hold level 1 tier by tier: the same set of results as "weighted total >=
            # value" when it is proven, and far easier for the solver than one equation
            # with large coefficients.
            achieved = {u: 0 for u in URGENCIES}
            for c in carer_of:
                achieved[pairs.children[c].urgency] += 1
            for u in URGENCIES:
                if not isinstance(mod.tier[u], int):
                    m.add(mod.tier[u] >= achieved[u])
        else:
            m.add(expr >= value)
        mod.hint(carer_of)
    return _result(pairs, mod, carer_of, relaxed, bounds, stages, time.perf_counter() - started)


def _human(mod: _Model, name: str, value: int, bound: int) -> tuple[float, float]:
    """Stage value and bound in a person's units: children, groups, score points."""
    if name == "placed":
        return float(_count(mod, value)), float(_count(mod, bound))  # tier digits summed
    if name == "quality":
        span = mod.cost_span
        return -(-value // span) / QUALITY_SCALE, -(-bound // span) / QUALITY_SCALE
    return float(value), float(bound)


def _count(mod: _Model, weighted: int) -> int:
    """Children placed, from a tier-weighted total (weights are mixed-radix digits)."""
    w = mod.tier_weight
    e, rest = divmod(weighted, w["emergency"])
    u, p = divmod(rest, w["urgent"])
    return e + u + p


def _read(mod: _Model, solver: cp_model.CpSolver) -> dict[int, int]:
    carer_of: dict[int, int] = {}
    for unit in mod.units:
        for h, v in unit.vars.items():
            if solver.boolean_value(v):
                for c in unit.children:
                    carer_of[c] = h
    return carer_of


def _result(
    pairs: _Pairs,
    mod: _Model,
    carer_of: dict[int, int],
    relaxed: Relaxation,
    bounds: dict[str, int],
    stages: list[StageReport],
    seconds: float,
) -> SolveResult:
    ctx = pairs.ctx
    by_carer: dict[int, list[int]] = defaultdict(list)
    for c, h in carer_of.items():
        by_carer[h].append(c)

    assignments = []
    for c in sorted(carer_of):
        h = carer_of[c]
        child = pairs.children[c]
        j = int(np.searchsorted(pairs.eligible[c], h))
        s = pairs.scores[c]
        reasons = s.reasons(j)
        siblings = set(ctx.problem.siblings.siblings_of(child.id))
        beside = [pairs.children[o].id for o in by_carer[h] if pairs.children[o].id in siblings]
        if beside:
            reasons = [f"placed with brother or sister {', '.join(beside)}"] + reasons
        assignments.append(
            Assignment(
                child.id,
                ctx.table.carers[h].id,
                pairs.q(c, h) / QUALITY_SCALE,
                float(pairs.assessments[c].distance_km[h]),
                tuple(reasons),
            )
        )

    outcomes = []
    for g in ctx.problem.sibling_groups:
        homes = {carer_of.get(pairs.index[c]) for c in g.children}
        if homes == {None}:
            outcome = "unplaced"
        elif len(homes) == 1:
            outcome = "together"
        else:
            outcome = "split"
        outcomes.append(SiblingOutcome(g.id, g.policy, outcome))

    placed_by = {u: 0 for u in URGENCIES}
    for c in carer_of:
        placed_by[pairs.children[c].urgency] += 1
    quality_scaled = sum(pairs.q(c, h) for c, h in carer_of.items())
    cost = float(sum(ctx.table.cost[h] for h in carer_of.values()))

    stage = {s.name: s for s in stages}
    all_proven = all(s.status == "OPTIMAL" for s in stages)
    level1_proven = "placed" not in stage or stage["placed"].status == "OPTIMAL"
    tiers_at_bound = all(placed_by[u] == relaxed.tier_bound[u] for u in URGENCIES)
    # Level 1: all lexicographically optimal results place the same children per tier.
    bound_placed = len(carer_of) if level1_proven else relaxed.placed_bound
    if all_proven:
        bound_quality = quality_scaled
    elif tiers_at_bound:
        bound_quality = relaxed.quality_bound
    elif level1_proven and "quality" in stage and stage["quality"].bound == stage["quality"].bound:
        bound_quality = int(round(stage["quality"].bound * QUALITY_SCALE))
    else:
        # Without level 1 settled, each placeable child at their best score is the
        # honest bound.
        bound_quality = int(sum(int(q.max()) for q in pairs.quality if len(q)))
    bound_quality = max(bound_quality, quality_scaled)
    gap_placed = (bound_placed - len(carer_of)) / bound_placed if bound_placed else 0.0
    gap_quality = (bound_quality - quality_scaled) / bound_quality if bound_quality else 0.0
    gap = 0.0 if all_proven else max(0.0, gap_placed, gap_quality)
    status = "OPTIMAL" if all_proven else "FEASIBLE"
    unplaced = explain_unplaced(pairs, mod, carer_of, by_carer, level1_proven=level1_proven)
    return SolveResult(
        status=status,
        placed=len(carer_of),
        placed_by_urgency=placed_by,
        siblings_together=sum(1 for o in outcomes if o.outcome == "together"),
        quality=quality_scaled / QUALITY_SCALE,
        weekly_cost=cost,
        bound_placed=bound_placed,
        bound_quality=bound_quality / QUALITY_SCALE,
        gap=gap,
        solve_seconds=seconds,
        assignments=tuple(assignments),
        unplaced=tuple(unplaced),
        sibling_groups=tuple(outcomes),
        stages=tuple(stages),
    )
