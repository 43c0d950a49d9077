"""The measures a benchmark reports, as pure functions of a problem and a result.

Every method (the product, the greedy baseline, the naive model) is measured by the
same functions from its `SolveResult`, so a difference in a table is a difference in
the assignments, never in how they were counted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

import geo
from children.model import Child
from matching.batch.relaxation import relax
from matching.problem import Problem
from matching.ranking import MatchingContext, context_for, group_conflicts
from matching.result import SolveResult
from vocab import ETHNIC_GROUPS, SEXES, URGENCIES, ethnic_group

#: 20 miles: the DfE's distance band for placements far from home.
WITHIN_KM = geo.TWENTY_MILES_KM
#: Needs that count as a disability in the equity table.
DISABILITY_NEEDS: frozenset[str] = frozenset(
    {
        "physical_disability",
        "learning_disability",
        "autism",
        "sensory_impairment",
        "complex_health",
    }
)
#: Age bands of the equity table: (label, youngest, oldest), whole years.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0–4", 0, 4),
    ("5–9", 5, 9),
    ("10–15", 10, 15),
    ("16+", 16, 200),
)
#: A group's mean distance counts as worse from this many km more.
KM_TOLERANCE = 0.5
ETHNIC_GROUP_ORDER: tuple[str, ...] = tuple(dict.fromkeys(ETHNIC_GROUPS.values()))


@dataclass(frozen=True)
class Summary:
    """One result's headline figures."""

    children_by_urgency: dict[str, int]
    placed_by_urgency: dict[str, int]
    siblings_together: int  # `must` and `should` groups with every member in one home
    siblings_split: int
    siblings_unplaced: int
    mean_km: float  # NaN when nobody is placed
    within_km: float  # share of placed children within WITHIN_KM of home
    placed_near: int  # children placed within WITHIN_KM of home, of all referred
    home_la: float  # share of placed children with a carer in their own LA
    placed_home_la: int  # children placed with a carer in their own LA, of all referred
    mean_score: float  # absolute 0–100 match score, comparable across methods
    weekly_cost: float
    placed_total: int | None = None  # when it is not the sum of the tiers (a bound)

    @property
    def placed(self) -> int:
        if self.placed_total is not None:
            return self.placed_total
        return sum(self.placed_by_urgency.values())

    @property
    def children(self) -> int:
        return sum(self.children_by_urgency.values())


def _mean(values: Sequence[float]) -> float:
    return float(np.mean(values)) if len(values) else math.nan


def placed_by_urgency(problem: Problem, result: SolveResult) -> dict[str, int]:
    """Children placed per urgency tier, counted from the assignments."""
    urgency = {c.id: c.urgency for c in problem.children}
    out = {u: 0 for u in URGENCIES}
    for a in result.assignments:
        out[urgency[a.child]] += 1
    return out


def children_by_urgency(problem: Problem) -> dict[str, int]:
    out = {u: 0 for u in URGENCIES}
    for c in problem.children:
        out[c.urgency] += 1
    return out


def sibling_counts(result: SolveResult) -> tuple[int, int, int]:
    """`must` and `should` groups together, split and unplaced (`apart` groups are
    not asked to live together and are left out)."""
    outcomes = [g.outcome for g in result.sibling_groups if g.policy != "apart"]
    return outcomes.count("together"), outcomes.count("split"), outcomes.count("unplaced")


def mean_km(result: SolveResult) -> float:
    """Mean straight-line km from home over placed children (NaN if none)."""
    return _mean([a.distance_km for a in result.assignments])


def share_within(result: SolveResult, km: float = WITHIN_KM) -> float:
    """Share of placed children at most `km` from home (NaN if none)."""
    return _mean([float(a.distance_km <= km) for a in result.assignments])


def placed_within(result: SolveResult, km: float = WITHIN_KM) -> int:
    """Children placed at most `km` from home: of everyone referred, how many live
    near home. A method that places more children can have a longer mean distance and
    still more children near home; this counts the latter."""
    return sum(1 for a in result.assignments if a.distance_km <= km)


