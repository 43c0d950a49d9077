"""One level of the lexicographic objective, settled: bound it, search it, prove it.

The steps, in order (each a method of `LevelSearch`, so each can be read and tested
alone):

1. `gather_first` (siblings only): split groups brought together one neighbourhood at
   a time, before anything else;
2. `bound_by_lp`: the level's LP (with column generation on a pruned model) and a bound
   on it for the whole problem;
3. `round_lp`: sound assignments suggested by the LP solution, the best one kept;
4. `whole_problem_bound`: the best bound known to hold for the whole problem; if the
   incumbent meets it the level is proven and the searches are skipped;
5. `search_near_lp`: CP-SAT with the LP's whole-number choices fixed;
6. `search_open`: neighbourhoods and/or CP-SAT over the whole model;
7. `complete` (pruned models): the left-out pairs that could still improve the level
   added, and CP-SAT run again, so its proof holds for the whole problem.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np
from ortools.sat.python import cp_model

from matching.batch.model import AssignmentModel, LpAnswer
from matching.batch.neighbourhood import gather_by_neighbourhood, improve_by_neighbourhood
from matching.batch.pricing import price_out
from matching.batch.reassign import gather_by_flow, reassign
from matching.batch.relaxation import Relaxation
from matching.batch.run import BatchRun, Status
from matching.pairs import QUALITY_SCALE
from matching.result import StageReport
from vocab import URGENCIES

#: Share of a level's time for the neighbourhood of the LP solution (its whole-number
#: choices fixed) before the open search.
NEIGHBOURHOOD_SHARE = 0.4
#: Most left-out pairs added to complete a pruned model for a proof.
COMPLETION_LIMIT = 20_000
#: Share of the siblings level's time for bringing split groups together one at a time.
GATHER_SHARE = 0.9
#: ... and of a whole (unpruned) model, where CP-SAT settles the level itself, quickly.
GATHER_SHARE_FULL = 0.05
#: Share of the siblings level's time for pinning groups and reassigning by flow, first.
FLOW_SHARE = 0.4
#: Share of the quality level's open search given first to neighbourhoods.
LNS_SHARE = 0.5
#: Share of level 1's open search first given to settling its tiers one at a time
#: (small, unpruned models only).
TIERS_SHARE = 0.5


class LevelSearch:
    """Settles one level on a `BatchRun`: improves its incumbent at the level, every
    level above held, and says how far that is proven.

    `share / share_left` is the part of the time left that this level may use, fixed
    when the level starts (its `ends`): each step takes its part of what is left of
    that, so time a step does not use rolls to the next step, and time the level does
    not use rolls to the next level. (Taken afresh before each step, the share let
    level 1 keep ~60% of a 10-second run instead of 40%, and left quality 1 s.)
    `relaxed_quality_holds` says whether level 1 was settled at the assignment
    relaxation's tier counts, so that its quality bound still holds.
    """

    def __init__(
        self,
        run: BatchRun,
        level: str,
        share: float,
        share_left: float,
        relaxed: Relaxation,
        relaxed_quality_holds: bool,
    ) -> None:
        self.run = run
        self.level = level
        self.share = share
        self.share_left = share_left
        self.relaxed = relaxed
        self.relaxed_quality_holds = relaxed_quality_holds
        self.answer: LpAnswer | None = None
        self.raw_bound: float | None = None  # the LP's bound for the whole problem
        self.nearly: np.ndarray | None = None  # the best rounding, even if a level above falls
        self.global_bound: int | None = None
        self.known: list[int] = []  # every bound on the level: CP-SAT is cut by the least
        self.status: Status = cp_model.UNKNOWN
        self.ends = run.deadline  # set when the level starts

    @property
    def current(self) -> int:
        return self.run.value(self.level)

    @property
    def proven(self) -> bool:
        return self.global_bound is not None and self.current >= self.global_bound

    def seconds(self, now: float | None = None) -> float:
        """What is left of this level's time (from `now`, else from this moment)."""
        now = time.perf_counter() if now is None else now
        return max(0.0, self.ends - now)

    def settle(self) -> StageReport:
        """Every step in turn; the report of the level as settled."""
        t0 = time.perf_counter()
        self.ends = t0 + (self.run.deadline - t0) * self.share / self.share_left
        if self.level == "siblings":
            self.gather_first(t0)
        self.reassign()
        self.bound_by_lp()
        self.round_lp()
        self.reassign()
        self.global_bound = self.whole_problem_bound()
        lp_value = self.answer.bound if self.answer is not None else None
        self.known = [b for b in (self.global_bound, lp_value) if b is not None]
        if not self.proven:
            budget = max(0.05, self.seconds())
            if self.answer is not None:
                self.search_near_lp(self.answer, budget * NEIGHBOURHOOD_SHARE)
            self.search_open()
            self.reassign()
            if self.status == cp_model.OPTIMAL and not self.run.pruned:
                self.global_bound = self.current
            if self.run.pruned and not self.proven and self.status != cp_model.UNKNOWN:
                self.complete()
        return self.report(time.perf_counter() - t0)

    def reassign(self) -> None:
        """The children free to move reassigned at once by network flow (level 1: more
        placed if the flow finds room; quality: the best quality with the counts held).
        Milliseconds; each search after it starts from a better place."""
        if self.level == "quality":
            self.run.x = reassign(self.run.model, self.run.x, more_placed=False)

    def gather_first(self, t0: float) -> None:
        """Split groups brought together one small neighbourhood at a time (in a large
        model CP-SAT cannot find those chains of moves in seconds; in a small one this
        hands it a good start)."""
        run = self.run
        budget = self.seconds(now=t0)
        gather = GATHER_SHARE if run.pruned else FLOW_SHARE + GATHER_SHARE_FULL
        before = run.value("siblings")
        run.x = gather_by_flow(run.model, run.x, run.held, t0 + budget * FLOW_SHARE)
        run.say(f"{run.value('siblings') - before} more sibling group(s) together by flow")
        run.x = gather_by_neighbourhood(
            run.model, run.x, run.held, t0 + budget * gather, run.seed, run.say
        )

    def bound_by_lp(self) -> None:
        if self.level == "siblings" and self.run.pruned:
            # The siblings LP is weak (it splits groups fractionally) and slow at this
            # size; the neighbourhoods above have done what it would guide.
            return
        if self.level == "quality" and self.run.pruned and "placed" not in self.run.proven:
            # With level 1 unproven the gap is level 1's, so a quality bound would not be
            # used, and the flow (`reassign`) has done what the LP's rounding would: the
            # second it takes (1,000 x 3,000) goes to the search instead.
            return
        self.answer, self.raw_bound = self.run.lp_bound(self.level, max(0.05, self.seconds() / 2))

    def round_lp(self) -> None:
        """The best sound rounding of the LP solution that keeps every level above
        becomes the incumbent if better; the best that does not becomes `nearly`, a
        start for the search near the LP."""
        if self.answer is None:
            return
        run, model, level = self.run, self.run.model, self.level
        for rounded in roundings(model, self.answer.x):
            candidate = run.fill(rounded)
            if (
                "siblings" in run.held
                and model.level_value("siblings", candidate) < run.held["siblings"]
            ):
                # Rounding may split groups the level above kept together: regather.
                order = lp_group_order(model, self.answer.x)
                candidate = model.values(model.gather_siblings(model.assignment(candidate), order))
            value = model.level_value(level, candidate)
            if all(model.level_value(lv, candidate) >= v for lv, v in run.held.items()):
                if value > self.current:
                    run.x = candidate
            elif value > self.current and (
                self.nearly is None or value > model.level_value(level, self.nearly)
            ):
                self.nearly = candidate

    def whole_problem_bound(self) -> int | None:
        """The least bound on the level known to hold for the whole problem: the LP's
        (priced), and for level 1 and quality the assignment relaxation's."""
        bounds = [] if self.raw_bound is None else [floor(self.raw_bound)]
        if self.level == "placed":
            model = self.run.model
            bounds.append(sum(model.tier_weight[u] * self.relaxed.tier_bound[u] for u in URGENCIES))
        if self.level == "quality" and self.relaxed_quality_holds:
            bounds.append(self.relaxed.quality_bound)
        return min(bounds) if bounds else None

    def search_near_lp(self, answer: LpAnswer, near: float) -> None:
        """The part the LP left open: its whole-number choices held, CP-SAT settles the
        fractional rest (small, so quick, and usually near the LP), starting from the
        best rounding (as a hint: it may break a level above). `near` seconds."""
        run = self.run
        run.say(f"optimising {self.level} around the LP (up to {near:.1f} s)")
        if self.level == "placed" and self.nearly is None:
            # Groups together before the search, at no cost to any tier, so the
            # search (siblings its tie-break) starts from them.
            tiers_now = {u: run.value(u) for u in URGENCIES}
            run.x = gather_by_neighbourhood(
                run.model, run.x, tiers_now, time.perf_counter() + near / 2, run.seed, run.say
            )
        start = run.x if self.nearly is None else self.nearly
        run.search(
            self.level,
            self.known,
            near,
            start,
            fixed=np.flatnonzero((answer.x > 1 - 1e-6) & (start > 0)),
            enough=self.global_bound,
        )

    def search_open(self) -> None:
        """The whole model: neighbourhoods first where CP-SAT could not get past its
        presolve, and for quality (many small exchanges, which neighbourhoods find
        fast); then CP-SAT, on a small model first tier by tier."""
        run, level = self.run, self.level
        self.status = cp_model.UNKNOWN
        seconds = self.seconds()
        if self.proven:
            return
        run.say(f"optimising {level} (up to {max(0.05, seconds):.1f} s)")
        whole = run.affordable(seconds)
        if not whole or level == "quality":
            stop = time.perf_counter() + (seconds * LNS_SHARE if whole else seconds)
            run.x = improve_by_neighbourhood(
                run.model,
                run.x,
                level,
                run.held,
                stop,
                run.seed,
                run.say,
                # An extra child placed takes a long chain of moves, which small
                # neighbourhoods rarely hold (+0 in every 1,000 x 3,000 run we
                # measured): try briefly, and leave the time to siblings.
                patience=20 if level == "placed" else 100,
            )
        if whole:
            seconds = self.seconds()
            if level == "placed" and not run.pruned:
                self.status = run.tiers_in_turn(seconds * TIERS_SHARE)
                seconds = self.seconds()
            if self.status != cp_model.OPTIMAL:
                self.status = run.search(
                    level, self.known, seconds, run.x, enough=self.global_bound
                )

    def complete(self) -> None:
        """Complete the model for improvements: a better result can only use left-out
        pairs whose reduced cost is at least current + 1 - bound. With them all in,
        CP-SAT's proof holds for the whole problem."""
        run, level = self.run, self.level
        if self.answer is None or self.raw_bound is None:
            return
        wanted = price_out(
            run.pairs,
            run.model,
            self.answer,
            level,
            per_unit=None,
            tolerance=self.current + 1 - self.raw_bound - 1e-6,
        )
        if wanted and len(wanted) <= COMPLETION_LIMIT:
            run.grow(wanted)
            run.say(f"completing {level}: +{len(wanted)} pairs that could still improve it")
            self.status = run.search(level, self.known, self.seconds(), run.x)
            if self.status == cp_model.OPTIMAL:
                self.global_bound = self.current
        elif not wanted and self.status == cp_model.OPTIMAL:
            self.global_bound = self.current  # nothing left out could improve it

    def report(self, seconds: float) -> StageReport:
        """The level's value and bound in a person's units; level 1 as children placed
        (the tier counts themselves are in the result's `placed_by_urgency`)."""
        proven, current = self.proven, self.current
        if self.level == "placed":
            placed = float(sum(self.run.value(u) for u in URGENCIES))
            value, bound = placed, float(placed if proven else self.relaxed.placed_bound)
        else:
            best_bound = float("nan") if self.global_bound is None else self.global_bound
            raw = current if proven else best_bound
            value, bound = human(self.level, current), human(self.level, raw)
        return StageReport(self.level, "OPTIMAL" if proven else "FEASIBLE", value, bound, seconds)


def human(level: str, value: float) -> float:
    """A level's value in a person's units: children, groups, score points, pounds."""
    if level == "quality":
        return value / QUALITY_SCALE
    if level == "cost":
        return -value
    return float(value)


def floor(value: float) -> int:
    """An integer objective is at most floor(bound); padded for LP tolerances."""
    return int(np.floor(value + 1e-6 * max(1.0, abs(value))))


def lp_group_order(model: AssignmentModel, lp_x: np.ndarray) -> list[int]:
    """`should` groups, most wanted together by the LP first."""
    groups = model.pairs.group_members("should")
    together: dict[tuple[int, ...], float] = defaultdict(float)
    for t in model.together:
        units_together = tuple(model.var_unit[v] for v in model.members_of[t])
        together[units_together] += lp_x[t]
    score = []
    for _gid, members in groups:
        units = tuple(model.unit_of[c] for c in members)
        score.append(together.get(units, 0.0))
    return sorted(range(len(groups)), key=lambda g: -score[g])


def roundings(model: AssignmentModel, lp_x: np.ndarray) -> list[np.ndarray]:
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
