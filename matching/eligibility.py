"""The hard rules of docs/design.md §4, each with an id, evaluated for one child against
every household at once.

A pair is eligible only if no rule fails. Keeping one boolean row per rule (rather
than a single mask) is what lets a near miss name the one rule it fails, and lets an
unplaced child be told which rules shut out which carers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from children.model import Child
from geo import Gazetteer, gazetteer
from matching.problem import Policy
from matching.table import (
    CONTACT_BIT,
    KIND_INDEX,
    LEVEL_RANK,
    UNCERTAINTY_BIT,
    CarerTable,
    bit_mask,
    need_mask,
)
from vocab import (
    CONTACT_LABELS,
    KIND_LABELS,
    KINDS,
    NEED_LABELS,
    NEED_LEVELS,
    NEEDS,
    UNCERTAINTY_LABELS,
)


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    section: str  # docs/design.md §4.n item, or "adoption" (§4, Adopters' own limits)
    summary: str
    #: Local procedures let a manager set it aside for one named match, with a recorded
    #: reason (a fourth foster child, a child just outside the approved ages). Plan and
    #: safeguarding rules are never set aside.
    exception_allowed: bool = False


RULES: tuple[Rule, ...] = (
    Rule("kind", "4.1", "the carer's kind is one the child's plan accepts"),
    Rule("kinship_connection", "4.2", "a kinship carer takes only the children it is connected to"),
    Rule(
        "age_range",
        "4.3",
        "the child's age is within the carer's approved range",
        exception_allowed=True,
    ),
    Rule("sex", "4.3", "the child's sex is one the carer is approved for", exception_allowed=True),
    Rule("vacancy", "4.4", "the carer has a free place", exception_allowed=True),
    Rule(
        "skills",
        "4.5",
        "every need of the child is covered by the carer's skills (adopters: at the child's level)",
        exception_allowed=True,
    ),
    Rule(
        "distance", "4.6", "within the distance limit from the child's home", exception_allowed=True
    ),
    Rule("avoid_area", "4.7", "not in an area the child must avoid"),
    Rule("only_child", "4.7", "a child who must be the only child lives with no other child"),
    Rule("no_younger_children", "4.7", "no younger child in the household"),
    Rule("no_older_children", "4.7", "no older child in the household"),
    Rule("smoker_under_5", "4.7", "a child under 5 is never placed with a smoker"),
    Rule("wheelchair_access", "4.7", "wheelchair access where the child needs it"),
    Rule("pets", "4.7", "no pets where the child has a pet allergy"),
    Rule(
        "school_distance",
        "4.8",
        "within travelling distance of the school the child must stay at",
        exception_allowed=True,
    ),
    Rule(
        "availability",
        "4.9",
        "the carer is available by the date the child needs the placement",
        exception_allowed=True,
    ),
    # The adopters' own stated limits (issue 5): only the family can widen them, so no
    # manager sets them aside.
    Rule(
        "early_permanence",
        "adoption",
        "a child with an early-permanence plan goes only to adopters approved for it",
    ),
    Rule(
        "uncertainties",
        "adoption",
        "the adopters accept every uncertainty in the child's history",
    ),
    Rule("contact", "adoption", "the adopters accept the contact in the child's plan"),
    # A declined link is a decision about this child and this family (issue 18): a round
    # never proposes it again, and no manager sets it aside.
    Rule("ruled_out", "adoption", "not declined in an earlier link for this child"),
    # Issue 18: the adoption plan's safety distance, and needs graded as on Link Maker.
    Rule(
        "min_distance",
        "adoption",
        "the adopters live at least the plan's minimum distance from the child's birth home",
    ),
    Rule(
        "need_level",
        "adoption",
        "the adopters could manage each of the child's needs at the child's level "
        "(a skill counts as high; a need without a level as high)",
    ),
)
RULE_IDS: tuple[str, ...] = tuple(r.id for r in RULES)
RULE_INDEX: dict[str, int] = {r: i for i, r in enumerate(RULE_IDS)}
RULE_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}


@dataclass(frozen=True)
class Assessment:
    """One child against every carer: which rules each carer fails, and distances."""

    child: Child
    table: CarerTable
    failures: np.ndarray  # bool [len(RULES), n_carers]
    distance_km: np.ndarray  # home to carer, every carer
    school_km: np.ndarray | None
    limit_km: np.ndarray  # the distance limit that applies to each carer
    school_limit_km: float

    @cached_property
    def fail_count(self) -> np.ndarray:
        counts: np.ndarray = self.failures.sum(axis=0)  # numpy's stubs say Any
        return counts

    @cached_property
    def eligible(self) -> np.ndarray:
        """Indices of eligible carers."""
        return np.flatnonzero(self.fail_count == 0)

    @cached_property
    def near_misses(self) -> np.ndarray:
        """Indices of carers failing exactly one rule. A kinship carer connected to other
        children is never a near miss: its approval is for them, not a rule to bend."""
        kinship = self.failures[RULE_INDEX["kinship_connection"]]
        return np.flatnonzero((self.fail_count == 1) & ~kinship)

    def failed_rules(self, carer: int) -> list[str]:
        return [RULE_IDS[r] for r in np.flatnonzero(self.failures[:, carer])]

    def detail(self, carer: int, rule: str) -> str:
        """Why `carer` fails `rule`, in words an officer can check."""
        c, h = self.child, self.table.carers[carer]
        d = float(self.distance_km[carer])
        match rule:
            case "kind":
                return f"a {KIND_LABELS[h.kind]}; the child's plan accepts " + ", ".join(c.accepts)
            case "kinship_connection":
                return "a kinship carer connected to other children, not this child"
            case "age_range":
                return f"approved for ages {h.min_age}–{h.max_age}; the child is {c.age}"
            case "sex":
                allowed = "girls" if h.sexes == {"F"} else "boys"
                return f"approved for {allowed} only"
            case "vacancy":
                return "no free place"
            case "skills":
                missing = sorted(c.needs - h.skills)
                return "lacks skill " + ", ".join(f"'{m}'" for m in missing)
            case "distance":
                return (
                    f"{d:.1f} km from home ({c.home} to {h.location}); "
                    f"limit {self.limit_km[carer]:.0f} km"
                )
            case "avoid_area":
                where = h.location if h.location in c.avoid else h.la
                return f"in {where}, where the child must not live"
            case "only_child":
                return (
                    f"{len(h.household_children_ages)} child(ren) already live here; "
                    "the child must be the only child"
                )
            case "no_younger_children":
                return f"a younger child (age {min(h.household_children_ages)}) lives here"
            case "no_older_children":
                return f"an older child (age {max(h.household_children_ages)}) lives here"
            case "smoker_under_5":
                return f"a smoking household; the child is {c.age}"
            case "wheelchair_access":
                return "no wheelchair access; the child needs it"
            case "pets":
                return "has pets; the child must not live with pets"
            case "school_distance":
                assert self.school_km is not None
                return (
                    f"{self.school_km[carer]:.1f} km from school ({c.school}); the child stays "
                    f"at school, limit {self.school_limit_km:.0f} km"
                )
            case "availability":
                needed = c.needed_by.isoformat()
                return f"available from {h.available_from.isoformat()}; needed by {needed}"
            case "early_permanence":
                return "not approved for early permanence; the child's plan is early permanence"
            case "uncertainties":
                accepted = h.adopter.uncertainties if h.adopter else frozenset()
                missing = sorted(c.adoption.uncertainties - accepted) if c.adoption else []
                return "has not said they can accept " + ", ".join(
                    UNCERTAINTY_LABELS[m] for m in missing
                )
            case "contact":
                accepted = h.adopter.contact if h.adopter else frozenset()
                missing = sorted(c.adoption.contact - accepted) if c.adoption else []
                return "has not said they can support " + ", ".join(
                    CONTACT_LABELS[m] for m in missing
                )
            case "ruled_out":
                return "declined in an earlier link"
            case "min_distance":
                least = c.adoption.min_distance_km if c.adoption else 0.0
                return (
                    f"{d:.1f} km from the birth home ({c.home} to {h.location}); "
                    f"the plan asks for at least {least:g} km"
                )
            case "need_level":
                return _short_levels(c, self.table, carer)
        raise KeyError(rule)


def _short_levels(child: Child, table: CarerTable, carer: int) -> str:
    """The needs an adopter could not manage at the child's level, in words."""
    out = []
    for n in sorted(child.needs):
        wanted = child.adoption.need_level(n) if child.adoption else "high"
        has = int(table.manages[carer, NEEDS.index(n)])
        if has >= LEVEL_RANK[wanted]:
            continue
        said = f"up to a {NEED_LEVELS[has - 1]} level" if has else "not at all"
        out.append(f"{NEED_LABELS[n]} {said} (the child's: {wanted})")
    return "could manage " + "; ".join(out)