def _in_home_la(problem: Problem, result: SolveResult) -> list[float]:
    """1 for each placed child whose carer is recorded in the child's own LA, else 0."""
    child_la = {c.id: c.la for c in problem.children}
    carer_la = {h.id: h.la for h in problem.carers}
    return [float(child_la[a.child] == carer_la[a.carer]) for a in result.assignments]


def share_home_la(problem: Problem, result: SolveResult) -> float:
    """Share of placed children whose carer is recorded in the child's own LA."""
    return _mean(_in_home_la(problem, result))


def placed_home_la(problem: Problem, result: SolveResult) -> int:
    """Children placed in their own LA, of everyone referred: the LA's sufficiency duty
    (Children Act 1989 s22G) counted as an officer would, not as a share of however
    many a method placed."""
    return int(sum(_in_home_la(problem, result)))


def mean_score(result: SolveResult) -> float:
    return _mean([a.score for a in result.assignments])


def weekly_cost(problem: Problem, result: SolveResult) -> float:
    """The carers' weekly cost per child placed, summed."""
    cost = {h.id: h.weekly_cost for h in problem.carers}
    return float(sum(cost[a.carer] for a in result.assignments))


def summarize(problem: Problem, result: SolveResult) -> Summary:
    together, split, unplaced = sibling_counts(result)
    return Summary(
        children_by_urgency=children_by_urgency(problem),
        placed_by_urgency=placed_by_urgency(problem, result),
        siblings_together=together,
        siblings_split=split,
        siblings_unplaced=unplaced,
        mean_km=mean_km(result),
        within_km=share_within(result),
        placed_near=placed_within(result),
        home_la=share_home_la(problem, result),
        placed_home_la=placed_home_la(problem, result),
        mean_score=mean_score(result),
        weekly_cost=weekly_cost(problem, result),
    )


def ratio(a: float, b: float) -> float:
    """a / b, NaN when b is 0 or either is NaN."""
    if math.isnan(a) or math.isnan(b) or b == 0:
        return math.nan
    return a / b


# -- equity ----------------------------------------------------------------------------


def age_band(age: int) -> str:
    for label, lo, hi in AGE_BANDS:
        if lo <= age <= hi:
            return label
    raise ValueError(f"age {age} is in no band")


def has_disability(child: Child) -> bool:
    return bool(child.needs & DISABILITY_NEEDS)


#: The equity dimensions: name, the group a child falls in, and the groups in order.
DIMENSIONS: tuple[tuple[str, Callable[[Child], str], tuple[str, ...]], ...] = (
    ("ethnicity", lambda c: ethnic_group(c.ethnicity), ETHNIC_GROUP_ORDER),
    ("sex", lambda c: c.sex, SEXES),
    ("age band", lambda c: age_band(c.age), tuple(b[0] for b in AGE_BANDS)),
    ("disability", lambda c: "yes" if has_disability(c) else "no", ("yes", "no")),
)


@dataclass(frozen=True)
class EquityCell:
    """One group of children under one result."""

    dimension: str
    group: str
    children: int
    placed: int
    mean_km: float  # over the group's placed children; NaN if none

    @property
    def placed_share(self) -> float:
        return self.placed / self.children if self.children else math.nan


def equity(problem: Problem, result: SolveResult) -> list[EquityCell]:
    """Placed share and mean distance for every group of every dimension that has
    children in the problem, in the dimensions' order."""
    km = {a.child: a.distance_km for a in result.assignments}
    out = []
    for name, group_of, order in DIMENSIONS:
        members: dict[str, list[Child]] = {g: [] for g in order}
        for c in problem.children:
            members.setdefault(group_of(c), []).append(c)
        for g, kids in members.items():
            if not kids:
                continue
            dist = [km[c.id] for c in kids if c.id in km]
            out.append(EquityCell(name, g, len(kids), len(dist), _mean(dist)))
    return out


