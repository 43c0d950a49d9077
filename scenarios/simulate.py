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
Supply is calibrated here, not in synth (scenarios/calibration.py): each household's
approved places are drawn by kind (2.09 a foster household, Ofsted), a share of them
unavailable for good (carer's break, approval limits), and the children looked after
now fill the rest at Ofsted's filled rate (or, when the scenario counts them,
`population.placed`, exactly that many per kind). Those children are anonymous.

Before the measured horizon the region runs `warmup_weeks` as it is today: the
officer process, no scenario changes, national rates. The warm-up is the same for every
scenario with the same population and seed, so a comparison starts from one state; the
outcomes count only children referred in the measured weeks.

A placement ends as planned (the care plan, return home, the 18th birthday) or
unplanned (a breakdown: §1.6's carer, child and authority requests). A child whose
placement breaks down is back on the list; how much likelier a worse match is to break
down is the scenario's `breakdown_worse_match` (0 for a sensitivity run). Each
placement keeps its end week and whether that end is planned (known ahead), and new
carers are known some weeks before they join: what the product could know of the near
future (issue 19).
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

import geo
import matching
from carers.model import ExpectedPlaces, Household
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
from scenarios import calibration as cal
from scenarios.spec import (
    AGE_BANDS,
    CARERS_JOINING_PER_YEAR,
    STARTS_PER_CHILD_LOOKED_AFTER,
    Scenario,
)
from synth import generate_region
from vocab import ethnic_group

START = date(2026, 11, 23)
#: 20 miles, the DfE's "distance from home" threshold.
TWENTY_MILES_KM = geo.TWENTY_MILES_KM
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
    #: Whether the end is planned (known ahead: the care plan, the 18th birthday) or a
    #: breakdown nobody knows is coming.
    planned: bool = True


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
    uasc: bool = False
    #: The week the child was first referred (`arrived` restarts when a placement
    #: breaks down or a home closes).
    referred: int = 0
    #: Placements of this child that ended unplanned (breakdowns) in the simulation.
    unplanned_endings: int = 0
    #: Weeks the product's wait policy held this child back for a better home.
    held_back_weeks: int = 0
    #: Days from the week `arrived` to the date the placement is needed (0: at once;
    #: a planned referral is needed 14-56 days on).
    needed_in_days: int = 0

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
    #: Children still waiting from the warm-up when the measured weeks begin.
    waiting_at_start: int = 0


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
        weeks = scenario.horizon_weeks + scenario.warmup_weeks
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
            wait_for_better=scenario.wait_for_better,
            wait_margin=scenario.wait_margin,
        )
        # Officers go further than the product's limits when nothing nearer is free
        # (OFFICER_MAX_DISTANCE_KM); the warm-up uses no scenario change at all.
        officer = DEFAULT_MAX_DISTANCE_KM | dict(cal.OFFICER_MAX_DISTANCE_KM)
        self.warmup_policy = dataclasses.replace(
            self.policy,
            max_distance_km=officer,
            weights=dict(DEFAULT_WEIGHTS),
            wait_for_better=False,
        )
        self.officer_policy = dataclasses.replace(
            self.policy,
            max_distance_km=officer | dict(scenario.max_distance_km),
            wait_for_better=False,
        )
        # The product's exception before the fallback: the distance limit set aside (a
        # manager's authorisation, as the service's exceptions are) to the officers'
        # reach, or the scenario's own limit where that is wider.
        self.stretch_policy = dataclasses.replace(
            self.policy,
            max_distance_km={
                kind: max(km, officer.get(kind, km))
                for kind, km in self.policy.max_distance_km.items()
            },
            wait_for_better=False,
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
        self.places: list[int] = []  # approved places that are available (used or free)
        self.approved: list[int] = []  # approved places, unavailable ones included
        self.for_siblings: list[bool] = []  # approved for (and kept for) sibling groups
        self.leaves: list[int] = []  # the week each household stops taking children
        #: New carers in assessment, by the week they are expected to join (known ahead).
        self.approving: dict[int, list[Household]] = defaultdict(list)
        # Each referred child's draws for when a placement ends as planned, and unplanned.
        self.u: dict[str, float] = {}
        self.v: dict[str, float] = {}
        self.first_week = -scenario.warmup_weeks
        for h in problem.carers:
            if h.kind in SIM_KINDS:
                self._add(h, 0, week=self.first_week)
        self.at: dict[int, list[Placement]] = defaultdict(list)
        self.ending: dict[int, list[Placement]] = defaultdict(list)
        self.fallbacks: list[Placement] = []
        self.waiting: dict[str, Child] = {}
        self.moved = 0  # children who had to move this week because their home closed
        self.unplanned = 0  # placements that broke down this week
        self.relisted = 0  # children back on the list this week
        #: Children the wait policy holds back this week (left out of the later passes).
        self.holding: set[str] = set()
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

    def _approve(self, kind: str) -> tuple[int, int]:
        """A household's approved places and, of them, the available ones (§1.8)."""
        shares = cal.APPROVED_PLACES[kind]
        approved = int(self.rng_carers.choice(list(shares), p=list(shares.values())))
        unavailable = int(self.rng_carers.binomial(approved, cal.UNAVAILABLE_SHARE))
        return approved, approved - unavailable

    def _approve_household(self, i: int) -> None:
        """Household i's places (`_approve`) and whether it is approved for sibling
        groups (foster carers with two or more available places, SIBLING_APPROVED)."""
        kind = self.households[i].kind
        self.approved[i], self.places[i] = self._approve(kind)
        share = cal.SIBLING_APPROVED.get(kind, 0.0)
        self.for_siblings[i] = self.places[i] >= 2 and self.rng_carers.random() < share
        if self.for_siblings[i]:
            lo, hi = cal.SIBLING_APPROVED_AGES
            home = self.households[i]
            self.households[i] = dataclasses.replace(home, min_age=lo, max_age=hi)

    def _start_places(self) -> None:
        """Each household's approved and available places (scenarios/calibration.py),
        and the places the children looked after fill at the start: for a kind the
        scenario counts (`population.placed`, from a 903 baseline), exactly that many,
        spread evenly at random over the kind's households (their free places as they
        would otherwise be); otherwise each available place is filled at Ofsted's filled
        rate among places not unavailable."""
        given = self.s.placed
        filled = cal.FILLED_SHARE / (cal.FILLED_SHARE + cal.VACANT_SHARE)
        for i, h in enumerate(self.households):
            self._approve_household(i)
            taken = int(self.rng_carers.binomial(self.places[i], filled))
            if h.kind in given:  # the same free places; the counted children on top
                self.places[i] -= taken
                self.approved[i] -= taken
            else:
                self._take(i, taken, add=False)
        for kind in SIM_KINDS:
            homes = [i for i, h in enumerate(self.households) if h.kind == kind]
            if kind not in given or not homes:
                continue
            counts = self.rng_carers.multinomial(given[kind], [1 / len(homes)] * len(homes))
            for i, taken in zip(homes, counts, strict=True):
                self._take(i, int(taken))

    def _take(self, i: int, taken: int, add: bool = True) -> None:
        if add:
            self.places[i] += taken
            self.approved[i] += taken
        home = self.households[i]
        for _ in range(taken):
            self._occupy(i, None, None, home.weekly_cost, home.kind, self.first_week)

    def _end(
        self, kind: str, age: int | None, draws: tuple[float, float] | None, worse: int
    ) -> tuple[int, bool]:
        """Weeks until a placement ends, and whether that end is planned: the sooner of
        a planned end (geometric at the kind's leaving hazard, and no later than the
        18th birthday) and a breakdown (geometric at the kind's unplanned hazard, raised
        by `breakdown_worse_match` for each way the match is worse)."""
        if draws is None:
            draws = (float(self.rng_durations.random()), float(self.rng_durations.random()))
        u, v = draws
        planned = _geometric(u, cal.LEAVING_CARE_PER_WEEK * cal.KIND_END_MULTIPLIER.get(kind, 1.6))
        if age is not None:
            # The birthday falls somewhere in the year of age: a draw tied to u.
            left = (cal.LEAVING_AGE - age) * cal.WEEKS_A_YEAR - int((u * 7919) % 1 * 52)
            planned = min(planned, max(1, left))
        if kind == FALLBACK:
            return planned, True
        hazard = cal.UNPLANNED_PER_WEEK * cal.KIND_UNPLANNED_MULTIPLIER.get(kind, 1.0)
        unplanned = _geometric(v, hazard * (1.0 + self.s.breakdown_worse_match * worse))
        return (planned, True) if planned <= unplanned else (unplanned, False)

    def _occupy(
        self,
        h: int,
        child: str | None,
        age: int | None,
        cost: float,
        kind: str,
        week: int,
        draws: tuple[float, float] | None = None,
        worse: int = 0,
    ) -> Placement:
        weeks, planned = self._end(kind, age, draws, worse)
        p = Placement(h, child, age, cost, kind, week + weeks, planned)
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
        total = self.s.horizon_weeks - self.first_week
        for week in range(self.first_week, self.s.horizon_weeks):
            if week == 0:
                out.waiting_at_start = len(self.waiting)
            row = self.week(week)
            if week >= 0:  # the warm-up's weeks are not measured
                out.weeks.append(row)
            if progress:
                progress(week - self.first_week + 1, total)
        out.children = [r for r in self.records.values() if r.referred >= 0]
        out.groups = self._group_outcomes()
        out.seconds = time.perf_counter() - began
        return out

    def week(self, week: int) -> dict[str, Any]:
        today = START + timedelta(weeks=week)
        self.moved = 0
        self.unplanned = 0
        self.relisted = 0
        self.holding = set()
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
        placements = sum(len(ps) for ps in self.at.values()) + len(self.fallbacks)
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
            "placements": placements,
            "unplanned_endings": self.unplanned,
            "relisted": self.relisted,
            "held_back": len(self.holding),
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
        """Carers leave; carers whose assessment ends this week join (they were known
        `ASSESSMENT_NOTICE_WEEKS` ahead); this week's new assessments are drawn; the
        scenario's recruitment and closures happen (measured weeks only)."""
        s = self.s
        for h in range(len(self.households)):
            if self.active[h] and self.leaves[h] == week:
                self.active[h] = False  # resigns: takes no new child; placements run on
        for home in self.approving.pop(week, []):
            self._add(home, 0, week=week)
            self._approve_household(len(self.households) - 1)
        rate = s.carers_joining_per_year if week >= 0 else CARERS_JOINING_PER_YEAR
        lo, hi = cal.ASSESSMENT_NOTICE_WEEKS
        for k in range(int(self.rng_carers.poisson(rate / 52 * s.households))):
            like = self.profiles[int(self.rng_carers.integers(len(self.profiles)))]
            notice = int(self.rng_carers.integers(lo, hi + 1))
            self.approving[week + notice].append(
                dataclasses.replace(
                    like,
                    id=f"N{week}-{k}",
                    available_from=today + timedelta(weeks=notice),
                    household_children_ages=(),
                )
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
        self.approved.append(places)
        self.for_siblings.append(False)
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
            # Kept for sibling groups as `_approve_household` keeps the region's own.
            self.for_siblings[-1] = r.for_siblings

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
                    self._back_on_list(p.child, week, "emergency")  # the home has closed
                else:  # a child living there from the start: moved out of area
                    self._occupy(-1, None, None, self.s.fallback_weekly_cost, FALLBACK, week)

    def _back_on_list(self, child_id: str, week: int, urgency: str) -> None:
        """A placed child needs a new home: waiting again, from this week."""
        child = self.child_by_id[child_id]
        self.relisted += 1
        self.waiting[child.id] = dataclasses.replace(child, urgency=urgency)
        rec = self.records[child.id]
        rec.placed, rec.kind, rec.urgency = None, None, urgency
        rec.household, rec.km, rec.home_la = None, None, False
        rec.arrived, rec.needed_in_days = week, 0

    def _remove(self, p: Placement) -> None:
        if p.household >= 0:
            self.at[p.household].remove(p)
        else:
            self.fallbacks.remove(p)
        p.ends = -1  # no longer due to end

    def _end_placements(self, week: int) -> int:
        """Placements due to end this week end. A simulated child whose placement broke
        down is back on the list (an emergency or urgent: BREAKDOWN_EMERGENCY_SHARE);
        a child there from the start moves on where the simulation does not follow."""
        due = [p for p in self.ending.pop(week, []) if p.ends == week]
        for p in due:
            self._remove(p)
            if p.planned:
                continue
            self.unplanned += 1
            if p.child is not None and p.child in self.records:
                rec = self.records[p.child]
                rec.unplanned_endings += 1
                # A draw tied to the child's own (common random numbers).
                draw = (self.v[p.child] * 104_729 + rec.unplanned_endings * 0.618) % 1
                urgency = "emergency" if draw < cal.BREAKDOWN_EMERGENCY_SHARE else "urgent"
                self._back_on_list(p.child, week, urgency)
        return len(due)

    def _arrivals(self, week: int) -> int:
        """Referral units this week, by age band: Poisson around the yearly rate."""
        s = self.s
        if week < 0:  # the warm-up: the region as it is, no demand changes
            s = dataclasses.replace(s, referrals_per_year=None, age_multiplier={})
            s = dataclasses.replace(s, need_multiplier={}, sibling_multiplier=1.0)
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
                keep = self._need_factor(members, s) / most
                if self.rng_arrivals.random() >= keep:
                    continue
                if len(members) > 1 and self.rng_arrivals.random() >= s.sibling_multiplier:
                    members = members[:1]  # fewer arrive with brothers and sisters
                n += self._refer(members, week)
        return n

    def _need_factor(self, members: list[Child], s: Scenario) -> float:
        mult = s.need_multiplier
        factors = [mult[n] for m in members for n in m.needs if n in mult]
        return max(factors) if factors else 1.0

    def _refer(self, members: list[Child], week: int) -> int:
        g = self.group_of.get(members[0].id)
        if len(members) > 1 and g is not None:
            self.groups_arrived[g.id] = g
        for m in members:
            self.waiting[m.id] = m
            self.u[m.id] = float(self.rng_arrivals.random())
            self.v[m.id] = float(self.rng_arrivals.random())
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
                uasc="uasc" in m.needs,
                referred=week,
                needed_in_days=max(0, (m.needed_by - START).days),
            )
        return len(members)

    def _policy(self, week: int) -> Policy:
        """The week's matching policy. The wait policy's judgement is made once a week
        before the passes (`_hold_back`), so the passes themselves never run it."""
        if week < 0:
            return self.warmup_policy
        if self.s.matching == "on_arrival":
            return self.officer_policy
        return dataclasses.replace(self.policy, wait_for_better=False)

    def _problem(
        self,
        today: date,
        siblings: bool,
        la: str | None = None,
        only: set[str] | None = None,
        policy: Policy | None = None,
    ) -> tuple[Problem, list[int]]:
        """The week's matching problem: every household with room and everyone waiting,
        except that households approved for sibling groups are kept for them: offered
        (`siblings`) to the brothers and sisters waiting together only. With `la`, that
        LA's children and households only; with `only`, those children only. Children
        the wait policy holds back this week are left out."""
        index = [
            h
            for h in range(len(self.households))
            if self.free(h) >= (2 if siblings else 1)
            and (siblings or not self.for_siblings[h])
            and (la is None or self._own(h, la))
        ]
        carers = [self._carer(h) for h in index]
        waiting = {
            c.id
            for c in self.waiting.values()
            if (la is None or c.la == la)
            and c.id not in self.holding
            and (only is None or c.id in only)
        }
        groups = self._groups(waiting)
        if siblings:
            groups = tuple(g for g in groups if g.policy in ("must", "should"))
            waiting = {c for g in groups for c in g.children}
        kids = self._children(waiting, {h.id for h in carers}, lambda c: today)
        week = (today - START).days // 7
        chosen = policy or self._policy(week)
        return Problem(today, chosen, kids, groups, tuple(carers)), index

    def _carer(self, h: int, expected: tuple[ExpectedPlaces, ...] = ()) -> Household:
        """Household h as the matching core sees it this week: its free places, the
        children living there, and (for the wait policy) the places expected soon."""
        home = self.households[h]
        ages = home.household_children_ages + tuple(p.age for p in self.at[h] if p.age is not None)
        return dataclasses.replace(
            home, vacancies=self.free(h), household_children_ages=ages, expected_places=expected
        )

    def _groups(self, waiting: set[str]) -> tuple[SiblingGroup, ...]:
        """The sibling groups with two or more of `waiting` (the members waiting)."""
        return tuple(
            SiblingGroup(g.id, members, g.policy)
            for g in self.groups_arrived.values()
            if len(members := tuple(c for c in g.children if c in waiting)) >= 2
        )

    def _children(
        self, ids: set[str], carers: set[str], needed_by: Callable[[Child], date]
    ) -> tuple[Child, ...]:
        """The waiting children `ids` (in waiting order) as the week's referrals: their
        date needed, no siblings placed elsewhere, wishes for carers in `carers` only."""
        return tuple(
            dataclasses.replace(
                c,
                needed_by=needed_by(c),
                siblings_placed_with=(),
                wishes=dataclasses.replace(
                    c.wishes, carers=tuple(x for x in c.wishes.carers if x in carers)
                ),
            )
            for c in self.waiting.values()
            if c.id in ids
        )

    # -- place now or wait (the product's wait policy) ---------------------------------
    def _waits(self, week: int) -> bool:
        """Whether this week's batch runs the wait policy: the product's weekly
        matching with `policy.wait_for_better`, in the measured weeks."""
        return self.s.matching == "weekly" and self.s.wait_for_better and week >= 0

    def _hold_back(self, week: int, today: date) -> None:
        """The planned referrals the wait policy holds back this week (matching.wait),
        judged once over every household with room now or soon: what the product knows
        of the near future is each placement's planned end (`EXPECTED_NOTICE_WEEKS`
        ahead; breakdowns are not known) and the carers in assessment with their
        approval due. Held-back children sit out every pass of this week's batch."""
        soon = self._placements_ending(week)
        index = [h for h in range(len(self.households)) if self.free(h) > 0 or h in soon]
        carers = [self._carer(h, soon.get(h, ())) for h in index]
        carers += self._in_assessment(week)
        waiting = set(self.waiting)
        kids = self._children(waiting, {h.id for h in carers}, lambda c: self._needed_by(c, today))
        problem = Problem(today, self.policy, kids, self._groups(waiting), tuple(carers))
        due = self._due(week)  # waited as long as they may: placed now, not held
        for held in matching.hold_back(problem):
            if held.child in due:
                continue
            self.holding.add(held.child)
            self.records[held.child].held_back_weeks += 1

    def _placements_ending(self, week: int) -> dict[int, tuple[ExpectedPlaces, ...]]:
        """Places coming free in the next `EXPECTED_NOTICE_WEEKS` by a planned end, per
        active household that will still be taking children then."""
        out: dict[int, tuple[ExpectedPlaces, ...]] = {}
        horizon = week + cal.EXPECTED_NOTICE_WEEKS
        for h, placements in self.at.items():
            ends = Counter(
                p.ends
                for p in placements
                if p.planned and week < p.ends <= horizon and p.ends < self.leaves[h]
            )
            if ends and self.active[h]:
                out[h] = tuple(
                    ExpectedPlaces(START + timedelta(weeks=w), n, "placement_ends")
                    for w, n in sorted(ends.items())
                )
        return out

    def _in_assessment(self, week: int) -> list[Household]:
        """Carers whose approval is due in the next `EXPECTED_NOTICE_WEEKS`: no place
        today, one expected from the week they join (their approved places are only
        known at panel)."""
        out = []
        for w in range(week + 1, week + cal.EXPECTED_NOTICE_WEEKS + 1):
            day = START + timedelta(weeks=w)
            for home in self.approving.get(w, []):
                out.append(
                    dataclasses.replace(
                        home, vacancies=0, expected_places=(ExpectedPlaces(day, 1, "approval"),)
                    )
                )
        return out

    def _needed_by(self, child: Child, today: date) -> date:
        """The date the child's placement is needed: as many days after the week they
        were referred as the generated referral's date needed is after its day (the
        pool is generated on START); never before today."""
        arrived = START + timedelta(weeks=self.records[child.id].arrived)
        return max(today, arrived + (child.needed_by - START))

    def _match(self, week: int, today: date) -> list[str]:
        """Brothers and sisters waiting together first, with every household that has
        room for two (those approved for sibling groups included); then everyone still
        waiting, with the households not kept for sibling groups. Officers (`on_arrival`,
        and the warm-up) look among their LA's in-house carers first (the duty to place
        within the LA's area where reasonably practicable, Children Act 1989 s22C, and
        in-house carers cost less), then anywhere, nearest first."""
        officer = self.s.matching == "on_arrival" or week < 0
        if self._waits(week):
            self._hold_back(week, today)
        passes: list[tuple[bool, str | None]] = [(True, None)]
        if officer:
            passes += [(False, la) for la in self.s.las]
        passes.append((False, None))
        placed = []
        for siblings, la in passes:
            if not self.waiting:
                break
            problem, index = self._problem(today, siblings, la)
            if problem.carers and problem.children:
                placed += self._match_problem(problem, index, week)
        next_batch = today + timedelta(weeks=1)
        due = self._due(week) | {
            c.id for c in self.waiting.values() if self._needed_by(c, today) < next_batch
        }
        if not officer and due:
            # The product's exception for a child needed before the next batch (or the
            # fallback's this week) with no home within the policy's limits: the batch
            # again for them, with the distance limit set aside to the officers' reach
            # (a manager's authorisation, as the service's exceptions are).
            problem, index = self._problem(today, False, None, due, self.stretch_policy)
            if problem.carers and problem.children:
                placed += self._match_problem(problem, index, week)
        return placed

    def _due(self, week: int) -> set[str]:
        """The waiting children who have waited as long as their urgency allows: the
        fallback's this week unless placed first."""
        limit = self.s.fallback_after_weeks
        return {
            c.id
            for c in self.waiting.values()
            if week - self.records[c.id].arrived >= limit.get(c.urgency, 0)
        }

    def _own(self, h: int, la: str) -> bool:
        """The LA's own (in-house) carers: the ones its officers offer first."""
        home = self.households[h]
        return home.la == la and home.provider == "in_house"

    def _match_problem(self, problem: Problem, index: list[int], week: int) -> list[str]:
        ctx = MatchingContext(problem)
        if self.s.matching == "weekly" and week >= 0:  # the warm-up is today's practice
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
            placed.append(a.child)
        # Brothers and sisters placed together end together: the first one's draws.
        first: dict[tuple[str, int], str] = {}
        for a in result.assignments:
            rec = self.records[a.child]
            h = index[position[a.carer]]
            key = (rec.group or a.child, h)
            who = first.setdefault(key, a.child)
            home = self.households[h]
            worse = (a.distance_km > TWENTY_MILES_KM) + (a.score < cal.LOW_SCORE) + self._apart(rec)
            age = self.child_by_id[a.child].age
            draws = self._draws(who)
            self._occupy(h, a.child, age, home.weekly_cost, home.kind, week, draws, int(worse))
        return placed

    def _draws(self, child: str) -> tuple[float, float]:
        """The child's draws for when this placement ends: their own, moved on by each
        breakdown so a new placement does not repeat the last (common random numbers)."""
        k = self.records[child].unplanned_endings * 0.618_034
        return (self.u[child] + k) % 1, (self.v[child] + k) % 1

    def _apart(self, rec: Record) -> bool:
        """Placed apart from brothers and sisters who were to live together."""
        g = self.groups_arrived.get(rec.group or "")
        if g is None or g.policy not in ("must", "should"):
            return False
        return any(
            self.records[m].household != rec.household for m in g.children if m in self.records
        )

    def _fallback(self, week: int, today: date) -> list[str]:
        """Children who have waited as long as their urgency allows: out of area."""
        ids = self._due(week)
        due = [c for c in self.waiting.values() if c.id in ids]
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
            cost = self.s.fallback_weekly_cost
            self._occupy(-1, c.id, c.age, cost, FALLBACK, week, self._draws(c.id))
            del self.waiting[c.id]
            out.append(c.id)
        return out

    def _group_outcomes(self) -> list[dict[str, Any]]:
        out = []
        for g in self.groups_arrived.values():
            placed = [self.records[c] for c in g.children if c in self.records]
            if not placed or min(r.referred for r in placed) < 0:
                continue  # arrived in the warm-up: not measured
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


def _geometric(u: float, hazard: float) -> int:
    """Weeks until an event at a weekly hazard, from a uniform draw (at least one)."""
    if hazard <= 0:
        return 10**9
    return max(1, int(math.ceil(math.log(1.0 - u) / math.log(1.0 - min(hazard, 0.999)))))


def _band_shares(pool: dict[str, list[list[Child]]]) -> dict[str, float]:
    """Each band's share of referral units in the pool as generated (the calibrated
    age mix at entry); computed once per replication."""
    counts = {b: len(u) for b, u in pool.items()}
    total = sum(counts.values()) or 1
    return {b: n / total for b, n in counts.items()}


def simulate(scenario: Scenario, replication: int, progress: Progress | None = None) -> Run:
    """One replication of a scenario."""
    return Simulation(scenario, replication).run(progress)