Check = Callable[[np.ndarray], np.ndarray]


def km_to_carers(outcode: str, table: CarerTable, gaz: Gazetteer, idx: np.ndarray) -> np.ndarray:
    i = gaz.index[outcode]
    km: np.ndarray = np.hypot(  # numpy's stubs say Any for ufuncs on arrays
        table.x_km[idx] - gaz.easting[i] / 1000.0, table.y_km[idx] - gaz.northing[i] / 1000.0
    )
    return km


def _limits(child: Child, table: CarerTable, policy: Policy, idx: np.ndarray) -> np.ndarray:
    """The distance limit for each carer: the child's own, or the policy's for the kind."""
    if child.max_distance_km is not None:
        return np.full(len(idx), float(child.max_distance_km))
    per_kind = np.array([policy.max_distance_km[k] for k in KINDS], dtype=np.float64)
    limits: np.ndarray = per_kind[table.kind[idx]]  # fancy indexing: Any in numpy's stubs
    return limits


def _never(idx: np.ndarray) -> np.ndarray:
    """No carer fails: a rule that cannot bind this child."""
    return np.zeros(len(idx), dtype=bool)


def checks(child: Child, table: CarerTable, policy: Policy, gaz: Gazetteer) -> dict[str, Check]:
    """For each rule, a function of carer indices giving which of them fail it.

    Written once, used two ways: `assess` runs every check on every carer (to say which
    rules each carer fails); `eligible_carers` runs them in turn on the carers still in
    play, most selective first (for the batch, where only the eligible matter).
    """
    accepted = np.zeros(len(KINDS), dtype=bool)
    accepted[[KIND_INDEX[k] for k in child.accepts]] = True
    connected = np.zeros(len(table), dtype=bool)
    connected[table.connected.get(child.id, np.zeros(0, dtype=np.int64))] = True
    kinship = KIND_INDEX["kinship"]
    adopters = KIND_INDEX["adoption"]
    takes = {"F": table.takes_f, "M": table.takes_m}.get(child.sex, table.takes_u)
    needs = need_mask(child.needs)
    avoid_codes = [gaz.index[a] for a in child.avoid if a in gaz.index]
    avoid_las = [table.las.get(a) for a in child.avoid]
    flags = child.living_flags
    needed_by = child.needed_by.toordinal()

    never = _never
    out: dict[str, Check] = {
        "kind": lambda i: ~accepted[table.kind[i]],
        "kinship_connection": lambda i: (table.kind[i] == kinship) & ~connected[i],
        "age_range": lambda i: (table.min_age[i] > child.age) | (table.max_age[i] < child.age),
        "sex": lambda i: ~takes[i],
        "vacancy": lambda i: table.vacancies[i] <= 0,
        # Adopters' needs are graded: `need_level` asks of them what this asks of others.
        "skills": lambda i: ((needs & ~table.skills[i]) != 0) & (table.kind[i] != adopters),
        "distance": lambda i: (
            km_to_carers(child.home, table, gaz, i) > _limits(child, table, policy, i)
        ),
        "avoid_area": lambda i: (
            np.isin(table.location[i], avoid_codes) | np.isin(table.la[i], avoid_las)
        ),
        "availability": lambda i: table.available_day[i] > needed_by,
    }
    out["only_child"] = (lambda i: table.household_n[i] > 0) if "only_child" in flags else never
    out["no_younger_children"] = (
        (lambda i: table.youngest[i] < child.age) if "no_younger_children" in flags else never
    )
    out["no_older_children"] = (
        (lambda i: table.oldest[i] > child.age) if "no_older_children" in flags else never
    )
    out["smoker_under_5"] = (lambda i: table.smoker[i]) if child.age < 5 else never
    out["wheelchair_access"] = (
        (lambda i: ~table.wheelchair[i]) if "needs_wheelchair_access" in flags else never
    )
    out["pets"] = (lambda i: table.pets[i]) if "no_pets" in flags else never
    plan = child.adoption
    unc = bit_mask(plan.uncertainties, UNCERTAINTY_BIT) if plan else 0
    con = bit_mask(plan.contact, CONTACT_BIT) if plan else 0
    out["uncertainties"] = (lambda i: (unc & ~table.accepts_uncertainty[i]) != 0) if unc else never
    out["contact"] = (lambda i: (con & ~table.accepts_contact[i]) != 0) if con else never
    out["early_permanence"] = (
        (lambda i: ~table.early_permanence[i]) if plan and plan.early_permanence else never
    )
    out["ruled_out"] = _ruled_out(plan.ruled_out, table) if plan and plan.ruled_out else never
    out["min_distance"] = _too_near(child, table, gaz)
    out["need_level"] = _levels_short(child, table)
    if child.school and child.school_must_stay:
        school = child.school
        out["school_distance"] = lambda i: (
            km_to_carers(school, table, gaz, i) > policy.school_travel_km
        )
    else:
        out["school_distance"] = never
    return out


