"""One solve's shared state and the searches the levels are made of.

A lexicographic solve settles its levels one at a time, and every level works on the
same things: the model (which grows by column generation on a pruned problem), its
CP-SAT and LP forms, the best sound assignment so far (the incumbent), the levels
already settled and the clock. `BatchRun` holds them, so each step takes them from one
place instead of sharing closure variables; its methods are the searches a level is
built from (`lp_bound`, `search`, `tiers_in_turn`, `fill`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import numpy as np
from ortools.sat.python import cp_model

from matching.batch.model import AssignmentModel, CpSatModel, Expr, LpAnswer, LpRelaxation
from matching.batch.pricing import dual_bound, price_out
from matching.pairs import PairTable
from vocab import URGENCIES

Progress = Callable[[str], None]
Status = cp_model.CpSolverStatus

#: CP-SAT's presolve of a pruned model before any search: about 4 s at 15,600
#: variables on this machine (1,000 x 3,000; measured with log_search_progress).
PRESOLVE_SECONDS_PER_VAR = 2.5e-4


class BatchRun:
    """The state one solve's levels share, and the searches that read and improve it.

    `x` is the incumbent: always a sound assignment (every hard rule kept), replaced
    only by one no worse at the level being settled. `held` is each settled level (and,
    after level 1, each urgency tier) at the value it was settled at; both solvers'
    models carry it as a row.
    """

    def __init__(
        self,
        pairs: PairTable,
        model: AssignmentModel,
        start: np.ndarray,
        *,
        pruned: bool,
        seed: int,
        solver: cp_model.CpSolver,
        deadline: float,
        say: Progress,
    ) -> None:
        self.pairs = pairs
        self.model = model
        self.pruned = pruned
        self.seed = seed
        self.solver = solver
        self.deadline = deadline
        self.say = say
        self.cp = CpSatModel(model)
        self.lp = LpRelaxation(model)
        self.x = start
        self.held: dict[str, int] = {}
        self.proven: set[str] = set()  # levels settled at a proven optimum
        self._stale = False  # the model grew since the CP-SAT model was built

    def value(self, level: str) -> int:
        """The incumbent's value at `level` (or at one urgency tier)."""
        return self.model.level_value(level, self.x)

    def has_terms(self, level: str) -> bool:
        """Whether anything is decided at `level` (a tier with no children is not)."""
        return bool(len(self.model.objective[level][0]))

    def affordable(self, seconds: float) -> bool:
        """Whether an open search of the whole model can get past CP-SAT's presolve in
        `seconds`; if not, the time is better left to the next level."""
        return not self.pruned or seconds >= self.model.n_vars * PRESOLVE_SECONDS_PER_VAR

    # -- the model ---------------------------------------------------------------
    def grow(self, wanted: list[tuple[int, int]]) -> None:
        """Add left-out (child, carer) pairs to the model, the LP and the incumbent (as
        zeros); the CP-SAT model is rebuilt when next needed."""
        self.lp.extend(self.model.add_columns(wanted))
        self.x = np.concatenate([self.x, np.zeros(self.model.n_vars - len(self.x), dtype=np.int64)])
        self._stale = True

    def fresh_cp(self) -> CpSatModel:
        """The CP-SAT model of the model as it is now, settled levels held (level 1 is
        held tier by tier, which the rebuilt model does not need: see `hold`)."""
        if self._stale:
            self.cp = CpSatModel(self.model)
            for settled, value in self.held.items():
                if settled != "placed":
                    self.cp.cp.add(self.cp.expr(settled) >= value)
            self._stale = False
        return self.cp

    def hold(self, level: str) -> None:
        """Settle `level` at the incumbent's value: held in both solvers from now on."""
        self.held[level] = self.value(level)
        cp = self.fresh_cp()
        if level == "placed":
            # Held tier by tier: when level 1 is proven this is the same set of results as
            # "weighted total >= value", and far easier for both solvers.
            for u in URGENCIES:
                if self.has_terms(u):
                    self.held[u] = self.value(u)
                    cp.cp.add(cp.expr(u) >= self.held[u])
                    self.lp.hold(u, self.held[u])
        else:
            cp.cp.add(cp.expr(level) >= self.held[level])
            self.lp.hold(level, self.held[level])

    # -- bounds ------------------------------------------------------------------
    def lp_bound(self, level: str, seconds: float) -> tuple[LpAnswer | None, float | None]:
        """The LP of `level` and a bound on it for the whole problem. On a pruned model,
        columns that price out positive are added and the LP solved again (column
        generation), so the model grows where the bound says it is too narrow."""
        stop = time.perf_counter() + seconds
        answer = None
        while True:
            began = time.perf_counter()
            fresh = self.lp.bound(level, max(0.05, stop - began))
            if fresh is None:
                break  # keep the last answer: the model has not grown since
            answer = fresh
            took = time.perf_counter() - began
            if not self.pruned or time.perf_counter() + 1.5 * took > stop:
                break
            wanted = price_out(self.pairs, self.model, answer, level)
            if not wanted:
                break
            self.grow(wanted)
            answer = None  # stale for the grown model until solved again
        if answer is None:
            return None, None
        if not self.pruned:
            return answer, answer.value
        return answer, dual_bound(self.pairs, self.model, answer, level)

    # -- searches ----------------------------------------------------------------
    def fill(self, sound: np.ndarray, gather: bool = False) -> np.ndarray:
        """Keep every placement of a sound assignment and place whoever else fits (and,
        while siblings are still to settle, gather groups where nobody loses a place)."""
        filled = self.model.greedy_start(self.model.assignment(sound))
        return self.model.values(self.model.gather_siblings(filled) if gather else filled)

    def offer(self, level: str, found: np.ndarray) -> None:
        """Take `found` as the incumbent if it is no worse at `level`."""
        if self.model.level_value(level, found) >= self.value(level):
            self.x = found

    def search(
        self,
        level: str,
        known: list[int],
        seconds: float,
        start: np.ndarray,
        fixed: Iterable[int] = (),
        enough: int | None = None,
    ) -> Status:
        """One CP-SAT run of a level, cut by the best bound known; keeps the result in
        `x` if it is no worse for the level. Stops as soon as the level reaches
        `enough` (a bound on the whole problem: nothing better exists), whatever the
        tie-breaks could still gain. Returns CP-SAT's status."""
        model_cp = self.fresh_cp()
        expr = model_cp.expr(level)
        if known:
            model_cp.cp.add(expr <= min(known))
        objective, scale = with_tie_break(model_cp, self.model, level, expr)
        model_cp.cp.maximize(objective)
        model_cp.cp.clear_assumptions()
        model_cp.cp.add_assumptions([model_cp.x[int(j)] for j in fixed])
        model_cp.hint(start)
        # Not `repair_hint`: OR-Tools 9.15 aborts the whole process ("Check failed:
        # heuristics.fixed_search != nullptr") when the time limit falls inside hint
        # repair (7 of 19 limits between 0.22 and 0.40 s on a saved model, 0 of 19
        # without it). A plain hint still steers the search from that start.
        self.solver.parameters.max_time_in_seconds = max(0.05, seconds)
        callback = None if enough is None else _StopAt(scale * enough)
        status = self.solver.solve(model_cp.cp, callback)
        model_cp.cp.clear_assumptions()
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = model_cp.solution(self.solver)
            self.offer(level, self.fill(found, gather=level in ("placed", "siblings")))
        return status

    def tiers_in_turn(self, seconds: float) -> Status:
        """Level 1 one tier at a time: the most emergencies, then with those held the
        most urgent, then planned. On small models full of conflicts (adopters taking
        one family) the weighted sum's proof can stall for many seconds where three
        plain counts prove in under one (240 x 85: 0.7 s against no proof in 20 s). A
        tier proven optimal stays held, as any level-1 optimum must reach it. OPTIMAL
        only if every tier was proven."""
        stop = time.perf_counter() + seconds
        model_cp = self.fresh_cp()
        for tier in URGENCIES:
            if not self.has_terms(tier):
                continue
            expr = model_cp.expr(tier)
            model_cp.cp.maximize(expr)
            model_cp.hint(self.x)
            self.solver.parameters.max_time_in_seconds = max(0.05, stop - time.perf_counter())
            status = self.solver.solve(model_cp.cp)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return cp_model.UNKNOWN
            self.offer("placed", self.fill(model_cp.solution(self.solver), gather=True))
            if status != cp_model.OPTIMAL:
                return cp_model.UNKNOWN
            model_cp.cp.add(expr >= int(round(self.solver.objective_value)))
        return cp_model.OPTIMAL


def with_tie_break(
    cp: CpSatModel, model: AssignmentModel, level: str, expr: Expr
) -> tuple[Expr, int]:
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
    combined: Expr = 0
    scale = 1
    for lower in reversed(below):
        coef = model.objective[lower][1]
        combined = combined + scale * cp.expr(lower)
        scale *= int(coef.sum()) + 1 if len(coef) else 1
    top = int(model.objective[level][1].sum()) or 1
    if scale * top >= 2**62:  # too fine to carry: keep only the next level down
        return with_tie_break(cp, model, "siblings", expr) if level == "placed" else (expr, 1)
    return scale * expr + combined, scale


class _StopAt(cp_model.CpSolverSolutionCallback):
    """Stops CP-SAT once the objective reaches a value nothing can beat at the level."""

    def __init__(self, objective: int) -> None:
        super().__init__()
        self.objective = objective

    def on_solution_callback(self) -> None:
        if self.objective_value >= self.objective:
            self.stop_search()
