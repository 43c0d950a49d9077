"""Large-neighbourhood search: re-decide a few children at a time, the rest held.

At 1,000 children and more, CP-SAT spends seconds presolving the whole model before it
searches, and its single-worker search rarely finds the chains of moves that bring a
sibling group together (each brother or sister needs a place in one household, so the
children there must move on, and the children where they go...). A small model over
the children around one group is solved in milliseconds, so the solver can try every
split group within a level's time.

A neighbourhood is a set of free variables. Every row of the assignment model is kept,
with the held variables' share moved to the right-hand side, and every settled level
is held locally (the free variables' share may not fall), so a better neighbourhood is
a better whole result: no rule and no settled level can be broken by it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model
from ortools.sat.python import cp_model_helper as cmh

from matching.batch.model import AssignmentModel


class Neighbourhoods:
    """Builds and solves small models over a fixed `AssignmentModel`."""

    def __init__(self, model: AssignmentModel, seed: int = 0) -> None:
        self.m = model
        self.seed = seed
        n = model.n_vars
        empty = [np.zeros(0, dtype=np.int64)]
        row_of = np.concatenate(
            [np.full(len(r.vars), i, dtype=np.int64) for i, r in enumerate(model.rows)] + empty
        )
        var_of = np.concatenate([r.vars for r in model.rows] + empty)
        # The rows as flat arrays (CSR), so a neighbourhood's rows are cut in numpy.
        self._row_start = np.zeros(len(model.rows) + 1, dtype=np.int64)
        np.cumsum([len(r.vars) for r in model.rows], out=self._row_start[1:])
        self._row_vars = var_of
        self._row_coefs = np.concatenate([r.coefs for r in model.rows] + empty)
        self._row_ub = np.array([r.ub for r in model.rows], dtype=np.int64)
        self._rows_sorted, self._starts = _csr(var_of, row_of, n)
        var_unit = np.asarray(model.var_unit, dtype=np.int64)
        var_carer = np.asarray(model.var_carer, dtype=np.int64)
        self._var_unit = var_unit
        self._var_carer = var_carer
        self._quality = np.zeros(n, dtype=np.int64)
        q_idx, q_coef = model.objective["quality"]
        self._quality[q_idx] = q_coef
        is_unit = var_unit >= 0
        everyone = np.arange(n, dtype=np.int64)
        self._vars_at, self._carer_start = _csr(var_carer, everyone, len(model.pairs.vacancies))
        self._unit_vars, self._unit_start = _csr(
            var_unit[is_unit], everyone[is_unit], len(model.units)
        )
        # An indicator (a `should` group together, an adopter linked with a group)
        # moves with its members: free one, free them all.
        members = [
            (v, t) for t, vs in (*model.members_of.items(), *model.link_members.items()) for v in vs
        ]
        keys = np.array([v for v, _ in members], dtype=np.int64)
        self._indicators, self._indicator_start = _csr(
            keys, np.array([t for _, t in members], dtype=np.int64), n
        )

    def rows_of(self, variables: np.ndarray) -> np.ndarray:
        """Every row that one of `variables` appears in."""
        return np.unique(_cut(self._rows_sorted, self._starts, variables))

    def around_carers(
        self, x: np.ndarray, carers: Iterable[int], units: Iterable[int], spread: int = 0
    ) -> np.ndarray:
        """Free `units`, every unit now placed with one of `carers`, and the unplaced
        children who could go there: all their variables, and the indicators of the
        groups they belong to. With `spread`, also each freed unit's `spread` best
        other households and the units there (a second link in a chain of moves)."""
        placed_unit = np.zeros(len(self.m.units), dtype=bool)
        on = np.flatnonzero(x)
        placed_unit[self._var_unit[on][self._var_unit[on] >= 0]] = True
        carers = np.fromiter(carers, dtype=np.int64)
        free_units = np.fromiter(units, dtype=np.int64)
        for step in range(2 if spread else 1):
            there = _cut(self._vars_at, self._carer_start, carers)
            u = self._var_unit[there]
            mine = (u >= 0) & ((x[there] > 0) | ~placed_unit[np.maximum(u, 0)])
            free_units = np.unique(np.concatenate([free_units, u[mine]]))
            if step == 0 and spread:
                options = _cut(self._unit_vars, self._unit_start, free_units)
                best = options[np.argsort(-self._quality[options], kind="stable")]
                unit_of = self._var_unit[best]
                # each unit's best `spread` options: rank within the unit by stable order
                order = np.argsort(unit_of, kind="stable")
                ranked_unit = unit_of[order]
                first = np.searchsorted(ranked_unit, ranked_unit)
                rank = np.arange(len(order)) - first
                more = self._var_carer[best[order][rank < spread]]
                carers = np.unique(np.concatenate([carers, more]))
        free = _cut(self._unit_vars, self._unit_start, free_units)
        indicators = _cut(self._indicators, self._indicator_start, free)
        return np.unique(np.concatenate([free, indicators]))

    def improve(
        self,
        x: np.ndarray,
        free: np.ndarray,
        objective: list[str],
        held: dict[str, int],
        seconds: float,
        first: bool = False,
    ) -> np.ndarray | None:
        """The best re-decision of the `free` variables by `objective` (levels in
        priority order), every level in `held` kept; None if nothing better was found."""
        sub = self.prepare(x, free, objective, held, first)
        return None if sub is None else sub.solve(seconds)

    def prepare(
        self,
        x: np.ndarray,
        free: np.ndarray,
        objective: list[str],
        held: dict[str, int],
        first: bool = False,
    ) -> Subproblem | None:
        """The small model of `improve`, ready to solve (in another thread if wanted:
        CP-SAT lets go of the interpreter while it searches)."""
        m = self.m
        local = self._local_rows(x, free)
        if local is None:
            return None
        free = local.free
        cp = _LeanModel()
        y = [cp.new_bool_var("") for _ in range(len(free))]
        local.add_binding_rows(cp, y)
        for level, _value in held.items():
            weights, now = local.level(m, level, x)
            if weights.any():
                cp.add(cp_model.LinearExpr.weighted_sum(y, weights.tolist()) >= now)
        combined = np.zeros(len(free), dtype=object)  # Python ints: no overflow
        scale, now_total = 1, 0
        for level in reversed(objective):
            weights, now = local.level(m, level, x)
            combined = combined + scale * weights.astype(object)
            now_total += scale * now
            coef = m.objective[level][1]
            scale *= int(np.abs(coef).sum()) + 1 if len(coef) else 1
        if scale >= 2**62:
            return None
        objective_expr = cp_model.LinearExpr.weighted_sum(y, [int(w) for w in combined])
        if first:
            weights, now = local.level(m, objective[0], x)
            gain = cp_model.LinearExpr.weighted_sum(y, weights.tolist())
            cp.add(gain >= now + 1)  # a gain at the top level, not a tie-break's
        else:
            cp.add(objective_expr >= now_total + 1)
        cp.maximize(objective_expr)
        hint = cp.model_proto.solution_hint
        hint.vars.extend(range(len(free)))  # y were made first: indices 0..len(free)-1
        hint.values.extend(x[free].tolist())
        return Subproblem(cp, y, x, free, first, self.seed)

    def _local_rows(self, x: np.ndarray, free: np.ndarray) -> _LocalRows | None:
        """Each touched row with the held variables' share moved to its right-hand side.
        A variable that alone overflows a row's room is left out (it stays 0); None if
        no free variable is left."""
        is_free = np.zeros(self.m.n_vars, dtype=bool)
        is_free[free] = True
        rows = self.rows_of(free)
        lens = self._row_start[rows + 1] - self._row_start[rows]
        at = np.repeat(self._row_start[rows] - np.cumsum(lens) + lens, lens) + np.arange(lens.sum())
        row_at = np.repeat(np.arange(len(rows)), lens)  # element -> position in `rows`
        vs, cs = self._row_vars[at], self._row_coefs[at]
        mine = is_free[vs]
        held_share = np.bincount(row_at, cs * x[vs] * ~mine, minlength=len(rows))
        room = self._row_ub[rows] - held_share
        while True:  # leaving one out can take room from another (an indicator's row)
            keep = is_free[vs]
            offset = np.bincount(row_at, np.minimum(cs, 0) * keep, minlength=len(rows))
            overflow = keep & (cs > (room - offset)[row_at])
            if not overflow.any():
                break
            is_free[vs[overflow]] = False
        kept = np.flatnonzero(is_free)
        if not len(kept):
            return None
        pos = np.full(self.m.n_vars, -1, dtype=np.int64)
        pos[kept] = np.arange(len(kept))
        return _LocalRows(kept, pos, vs, cs, row_at, keep, room)

    def sound(self, x: np.ndarray, free: np.ndarray) -> bool:
        """Whether every row that `free` touches holds in `x` (a neighbourhood solved
        on an older `x` may clash with one applied since)."""
        rows = self.rows_of(free)
        lens = self._row_start[rows + 1] - self._row_start[rows]
        row_at = np.repeat(np.arange(len(rows)), lens)
        vs = _cut(self._row_vars, self._row_start, rows)
        cs = _cut(self._row_coefs, self._row_start, rows)
        total = np.bincount(row_at, cs * x[vs], minlength=len(rows))
        return bool((total <= self._row_ub[rows] + 1e-9).all())


@dataclass(frozen=True)
class _LocalRows:
    """The rows one neighbourhood touches, as flat element arrays: each element's
    variable (`vs`), coefficient (`cs`) and row (`row_at`, a position in `room`),
    whether it is a free variable kept in the small model (`keep`), and each row's
    room once the held variables' share is taken."""

    free: np.ndarray
    pos: np.ndarray  # model variable -> its position among `free` (-1 if held)
    vs: np.ndarray
    cs: np.ndarray
    row_at: np.ndarray
    keep: np.ndarray
    room: np.ndarray

    def add_binding_rows(self, cp: cp_model.CpModel, y: list[cp_model.IntVar]) -> None:
        """The rows the free variables together could overflow; a row they cannot
        (most rows: other households' capacity) is dropped, so the model stays small."""
        n_rows = len(self.room)
        n_free = np.bincount(self.row_at, self.keep, minlength=n_rows)
        most = np.bincount(self.row_at, np.maximum(self.cs, 0) * self.keep, minlength=n_rows)
        binding = np.flatnonzero((n_free >= 2) & (most > self.room))
        bounds = np.searchsorted(self.row_at, np.arange(n_rows + 1))
        for r in binding:
            sl = slice(bounds[r], bounds[r + 1])
            k = self.keep[sl]
            lits = [y[int(p)] for p in self.pos[self.vs[sl][k]]]
            coefs = self.cs[sl][k]
            if self.room[r] == 1 and (coefs == 1).all():
                cp.add_at_most_one(lits)
            else:
                cp.add(cp_model.LinearExpr.weighted_sum(lits, coefs.tolist()) <= int(self.room[r]))

    def level(self, model: AssignmentModel, level: str, x: np.ndarray) -> tuple[np.ndarray, int]:
        """The level's coefficient on each free variable, and their share now."""
        idx, coef = model.objective[level]
        weights = np.zeros(len(self.free), dtype=np.int64)
        if len(idx):
            mask = self.pos[idx] >= 0
            np.add.at(weights, self.pos[idx[mask]], coef[mask])
        return weights, int(np.dot(weights, x[self.free]))


