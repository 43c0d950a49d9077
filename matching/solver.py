"""The batch optimiser: every open referral at once, with OR-Tools CP-SAT.

The objective is lexicographic (docs/design.md §4, The objective of a batch): (1)
children placed, emergencies before urgent before planned; (2) `should` sibling groups
together; (3) total match quality; (4) total weekly cost. No weighted sum honours "a
lower level never buys a higher one" without coefficients that overflow or stall a
solver, so the levels are settled one at a time, each held at its value while the next
is optimised.

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
from dataclasses import replace

import numpy as np
from ortools.sat.python import cp_model

from matching.batch.level import LevelSearch, floor
from matching.batch.model import LEVELS, AssignmentModel
from matching.batch.relaxation import Relaxation, relax
from matching.batch.run import BatchRun, Progress
from matching.pairs import QUALITY_SCALE, PairTable
from matching.problem import Problem
from matching.ranking import MatchingContext, context_for
from matching.result import SolveResult, StageReport
from matching.unplaced import explain_unplaced
from matching.wait import hold_back, without
from vocab import URGENCIES

#: Below this many eligible pairs the model keeps every pair (no pruning).
FULL_MODEL_PAIRS = 40_000
#: Carers kept per child when pruning, beyond its relaxed carer.
KEEP_PER_CHILD = 12
#: Households kept per sibling group that could take the whole group.
KEEP_PER_GROUP = 12
#: Time kept back per child for writing the result (reasons, unplaced explanations).
RESULT_SECONDS_PER_CHILD = 0.001
#: CP-SAT workers; see `_cp_solver` for why one.
SEARCH_WORKERS = 1
#: Share of the time limit each level may use; unused time rolls to the next level. On a
#: pruned (large) model the siblings level gathers groups by flow and neighbourhoods,
#: which takes time and pays; on a whole model CP-SAT settles it quickly or spends its
#: time on a proof, and quality (the search the flow starts) gains more from it
#: (300 x 900 seed 1, 10 s: 3.7 s on siblings bought no group).
STAGE_SHARE = {"placed": 0.35, "siblings": 0.4, "quality": 0.2, "cost": 0.05}
STAGE_SHARE_FULL = {"placed": 0.35, "siblings": 0.3, "quality": 0.3, "cost": 0.05}
assert tuple(STAGE_SHARE) == tuple(STAGE_SHARE_FULL) == LEVELS


def candidates(
    pairs: PairTable, relaxed: Relaxation
) -> tuple[list[set[int]], dict[str, list[int]]]:
    """Carers each child keeps in the model, and carers each `must` group keeps."""
    full = not _pruned(pairs)
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


def solve(
    problem: Problem,
    *,
    time_limit_s: float | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    ctx: MatchingContext | None = None,
) -> SolveResult:
    """Assign children to carers under every hard rule, best result first by level.

    With the policy's `wait_for_better` on, the referrals the wait policy holds back
    (matching.wait) leave the batch first; the rest are solved as always, and the
    result names the held-back children with the home expected for each."""
    ctx = ctx or context_for(problem)
    if not problem.policy.wait_for_better:
        return _solve(problem, time_limit_s, seed, workers, progress, ctx)
    started = time.perf_counter()
    held = hold_back(problem, ctx)
    rest = without(problem, held)
    if held:
        (progress or (lambda _msg: None))(f"holding back {len(held)} children for a better home")
    result = _solve(rest, time_limit_s, seed, workers, progress, _same_carers(ctx, rest))
    seconds = time.perf_counter() - started
    return replace(result, held_back=held, solve_seconds=seconds)


def _same_carers(ctx: MatchingContext, problem: Problem) -> MatchingContext:
    """A context for `problem` (the same carers as `ctx`'s) that reuses its carer
    table: the table is built from the carers alone."""
    if problem is ctx.problem:
        return ctx
    out = MatchingContext(problem, ctx.gaz)
    out.__dict__["table"] = ctx.table
    return out


def _solve(
    problem: Problem,
    time_limit_s: float | None,
    seed: int | None,
    workers: int | None,
    progress: Progress | None,
    ctx: MatchingContext | None,
) -> SolveResult:
    """The batch itself: every child in `problem`, by level."""
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    ctx = ctx or context_for(problem)
    limit = problem.policy.time_limit_s if time_limit_s is None else time_limit_s
    seed = problem.policy.seed if seed is None else seed
    pairs, relaxed, model = _set_up(problem, ctx, say)
    # The start: the relaxation's placements, filled, and sibling groups gathered
    # wherever that costs nobody their place (levels 1 and 2 from the outset).
    start = model.values(model.gather_siblings(model.greedy_start(relaxed.carer_of)))
    # Keep back time for writing the result: reasons for every assignment, and a full
    # assessment of every unplaced child to explain it (about 1 ms a child).
    deadline = started + limit - RESULT_SECONDS_PER_CHILD * len(problem.children)
    run = BatchRun(
        pairs,
        model,
        start,
        pruned=_pruned(pairs),
        seed=seed,
        solver=_cp_solver(seed, workers or SEARCH_WORKERS),
        deadline=deadline,
        say=say,
    )
    # A bound on the children any result at all could place, for the gap when level 1
    # is not proven (its column generation also widens the model where it matters).
    count_bound = run.lp_bound("count", limit / 8)[1]
    anywhere = relaxed.placed_bound if count_bound is None else floor(count_bound)
    stages = _settle_levels(run, relaxed)
    carer_of = model.assignment(run.x)
    return _result(pairs, model, carer_of, relaxed, anywhere, stages, time.perf_counter() - started)


def _set_up(
    problem: Problem, ctx: MatchingContext, say: Progress
) -> tuple[PairTable, Relaxation, AssignmentModel]:
    """The eligible pairs, their relaxation (bounds, and the carer each child would
    have there) and the model: every eligible pair, or on a large problem the most
    promising (see `candidates`)."""
    say(f"checking {len(problem.children)} children against {len(problem.carers)} carers")
    pairs = PairTable(ctx)
    relaxed = relax(
        pairs.eligible, pairs.quality, pairs.vacancies, [c.urgency for c in pairs.children]
    )
    keep, must = candidates(pairs, relaxed)
    model = AssignmentModel(pairs, keep, must)
    kept = f"; the model keeps {model.n_vars} variables" if _pruned(pairs) else ""
    at_most = f"at most {relaxed.placed_bound} children can be placed"
    say(f"{pairs.n_pairs} eligible pairs; {at_most}{kept}")
    return pairs, relaxed, model


def _pruned(pairs: PairTable) -> bool:
    """Whether the model keeps only each child's most promising carers."""
    return pairs.n_pairs > FULL_MODEL_PAIRS


def _cp_solver(seed: int, workers: int) -> cp_model.CpSolver:
    """CP-SAT as every search of a run uses it."""
    solver = cp_model.CpSolver()
    solver.parameters.random_seed = seed
    # One worker with the full LP relaxation inside the search: on these assignment
    # problems (tight LPs) it proves optimality several times faster than the default
    # portfolio on a small machine, and a single worker makes runs reproducible.
    solver.parameters.num_workers = workers
    solver.parameters.linearization_level = 2
    return solver


def _settle_levels(run: BatchRun, relaxed: Relaxation) -> list[StageReport]:
    """The levels in order, each held at its value while the next is optimised; a level
    with nothing to decide gives its time to the rest."""
    stages: list[StageReport] = []
    share_left = 1.0
    tiers_at_flow = True  # settled tiers equal the relaxation's: its bounds still hold
    for level, share in (STAGE_SHARE if run.pruned else STAGE_SHARE_FULL).items():
        if run.has_terms(level):
            stages.append(
                LevelSearch(run, level, share, share_left, relaxed, tiers_at_flow).settle()
            )
            if stages[-1].status == "OPTIMAL":
                run.proven.add(level)
            if level == "placed":
                tiers_at_flow = all(run.value(u) == relaxed.tier_bound[u] for u in URGENCIES)
            run.hold(level)
        share_left -= share
    return stages


def _result(
    pairs: PairTable,
    model: AssignmentModel,
    carer_of: dict[int, int],
    relaxed: Relaxation,
    anywhere: int,
    stages: list[StageReport],
    seconds: float,
) -> SolveResult:
    """The result as the product reports it: placements, measures, and how far from
    proven each is (bounds and the gap of the first level not proven)."""
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
    bound_placed = len(carer_of) if level1_proven else min(relaxed.placed_bound, anywhere)
    bound_quality = _quality_bound(pairs, stage, quality, all_proven, level1_proven)
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


def _quality_bound(
    pairs: PairTable,
    stage: dict[str, StageReport],
    quality: int,
    all_proven: bool,
    level1_proven: bool,
) -> int:
    """A bound on total quality (in model units) for the whole problem."""
    if all_proven:
        bound = quality
    elif level1_proven and "quality" in stage and not np.isnan(stage["quality"].bound):
        # With level 1 at its optimum, the quality level's priced bound (levels 1 and 2
        # held as found) holds for the whole problem.
        bound = int(round(stage["quality"].bound * QUALITY_SCALE))
    else:
        # Level 1 unsettled: every placeable child at their own best match.
        bound = int(sum(int(q.max()) for q in pairs.quality if len(q)))
    return max(bound, quality)