def _ruled_out(ids: frozenset[str], table: CarerTable) -> Check:
    """The adopters a declined link ruled out for the child, by id."""
    out = np.array([h.id in ids for h in table.carers], dtype=bool)
    return lambda i: out[i]


def _too_near(child: Child, table: CarerTable, gaz: Gazetteer) -> Check:
    """Adopters nearer the birth home than the adoption plan's minimum distance."""
    least = child.adoption.min_distance_km if child.adoption else None
    if not least:
        return _never
    adopters = KIND_INDEX["adoption"]
    return lambda i: (table.kind[i] == adopters) & (km_to_carers(child.home, table, gaz, i) < least)


def _levels_short(child: Child, table: CarerTable) -> Check:
    """Adopters whose level for one of the child's needs is below the child's. The
    table grades every need high for other carers, so this binds adopters only."""
    if not child.needs:
        return _never
    plan = child.adoption
    cols = np.array([NEEDS.index(n) for n in sorted(child.needs)], dtype=np.int64)
    wanted = np.array(
        [LEVEL_RANK[plan.need_level(n) if plan else "high"] for n in sorted(child.needs)],
        dtype=np.int8,
    )

    def short(i: np.ndarray) -> np.ndarray:
        below: np.ndarray = (table.manages[i][:, cols] < wanted).any(axis=1)
        return below

    return short


