"""Baselines the batch optimiser is measured against (issue 3): what officers do today,
and what a straightforward CP-SAT model achieves.

- `greedy`: today's practice. Referrals are taken one at a time in urgency order, and
  each is given the nearest eligible carer with a free place. Brothers and sisters go
  together only if one household has room for them all when their turn comes.
- `naive_cpsat`: the "straightforward CP-SAT model" of issue 3. One Boolean for every
  child–household pair, eligible or not (ineligible pairs are forbidden by constraints),
  and one weighted objective solved with CP-SAT's default portfolio.

Both use the same hard rules (`matching.eligibility`), scores and reasons
(`matching.scoring`) and whole-result rules (`matching.occupancy`, `Child.cannot_live_with`)
as the product, and return a `SolveResult` in the contract's shape, so every measure in
the benchmark is computed the same way for each method. Pure: no I/O.
"""

from __future__ import annotations

import heapq
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model, cp_model_helper

from matching.occupancy import Occupancy
from matching.pairs import QUALITY_SCALE, PairTable
from matching.problem import Problem
from matching.ranking import MatchingContext, context_for, group_conflicts
from matching.result import SiblingOutcome, SolveResult, Unplaced
from matching.unplaced import funnel_reason
from vocab import URGENCIES

#: The naive model refuses problems with more child–household pairs than this: every
#: pair is a variable, and memory grows with the pairs (about 1 GB per 3 million).
NAIVE_MAX_PAIRS = 5_000_000
#: CP-SAT's default portfolio, as a modeller who sets nothing would run it.
NAIVE_WORKERS = 8
#: Match quality in the naive objective is the product's (matching/pairs.py): each match
#: as a share of the child's own best, 0–100 in tenths.
FULL_QUALITY = 100 * QUALITY_SCALE
#: CP-SAT rejects objectives whose terms could sum beyond this.
_OBJECTIVE_LIMIT = 2**62

_RANK = {u: i for i, u in enumerate(URGENCIES)}


# -- shared by both baselines ----------------------------------------------------------


def _together(outcomes: Sequence[SiblingOutcome]) -> int:
    """Groups that must or should live together and do (as the product counts them)."""
    return sum(1 for o in outcomes if o.outcome == "together" and o.policy != "apart")


def _weekly_cost(pairs: PairTable, carer_of: dict[int, int]) -> float:
    return float(sum(pairs.ctx.table.cost[h] for h in carer_of.values()))


# -- the officer-style greedy baseline -------------------------------------------------


def _referral_key(problem: Problem, members: Sequence[int]) -> tuple[int, int, str]:
    """Urgency tier, then the date needed by, then id: the order officers work in. A
    sibling group is taken when its most pressing member's turn comes."""
    return min(
        (
            _RANK[problem.children[c].urgency],
            problem.children[c].needed_by.toordinal(),
            problem.children[c].id,
        )
        for c in members
    )


def greedy(problem: Problem, ctx: MatchingContext | None = None) -> SolveResult:
    """Today's practice, as a baseline: one referral at a time, nearest vacancy first.

    Referrals are taken in urgency order (emergency, urgent, planned; within a tier by
    `needed_by`, then id). Each child goes to the nearest eligible carer (straight-line
    distance from home) that still has a free place and nobody already placed there that
    the child cannot live alongside. A `must` or `should` sibling group is taken as one
    referral at its most pressing member's turn and goes to the nearest household that
    is eligible for every member and has room for all of them (nearest by the members'
    mean distance from home). If there is none, a `must` group stays unplaced, and the
    members of a `should` group go back into the queue as separate referrals, each at
    their own turn. `apart` groups are separate referrals from the start.

    The result is `FEASIBLE`. A greedy run proves nothing, so it has no bound: the bound
    fields repeat the values achieved and the gap is 0. `quality` is the sum of the
    placed children's absolute scores (0–100 each), not the product's relative quality.
    """
    started = time.perf_counter()
    pairs = PairTable(ctx or context_for(problem))
    occ = Occupancy.of(pairs)
    reason = _work_through(_referrals(problem, pairs), pairs, occ)
    children = problem.children
    carer_of = dict(occ.carer_of)
    assignments = pairs.assignments(carer_of)
    outcomes = pairs.sibling_outcomes(carer_of)
    quality = float(sum(a.score for a in assignments))
    unplaced = tuple(
        Unplaced(children[c].id, (reason[c],)) for c in range(len(children)) if c not in carer_of
    )
    return SolveResult(
        status="FEASIBLE",
        placed=len(carer_of),
        placed_by_urgency=pairs.placed_by_urgency(carer_of),
        siblings_together=_together(outcomes),
        quality=quality,
        weekly_cost=_weekly_cost(pairs, carer_of),
        bound_placed=len(carer_of),
        bound_quality=quality,
        gap=0.0,
        solve_seconds=time.perf_counter() - started,
        assignments=assignments,
        unplaced=unplaced,
        sibling_groups=outcomes,
    )