class _LeanModel(cp_model.CpModel):
    """A CpModel without the CamelCase aliases its constructor adds (0.2 ms each, and a
    neighbourhood search makes thousands)."""

    def __init__(self) -> None:
        cmh.CpBaseModel.__init__(self, None)


class Subproblem:
    """One neighbourhood's model, and how to read its answer back into a result."""

    def __init__(
        self,
        cp: cp_model.CpModel,
        y: list[cp_model.IntVar],
        x: np.ndarray,
        free: np.ndarray,
        first: bool,
        seed: int,
    ) -> None:
        self.cp, self.y, self.x, self.free, self.first, self.seed = cp, y, x, free, first, seed

    def solve(self, seconds: float) -> np.ndarray | None:
        """The base result with the neighbourhood re-decided, or None if no better."""
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = self.seed
        solver.parameters.max_time_in_seconds = max(0.01, seconds)
        solver.parameters.stop_after_first_solution = self.first
        # Small models: presolve costs more than it saves (measured: 39 groups vs 35-37
        # together in 2 s of neighbourhoods at 1,000 x 3,000).
        solver.parameters.cp_model_presolve = False
        status = solver.solve(self.cp)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        out = self.x.copy()
        out[self.free] = [solver.boolean_value(v) for v in self.y]
        return out


