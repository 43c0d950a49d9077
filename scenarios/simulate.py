"""A year (or any horizon) of referrals and matching, week by week, with the real core.

Each week: carers leave and join (and the scenario's recruitment and closures happen);
placements end; referrals arrive; the week's waiting children are matched — by the
batch solver over everyone waiting (`weekly`), or one referral at a time in the order
officers take them, nearest vacancy first (`on_arrival`, the officer-style baseline);
and a child who has waited as long as the LA can let them (by urgency) goes to the
emergency fallback: an out-of-area children's home at its cost. The hard rule that
shut that child out of every local home is recorded: it tells a planner what to
recruit.

Random numbers come from separate streams (who arrives, how long placements last,
carers leaving and joining) seeded by (scenario seed, replication), so two scenarios
run with the same seed see the same children arrive: their difference is the
scenario's, not chance's (common random numbers).

The starting population is a generated region: its children are the pool referrals are
drawn from (by age band, with the scenario's multipliers), its households the carers.
Places already taken at the start (the children looked after now) are anonymous: each
household's approved places are its free places plus a number drawn by kind
(assumption, docs/scenarios.md) or, when the scenario counts them (`population.placed`,
from an LA's 903 extract), exactly that many per kind; those placements end at the
national rate of children leaving care.
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

import geo
import matching
from carers.model import Household
from children.model import Child
from children.siblings import SiblingGroup
from matching.problem import (
    DEFAULT_MAX_DISTANCE_KM,
    DEFAULT_WEIGHTS,
    Policy,
    Problem,
    parse_problem,
)
from matching.ranking import MatchingContext
from matching.unplaced import blocking_rule
from matching.yardsticks.baselines import greedy
from scenarios.spec import AGE_BANDS, STARTS_PER_CHILD_LOOKED_AFTER, Scenario
from synth import generate_region
from vocab import ethnic_group

START = date(2026, 11, 23)
#: 20 miles, the DfE's "distance from home" threshold.
TWENTY_MILES_KM = geo.TWENTY_MILES_KM
#: Children leaving care a year per child looked after (34,450 ceased / 81,770, §1.1):
#: the weekly hazard of a placement ending.
LEAVING_CARE_PER_WEEK = 34_450 / 81_770 / 52
#: Assumption: placements in children's homes and supported accommodation are shorter
#: (moves on at 16–18, step-down to foster care) than foster and kinship placements.
KIND_END_MULTIPLIER = {"foster": 1.0, "kinship": 0.7, "residential": 1.6, "supported": 2.0}
#: Assumption: approved places beyond the free ones, by kind (the places children
#: looked after already fill at the start).
TAKEN_PLACES = {
    "foster": {0: 0.15, 1: 0.45, 2: 0.30, 3: 0.10},
    "kinship": {1: 0.8, 2: 0.2},
    "residential": {2: 0.2, 3: 0.4, 4: 0.4},
    "supported": {1: 0.3, 2: 0.4, 3: 0.3},
}
DISABILITY = frozenset(
    {"physical_disability", "learning_disability", "complex_health", "sensory_impairment"}
)
FALLBACK = "fallback"
#: The kinds the simulation places with (adoption has its own rounds, issue 5).
SIM_KINDS = ("foster", "kinship", "residential", "supported")
Progress = Callable[[int, int], None]


def age_band(age: int) -> str:
    if age < 1:
        return "0"
    if age <= 4:
        return "1-4"
    if age <= 9:
        return "5-9"
    return "10-15" if age <= 15 else "16-17"


@dataclass
class Placement:
    """A taken place: a simulated child, or one of the children there at the start."""

    household: int  # -1 for the fallback
    child: str | None
    age: int | None
    cost: float
    kind: str
    ends: int  # week


@dataclass
class Record:
    """What happened to one referred child: the unit of most outcomes."""

    child: str
    la: str
    ethnicity: str
    sex: str
    age_band: str
    disabled: bool
    urgency: str
    arrived: int
    placed: int | None = None
    kind: str | None = None
    km: float | None = None
    home_la: bool = False
    weekly_cost: float = 0.0
    blocked_by: str | None = None
    group: str | None = None
    household: int | None = None

    @property
    def local(self) -> bool:
        return self.kind is not None and self.kind != FALLBACK


@dataclass
class Run:
    """One replication's results: per week, per child, per sibling group."""

    scenario: str
    replication: int
    weeks: list[dict[str, Any]] = field(default_factory=list)
    children: list[Record] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


