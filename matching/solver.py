"""The batch optimiser: every open referral at once, with OR-Tools CP-SAT.

The objective is lexicographic (DESIGN.md §4): (1) children placed, emergencies before
urgent before planned; (2) `should` sibling groups together; (3) total match quality;
(4) total weekly cost. No weighted sum can honour "a lower level never buys a higher
one" without coefficients that overflow or stall the solver, so each level is solved
in turn with the levels above it held at the values found.

Hard rules enter the model in two ways: pair rules (DESIGN §4.1–4.9 for one child and
one household) by creating variables only for eligible pairs; rules about a *result*
(capacity, `must` siblings, `only_child`, no younger/older children placed beside) as
constraints.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow
from ortools.sat.python import cp_model

from children.model import Child
from matching.problem import Problem
from matching.ranking import MatchingContext, group_conflicts
from matching.result import Assignment, SiblingOutcome, SolveResult, StageReport
from matching.scoring import Scores, score
from matching.unplaced import explain_unplaced
from vocab import URGENCIES

Progress = Callable[[str], None]

#: Share of the time limit each level may use; unused time rolls to the next level.
STAGE_SHARE = {"placed": 0.45, "siblings": 0.15, "quality": 0.3, "cost": 0.1}
#: Quality is optimised in tenths of a score point (CP-SAT wants integers).
QUALITY_SCALE = 10


@dataclass
class _Unit:
    """Children who move as one: a single child, or a `must` sibling group."""

    children: list[int]
    vars: dict[int, cp_model.IntVar]  # carer index -> placed-here variable


class _Model:
    def __init__(self, ctx: MatchingContext) -> None:
        self.ctx = ctx
        p = ctx.problem
        table = ctx.table
        self.children: tuple[Child, ...] = p.children
        self.index = {c.id: i for i, c in enumerate(self.children)}
        self.assessments = [ctx.assess(c) for c in self.children]
        self.eligible = [a.eligible for a in self.assessments]
        self.scores: list[Scores] = [
            score(a, e, p.policy) for a, e in zip(self.assessments, self.eligible, strict=True)
        ]
        self.quality = [
            np.rint(s.total * QUALITY_SCALE).astype(np.int64) for s in self.scores
        ]
        self.vacancies = table.vacancies
        self.model = cp_model.CpModel()
        self.units: list[_Unit] = []
        self.unit_of: dict[int, int] = {}
        self._build_units()
        self._add_capacity_and_once()
        self._add_living_alongside()
        self.together = self._add_should_groups()
        self._objectives()

    # -- variables -------------------------------------------------------------
    def _q(self, child: int, carer: int) -> int:
        e = self.eligible[child]
        return int(self.quality[child][np.searchsorted(e, carer)])

    def _build_units(self) -> None:
        m = self.model
        in_must: set[int] = set()
        for g in self.ctx.problem.sibling_groups:
            if g.policy != "must":
                continue
            members = [self.index[c] for c in g.children]
            in_must.update(members)
            common = set(self.eligible[members[0]].tolist())
            for c in members[1:]:
                common &= set(self.eligible[c].tolist())
            if group_conflicts([self.children[c] for c in members]):
                common = set()
            room = [h for h in sorted(common) if self.vacancies[h] >= len(members)]
            unit = _Unit(members, {h: m.new_bool_var(f"g{g.id}_{h}") for h in room})
            self._add_unit(unit)
        for c in range(len(self.children)):
            if c in in_must:
                continue
            unit = _Unit([c], {int(h): m.new_bool_var(f"x{c}_{h}") for h in self.eligible[c]})
            self._add_unit(unit)

    def _add_unit(self, unit: _Unit) -> None:
        for c in unit.children:
            self.unit_of[c] = len(self.units)
        self.units.append(unit)

    def x(self, child: int, carer: int) -> cp_model.IntVar | None:
        return self.units[self.unit_of[child]].vars.get(carer)

    # -- constraints -----------------------------------------------------------
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
        for h, terms in at.items():
            if sum(size for _, size in terms) > self.vacancies[h]:
                m.add(sum(size * v for v, size in terms) <= int(self.vacancies[h]))

    def _add_living_alongside(self) -> None:
        """`only_child`, no younger / no older children beside: across the whole result."""
        m = self.model
        flagged = {
            c
            for c, child in enumerate(self.children)
            if child.living_flags & {"only_child", "no_younger_children", "no_older_children"}
        }
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
                if not others:
                    continue
                if len(others) <= 8:
                    for ov in others:
                        key = (min(v.index, ov.index), max(v.index, ov.index))
                        if key not in done:
                            done.add(key)
                            m.add_bool_or([v.Not(), ov.Not()])
                else:
                    big = min(int(self.vacancies[h]), len(others))
                    m.add(sum(others) + big * v <= big)

    def _add_should_groups(self) -> list[tuple[str, cp_model.IntVar]]:
        m = self.model
        together = []
        for g in self.ctx.problem.sibling_groups:
            if g.policy != "should":
                continue
            members = [self.index[c] for c in g.children]
            common = set(self.units[self.unit_of[members[0]]].vars)
            for c in members[1:]:
                common &= set(self.units[self.unit_of[c]].vars)
            if group_conflicts([self.children[c] for c in members]):
                continue
            for h in sorted(common):
                if self.vacancies[h] < len(members):
                    continue
                t = m.new_bool_var(f"t{g.id}_{h}")
                for c in members:
                    m.add_implication(t, self.x(c, h))
                together.append((g.id, t))
        return together

    def _objectives(self) -> None:
        n = {u: sum(1 for c in self.children if c.urgency == u) for u in URGENCIES}
        weight = {"planned": 1}
        weight["urgent"] = n["planned"] + 1
        weight["emergency"] = n["urgent"] * weight["urgent"] + n["planned"] + 1
        self.tier_weight = weight
        placed, quality, cost = [], [], []
        for unit in self.units:
            w = sum(weight[self.children[c].urgency] for c in unit.children)
            for h, v in unit.vars.items():
                placed.append(w * v)
                quality.append(sum(self._q(c, h) for c in unit.children) * v)
                cost.append(int(round(self.ctx.table.cost[h])) * len(unit.children) * v)
        self.level = {
            "placed": sum(placed),
            "siblings": sum(t for _, t in self.together),
            "quality": sum(quality),
            "cost": -sum(cost),
        }


def placed_upper_bound(ctx: MatchingContext, eligible: list[np.ndarray]) -> int:
    """Most children that could be placed if only pair rules and capacity mattered.

    A max-flow over child -> eligible carer -> capacity; every result-level rule only
    removes solutions, so this is a true upper bound on children placed.
    """
    flow = max_flow.SimpleMaxFlow()
    n = len(eligible)
    source, sink = n + len(ctx.table), n + len(ctx.table) + 1
    for c, e in enumerate(eligible):
        if len(e):
            flow.add_arc_with_capacity(source, c, 1)
            for h in e:
                flow.add_arc_with_capacity(c, n + int(h), 1)
    for h, vac in enumerate(ctx.table.vacancies):
        if vac > 0:
            flow.add_arc_with_capacity(n + h, sink, int(vac))
    if flow.solve(source, sink) != flow.OPTIMAL:
        return sum(1 for e in eligible if len(e))
    return int(flow.optimal_flow())


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
    mod = _Model(ctx)
    m = mod.model

    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = workers or max(1, min(8, os.cpu_count() or 1))
    stages: list[StageReport] = []
    deadline = started + limit
    remaining_share = 1.0
    all_vars = [v for u in mod.units for v in u.vars.values()] + [t for _, t in mod.together]
    values: dict[int, int] = {}
    for name, share in STAGE_SHARE.items():
        expr = mod.level[name]
        if isinstance(expr, int) or (name == "siblings" and not mod.together):
            remaining_share -= share
            continue
        budget = max(0.05, (deadline - time.perf_counter()) * share / remaining_share)
        remaining_share -= share
        solver.parameters.max_time_in_seconds = budget
        m.maximize(expr)
        t0 = time.perf_counter()
        say(f"optimising {name} (up to {budget:.1f} s)")
        status = solver.solve(m)
        took = time.perf_counter() - t0
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if not values:
                # Nothing found at all: fall back to the empty result, which is feasible.
                values = {v.index: 0 for v in all_vars}
            stages.append(StageReport(name, solver.status_name(status), 0.0, 0.0, took))
            break
        value = int(round(solver.objective_value))
        bound = float(solver.best_objective_bound)
        stages.append(StageReport(name, solver.status_name(status), value, bound, took))
        values = {v.index: int(solver.value(v)) for v in all_vars}
        m.add(expr >= value)
        m.clear_hints()
        for v in all_vars:
            m.add_hint(v, values[v.index])

    return _result(mod, values, stages, time.perf_counter() - started)


def _result(
    mod: _Model, values: dict[int, int], stages: list[StageReport], seconds: float
) -> SolveResult:
    ctx = mod.ctx
    carer_of: dict[int, int] = {}
    for unit in mod.units:
        for h, v in unit.vars.items():
            if values.get(v.index):
                for c in unit.children:
                    carer_of[c] = h
    by_carer: dict[int, list[int]] = defaultdict(list)
    for c, h in carer_of.items():
        by_carer[h].append(c)

    assignments = []
    for c in sorted(carer_of):
        h = carer_of[c]
        child = mod.children[c]
        j = int(np.searchsorted(mod.eligible[c], h))
        s = mod.scores[c]
        reasons = s.reasons(j)
        sibs = [
            mod.children[o].id
            for o in by_carer[h]
            if o != c and mod.children[o].id in ctx.problem.siblings.siblings_of(child.id)
        ]
        if sibs:
            reasons = [f"placed with brother or sister {', '.join(sibs)}"] + reasons
        assignments.append(
            Assignment(
                child.id,
                ctx.table.carers[h].id,
                float(s.total[j]),
                float(mod.assessments[c].distance_km[h]),
                tuple(reasons),
            )
        )

    outcomes = []
    for g in ctx.problem.sibling_groups:
        homes = {carer_of.get(mod.index[c]) for c in g.children}
        if homes == {None}:
            outcome = "unplaced"
        elif len(homes) == 1:
            outcome = "together"
        else:
            outcome = "split"
        outcomes.append(SiblingOutcome(g.id, g.policy, outcome))

    placed_by = {u: 0 for u in URGENCIES}
    for c in carer_of:
        placed_by[mod.children[c].urgency] += 1
    quality = sum(mod._q(c, h) for c, h in carer_of.items()) / QUALITY_SCALE
    cost = float(sum(ctx.table.cost[h] for h in carer_of.values()))

    all_optimal = bool(stages) and all(s.status == "OPTIMAL" for s in stages)
    bound_placed = placed_upper_bound(ctx, mod.eligible)
    first = stages[0] if stages else None
    if first is not None and first.status == "OPTIMAL":
        bound_placed = min(bound_placed, len(carer_of))
    quality_stage = next((s for s in stages if s.name == "quality"), None)
    if quality_stage is not None and first is not None and first.status == "OPTIMAL":
        bound_quality = quality if all_optimal else max(quality, quality_stage.bound / QUALITY_SCALE)
    else:
        # Without level 1 settled, the best quality is bounded by every child placed
        # at their best score.
        bound_quality = float(sum(float(s.total.max()) for s in mod.scores if len(s.carers)))
    gap_placed = (bound_placed - len(carer_of)) / bound_placed if bound_placed else 0.0
    gap_quality = (bound_quality - quality) / bound_quality if bound_quality > 0 else 0.0
    gap = max(0.0, gap_placed, gap_quality)
    status = "OPTIMAL" if all_optimal else ("FEASIBLE" if stages else "UNKNOWN")

    unplaced = explain_unplaced(mod, carer_of, by_carer, optimal=all_optimal)
    return SolveResult(
        status=status,
        placed=len(carer_of),
        placed_by_urgency=placed_by,
        siblings_together=sum(1 for o in outcomes if o.outcome == "together"),
        quality=quality,
        weekly_cost=cost,
        bound_placed=bound_placed,
        bound_quality=bound_quality,
        gap=gap,
        solve_seconds=seconds,
        assignments=tuple(assignments),
        unplaced=tuple(unplaced),
        sibling_groups=tuple(outcomes),
        stages=tuple(stages),
    )