def gather_by_neighbourhood(
    model: AssignmentModel,
    x: np.ndarray,
    held: dict[str, int],
    deadline: float,
    seed: int = 0,
    say: Callable[[str], None] | None = None,
    per_group_s: float = 0.2,
    first_carers: int = 4,
) -> np.ndarray:
    """Each split `should` group in turn: free its members, the children in the
    households that could take them all and in the members' households, and the
    unplaced children who could go there; keep the re-decision if it brings the group
    (or any other) together, every settled level held. Passes repeat while they gain
    (one group moving can open the way for another), then look wider: each group's
    best few households first (small models, solved in milliseconds), then twice as
    many."""
    gather = _Gather(model, x, held, seed, per_group_s)
    before = model.level_value("siblings", x)
    carers, spread = first_carers, 0
    # One thread solves a neighbourhood while this one builds the next (CP-SAT lets go
    # of the interpreter): about twice the neighbourhoods in the time on two cores.
    with ThreadPoolExecutor(max_workers=1) as pool:
        while time.perf_counter() < deadline:
            if not gather.one_pass(pool, carers, spread, deadline):
                # Nothing more at this size: look wider (more households per group), then
                # deeper (where the children moved out could go, and who is there).
                if carers < max(map(len, gather.indicators.values()), default=0):
                    carers *= 2
                elif spread == 0:
                    carers, spread = first_carers, 2
                else:
                    break
    if say:
        after = model.level_value("siblings", gather.x)
        tried = gather.tried
        say(f"{after - before} more sibling group(s) together, {tried} neighbourhood(s) tried")
    return gather.x


