"""The batch optimiser: every open referral at once, with OR-Tools CP-SAT.

The objective is lexicographic (DESIGN.md §4): (1) children placed, emergencies before
urgent before planned; (2) `should` sibling groups together; (3) total match quality;
(4) total weekly cost. No weighted sum honours "a lower level never buys a higher one"
without coefficients that overflow or stall a solver, so the levels are settled one at
a time, each held at its value while the next is optimised.

For each level three bounds and solutions meet:

- the *assignment relaxation* (`relaxation.py`: pair rules and capacity only, exact by
  network flow) bounds the whole, unpruned problem: most children per tier, and the
  best quality with those counts;
- the *LP relaxation* of the model (`model.py`, GLOP) bounds the level given the levels
  settled above it; on these problems it is often integral, and then it is the answer;
- CP-SAT, started from the best sound assignment so far and cut by the bound, finds
  and proves the integer optimum.

A level is proven when CP-SAT proves it on the full model, or when its value meets a
bound that holds for the whole problem. On large problems each child keeps only its
most promising carers; the bounds and the gap are then those of the unpruned problem,
so pruning can cost optimality but never makes a claim false.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

import numpy as np
from ortools.sat.python import cp_model

from matching.batch.model import LEVELS, AssignmentModel, CpSatModel, LpAnswer, LpRelaxation
from matching.batch.neighbourhood import gather_by_neighbourhood, improve_by_neighbourhood
from matching.batch.pricing import dual_bound, price_out
from matching.batch.relaxation import Relaxation, relax
from matching.pairs import QUALITY_SCALE, PairTable
from matching.problem import Problem
from matching.ranking import MatchingContext
from matching.result import SolveResult, StageReport
from matching.unplaced import explain_unplaced
from vocab import URGENCIES

Progress = Callable[[str], None]

#: Below this many eligible pairs the model keeps every pair (no pruning).
FULL_MODEL_PAIRS = 40_000
#: Carers kept per child when pruning, beyond its relaxed carer.
KEEP_PER_CHILD = 12
#: Households kept per sibling group that could take the whole group.
KEEP_PER_GROUP = 12
#: Share of a level's time for the neighbourhood of the LP solution (its whole-number
#: choices fixed) before the open search.
NEIGHBOURHOOD_SHARE = 0.4
#: Most left-out pairs added to complete a pruned model for a proof.
COMPLETION_LIMIT = 20_000
#: Time kept back per child for writing the result (reasons, unplaced explanations).
RESULT_SECONDS_PER_CHILD = 0.001
#: CP-SAT workers; see `solve` for why one.
SEARCH_WORKERS = 1
#: CP-SAT's presolve of a pruned model before any search: about 4 s at 15,600
#: variables on this machine (1,000 x 3,000; measured with log_search_progress).
PRESOLVE_SECONDS_PER_VAR = 2.5e-4
#: Share of the siblings level's time for bringing split groups together one at a time.
GATHER_SHARE = 0.9
#: ... and of a whole (unpruned) model, where CP-SAT settles the level itself, quickly.
GATHER_SHARE_FULL = 0.05
#: Share of the quality level's open search given first to neighbourhoods.
LNS_SHARE = 0.5
#: Share of level 1's open search first given to settling its tiers one at a time
#: (small, unpruned models only).
TIERS_SHARE = 0.5
#: Share of the time limit each level may use; unused time rolls to the next level.
STAGE_SHARE = {"placed": 0.4, "siblings": 0.3, "quality": 0.25, "cost": 0.05}
assert tuple(STAGE_SHARE) == LEVELS


def candidates(
    pairs: PairTable, relaxed: Relaxation
) -> tuple[list[set[int]], dict[str, list[int]]]:
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
        for h in common:  # all of them: a "together" indicator cannot be priced
            for c in members:
                keep[c].add(h)
    return keep, must


def _human(level: str, value: float) -> float:
    """A level's value in a person's units: children, groups, score points, pounds."""
    if level == "quality":
        return value / QUALITY_SCALE
    if level == "cost":
        return -value
    return float(value)


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
    pairs = PairTable(ctx)
    relaxed = relax(
        pairs.eligible, pairs.quality, pairs.vacancies, [c.urgency for c in pairs.children]
    )
    keep, must = candidates(pairs, relaxed)
    pruned = pairs.n_pairs > FULL_MODEL_PAIRS
    model = AssignmentModel(pairs, keep, must)
    say(
        f"{pairs.n_pairs} eligible pairs; at most {relaxed.placed_bound} children can be placed"
        + (f"; the model keeps {model.n_vars} variables" if pruned else "")
    )
    cp = CpSatModel(model)
    lp = LpRelaxation(model)
    # The start: the relaxation's placements, filled, and sibling groups gathered
    # wherever that costs nobody their place (levels 1 and 2 from the outset).
    x = model.values(model.gather_siblings(model.greedy_start(relaxed.carer_of)))
    held: dict[str, int] = {}

    stale = False  # the model grew since the CP-SAT model was built

    def grow(wanted: list[tuple[int, int]]) -> None:
        nonlocal stale, x
        lp.extend(model.add_columns(wanted))
        x = np.concatenate([x, np.zeros(model.n_vars - len(x), dtype=np.int64)])
        stale = True

    def fresh_cp() -> CpSatModel:
        nonlocal cp, stale
        if stale:
            cp = CpSatModel(model)
            for settled, value in held.items():
                if settled != "placed":
                    cp.cp.add(cp.expr(settled) >= value)
            stale = False
        return cp

    def lp_bound(level: str, seconds: float) -> tuple[LpAnswer | None, float | None]:
        """The LP of `level` and a bound on it for the whole problem. On a pruned model,
        columns that price out positive are added and the LP solved again (column
        generation), so the model grows where the bound says it is too narrow."""
        stop = time.perf_counter() + seconds
        answer = None
        while True:
            began = time.perf_counter()
            fresh = lp.bound(level, max(0.05, stop - began))
            if fresh is None:
                break  # keep the last answer: the model has not grown since
            answer = fresh
            took = time.perf_counter() - began
            if not pruned or time.perf_counter() + 1.5 * took > stop:
                break
            wanted = price_out(pairs, model, answer, level)
            if not wanted:
                break
            grow(wanted)
            answer = None  # stale for the grown model until solved again
        if answer is None:
            return None, None
        if not pruned:
            return answer, answer.value
        return answer, dual_bound(pairs, model, answer, level)

    # A bound on the children any result at all could place, for the gap when level 1
    # is not proven (its column generation also widens the model where it matters).
    anywhere = {"count": _floor_or(lp_bound("count", limit / 8)[1], relaxed.placed_bound)}

    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    # One worker with the full LP relaxation inside the search: on these assignment
    # problems (tight LPs) it proves optimality several times faster than the default
    # portfolio on a small machine, and a single worker makes runs reproducible.
    solver.parameters.num_workers = workers or SEARCH_WORKERS
    solver.parameters.linearization_level = 2
    # Keep back time for writing the result: reasons for every assignment, and a full
    # assessment of every unplaced child to explain it (about 1 ms a child).
    deadline = started + limit - RESULT_SECONDS_PER_CHILD * len(problem.children)
    share_left = 1.0
    stages: list[StageReport] = []
    tiers_at_flow = True  # settled tiers equal the relaxation's: its bounds still hold

    def search(
        level: str,
        known: list[int],
        seconds: float,
        start: np.ndarray,
        fixed=(),
        enough: int | None = None,
    ) -> int:
        """One CP-SAT run of a level, cut by the best bound known; keeps the result in
        `x` if it is no worse for the level. Stops as soon as the level reaches
        `enough` (a bound on the whole problem: nothing better exists), whatever the
        tie-breaks could still gain. Returns CP-SAT's status."""
        nonlocal x
        model_cp = fresh_cp()
        expr = model_cp.expr(level)
        if known:
            model_cp.cp.add(expr <= min(known))
        objective, scale = _with_tie_break(model_cp, model, level, expr)
        model_cp.cp.maximize(objective)
        model_cp.cp.clear_assumptions()
        model_cp.cp.add_assumptions([model_cp.x[int(j)] for j in fixed])
        model_cp.hint(start)
        # Not `repair_hint`: OR-Tools 9.15 aborts the whole process ("Check failed:
        # heuristics.fixed_search != nullptr") when the time limit falls inside hint
        # repair (7 of 19 limits between 0.22 and 0.40 s on a saved model, 0 of 19
        # without it). A plain hint still steers the search from that start.
        solver.parameters.max_time_in_seconds = max(0.05, seconds)
        callback = None if enough is None else _StopAt(scale * enough)
        status = solver.solve(model_cp.cp, callback)
        model_cp.cp.clear_assumptions()
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = fill(model_cp.solution(solver), gather=level in ("placed", "siblings"))
            if model.level_value(level, found) >= model.level_value(level, x):
                x = found
        return status

    def tiers_in_turn(seconds: float) -> int:
        """Level 1 one tier at a time: the most emergencies, then with those held the
        most urgent, then planned. On small models full of conflicts (adopters taking
        one family) the weighted sum's proof can stall for many seconds where three
        plain counts prove in under one (240 x 85: 0.7 s against no proof in 20 s). A
        tier proven optimal stays held, as any level-1 optimum must reach it. OPTIMAL
        only if every tier was proven."""
        nonlocal x
        stop = time.perf_counter() + seconds
        model_cp = fresh_cp()
        for tier in URGENCIES:
            if not len(model.objective[tier][0]):
                continue
            expr = model_cp.expr(tier)
            model_cp.cp.maximize(expr)
            model_cp.hint(x)
            solver.parameters.max_time_in_seconds = max(0.05, stop - time.perf_counter())
            status = solver.solve(model_cp.cp)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return cp_model.UNKNOWN
            found = fill(model_cp.solution(solver), gather=True)
            if model.level_value("placed", found) >= model.level_value("placed", x):
                x = found
            if status != cp_model.OPTIMAL:
                return cp_model.UNKNOWN
            model_cp.cp.add(expr >= int(round(solver.objective_value)))
        return cp_model.OPTIMAL

    def affordable(seconds: float) -> bool:
        """Whether an open search of the whole model can get past CP-SAT's presolve in
        `seconds`; if not, the time is better left to the next level."""
        return not pruned or seconds >= model.n_vars * PRESOLVE_SECONDS_PER_VAR

    def fill(sound: np.ndarray, gather: bool = False) -> np.ndarray:
        """Keep every placement of a sound assignment and place whoever else fits (and,
        while siblings are still to settle, gather groups where nobody loses a place)."""
        filled = model.greedy_start(model.assignment(sound))
        return model.values(model.gather_siblings(filled) if gather else filled)

    for level, share in STAGE_SHARE.items():
        if not len(model.objective[level][0]):
            share_left -= share
            continue  # nothing to decide at this level
        t0 = time.perf_counter()
        current = model.level_value(level, x)
        if level == "siblings":
            # Before anything else: split groups brought together one small neighbourhood
            # at a time (in a large model CP-SAT cannot find those chains of moves in
            # seconds; in a small one this hands it a good start).
            budget = (deadline - t0) * share / share_left
            gather = GATHER_SHARE if pruned else GATHER_SHARE_FULL
            x = gather_by_neighbourhood(model, x, held, t0 + budget * gather, seed, say)
            current = model.level_value(level, x)
        if level == "siblings" and pruned:
            # The siblings LP is weak (it splits groups fractionally) and slow at this
            # size; the neighbourhoods above have done what it would guide.
            answer, raw_bound = None, None
        else:
            answer, raw_bound = lp_bound(
                level, max(0.05, (deadline - time.perf_counter()) * share / share_left / 2)
            )
        priced = _floor_or(raw_bound, None)
        lp_value = answer.bound if answer is not None else None
        nearly = None  # the best rounding, even if it falls short of a level above
        if answer is not None:
            for candidate in _roundings(model, answer.x):
                candidate = fill(candidate)
                if (
                    "siblings" in held
                    and model.level_value("siblings", candidate) < held["siblings"]
                ):
                    # Rounding may split groups the level above kept together: regather.
                    order = _lp_group_order(model, answer.x)
                    candidate = model.values(
                        model.gather_siblings(model.assignment(candidate), order)
                    )
                value = model.level_value(level, candidate)
                if all(model.level_value(lv, candidate) >= v for lv, v in held.items()):
                    if value > current:
                        x, current = candidate, value
                elif value > current and (
                    nearly is None or value > model.level_value(level, nearly)
                ):
                    nearly = candidate
        global_bounds = [] if priced is None else [priced]
        if level == "placed":
            global_bounds.append(
                sum(model.tier_weight[u] * relaxed.tier_bound[u] for u in URGENCIES)
            )
        if level == "quality" and tiers_at_flow:
            global_bounds.append(relaxed.quality_bound)
        global_bound = min(global_bounds) if global_bounds else None
        known = [b for b in (global_bound, lp_value) if b is not None]
        proven = global_bound is not None and current >= global_bound
        if not proven:
            budget = max(0.05, (deadline - time.perf_counter()) * share / share_left)
            if answer is not None:
                # First the part the LP left open: its whole-number choices held, CP-SAT
                # settles the fractional rest (small, so quick, and usually near the LP),
                # starting from the best rounding (as a hint: it may break a level above).
                near = budget * NEIGHBOURHOOD_SHARE
                say(f"optimising {level} around the LP (up to {near:.1f} s)")
                if level == "placed" and nearly is None:
                    # Groups together before the search, at no cost to any tier, so the
                    # search (siblings its tie-break) starts from them.
                    tiers_now = {u: model.level_value(u, x) for u in URGENCIES}
                    x = gather_by_neighbourhood(
                        model, x, tiers_now, time.perf_counter() + near / 2, seed, say
                    )
                start = x if nearly is None else nearly
                search(
                    level,
                    known,
                    near,
                    start,
                    fixed=np.flatnonzero((answer.x > 1 - 1e-6) & (start > 0)),
                    enough=global_bound,
                )
                current = model.level_value(level, x)
            status = cp_model.UNKNOWN
            seconds = (deadline - time.perf_counter()) * share / share_left
            if global_bound is None or current < global_bound:
                say(f"optimising {level} (up to {max(0.05, seconds):.1f} s)")
                whole = affordable(seconds)
                if not whole or level == "quality":
                    # Quality: many small exchanges, which neighbourhoods find fast; the
                    # whole-model search then starts from them (and proves, if it can).
                    stop = time.perf_counter() + (seconds * LNS_SHARE if whole else seconds)
                    x = improve_by_neighbourhood(
                        model,
                        x,
                        level,
                        held,
                        stop,
                        seed,
                        say,
                        # An extra child placed takes a long chain of moves, which small
                        # neighbourhoods rarely hold (+0 in every 1,000 x 3,000 run we
                        # measured): try briefly, and leave the time to siblings.
                        patience=20 if level == "placed" else 100,
                    )
                if whole:
                    seconds = (deadline - time.perf_counter()) * share / share_left
                    if level == "placed" and not pruned:
                        status = tiers_in_turn(seconds * TIERS_SHARE)
                        seconds = (deadline - time.perf_counter()) * share / share_left
                    if status != cp_model.OPTIMAL:
                        status = search(level, known, seconds, x, enough=global_bound)
                current = model.level_value(level, x)
            if status == cp_model.OPTIMAL and not pruned:
                global_bound = current
            proven = global_bound is not None and current >= global_bound
            if (
                pruned
                and not proven
                and answer is not None
                and raw_bound is not None
                and status != cp_model.UNKNOWN
            ):
                # Complete the model for improvements: a better result can only use
                # left-out pairs whose reduced cost is at least current + 1 - bound.
                # With them all in, CP-SAT's proof holds for the whole problem.
                wanted = price_out(
                    pairs,
                    model,
                    answer,
                    level,
                    per_unit=None,
                    tolerance=current + 1 - raw_bound - 1e-6,
                )
                if wanted and len(wanted) <= COMPLETION_LIMIT:
                    grow(wanted)
                    say(f"completing {level}: +{len(wanted)} pairs that could still improve it")
                    seconds = (deadline - time.perf_counter()) * share / share_left
                    status = search(level, known, seconds, x)
                    current = model.level_value(level, x)
                    if status == cp_model.OPTIMAL:
                        global_bound = current
                elif not wanted and status == cp_model.OPTIMAL:
                    global_bound = current  # nothing left out could improve it
                proven = global_bound is not None and current >= global_bound
        share_left -= share
        if level == "placed":
            tiers = {u: model.level_value(u, x) for u in URGENCIES}
            tiers_at_flow = all(tiers[u] == relaxed.tier_bound[u] for u in URGENCIES)
        bound = current if proven else (global_bound if global_bound is not None else float("nan"))
        stages.append(
            StageReport(
                level,
                "OPTIMAL" if proven else "FEASIBLE",
                *_stage_figures(model, level, current, bound, proven, x, relaxed),
                time.perf_counter() - t0,
            )
        )
        held[level] = current
        cp = fresh_cp()
        if level == "placed":
            # Held tier by tier: when level 1 is proven this is the same set of results as
            # "weighted total >= value", and far easier for both solvers.
            for u in URGENCIES:
                if len(model.objective[u][0]):
                    held[u] = tiers[u]
                    cp.cp.add(cp.expr(u) >= tiers[u])
                    lp.hold(u, tiers[u])
        else:
            cp.cp.add(cp.expr(level) >= current)
            lp.hold(level, current)
    return _result(
        pairs, model, model.assignment(x), relaxed, anywhere, stages, time.perf_counter() - started
    )


