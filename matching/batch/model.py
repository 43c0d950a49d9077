"""The assignment model: Boolean variables and linear rows, written once and handed to
both CP-SAT (which finds and proves integer solutions) and GLOP (whose LP relaxation
gives a bound CP-SAT can use as a cut).

Variables exist only for eligible pairs, so the pair rules (docs/design.md §4.1–§4.9) hold by
construction. The rows carry the rules about a result: a child (or `must` group) in at
most one household, capacity, who may live alongside whom, one family per adopter;
plus the `should` group indicators, and the rows that hold each settled objective level.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from ortools.linear_solver import pywraplp
from ortools.sat.python import cp_model

from matching.occupancy import Occupancy
from matching.pairs import PairTable
from vocab import URGENCIES

#: `var_unit` of an adopter's "linked with this sibling group" indicator (a `should`
#: group's "together" indicator is -1; children's variables carry their unit, >= 0).
LINK_INDICATOR = -2
#: Flags about who a child may live alongside: rows pair such a child with others.
ALONGSIDE_FLAGS = frozenset({"only_child", "no_younger_children", "no_older_children"})
#: A level's objective in CP-SAT: a linear expression, or 0 when the level has no terms.
Expr = cp_model.LinearExpr | int

#: Objective levels in strict priority order; each is maximised (cost is negated).
LEVELS: tuple[str, ...] = ("placed", "siblings", "quality", "cost")


@dataclass
class Unit:
    """Children who move as one: a single child, or a `must` sibling group."""

    children: list[int]
    vars: dict[int, int] = field(default_factory=dict)  # carer -> variable index


@dataclass(frozen=True)
class Row:
    """sum(coef * var) <= ub."""

    vars: np.ndarray
    coefs: np.ndarray
    ub: int


@dataclass
class Extension:
    """What `AssignmentModel.add_columns` changed, for the LP to follow."""

    new_vars: list[int] = field(default_factory=list)
    row_updates: list[tuple[int, int, int]] = field(default_factory=list)  # row, var, coef
    new_rows: list[int] = field(default_factory=list)


class AssignmentModel:
    def __init__(self, pairs: PairTable, keep: list[set[int]], must: dict[str, list[int]]):
        self.pairs = pairs
        self.children = pairs.children
        self.units: list[Unit] = []
        self.unit_of: dict[int, int] = {}
        self.var_unit: list[int] = []  # variable -> unit (< 0 for an indicator)
        self.var_carer: list[int] = []
        self.rows: list[Row] = []
        self.link_members: dict[int, list[int]] = {}  # adopter's "linked" indicator -> vars
        # The rows as flat arrays for `feasible`, keyed by (rows, variables): the model
        # only grows, and every change adds a variable.
        self._flat: (
            tuple[tuple[int, int], np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None
        ) = None
        in_must: set[int] = set()
        for gid, members in pairs.group_members("must"):
            del gid
            in_must.update(members)
            self._add_unit(members, self._must_carers(members, must))
        for c in range(len(self.children)):
            if c not in in_must:
                self._add_unit([c], sorted(keep[c]))
        # Units with a child bound by who they live alongside (units are fixed once built).
        self.alongside_bound = np.array(
            [
                any(self.children[c].living_flags & ALONGSIDE_FLAGS for c in u.children)
                for u in self.units
            ],
            dtype=bool,
        )
        self._once_and_capacity()
        self._living_alongside()
        self._one_family_per_adopter()
        self.together = self._should_groups()
        self.objective = self._objectives()

    # -- variables -------------------------------------------------------------
    def _new_var(self, unit: int, carer: int) -> int:
        self.var_unit.append(unit)
        self.var_carer.append(carer)
        return len(self.var_unit) - 1

    def _must_carers(self, members: list[int], must: dict[str, list[int]]) -> list[int]:
        """The carers a `must` group keeps, found by its first member's group."""
        group = self.pairs.ctx.problem.siblings.group_of(self.children[members[0]].id)
        assert group is not None, "a `must` group's members belong to a sibling group"
        return must[group.id]

    def _add_unit(self, members: list[int], carers: list[int]) -> None:
        u = len(self.units)
        unit = Unit(members)
        for h in carers:
            unit.vars[h] = self._new_var(u, h)
        for c in members:
            self.unit_of[c] = u
        self.units.append(unit)

    @property
    def n_vars(self) -> int:
        return len(self.var_unit)

    def _row(self, vars_: list[int], coefs: list[int], ub: int) -> None:
        self.rows.append(
            Row(np.asarray(vars_, dtype=np.int64), np.asarray(coefs, dtype=np.int64), ub)
        )

    # -- rows ------------------------------------------------------------------
    def _once_and_capacity(self) -> None:
        at: dict[int, list[tuple[int, int]]] = defaultdict(list)
        self.at_carer: dict[int, list[tuple[int, int]]] = defaultdict(list)  # carer -> (child, var)
        # Every unit gets its "at most one carer" row, even with one carer: its dual
        # prices the carers left out of a pruned model (see LpRelaxation.dual_bound).
        self.once_row: dict[int, int] = {}
        for u, unit in enumerate(self.units):
            if unit.vars:
                self.once_row[u] = len(self.rows)
                self._row(list(unit.vars.values()), [1] * len(unit.vars), 1)
            for h, v in unit.vars.items():
                at[h].append((v, len(unit.children)))
                for c in unit.children:
                    self.at_carer[h].append((c, v))
        vac = self.pairs.vacancies
        self.capacity_row: dict[int, int] = {}
        for h, terms in at.items():
            if sum(size for _, size in terms) > vac[h]:
                self.capacity_row[h] = len(self.rows)
                self._row([v for v, _ in terms], [s for _, s in terms], int(vac[h]))

    def _living_alongside(self) -> None:
        """`only_child`, no younger / no older children beside, across the whole result."""
        done: set[tuple[int, int]] = set()
        for c, child in enumerate(self.children):
            if not child.living_flags & ALONGSIDE_FLAGS:
                continue
            unit = self.units[self.unit_of[c]]
            for h, v in unit.vars.items():
                for oc, ov in self.at_carer[h]:
                    if self.unit_of[oc] == self.unit_of[c] or not child.cannot_live_with(
                        self.children[oc]
                    ):
                        continue
                    key = (min(v, ov), max(v, ov))
                    if key not in done:
                        done.add(key)
                        self._row([v, ov], [1, 1], 1)

    def _one_family_per_adopter(self) -> None:
        """An adopter takes one child or one sibling group, whatever its places.

        One row per adopter: at most one family there. A family with one variable at
        the adopter (a child alone, a `must` group) enters it directly; a `should`
        group, whose members have a variable each, enters through a "linked" indicator
        at least each member's variable (tight in the LP, where pairwise rows between
        members of different groups are not).
        """
        family = self.pairs.family
        vac = self.pairs.vacancies
        for h in np.flatnonzero(self.pairs.one_family & (vac >= 2)).tolist():
            vars_of: dict[str, list[int]] = defaultdict(list)
            for c, v in self.at_carer.get(h, []):
                if v not in vars_of[family[c]]:
                    vars_of[family[c]].append(v)
            if len(vars_of) < 2:
                continue
            terms = []
            for vs in vars_of.values():
                if len(vs) == 1:
                    terms.append(vs[0])
                    continue
                link = self._new_var(LINK_INDICATOR, h)
                self.link_members[link] = vs
                for v in vs:
                    self._row([v, link], [1, -1], 0)
                terms.append(link)
            self._row(terms, [1] * len(terms), 1)

    def _should_groups(self) -> list[int]:
        together = []
        self.members_of: dict[int, list[int]] = {}
        for _gid, members in self.pairs.group_members("should"):
            homes = set(self.units[self.unit_of[members[0]]].vars)
            for c in members[1:]:
                homes &= set(self.units[self.unit_of[c]].vars)
            for h in sorted(set(self.pairs.common_carers(members)) & homes):
                t = self._new_var(-1, h)
                self.members_of[t] = [self.units[self.unit_of[c]].vars[h] for c in members]
                for v in self.members_of[t]:
                    self._row([t, v], [1, -1], 0)
                together.append(t)
        return together

    def _objectives(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        self._terms: dict[str, tuple[list[int], list[int]]] = {
            lv: ([], []) for lv in (*LEVELS, *URGENCIES, "count")
        }
        n = {u: sum(1 for c in self.children if c.urgency == u) for u in URGENCIES}
        # Level 1 as one number whose "digits" are the tiers: one more emergency outweighs
        # any number of urgent, and one more urgent any number of planned.
        self.tier_weight = {"planned": 1, "urgent": n["planned"] + 1}
        self.tier_weight["emergency"] = (n["urgent"] + 1) * self.tier_weight["urgent"]
        for unit in self.units:
            for h, v in unit.vars.items():
                self._add_terms(unit, h, v)
        for t in self.together:
            self._terms["siblings"][0].append(t)
            self._terms["siblings"][1].append(1)
        return self._arrays()

    def column(self, unit: Unit, carer: int) -> dict[str, int]:
        """What placing `unit` with `carer` adds to each objective level."""
        tiers: dict[str, int] = defaultdict(int)
        for c in unit.children:
            tiers[self.children[c].urgency] += 1
        out = dict(tiers)
        out["placed"] = sum(self.tier_weight[u] * k for u, k in tiers.items())
        out["count"] = len(unit.children)
        out["quality"] = sum(self.pairs.q(c, carer) for c in unit.children)
        out["cost"] = -int(self.pairs.cost[carer]) * len(unit.children)
        return out

    def _add_terms(self, unit: Unit, carer: int, var: int) -> None:
        for level, coef in self.column(unit, carer).items():
            if coef:
                self._terms[level][0].append(var)
                self._terms[level][1].append(coef)

    def _arrays(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        return {
            lv: (np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64))
            for lv, (a, b) in self._terms.items()
        }

    # -- growing a pruned model --------------------------------------------------
    def add_columns(self, wanted: list[tuple[int, int]]) -> Extension:
        """Add (unit, carer) pairs left out by pruning, with every row they join."""
        ext = Extension()
        vac = self.pairs.vacancies
        for u, h in wanted:
            unit = self.units[u]
            if h in unit.vars:
                continue
            v = self._new_var(u, h)
            unit.vars[h] = v
            ext.new_vars.append(v)
            self._add_terms(unit, h, v)
            if u in self.once_row:
                self._extend_row(self.once_row[u], v, 1, ext)
            else:
                self.once_row[u] = len(self.rows)
                self._row([v], [1], 1)
                ext.new_rows.append(self.once_row[u])
            for c in unit.children:
                for oc, ov in self.at_carer[h]:
                    if self.unit_of[oc] != u and self.children[c].cannot_live_with(
                        self.children[oc]
                    ):
                        ext.new_rows.append(len(self.rows))
                        self._row([v, ov], [1, 1], 1)
            if self.pairs.one_family[h] and vac[h] >= 2:
                # Weaker than the constructor's cliques, but sound: pairwise against
                # every other family already there.
                mine = self.pairs.family[unit.children[0]]
                others = {ov for oc, ov in self.at_carer[h] if self.pairs.family[oc] != mine}
                for ov in sorted(others):
                    ext.new_rows.append(len(self.rows))
                    self._row([v, ov], [1, 1], 1)
            for c in unit.children:
                self.at_carer[h].append((c, v))
            if h in self.capacity_row:
                self._extend_row(self.capacity_row[h], v, len(unit.children), ext)
            elif len(self.at_carer[h]) > vac[h]:
                size: dict[int, int] = defaultdict(int)
                for _c, var in self.at_carer[h]:
                    size[var] += 1
                self.capacity_row[h] = len(self.rows)
                self._row(list(size), list(size.values()), int(vac[h]))
                ext.new_rows.append(self.capacity_row[h])
        self.objective = self._arrays()
        return ext

    def _extend_row(self, r: int, var: int, coef: int, ext: Extension) -> None:
        row = self.rows[r]
        self.rows[r] = Row(np.append(row.vars, var), np.append(row.coefs, coef), row.ub)
        ext.row_updates.append((r, var, coef))

    # -- assignments -----------------------------------------------------------
    def values(self, carer_of: dict[int, int]) -> np.ndarray:
        """The 0/1 vector of an assignment (child -> carer), indicators included."""
        x = np.zeros(self.n_vars, dtype=np.int64)
        for unit in self.units:
            home = carer_of.get(unit.children[0])
            if home is not None and home in unit.vars:
                x[unit.vars[home]] = 1
        for t in self.together:
            x[t] = int(all(x[v] for v in self.members_of[t]))
        for t, vs in self.link_members.items():
            x[t] = int(any(x[v] for v in vs))
        return x

    def assignment(self, x: np.ndarray) -> dict[int, int]:
        carer_of: dict[int, int] = {}
        var_unit = np.asarray(self.var_unit, dtype=np.int64)
        for v in np.flatnonzero((x[: len(var_unit)] > 0.5) & (var_unit >= 0)).tolist():
            for c in self.units[var_unit[v]].children:
                carer_of[c] = self.var_carer[v]
        return carer_of

    def level_value(self, level: str, x: np.ndarray) -> int:
        idx, coef = self.objective[level]
        return int(np.dot(coef, x[idx])) if len(idx) else 0

    def feasible(self, x: np.ndarray) -> bool:
        """Whether `x` keeps every row (all rows at once: a search checks often)."""
        if self._flat is None or self._flat[0] != (len(self.rows), self.n_vars):
            sizes = [len(r.vars) for r in self.rows]
            row_of = np.repeat(np.arange(len(self.rows), dtype=np.int64), sizes)
            self._flat = (
                (len(self.rows), self.n_vars),
                row_of,
                np.concatenate([r.vars for r in self.rows] or [np.zeros(0, np.int64)]),
                np.concatenate([r.coefs for r in self.rows] or [np.zeros(0, np.int64)]),
                np.array([r.ub for r in self.rows], dtype=np.int64),
            )
        _key, row_of, vars_, coefs, ub = self._flat
        lhs = np.bincount(row_of, weights=coefs * x[vars_], minlength=len(ub))
        return bool(np.all(lhs <= ub + 1e-9))

    def greedy_start(self, preferred: dict[int, int]) -> dict[int, int]:
        """A sound assignment: the preferred one where it fits, then greedily filled,
        most urgent first."""
        occ = Occupancy.of(self.pairs)
        rank = {u: i for i, u in enumerate(URGENCIES)}
        order = sorted(
            range(len(self.units)),
            key=lambda u: min(rank[self.children[c].urgency] for c in self.units[u].children),
        )
        for u in order:
            unit = self.units[u]
            homes = {preferred.get(c) for c in unit.children}
            if len(homes) == 1:
                (h,) = homes
                if h is not None and h in unit.vars and occ.fits(unit.children, h):
                    occ.place(unit.children, h)
        for u in order:
            unit = self.units[u]
            if unit.children[0] in occ.carer_of:
                continue
            options = sorted(
                unit.vars, key=lambda h: -sum(self.pairs.q(c, h) for c in unit.children)
            )
            for h in options:
                if occ.fits(unit.children, h):
                    occ.place(unit.children, h)
                    break
            else:
                # No free place: make one by moving someone to another household.
                for h in options:
                    if self._make_room(occ, unit.children, h):
                        occ.place(unit.children, h)
                        break
        return occ.carer_of

    def gather_siblings(
        self, carer_of: dict[int, int], order: list[int] | None = None
    ) -> dict[int, int]:
        """Move `should` groups together where one household has room for them all,
        nobody losing their place (so the placed counts cannot fall)."""
        occ = Occupancy.of(self.pairs)
        for c, h in carer_of.items():
            occ.place([c], h)
        groups = self.pairs.group_members("should")
        for g in order if order is not None else range(len(groups)):
            _gid, members = groups[g]
            if len({occ.carer_of.get(c) for c in members}) == 1 and members[0] in occ.carer_of:
                continue
            before = {c: occ.carer_of.get(c) for c in members}
            for c in members:
                if c in occ.carer_of:
                    occ.remove(c)
            homes = set.intersection(*(set(self.units[self.unit_of[c]].vars) for c in members))
            for h in self.pairs.common_carers(members):
                if h in homes and (occ.fits(members, h) or self._make_room(occ, members, h)):
                    occ.place(members, h)
                    break
            else:
                for c, home in before.items():
                    if home is not None:
                        occ.place([c], home)
        return occ.carer_of

    def _make_room(self, occ: Occupancy, members: list[int], carer: int) -> bool:
        """Move children out of `carer` to other households they can go to, until the
        group fits (nobody loses a place); undo and say False if that cannot be done."""
        moved: list[tuple[int, int]] = []
        for o in list(occ.at.get(carer, [])):
            if occ.fits(members, carer):
                break
            unit = self.units[self.unit_of[o]]
            if len(unit.children) > 1:
                continue  # a `must` group moves only as a whole; leave it
            for h in unit.vars:
                if h != carer and occ.fits([o], h):
                    occ.remove(o)
                    occ.place([o], h)
                    moved.append((o, carer))
                    break
        if occ.fits(members, carer):
            return True
        for o, home in moved:
            occ.remove(o)
            occ.place([o], home)
        return False


class CpSatModel:
    """The model in CP-SAT, with level rows added as levels settle."""

    def __init__(self, model: AssignmentModel) -> None:
        self.m = model
        self.cp = cp_model.CpModel()
        self.x = [self.cp.new_bool_var(f"v{i}") for i in range(model.n_vars)]
        for row in model.rows:
            lits = [self.x[int(v)] for v in row.vars]
            if len(lits) == 2 and row.ub == 1 and row.coefs[0] == 1 == row.coefs[1]:
                self.cp.add_bool_or([lits[0].Not(), lits[1].Not()])
            elif row.ub == 0 and len(lits) == 2 and row.coefs[1] == -1:
                self.cp.add_implication(lits[0], lits[1])
            elif row.ub == 1 and all(row.coefs == 1):
                if len(lits) > 1:
                    self.cp.add_at_most_one(lits)
            else:
                self.cp.add(sum(int(c) * x for c, x in zip(row.coefs, lits, strict=True)) <= row.ub)

    def expr(self, level: str) -> Expr:
        """The level's objective as a CP-SAT expression (0 if nothing counts at it)."""
        idx, coef = self.m.objective[level]
        return sum(int(c) * self.x[int(i)] for i, c in zip(idx, coef, strict=True))

    def hint(self, x: np.ndarray) -> None:
        self.cp.clear_hints()  # type: ignore[no-untyped-call]  # unannotated in OR-Tools 9.15
        for v, val in zip(self.x, x, strict=True):
            self.cp.add_hint(v, int(val))

    def solution(self, solver: cp_model.CpSolver) -> np.ndarray:
        return np.array([solver.boolean_value(v) for v in self.x], dtype=np.int64)


@dataclass(frozen=True)
class LpAnswer:
    value: float
    x: np.ndarray
    reduced_cost: np.ndarray
    duals: np.ndarray  # one per model row
    held_duals: dict[str, float]  # one per settled level
    dual_rhs: float  # sum of dual × right-hand side, settled levels included

    @property
    def bound(self) -> int:
        """The integer optimum is at most floor(LP); padded for LP tolerances."""
        return int(np.floor(self.value + 1e-6 * max(1.0, abs(self.value))))

    def fixings(self, incumbent: int) -> tuple[np.ndarray, np.ndarray]:
        """Reduced-cost fixing: variables that must be 0 (or 1) in any solution better
        than `incumbent`, because moving them would take the LP bound below it."""
        need = incumbent + 1 - 1e-6 * max(1.0, abs(self.value))
        zero = np.flatnonzero((self.x < 1e-9) & (self.value + self.reduced_cost < need))
        one = np.flatnonzero((self.x > 1 - 1e-9) & (self.value - self.reduced_cost < need))
        return zero, one


class LpRelaxation:
    """The same rows over [0, 1] variables, solved by GLOP for a bound on each level."""

    def __init__(self, model: AssignmentModel) -> None:
        self.m = model
        self.lp = pywraplp.Solver.CreateSolver("GLOP")
        # GLOP's presolve costs more than it saves on these sparse 0/1 rows: measured
        # 5-15x faster without it, re-solves after settling a level included.
        self.lp.SetSolverSpecificParametersAsString("use_preprocessing: false")
        self.x = [self.lp.NumVar(0.0, 1.0, "") for _ in range(model.n_vars)]
        self.row_con: list[pywraplp.Constraint] = []  # model row -> its constraint
        self.held: dict[str, pywraplp.Constraint] = {}  # settled level -> its constraint
        self.held_value: dict[str, int] = {}
        for r in range(len(model.rows)):
            self._add_row(r)

    def _add_row(self, r: int) -> None:
        row = self.m.rows[r]
        c = self.lp.Constraint(-self.lp.infinity(), float(row.ub))
        for v, k in zip(row.vars, row.coefs, strict=True):
            c.SetCoefficient(self.x[int(v)], float(k))
        self.row_con.append(c)

    def bound(self, level: str, seconds: float) -> LpAnswer | None:
        """The LP optimum of `level` given the settled levels (None if GLOP gave up)."""
        obj = self.lp.Objective()
        obj.Clear()
        idx, coef = self.m.objective[level]
        for i, k in zip(idx, coef, strict=True):
            obj.SetCoefficient(self.x[int(i)], float(k))
        obj.SetMaximization()
        self.lp.SetTimeLimit(max(1, int(seconds * 1000)))
        if self.lp.Solve() != pywraplp.Solver.OPTIMAL:
            return None
        duals = np.array([c.dual_value() for c in self.row_con])
        held = {lv: c.dual_value() for lv, c in self.held.items()}
        ub = np.array([row.ub for row in self.m.rows], dtype=np.float64)
        rhs = float(np.dot(duals, ub)) + sum(held[lv] * self.held_value[lv] for lv in held)
        return LpAnswer(
            obj.Value(),
            np.array([v.solution_value() for v in self.x]),
            np.array([v.reduced_cost() for v in self.x]),
            duals,
            held,
            rhs,
        )

    def extend(self, ext: Extension) -> None:
        """Follow the model after `add_columns`."""
        for v in ext.new_vars:
            assert v == len(self.x)
            self.x.append(self.lp.NumVar(0.0, 1.0, ""))
        for r in ext.new_rows:  # in their final form, later updates included
            assert r == len(self.row_con)
            self._add_row(r)
        for r, v, k in ext.row_updates:  # setting a coefficient twice is harmless
            self.row_con[r].SetCoefficient(self.x[v], float(k))
        new = set(ext.new_vars)
        for level, c in self.held.items():
            idx, coef = self.m.objective[level]
            for i, k in zip(idx, coef, strict=True):
                if int(i) in new:
                    c.SetCoefficient(self.x[int(i)], float(k))

    def hold(self, level: str, value: int) -> None:
        """Keep `level` at or above `value` from now on."""
        idx, coef = self.m.objective[level]
        c = self.lp.Constraint(float(value), self.lp.infinity())
        for i, k in zip(idx, coef, strict=True):
            c.SetCoefficient(self.x[int(i)], float(k))
        self.held[level] = c
        self.held_value[level] = value