#: The order `eligible_carers` narrows the pool in: cheap and selective first.
NARROWING: tuple[str, ...] = (
    "vacancy",
    "kind",
    "kinship_connection",
    "age_range",
    "sex",
    "skills",
    "availability",
    "distance",
    "avoid_area",
    "school_distance",
    "only_child",
    "no_younger_children",
    "no_older_children",
    "smoker_under_5",
    "wheelchair_access",
    "pets",
    "early_permanence",
    "uncertainties",
    "contact",
    "ruled_out",
    "min_distance",
    "need_level",
)
assert set(NARROWING) == set(RULE_IDS)


def eligible_carers(
    child: Child, table: CarerTable, policy: Policy, gaz: Gazetteer | None = None
) -> np.ndarray:
    """Indices (ascending) of the carers that pass every rule: the batch's fast path."""
    rules = checks(child, table, policy, gaz or gazetteer())
    idx = np.arange(len(table))
    for rule in NARROWING:
        if not len(idx):
            break
        idx = idx[~rules[rule](idx)]
    return idx


def assess(
    child: Child, table: CarerTable, policy: Policy, gaz: Gazetteer | None = None
) -> Assessment:
    """Evaluate every hard rule for `child` against every carer in `table`."""
    gaz = gaz or gazetteer()
    every = np.arange(len(table))
    rules = checks(child, table, policy, gaz)
    fail = (
        np.stack([rules[r](every) for r in RULE_IDS])
        if len(table)
        else np.zeros((len(RULES), 0), dtype=bool)
    )
    home_km = km_to_carers(child.home, table, gaz, every)
    school_km = km_to_carers(child.school, table, gaz, every) if child.school else None
    limit = _limits(child, table, policy, every)
    return Assessment(child, table, fail, home_km, school_km, limit, float(policy.school_travel_km))


__all__ = [
    "RULES",
    "RULE_IDS",
    "RULE_BY_ID",
    "Rule",
    "Assessment",
    "assess",
    "eligible_carers",
]