#: A referral in the queue: its turn, a tie-break by arrival, "child" or the group's
#: policy, the children's positions, and the group's id.
_Referral = tuple[tuple[int, int, str], int, str, list[int], str | None]


def _referrals(problem: Problem, pairs: PairTable) -> list[_Referral]:
    """The queue at the start, as a heap: each `must` or `should` group as one
    referral, every other child as their own."""
    queue: list[_Referral] = []
    grouped: set[int] = set()
    for g in problem.sibling_groups:
        if g.policy == "apart":
            continue
        members = [pairs.index[c] for c in g.children]
        grouped.update(members)
        queue.append((_referral_key(problem, members), len(queue), g.policy, members, g.id))
    for c in range(len(problem.children)):
        if c not in grouped:
            queue.append((_referral_key(problem, [c]), len(queue), "child", [c], None))
    heapq.heapify(queue)
    return queue


def _work_through(queue: list[_Referral], pairs: PairTable, occ: Occupancy) -> dict[int, str]:
    """Place each referral in turn (into `occ`), a `should` group that does not fit
    going back into the queue member by member; why each child left out was."""
    problem = pairs.ctx.problem
    reason: dict[int, str] = {}
    seq = len(queue)
    while queue:
        _key, _seq, kind, members, gid = heapq.heappop(queue)
        if kind == "child":
            (c,) = members
            home = _nearest_free(pairs, occ, c)
            if home is not None:
                occ.place([c], home)
            else:
                reason[c] = _greedy_reason(pairs, c)
            continue
        home, why = _nearest_for_group(pairs, occ, members)
        if home is not None:
            occ.place(members, home)
        elif kind == "must":
            for c in members:
                reason[c] = f"sibling group {gid} must live together: {why}"
        else:  # should: each member becomes a referral of their own
            for c in members:
                heapq.heappush(queue, (_referral_key(problem, [c]), seq, "child", [c], None))
                seq += 1
    return reason


def _by_distance(carers: np.ndarray, km: np.ndarray) -> np.ndarray:
    return carers[np.argsort(km, kind="stable")]


def _nearest_free(pairs: PairTable, occ: Occupancy, c: int) -> int | None:
    elig = pairs.eligible[c]
    for h in _by_distance(elig, pairs.scores[c].home_km):
        if occ.fits([c], int(h)):
            return int(h)
    return None


def _nearest_for_group(
    pairs: PairTable, occ: Occupancy, members: list[int]
) -> tuple[int | None, str]:
    """The nearest household that can take every member now, or why there is none."""
    conflicts = group_conflicts([pairs.ctx.problem.children[c] for c in members])
    if conflicts:
        return None, "; ".join(conflicts)
    common = pairs.eligible[members[0]]
    for c in members[1:]:
        common = np.intersect1d(common, pairs.eligible[c], assume_unique=True)
    room = common[pairs.ctx.table.vacancies[common] >= len(members)]
    if not len(room):
        return None, (
            f"no household is eligible for all {len(members)} children with room for them all "
            f"({len(common)} eligible for every member)"
        )
    km = np.mean(
        [pairs.scores[c].home_km[np.searchsorted(pairs.eligible[c], room)] for c in members], axis=0
    )
    for h in _by_distance(room, km):
        if occ.fits(members, int(h)):
            return int(h), ""
    return None, (
        f"{len(room)} household(s) could take all {len(members)} children, but their places "
        "had gone to earlier referrals"
    )


def _greedy_reason(pairs: PairTable, c: int) -> str:
    elig = pairs.eligible[c]
    if not len(elig):
        return funnel_reason(pairs.assess(c))
    return (
        f"capacity: {len(elig)} eligible carer(s), none with a free place this child could "
        "take when their referral came up (urgency order)"
    )


# -- the naive CP-SAT model ------------------------------------------------------------