class _Gather:
    """One run of `gather_by_neighbourhood`: the result so far, and the neighbourhood
    being solved in the other thread while the next is built."""

    def __init__(
        self,
        model: AssignmentModel,
        x: np.ndarray,
        held: dict[str, int],
        seed: int,
        per_group_s: float,
    ) -> None:
        self.model = model
        self.x = x
        self.held = held
        self.per_group_s = per_group_s
        self.hoods = Neighbourhoods(model, seed)
        self.groups = model.pairs.group_members("should")
        self.indicators = _together_indicators(model, self.groups)
        self.pending: tuple[Future[np.ndarray | None], Subproblem] | None = None
        self.tried = 0

    def one_pass(self, pool: ThreadPoolExecutor, carers: int, spread: int, deadline: float) -> bool:
        """Every split group once, with its best `carers` households (and `spread`
        further links); whether any group came together."""
        model = self.model
        gained = False
        for g, (_gid, members) in enumerate(self.groups):
            if time.perf_counter() >= deadline:
                break
            mine = self.indicators.get(g, [])
            if not mine or any(self.x[t] for t in mine):
                continue
            x = self.x
            units = {model.unit_of[c] for c in members}
            now = {model.var_carer[v] for u in units for v in model.units[u].vars.values() if x[v]}
            homes = {model.var_carer[t] for t in mine}
            ranked = [h for h in model.pairs.common_carers(members) if h in homes]
            free = self.hoods.around_carers(x, set(ranked[:carers]) | now, units, spread)
            sub = self.hoods.prepare(x, free, ["siblings", "quality"], self.held, first=True)
            if self.pending is not None:
                gained = self.settle() or gained
            if sub is not None:
                seconds = min(self.per_group_s, deadline - time.perf_counter())
                self.pending = (pool.submit(sub.solve, seconds), sub)
                self.tried += 1
        if self.pending is not None:
            gained = self.settle() or gained
        return gained

    def settle(self) -> bool:
        """Take the pending neighbourhood's answer if it still fits the result as it
        is now (it was built on an older one) and brings one more group together."""
        assert self.pending is not None
        future, sub = self.pending
        self.pending = None
        out = future.result()
        if out is None:
            return False
        model, x = self.model, self.x
        candidate = x.copy()
        candidate[sub.free] = out[sub.free]
        better = (
            self.hoods.sound(candidate, sub.free)
            and model.level_value("siblings", candidate) > model.level_value("siblings", x)
            and all(model.level_value(lv, candidate) >= v for lv, v in self.held.items())
        )
        if better:
            self.x = candidate
        return better