def _floor_or(value: float | None, default: int | None) -> int | None:
    return default if value is None else _floor(value)


def _floor(value: float) -> int:
    """An integer objective is at most floor(bound); padded for LP tolerances."""
    return int(np.floor(value + 1e-6 * max(1.0, abs(value))))


def _stage_figures(
    model: AssignmentModel,
    level: str,
    value: int,
    bound: float,
    proven: bool,
    x: np.ndarray,
    relaxed: Relaxation,
) -> tuple[float, float]:
    """Value and bound in a person's units; level 1 as children placed (the tier
    counts themselves are in the result's `placed_by_urgency`)."""
    if level == "placed":
        placed = sum(model.level_value(u, x) for u in URGENCIES)
        return float(placed), float(placed if proven else relaxed.placed_bound)
    return _human(level, value), _human(level, bound)


def _with_tie_break(cp: CpSatModel, model: AssignmentModel, level: str, expr):
    """The level, then the levels below it (but cost) as tie-breaks, as one objective,
    and the scale of the level in it.

    Level 1 and level 2 each leave many equally good results; searching them with an
    eye on the next levels hands each level a good start instead of an arbitrary one:
    level 1 keeps sibling groups together where it costs no placement. Each scale
    keeps it a tie-break: all there is of the lower terms weighs less than one unit of
    the term above.
    """
    if level not in ("placed", "siblings"):
        return expr, 1
    below = ["siblings", "quality"] if level == "placed" else ["quality"]
    combined, scale = 0, 1
    for lower in reversed(below):
        coef = model.objective[lower][1]
        combined = combined + scale * cp.expr(lower)
        scale *= int(coef.sum()) + 1 if len(coef) else 1
    top = int(model.objective[level][1].sum()) or 1
    if scale * top >= 2**62:  # too fine to carry: keep only the next level down
        return _with_tie_break(cp, model, "siblings", expr) if level == "placed" else (expr, 1)
    return scale * expr + combined, scale