class _Proto:
    """A CP-SAT model written straight into its protocol buffer, from numpy arrays.

    The model is exactly the one a modeller writes with `new_bool_var` and `add`; it is
    built this way only because three million Python variable objects take a minute and
    several GB before the solver starts.
    """

    def __init__(self) -> None:
        self.model = cp_model.CpModel()
        self.proto = self.model.proto
        self.n_vars = 0

    def bools(self, n: int) -> int:
        """Add `n` Boolean variables; the index of the first."""
        first = self.n_vars
        if n:
            v = cp_model_helper.IntegerVariableProto()
            v.domain.extend((0, 1))
            self.proto.variables.extend([v] * n)
            self.n_vars += n
        return first

    def linear(self, vars_: list[int], coeffs: list[int], lo: int, hi: int) -> None:
        """lo <= Σ coeffs × vars <= hi (plain Python ints)."""
        lin = self.proto.constraints.add().linear
        lin.vars.extend(vars_)
        lin.coeffs.extend(coeffs)
        lin.domain.extend((lo, hi))

    def at_most_one(self, vars_: list[int]) -> None:
        self.proto.constraints.add().at_most_one.literals.extend(vars_)

    def maximize(self, vars_: np.ndarray, coeffs: np.ndarray) -> None:
        # The proto minimises; a maximisation is stored negated with a scaling of -1.
        obj = self.proto.objective
        obj.vars.extend(vars_.tolist())
        obj.coeffs.extend((-coeffs).tolist())
        obj.scaling_factor = -1.0


@dataclass(frozen=True)
class NaiveWeights:
    """The one weighted objective: placed children by tier, `should` groups, quality."""

    tier: dict[str, int]  # as in matching/batch/model.py: one emergency > all urgent and planned
    place: int  # multiplies the tier weights; exceeds every sibling and quality term
    sibling: int  # a `should` group together; exceeds one child's full quality

    @classmethod
    def for_problem(cls, problem: Problem) -> NaiveWeights:
        n = {u: sum(1 for c in problem.children if c.urgency == u) for u in URGENCIES}
        tier = {"planned": 1, "urgent": n["planned"] + 1}
        tier["emergency"] = (n["urgent"] + 1) * tier["urgent"]
        n_should = sum(1 for g in problem.sibling_groups if g.policy == "should")
        sibling = FULL_QUALITY + 1
        place = sibling * n_should + FULL_QUALITY * len(problem.children) + 1
        return cls(tier, place, sibling)

    def placed_bound(self, objective_bound: float, totals: dict[str, int]) -> tuple[int, int]:
        """From a bound on the whole objective: a bound on level 1 (the tier-weighted
        count), and the most children any result within it could place."""
        level1 = int(np.floor(objective_bound / self.place + 1e-9))
        children, budget = 0, level1
        for u in reversed(URGENCIES):  # cheapest tier first: the most children per unit
            k = min(totals[u], max(0, budget) // self.tier[u])
            children += k
            budget -= k * self.tier[u]
        return level1, children


def naive_cpsat(
    problem: Problem,
    time_limit_s: float = 30.0,
    ctx: MatchingContext | None = None,
    *,
    workers: int = NAIVE_WORKERS,
    seed: int = 0,
) -> SolveResult:
    """The straightforward CP-SAT model of issue 3, as a baseline for the product.

    One Boolean `x[c, h]` for every child and every household; for each child one row
    forcing its ineligible pairs to 0; at most one household per child; capacity per
    household; the members of a `must` group equal at every household; for two children
    who cannot live together, not both at any household both are eligible for (a row for
    pairs already forced to 0 would add nothing); and for each `should` group and each
    household an indicator that implies every member is there. One weighted objective:

        place × Σ tier[urgency] × x  +  sibling × Σ together  +  Σ quality × x

    with the tier weights of `matching/batch/model.py` and the product's relative quality
    (tenths of a point). `place` exceeds the largest possible sibling and quality total,
    so level 1 is exactly lexicographic; `sibling` exceeds one child's full quality but
    not the total, as a naive weighting would. CP-SAT's defaults, `workers` workers.

    `status` is CP-SAT's own (`UNKNOWN` if it found nothing, with every child unplaced).
    The bound comes from CP-SAT's objective bound: level 1 is at most
    floor(bound / place), and `bound_placed` is the most children any result within that
    weighted level-1 bound could place (cheapest tiers first, each tier capped by its
    size and by the children with an eligible carer), so it is loose unless level 1 is
    proven. `bound_quality` is the objective bound less the placement terms when level 1
    reached its bound, else every placeable child at their best (loose). `quality` is
    the product's relative quality (0–100 a child), so it compares with `matching.solve`.
    `solve_seconds` includes building the model; the time limit is CP-SAT's alone.
    Raises ValueError above `NAIVE_MAX_PAIRS` pairs, or if the weights would overflow.
    """
    started = time.perf_counter()
    n, m = len(problem.children), len(problem.carers)
    if n * m > NAIVE_MAX_PAIRS:
        raise ValueError(
            f"the naive CP-SAT model needs one variable per child-household pair: {n} x {m} "
            f"= {n * m:,} pairs is above its limit of {NAIVE_MAX_PAIRS:,}"
        )
    pairs = PairTable(ctx or context_for(problem))
    weights = NaiveWeights.for_problem(problem)
    coef = _pair_coefficients(pairs, weights)
    groups = {
        pol: [
            [pairs.index[c] for c in g.children] for g in problem.sibling_groups if g.policy == pol
        ]
        for pol in ("must", "should")
    }
    worst = int(coef.sum()) + weights.sibling * len(groups["should"]) * m
    if worst >= _OBJECTIVE_LIMIT:
        raise ValueError(
            f"the naive model's weighted objective would overflow CP-SAT's 64-bit sums "
            f"({n} children, {m} households)"
        )
    mp, x = _naive_model(pairs, groups)
    obj_vars = np.arange(mp.n_vars, dtype=np.int64)
    obj_coef = np.concatenate(
        [coef.ravel(), np.full(mp.n_vars - n * m, weights.sibling, dtype=np.int64)]
    )
    mp.maximize(obj_vars, obj_coef)

    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit_s)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    status = solver.solve(mp.model)
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return _naive_result(
        pairs,
        _carer_of(solver.response_proto.solution, x, pairs) if found else {},
        weights,
        pairs.quality,
        solver.status_name(status),
        float(solver.best_objective_bound) if found else float("nan"),
        time.perf_counter() - started,
    )