@dataclass(frozen=True)
class EquityRow:
    """One group under two results (the product, and the method it is compared with)."""

    dimension: str
    group: str
    children: int
    placed_share: tuple[float, float]
    mean_km: tuple[float, float]

    @property
    def placed_change(self) -> float:
        """Product minus the other method, in percentage points."""
        return 100 * (self.placed_share[0] - self.placed_share[1])

    @property
    def km_change(self) -> float:
        return self.mean_km[0] - self.mean_km[1]

    @property
    def product_worse(self) -> str:
        """How the product serves this group worse than the other method: "" if it does
        not. Any drop in the share placed counts; distance counts from `KM_TOLERANCE`."""
        worse = []
        if self.placed_change < -1e-9:
            worse.append("fewer placed")
        if not math.isnan(self.km_change) and self.km_change >= KM_TOLERANCE:
            worse.append(f"farther ({self.km_change:+.1f} km)")
        return ", ".join(worse)


def compare_equity(problem: Problem, product: SolveResult, other: SolveResult) -> list[EquityRow]:
    rows = []
    for a, b in zip(equity(problem, product), equity(problem, other), strict=True):
        assert (a.dimension, a.group) == (b.dimension, b.group)
        rows.append(
            EquityRow(
                a.dimension,
                a.group,
                a.children,
                (a.placed_share, b.placed_share),
                (a.mean_km, b.mean_km),
            )
        )
    return rows


# -- bounds ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Bounds:
    """What no result can beat, where it can be computed.

    - `placed_by_urgency`: the most children of each tier that can be placed, most
      urgent first, from the assignment relaxation (pair rules and capacity only; exact
      by network flow). True upper bounds for the whole, unpruned problem.
    - `siblings_together`: `must` and `should` groups that some household could take
      whole (eligible for every member, room for all, members able to live together).
      An upper bound that ignores competition for those households.
    - `nearest_km`: for each child, the distance to their nearest eligible carer
      (ignoring capacity); NaN for a child with none. The mean over the children a
      result placed is a lower bound on that result's mean distance.
    """

    placed_by_urgency: dict[str, int]
    siblings_together: int
    nearest_km: dict[str, float]
    eligible_pairs: int

    @property
    def placed(self) -> int:
        return sum(self.placed_by_urgency.values())

    def mean_nearest_km(self, result: SolveResult) -> float:
        """The least mean distance for the children `result` placed."""
        return _mean([self.nearest_km[a.child] for a in result.assignments])


def bounds(problem: Problem, ctx: MatchingContext | None = None) -> Bounds:
    ctx = ctx or context_for(problem)
    eligible, nearest = [], {}
    for c in problem.children:
        a = ctx.assess(c)  # one at a time: an assessment covers every carer
        eligible.append(a.eligible)
        nearest[c.id] = float(a.distance_km[a.eligible].min()) if len(a.eligible) else math.nan
    relaxed = relax(
        eligible,
        [np.zeros(len(e), dtype=np.int64) for e in eligible],
        ctx.table.vacancies,
        [c.urgency for c in problem.children],
    )
    index = {c.id: i for i, c in enumerate(problem.children)}
    together = 0
    for g in problem.sibling_groups:
        if g.policy == "apart":
            continue
        members = [index[c] for c in g.children]
        if group_conflicts([problem.children[m] for m in members]):
            continue
        common: np.ndarray = eligible[members[0]]
        for m in members[1:]:
            common = np.intersect1d(common, eligible[m], assume_unique=True)
        together += bool((ctx.table.vacancies[common] >= len(members)).any())
    return Bounds(
        dict(relaxed.tier_bound),
        together,
        nearest,
        int(sum(len(e) for e in eligible)),
    )


def median_index(values: Iterable[float]) -> int:
    """Position of the median value (the lower middle one for an even count)."""
    vals = list(values)
    order = sorted(range(len(vals)), key=lambda i: vals[i])
    return order[(len(vals) - 1) // 2]