def _together_indicators(
    model: AssignmentModel, groups: list[tuple[str, list[int]]]
) -> dict[int, list[int]]:
    """Each `should` group's "together at carer h" variables, by the group's position."""
    indicators: dict[int, list[int]] = {}
    first_member = {model.unit_of[members[0]]: g for g, (_gid, members) in enumerate(groups)}
    for t, member_vars in model.members_of.items():
        g = first_member.get(model.var_unit[member_vars[0]])
        if g is not None:
            indicators.setdefault(g, []).append(t)
    return indicators


def improve_by_neighbourhood(
    model: AssignmentModel,
    x: np.ndarray,
    level: str,
    held: dict[str, int],
    deadline: float,
    seed: int = 0,
    say: Callable[[str], None] | None = None,
    per_hood_s: float = 0.1,
    carers_per_hood: int = 8,
    patience: int = 100,
) -> np.ndarray:
    """Improve one level (and the next as a tie-break) one neighbourhood at a time: a child drawn
    at random, the households on its list and its own, everyone there and everyone
    who could go there. Seeded, so a run can be repeated. Gives up after `patience`
    neighbourhoods in a row without a gain, leaving the time to the next level."""
    hoods = Neighbourhoods(model, seed)
    rng = np.random.default_rng(seed)
    idx, coef = model.objective[level]
    gain = np.zeros(model.n_vars, dtype=np.int64)
    gain[idx] = coef
    below = {
        "placed": ["placed", "siblings", "quality"],
        "siblings": ["siblings", "quality"],
        "quality": ["quality", "cost"],
        "cost": ["cost"],
    }[level]
    before = model.level_value(level, x)
    tried = last_gain = 0
    while time.perf_counter() < deadline and tried - last_gain < patience:
        u = int(rng.integers(len(model.units)))
        options = model.units[u].vars
        if not options:
            continue
        best = sorted(options, key=lambda h: -gain[options[h]])[:carers_per_hood]
        now = {h for h, v in options.items() if x[v]}
        free = hoods.around_carers(x, set(best) | now, [u])
        seconds = min(per_hood_s, deadline - time.perf_counter())
        better = hoods.improve(x, free, below, held, seconds)
        tried += 1
        if better is not None:
            x, last_gain = better, tried
    if say:
        say(f"{level}: {model.level_value(level, x) - before:+d} by {tried} neighbourhood(s)")
    return x


def _csr(keys: np.ndarray, values: np.ndarray, n_keys: int) -> tuple[np.ndarray, np.ndarray]:
    """`values` grouped by `keys` (0..n_keys-1): the values in key order, and where
    each key's run starts."""
    order = np.argsort(keys, kind="stable")
    return values[order], np.searchsorted(keys[order], np.arange(n_keys + 1))


def _cut(values: np.ndarray, starts: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The runs of `keys` from a grouping made by `_csr`, end to end."""
    keys = keys.astype(np.int64)
    lens = starts[keys + 1] - starts[keys]
    if not lens.sum():
        return np.zeros(0, dtype=values.dtype)
    at = np.repeat(starts[keys] - np.cumsum(lens) + lens, lens) + np.arange(lens.sum())
    runs: np.ndarray = values[at]
    return runs