def _pair_coefficients(pairs: PairTable, weights: NaiveWeights) -> np.ndarray:
    """Each pair's objective coefficient: the child's tier weight times `place`, plus the
    pair's quality where the pair is eligible."""
    n, m = len(pairs.children), len(pairs.ctx.table.carers)
    tier = np.array([weights.tier[c.urgency] for c in pairs.children], dtype=np.int64)
    coef = np.repeat(tier * weights.place, m).reshape(n, m)
    for c in range(n):
        coef[c, pairs.eligible[c]] += pairs.quality[c]
    return coef


def _naive_model(pairs: PairTable, groups: dict[str, list[list[int]]]) -> tuple[_Proto, np.ndarray]:
    """The model's variables and rows, in the order CP-SAT receives them: `x[c, h]` for
    every pair (returned), then per household a `together` indicator for each `should`
    group (the variables after `x`)."""
    n, m = len(pairs.children), len(pairs.ctx.table.carers)
    mp = _Proto()
    mp.bools(n * m)
    x = np.arange(n * m, dtype=np.int64).reshape(n, m)
    everyone = np.arange(m)
    for c in range(n):
        banned = np.setdiff1d(everyone, pairs.eligible[c], assume_unique=True)
        if len(banned):
            mp.linear(x[c, banned].tolist(), [1] * len(banned), 0, 0)
        mp.at_most_one(x[c].tolist())
    vacancies = np.maximum(pairs.ctx.table.vacancies, 0)
    for h in range(m):
        mp.linear(x[:, h].tolist(), [1] * n, 0, int(vacancies[h]))
    for members in groups["must"]:
        for o in members[1:]:
            for a, b in zip(x[members[0]].tolist(), x[o].tolist(), strict=True):
                mp.linear([a, b], [1, -1], 0, 0)
    _living_alongside(mp, x, pairs)
    _one_family_per_adopter(mp, x, pairs)
    together = mp.bools(len(groups["should"]) * m)
    for g, members in enumerate(groups["should"]):
        size = len(members)
        coeffs = [size] + [-1] * size
        at_h = x[members].T.tolist()  # per household, the members' variables
        for h in range(m):
            # size × together ≤ Σ members at h: together only if every member is there
            mp.linear([together + g * m + h, *at_h[h]], coeffs, -size, 0)
    return mp, x


def _carer_of(values: Sequence[int], x: np.ndarray, pairs: PairTable) -> dict[int, int]:
    """Child index -> household index of a CP-SAT solution (its variable values)."""
    carer_of: dict[int, int] = {}
    for c in range(len(pairs.children)):
        for h in pairs.eligible[c]:
            if values[int(x[c, h])]:
                carer_of[c] = int(h)
                break
    return carer_of