class _StopAt(cp_model.CpSolverSolutionCallback):
    """Stops CP-SAT once the objective reaches a value nothing can beat at the level."""

    def __init__(self, objective: int) -> None:
        super().__init__()
        self.objective = objective

    def on_solution_callback(self) -> None:
        if self.objective_value >= self.objective:
            self.stop_search()


def _lp_group_order(model: AssignmentModel, lp_x: np.ndarray) -> list[int]:
    """`should` groups, most wanted together by the LP first."""
    groups = model.pairs.group_members("should")
    together: dict[tuple[int, ...], float] = defaultdict(float)
    for t in model.together:
        members = tuple(model.var_unit[v] for v in model.members_of[t])
        together[members] += lp_x[t]
    score = []
    for _gid, members in groups:
        units = tuple(model.unit_of[c] for c in members)
        score.append(together.get(units, 0.0))
    return sorted(range(len(groups)), key=lambda g: -score[g])


def _roundings(model: AssignmentModel, lp_x: np.ndarray) -> list[np.ndarray]:
    """Sound assignments suggested by an LP solution: its integral part, then each unit
    at its largest LP value (conflicts are resolved by `fill`, most urgent first)."""
    integral = np.where(lp_x > 1 - 1e-6, 1, 0).astype(np.int64)
    out = [integral] if model.feasible(integral) else []
    leaning = np.zeros(model.n_vars, dtype=np.int64)
    for unit in model.units:
        if unit.vars:
            v = max(unit.vars.values(), key=lambda i: lp_x[i])
            leaning[v] = lp_x[v] > 0.5
    sound = model.assignment(leaning)
    out.append(model.values(model.greedy_start(sound)))
    return out