class Simulation:
    def __init__(self, scenario: Scenario, replication: int) -> None:
        self.s = scenario
        self.replication = replication
        base = np.random.SeedSequence([scenario.seed, replication])
        streams = base.spawn(4)
        self.rng_arrivals = np.random.default_rng(streams[0])
        self.rng_durations = np.random.default_rng(streams[1])
        self.rng_carers = np.random.default_rng(streams[2])
        self.rng_events = np.random.default_rng(streams[3])
        # The region (and the first pool of referrals) depends only on the population
        # and the seed, never on demand changes, so every scenario of a comparison starts
        # from the same households and sees the same first children; a scenario that
        # draws more children gets further pools after the first (`_more_children`).
        weeks = scenario.horizon_weeks
        self.chunk = max(
            50, int(STARTS_PER_CHILD_LOOKED_AFTER * scenario.children * weeks / 52 * 1.4) + 50
        )
        doc = generate_region(
            self.chunk,
            scenario.households,
            seed=scenario.seed * 1009 + replication,
            las=scenario.las,
        )
        problem = parse_problem(doc, generated=True)
        self.extra_pools = 0
        self.policy = Policy(
            max_distance_km=DEFAULT_MAX_DISTANCE_KM | dict(scenario.max_distance_km),
            time_limit_s=scenario.solver_seconds,
            weights=DEFAULT_WEIGHTS | dict(scenario.weights),
            seed=scenario.seed,
        )
        self.pool_by_band = self._pool(problem)
        self.band_share = _band_shares(self.pool_by_band)
        #: Referral rates count children; arrivals are units (a child, or a group).
        self.children_per_unit = sum(
            len(u) for units in self.pool_by_band.values() for u in units
        ) / max(1, sum(len(units) for units in self.pool_by_band.values()))
        self.group_of = {c: g for g in problem.sibling_groups for c in g.children}
        self.child_by_id = dict(problem.child_by_id)
        self.households: list[Household] = []
        self.active: list[bool] = []
        self.places: list[int] = []
        self.leaves: list[int] = []  # the week each household stops taking children
        self.u: dict[str, float] = {}  # each referred child's draw for placement length
        for h in problem.carers:
            if h.kind in SIM_KINDS:
                self._add(h, h.vacancies, week=0)
        self.at: dict[int, list[Placement]] = defaultdict(list)
        self.ending: dict[int, list[Placement]] = defaultdict(list)
        self.fallbacks: list[Placement] = []
        self.waiting: dict[str, Child] = {}
        self.moved = 0  # children who had to move this week because their home closed
        self.records: dict[str, Record] = {}
        self.groups_arrived: dict[str, SiblingGroup] = {}
        self.profiles = [h for h in self.households if h.kind == "foster"]
        self._start_places()

    # -- the population --------------------------------------------------------------
    def _pool(
        self, problem: Problem, rng: np.random.Generator | None = None
    ) -> dict[str, list[list[Child]]]:
        """Referral units (a child, or a sibling group arriving together) by age band."""
        rng = rng or self.rng_arrivals
        units: dict[str, list[list[Child]]] = {b: [] for b in AGE_BANDS}
        seen: set[str] = set()
        for c in problem.children:
            if c.id in seen or not set(c.accepts) & set(SIM_KINDS):
                continue
            g = problem.siblings.group_of(c.id)
            members = [problem.child_by_id[m] for m in g.children] if g else [c]
            seen.update(m.id for m in members)
            band = age_band(min(m.age for m in members))
            units[band].append(members)
        for band in units:
            rng.shuffle(units[band])
        return units

    def _more_children(self) -> None:
        """Another pool of generated children, served after the ones already waiting
        to be drawn (so the first arrivals stay the same in every scenario)."""
        self.extra_pools += 1
        k = self.extra_pools
        tag = f"X{k}-"
        doc = generate_region(
            self.chunk, 10, seed=(self.s.seed * 1009 + self.replication) * 31 + k, las=self.s.las
        )
        for c in doc["children"]:
            c["id"] = tag + c["id"]
            c["siblings_placed_with"], c["wishes"]["carers"] = [], []
        for g in doc.get("sibling_groups", []):
            g["id"] = tag + g["id"]
            g["children"] = [tag + m for m in g["children"]]
        for h in doc["carers"]:
            h["connected_children"] = []
        problem = parse_problem(doc, generated=True)
        self.child_by_id.update(problem.child_by_id)
        self.group_of.update({c: g for g in problem.sibling_groups for c in g.children})
        rng = np.random.default_rng([self.s.seed, self.replication, 99, k])
        for band, units in self._pool(problem, rng).items():
            self.pool_by_band[band][:0] = units

    def _start_places(self) -> None:
        """The places children looked after already fill at the start: for a kind the
        scenario counts (`population.placed`, from a 903 baseline), exactly that many,
        spread evenly at random over the kind's households; otherwise drawn per
        household (TAKEN_PLACES)."""
        given = self.s.placed
        for i, h in enumerate(self.households):
            if h.kind in given:
                continue
            shares = TAKEN_PLACES[h.kind]
            keys = list(shares)
            taken = int(self.rng_carers.choice(keys, p=list(shares.values())))
            self._take(i, taken)
        for kind in SIM_KINDS:
            homes = [i for i, h in enumerate(self.households) if h.kind == kind]
            if kind not in given or not homes:
                continue
            counts = self.rng_carers.multinomial(given[kind], [1 / len(homes)] * len(homes))
            for i, taken in zip(homes, counts, strict=True):
                self._take(i, int(taken))

    def _take(self, i: int, taken: int) -> None:
        self.places[i] += taken
        for _ in range(taken):
            self._occupy(i, None, None, self.households[i].weekly_cost, self.households[i].kind, 0)

    def _duration(self, kind: str, u: float | None = None) -> int:
        """Weeks until a placement ends (geometric at the kind's weekly hazard)."""
        hazard = LEAVING_CARE_PER_WEEK * KIND_END_MULTIPLIER.get(kind, 1.6)
        u = self.rng_durations.random() if u is None else u
        return max(1, int(math.ceil(math.log(1.0 - u) / math.log(1.0 - hazard))))

    def _occupy(
        self,
        h: int,
        child: str | None,
        age: int | None,
        cost: float,
        kind: str,
        week: int,
        u: float | None = None,
    ) -> Placement:
        p = Placement(h, child, age, cost, kind, week + self._duration(kind, u))
        if h >= 0:
            self.at[h].append(p)
        else:
            self.fallbacks.append(p)
        self.ending[p.ends].append(p)
        return p

    def free(self, h: int) -> int:
        return self.places[h] - len(self.at[h]) if self.active[h] else 0

    # -- a week ----------------------------------------------------------------------
    def run(self, progress: Progress | None = None) -> Run:
        import time

        began = time.perf_counter()
        out = Run(self.s.name, self.replication)
        for week in range(self.s.horizon_weeks):
            out.weeks.append(self.week(week))
            if progress:
                progress(week + 1, self.s.horizon_weeks)
        out.children = list(self.records.values())
        out.groups = self._group_outcomes()
        out.seconds = time.perf_counter() - began
        return out

    def week(self, week: int) -> dict[str, Any]:
        today = START + timedelta(weeks=week)
        self.moved = 0
        self._carers_change(week, today)
        ended = self._end_placements(week)
        arrivals = self._arrivals(week)
        placed = self._match(week, today)
        fallback = self._fallback(week, today)
        cost = sum(p.cost for ps in self.at.values() for p in ps) + sum(
            p.cost for p in self.fallbacks
        )
        residential = sum(
            len(ps) for h, ps in self.at.items() if self.households[h].kind == "residential"
        ) + len(self.fallbacks)
        made = [self.records[c] for c in placed]
        return {
            "week": week,
            "arrivals": arrivals,
            "placed": len(placed),
            "fallback": len(fallback),
            "ended": ended,
            "waiting": len(self.waiting),
            "unplaced_child_days": 7 * len(self.waiting),
            "residential": residential,
            "weekly_cost": round(cost, 2),
            "placed_home_la": sum(r.home_la for r in made),
            "placed_within_20_miles": sum(
                1 for r in made if r.km is not None and r.km <= TWENTY_MILES_KM
            ),
            "households": sum(self.active),
            "moved_by_closure": self.moved,
            "free_places": sum(self.free(h) for h in range(len(self.households))),
        }

    def _carers_change(self, week: int, today: date) -> None:
        s = self.s
        for h in range(len(self.households)):
            if self.active[h] and self.leaves[h] == week:
                self.active[h] = False  # resigns: takes no new child; placements run on
        joining = int(self.rng_carers.poisson(s.carers_joining_per_year / 52 * s.households))
        for _ in range(joining):
            like = self.profiles[int(self.rng_carers.integers(len(self.profiles)))]
            self._add(
                dataclasses.replace(
                    like,
                    id=f"N{week}-{len(self.households)}",
                    available_from=today,
                    household_children_ages=(),
                ),
                places=max(1, like.vacancies + 1),
                week=week,
            )
        for r in s.recruit:
            if r.week == week:
                self._recruit(r, today)
        for c in s.close:
            if c.week == week:
                self._close(c, week)

    def _add(self, h: Household, places: int, week: int) -> None:
        """A household joins. When it will leave is drawn from its own stream (keyed by
        its id), so households added by one scenario do not change when the others
        leave: common random numbers."""
        self.households.append(h)
        self.active.append(True)
        self.places.append(places)
        own = np.random.default_rng([self.s.seed, self.replication, zlib.crc32(h.id.encode())])
        hazard = self.s.carers_leaving_per_year / 52
        stay = int(own.geometric(hazard)) if hazard > 0 else 10**9
        self.leaves.append(week + stay)

    def _recruit(self, r: Any, today: date) -> None:
        from geo import gazetteer

        gaz = gazetteer()
        if r.areas:
            spots = list(r.areas)
        else:
            spots = [o for o, a in zip(gaz.index, gaz.area, strict=False) if a == r.la]
        for k in range(r.count):
            where = spots[int(self.rng_events.integers(len(spots)))] if spots else None
            if where is None:
                continue
            self._add(
                Household(
                    id=f"R{r.week}-{k}-{len(self.households)}",
                    la=r.la,
                    kind=r.kind,
                    provider="in_house",
                    location=where,
                    min_age=r.min_age,
                    max_age=r.max_age,
                    vacancies=r.places,
                    available_from=today,
                    weekly_cost=r.weekly_cost,
                    skills=frozenset(r.skills),
                    years_experience=0.0,
                ),
                places=r.places,
                week=r.week,
            )

    def _close(self, c: Any, week: int) -> None:
        options = [
            h
            for h, home in enumerate(self.households)
            if self.active[h] and home.kind == c.kind and (c.la is None or home.la == c.la)
        ]
        self.rng_events.shuffle(options)
        for h in options[: c.count]:
            self.active[h] = False
            for p in list(self.at[h]):
                self._remove(p)
                self.moved += 1
                if p.child is not None and p.child in self.records:
                    # Back on the list as an emergency: the home has closed.
                    child = self.child_by_id[p.child]
                    self.waiting[child.id] = dataclasses.replace(child, urgency="emergency")
                    rec = self.records[child.id]
                    rec.placed, rec.kind, rec.urgency = None, None, "emergency"
                    rec.household = None
                    rec.arrived = week
                else:  # a child living there from the start: moved out of area
                    self._occupy(-1, None, None, self.s.fallback_weekly_cost, FALLBACK, week)

    def _remove(self, p: Placement) -> None:
        if p.household >= 0:
            self.at[p.household].remove(p)
        else:
            self.fallbacks.remove(p)
        p.ends = -1  # no longer due to end

    def _end_placements(self, week: int) -> int:
        due = [p for p in self.ending.pop(week, []) if p.ends == week]
        for p in due:
            self._remove(p)
        return len(due)

    def _arrivals(self, week: int) -> int:
        """Referral units this week, by age band: Poisson around the yearly rate."""
        s = self.s
        per_week = s.yearly_referrals / 52 / self.children_per_unit
        # Need multipliers by thinning: draw at the highest multiplier's rate and keep
        # each referral with probability (its multiplier / the highest), so referrals
        # with a need scaled by m arrive m times as often and the rest as before.
        most = max([1.0, *s.need_multiplier.values()])
        n = 0
        for band, units in self.pool_by_band.items():
            rate = per_week * self.band_share[band] * s.age_multiplier.get(band, 1.0) * most
            for _ in range(int(self.rng_arrivals.poisson(rate))):
                if not units:
                    self._more_children()
                    if not units:
                        break
                members = units.pop()
                keep = self._need_factor(members) / most
                if self.rng_arrivals.random() >= keep:
                    continue
                if len(members) > 1 and self.rng_arrivals.random() >= s.sibling_multiplier:
                    members = members[:1]  # fewer arrive with brothers and sisters
                n += self._refer(members, week)
        return n

    def _need_factor(self, members: list[Child]) -> float:
        mult = self.s.need_multiplier
        factors = [mult[n] for m in members for n in m.needs if n in mult]
        return max(factors) if factors else 1.0

    def _refer(self, members: list[Child], week: int) -> int:
        g = self.group_of.get(members[0].id)
        if len(members) > 1 and g is not None:
            self.groups_arrived[g.id] = g
        for m in members:
            self.waiting[m.id] = m
            self.u[m.id] = float(self.rng_arrivals.random())
            self.records[m.id] = Record(
                child=m.id,
                la=m.la,
                ethnicity=ethnic_group(m.ethnicity),
                sex=m.sex,
                age_band=age_band(m.age),
                disabled=bool(m.needs & DISABILITY),
                urgency=m.urgency,
                arrived=week,
                group=g.id if g is not None and len(members) > 1 else None,
            )
        return len(members)

    def _problem(self, today: date) -> tuple[Problem, list[int]]:
        """The week's matching problem: everyone waiting, every household with room."""
        index = [h for h in range(len(self.households)) if self.free(h) > 0]
        carers = []
        for h in index:
            home = self.households[h]
            ages = home.household_children_ages + tuple(
                p.age for p in self.at[h] if p.age is not None
            )
            carers.append(
                dataclasses.replace(home, vacancies=self.free(h), household_children_ages=ages)
            )
        waiting = set(self.waiting)
        groups = tuple(
            SiblingGroup(g.id, members, g.policy)
            for g in self.groups_arrived.values()
            if len(members := tuple(c for c in g.children if c in waiting)) >= 2
        )
        kids = tuple(
            dataclasses.replace(c, needed_by=today, siblings_placed_with=(), wishes=c.wishes)
            for c in self.waiting.values()
        )
        ids = {h.id for h in carers}
        kids = tuple(
            dataclasses.replace(
                c,
                wishes=dataclasses.replace(
                    c.wishes, carers=tuple(x for x in c.wishes.carers if x in ids)
                ),
            )
            for c in kids
        )
        return Problem(today, self.policy, kids, groups, tuple(carers)), index

    def _match(self, week: int, today: date) -> list[str]:
        if not self.waiting:
            return []
        problem, index = self._problem(today)
        if not problem.carers:
            return []
        ctx = MatchingContext(problem)
        if self.s.matching == "weekly":
            result = matching.solve(
                problem, time_limit_s=self.s.solver_seconds, seed=self.s.seed, workers=1, ctx=ctx
            )
        else:
            result = greedy(problem, ctx)
        placed = []
        position = {h.id: i for i, h in enumerate(problem.carers)}
        for a in result.assignments:
            h = index[position[a.carer]]
            child = self.waiting.pop(a.child)
            home = self.households[h]
            rec = self.records[a.child]
            rec.placed, rec.kind, rec.km, rec.household = week, home.kind, a.distance_km, h
            rec.home_la, rec.weekly_cost = home.la == child.la, home.weekly_cost
            self._occupy(
                h, child.id, child.age, home.weekly_cost, home.kind, week, self.u[child.id]
            )
            placed.append(a.child)
        return placed

    def _fallback(self, week: int, today: date) -> list[str]:
        """Children who have waited as long as their urgency allows: out of area."""
        limit = self.s.fallback_after_weeks
        due = [
            c
            for c in self.waiting.values()
            if week - self.records[c.id].arrived >= limit.get(c.urgency, 0)
        ]
        if not due:
            return []
        # Every active household with a place assumed free: the rule that shuts the
        # child out is then a rule about them, or "taken by other children".
        everyone = [
            dataclasses.replace(home, vacancies=1)
            for h, home in enumerate(self.households)
            if self.active[h]
        ]
        ctx = MatchingContext(Problem(today, self.policy, (), (), tuple(everyone)))
        out = []
        for c in due:
            rec = self.records[c.id]
            assessment = ctx.assess(dataclasses.replace(c, needed_by=today))
            rec.blocked_by = blocking_rule(assessment) or "vacancy"
            rec.placed, rec.kind = week, FALLBACK
            rec.home_la, rec.km, rec.weekly_cost = False, None, self.s.fallback_weekly_cost
            self._occupy(-1, c.id, c.age, self.s.fallback_weekly_cost, FALLBACK, week, self.u[c.id])
            del self.waiting[c.id]
            out.append(c.id)
        return out

    def _group_outcomes(self) -> list[dict[str, Any]]:
        out = []
        for g in self.groups_arrived.values():
            placed = [self.records[c] for c in g.children if c in self.records]
            local = [r for r in placed if r.local]
            homes = {r.household for r in local}
            together = len(local) == len(placed) > 1 and len(homes) == 1
            out.append(
                {
                    "group": g.id,
                    "policy": g.policy,
                    "children": len(placed),
                    "together": bool(together),
                }
            )
        return out


def _band_shares(pool: dict[str, list[list[Child]]]) -> dict[str, float]:
    """Each band's share of referral units in the pool as generated (the calibrated
    age mix at entry); computed once per replication."""
    counts = {b: len(u) for b, u in pool.items()}
    total = sum(counts.values()) or 1
    return {b: n / total for b, n in counts.items()}


def simulate(scenario: Scenario, replication: int, progress: Progress | None = None) -> Run:
    """One replication of a scenario."""
    return Simulation(scenario, replication).run(progress)