def _living_alongside(mp: _Proto, x: np.ndarray, pairs: PairTable) -> None:
    """Not both of two children who cannot live together, at any household both could
    go to."""
    children = pairs.ctx.problem.children
    at: dict[int, list[int]] = defaultdict(list)
    for c, elig in enumerate(pairs.eligible):
        for h in elig.tolist():
            at[h].append(c)
    done: set[tuple[int, int, int]] = set()
    for c, child in enumerate(children):
        if not child.living_flags & {"only_child", "no_younger_children", "no_older_children"}:
            continue
        apart = {o for o, other in enumerate(children) if o != c and child.cannot_live_with(other)}
        for h in pairs.eligible[c].tolist():
            for o in at[h]:
                key = (min(c, o), max(c, o), h)
                if o in apart and key not in done:
                    done.add(key)
                    mp.linear([int(x[c, h]), int(x[o, h])], [1, 1], 0, 1)


def _one_family_per_adopter(mp: _Proto, x: np.ndarray, pairs: PairTable) -> None:
    """Not two children of different families with one adopter."""
    at: dict[int, list[int]] = defaultdict(list)
    for c, elig in enumerate(pairs.eligible):
        for h in elig.tolist():
            if pairs.one_family[h] and pairs.vacancies[h] >= 2:
                at[h].append(c)
    for h, here in at.items():
        for i, c in enumerate(here):
            for o in here[i + 1 :]:
                if pairs.family[c] != pairs.family[o]:
                    mp.linear([int(x[c, h]), int(x[o, h])], [1, 1], 0, 1)


def _naive_result(
    pairs: PairTable,
    carer_of: dict[int, int],
    weights: NaiveWeights,
    quality: list[np.ndarray],
    status: str,
    objective_bound: float,
    seconds: float,
) -> SolveResult:
    problem = pairs.ctx.problem
    children = problem.children
    placed_by = pairs.placed_by_urgency(carer_of)
    achieved_q = sum(int(quality[c][pairs.position(c, h)]) for c, h in carer_of.items())
    placeable = {u: 0 for u in URGENCIES}
    for c, elig in enumerate(pairs.eligible):
        placeable[children[c].urgency] += bool(len(elig))
    loose_q = sum(int(q.max()) for q in quality if len(q))
    level1 = sum(weights.tier[u] * k for u, k in placed_by.items())
    if status == "OPTIMAL":
        bound_placed, bound_q = len(carer_of), achieved_q
    elif np.isnan(objective_bound):
        bound_placed, bound_q = sum(placeable.values()), loose_q
    else:
        level1_bound, bound_placed = weights.placed_bound(objective_bound, placeable)
        bound_placed = max(bound_placed, len(carer_of))
        if level1 >= level1_bound:
            bound_q = min(loose_q, int(objective_bound - weights.place * level1))
        else:
            bound_q = loose_q
    bound_q = max(bound_q, achieved_q)
    gap = 0.0
    if status != "OPTIMAL":
        gap_placed = (bound_placed - len(carer_of)) / bound_placed if bound_placed else 0.0
        gap_q = (bound_q - achieved_q) / bound_q if bound_q else 0.0
        gap = max(0.0, gap_placed, gap_q)
    outcomes = pairs.sibling_outcomes(carer_of)
    unplaced = []
    for c, child in enumerate(children):
        if c in carer_of:
            continue
        if not len(pairs.eligible[c]):
            why = funnel_reason(pairs.assess(c))
        elif status in ("OPTIMAL", "FEASIBLE"):
            why = f"not placed by the naive model ({status}); {len(pairs.eligible[c])} eligible"
            why += " carer(s)"
        else:
            why = f"the naive model found no solution within its time limit ({status})"
        unplaced.append(Unplaced(child.id, (why,)))
    return SolveResult(
        status=status,
        placed=len(carer_of),
        placed_by_urgency=placed_by,
        siblings_together=_together(outcomes),
        quality=achieved_q / QUALITY_SCALE,
        weekly_cost=_weekly_cost(pairs, carer_of),
        bound_placed=bound_placed,
        bound_quality=bound_q / QUALITY_SCALE,
        gap=gap,
        solve_seconds=seconds,
        assignments=pairs.assignments(carer_of),
        unplaced=tuple(unplaced),
        sibling_groups=outcomes,
    )


__all__ = ["NAIVE_MAX_PAIRS", "NaiveWeights", "greedy", "naive_cpsat"]