def _result(
    pairs: PairTable,
    model: AssignmentModel,
    carer_of: dict[int, int],
    relaxed: Relaxation,
    anywhere: dict[str, int | None],
    stages: list[StageReport],
    seconds: float,
) -> SolveResult:
    ctx = pairs.ctx
    by_carer: dict[int, list[int]] = defaultdict(list)
    for c, h in carer_of.items():
        by_carer[h].append(c)
    assignments = pairs.assignments(carer_of)
    outcomes = pairs.sibling_outcomes(carer_of)
    placed_by = pairs.placed_by_urgency(carer_of)
    quality = sum(pairs.q(c, h) for c, h in carer_of.items())
    stage = {s.name: s for s in stages}
    all_proven = all(s.status == "OPTIMAL" for s in stages)
    level1_proven = "placed" not in stage or stage["placed"].status == "OPTIMAL"

    # Level 1: every lexicographically optimal result places the same children per tier.
    bound_placed = len(carer_of) if level1_proven else min(relaxed.placed_bound, anywhere["count"])
    if all_proven:
        bound_quality = quality
    elif level1_proven and "quality" in stage and not np.isnan(stage["quality"].bound):
        # With level 1 at its optimum, the quality level's priced bound (levels 1 and 2
        # held as found) holds for the whole problem.
        bound_quality = int(round(stage["quality"].bound * QUALITY_SCALE))
    else:
        # Level 1 unsettled: every placeable child at their own best match.
        bound_quality = int(sum(int(q.max()) for q in pairs.quality if len(q)))
    bound_quality = max(bound_quality, quality)
    # The gap of the first level not proven: children placed, then quality.
    if all_proven:
        gap = 0.0
    elif not level1_proven:
        gap = (bound_placed - len(carer_of)) / bound_placed if bound_placed else 0.0
    else:
        gap = (bound_quality - quality) / bound_quality if bound_quality else 0.0
    unplaced = explain_unplaced(pairs, model, carer_of, by_carer, level1_proven=level1_proven)
    return SolveResult(
        status="OPTIMAL" if all_proven else "FEASIBLE",
        placed=len(carer_of),
        placed_by_urgency=placed_by,
        siblings_together=sum(
            1 for o in outcomes if o.outcome == "together" and o.policy != "apart"
        ),
        quality=quality / QUALITY_SCALE,
        weekly_cost=float(sum(ctx.table.cost[h] for h in carer_of.values())),
        bound_placed=bound_placed,
        bound_quality=bound_quality / QUALITY_SCALE,
        gap=gap,
        solve_seconds=seconds,
        assignments=assignments,
        unplaced=tuple(unplaced),
        sibling_groups=outcomes,
        stages=tuple(stages),
    )
