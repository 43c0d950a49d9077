"""Searches both ways — adopters for a child, waiting children for an adopter — the
agency's own LAs first, then beyond; and, for a child without a link, which one
change to which adopters would open one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from carers.model import Household
from children.model import Child
from matching.eligibility import RULE_BY_ID, RULE_IDS, RULE_INDEX
from matching.family_finding.policy import FamilyFindingPolicy
from matching.family_finding.subjects import narrowed, subjects
from matching.pairs import PairTable
from matching.problem import Problem
from matching.ranking import (
    MatchingContext,
    NearMiss,
    Ranking,
    context_for,
    group_conflicts,
    rank,
    rank_carer,
)
from vocab import CONTACT_LABELS, NEED_LABELS, NEED_LEVELS, UNCERTAINTY_LABELS


@dataclass(frozen=True)
class RegionSearch:
    """A search in the agency's own LAs first, then beyond."""

    subject: str
    in_region: dict[str, Any]
    beyond: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "in_region": self.in_region, "beyond": self.beyond}


def _adopters_only(problem: Problem, keep: Callable[[str], bool]) -> Problem:
    return narrowed(
        problem,
        problem.children,
        [h for h in problem.carers if h.kind == "adoption" and keep(h.la)],
    )


def search_adopters(
    problem: Problem,
    subject: str,
    policy: FamilyFindingPolicy,
    top: int = 20,
    near_misses: int = 10,
    ctx: MatchingContext | None = None,
) -> RegionSearch:
    """Adopters for a child or sibling group: the agency's own first, then (when
    `beyond_region`) adopters approved elsewhere. KeyError for an unknown id."""
    del ctx  # each part has its own carers
    own = _adopters_only(problem, policy.in_region)
    first = rank(own, subject, top, near_misses).to_dict()
    beyond = None
    if policy.beyond_region and policy.home_las:
        other = _adopters_only(problem, lambda la: la not in policy.home_las)
        beyond = rank(other, subject, top, near_misses).to_dict()
    return RegionSearch(subject, first, beyond)


def search_children(
    problem: Problem,
    adopter_id: str,
    policy: FamilyFindingPolicy,
    top: int = 20,
    near_misses: int = 10,
    ctx: MatchingContext | None = None,
) -> RegionSearch:
    """Waiting children for an adopter: the agency's own LAs' children first, then
    (when `beyond_region`) other regions'. KeyError for an unknown adopter."""
    ctx = ctx or context_for(problem)
    adopter = next((h for h in problem.carers if h.id == adopter_id), None)
    if adopter is None:
        raise KeyError(f"no carer with id {adopter_id!r} in the problem")
    if adopter.kind != "adoption":
        raise KeyError(f"{adopter_id!r} is a {adopter.kind} carer, not an adopter")
    waiting = [c for c in problem.children if "adoption" in c.accepts]
    wait = _waits(problem, waiting, policy, ctx)

    def part(keep: Callable[[str], bool]) -> dict[str, Any]:
        sub = narrowed(problem, [c for c in waiting if keep(c.la)], problem.carers)
        found = rank_carer(MatchingContext(sub, ctx.gaz), adopter_id, top, near_misses).to_dict()
        for m in found["matches"] + found["near_misses"]:
            m.update(wait[m["child"]])
        return found

    first = part(policy.in_region)
    beyond = None
    if policy.beyond_region and policy.home_las:
        beyond = part(lambda la: la not in policy.home_las)
    return RegionSearch(adopter_id, first, beyond)


def _waits(
    problem: Problem, waiting: list[Child], policy: FamilyFindingPolicy, ctx: MatchingContext
) -> dict[str, dict[str, Any]]:
    """Each waiting child's weeks waited and priority (and why), as a round of the
    agency would give them: against the adopters the round would take (the agency's
    own, and others' with `beyond_region`), a group as its longest-waiting member."""
    adopters = [
        h
        for h in problem.carers
        if h.kind == "adoption" and (policy.beyond_region or policy.in_region(h.la))
    ]
    sub = narrowed(problem, waiting, adopters)
    found = subjects(PairTable(MatchingContext(sub, ctx.gaz)), policy)
    return {
        c: {
            "weeks_waiting": s.weeks_waiting,
            "priority": s.priority,
            "why_priority": list(s.why),
            "placed_as": s.id,
        }
        for s in found
        for c in s.children
    }


# -- what would change ---------------------------------------------------------------


@dataclass(frozen=True)
class Blocker:
    """One rule (or one need, uncertainty or contact arrangement of a rule that names
    several) and how many of the round's adopters fail it for these children."""

    rule: str
    what: str  # the need, contact, uncertainty or rule, in words
    adopters: int  # adopters in the round who fail it (whatever else they fail)
    of: int  # adopters in the round

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def blocking_rules(ctx: MatchingContext, children: Sequence[str]) -> list[Blocker]:
    """What keeps the round's adopters from these children (taken together), most
    adopters first: each rule counted over every adopter, an adopter failing several
    rules counted under each. A rule that names several things (needs, uncertainties,
    contact) is split by the thing, since "physical disability" is what a family-finder
    asks adopters about, not "skills"."""
    problem = ctx.problem
    kids = [problem.child_by_id[c] for c in children]
    fails = _failures(ctx, kids)
    carers = ctx.table.carers
    total = len(carers)
    out: list[Blocker] = []
    for r, rule in enumerate(RULE_IDS):
        row = fails[r]
        if not row.any():
            continue
        items = _items(rule, kids)
        if not items:
            out.append(Blocker(rule, _rule_words(rule, kids, problem), int(row.sum()), total))
            continue
        for item, label in items:
            n = sum(1 for i in np.flatnonzero(row) if item not in _accepted(rule, carers[i], kids))
            if n:
                out.append(Blocker(rule, label, n, total))
    return sorted(out, key=lambda b: (-b.adopters, b.rule, b.what))


def _items(rule: str, kids: Sequence[Child]) -> list[tuple[str, str]]:
    """The things a many-part rule asks of adopters for these children, with labels."""
    plans = [k.adoption for k in kids if k.adoption]
    match rule:
        case "skills" | "need_level":
            return [(n, NEED_LABELS[n]) for n in sorted(set().union(*(k.needs for k in kids)))]
        case "uncertainties":
            found = sorted(set().union(*(p.uncertainties for p in plans)))
            return [(u, UNCERTAINTY_LABELS[u]) for u in found]
        case "contact":
            return [
                (c, CONTACT_LABELS[c]) for c in sorted(set().union(*(p.contact for p in plans)))
            ]
    return []


def _accepted(rule: str, h: Household, kids: Sequence[Child]) -> frozenset[str] | set[str]:
    """What of a many-part rule the adopters accept: for graded needs, the needs they
    could manage at the highest level any of these children has them."""
    if rule == "skills":
        return h.skills
    if rule == "need_level":
        return {n for n in set().union(*(k.needs for k in kids)) if _manages(h, n, kids)}
    if h.adopter is None:
        return frozenset()
    return h.adopter.uncertainties if rule == "uncertainties" else h.adopter.contact


def _manages(h: Household, need: str, kids: Sequence[Child]) -> bool:
    """The adopters could manage `need` at every level these children have it (a skill
    counts as high, as the need_level rule reads it)."""
    if need in h.skills:
        return True
    graded = h.adopter.needs.get(need) if h.adopter else None
    if graded is None:
        return False
    wanted = max(
        (k.adoption.need_level(need) if k.adoption else "high" for k in kids if need in k.needs),
        key=NEED_LEVELS.index,
    )
    return NEED_LEVELS.index(graded) >= NEED_LEVELS.index(wanted)


def _rule_words(rule: str, kids: Sequence[Child], problem: Problem) -> str:
    lead = kids[0]
    match rule:
        case "age_range":
            return f"approval for age {max(k.age for k in kids)}"
        case "sex":
            if len({k.sex for k in kids}) > 1:
                return "approval for girls and boys"
            return "approval for " + ("a girl" if lead.sex == "F" else "a boy")
        case "vacancy":
            return f"places for {len(kids)} together" if len(kids) > 1 else "free places"
        case "distance":
            return f"within {problem.policy.distance_limit(lead, 'adoption'):.0f} km"
        case "early_permanence":
            return "early permanence"
    return RULE_BY_ID[rule].summary if rule in RULE_BY_ID else rule


_VERBS = {
    "skills": "cannot meet it",
    "need_level": "could not manage it at the child's level",
    "contact": "cannot support it",
    "uncertainties": "have not said they can accept it",
    "vacancy": "do not have them",
    "distance": "are not",
}


def headline(blockers: Sequence[Blocker], shown: int = 3) -> str | None:
    """ "physical disability: 41 of 85 adopters in the round cannot meet it; then direct
    contact with brothers and sisters living elsewhere: 23": the rules that remove the
    most adopters for this child, up to `shown` of them."""
    if not blockers:
        return None
    first, *rest = blockers[:shown]
    verb = _VERBS.get(first.rule, "do not meet it")
    out = f"{first.what}: {first.adopters} of {first.of} adopters in the round {verb}"
    return out + "".join(f"; then {b.what}: {b.adopters}" for b in rest)


def what_would_change(
    ranking: Ranking,
    problem: Problem,
    ctx: MatchingContext | None = None,
    blockers: Sequence[Blocker] | None = None,
) -> list[str]:
    """For a child or group without a link: first the rules that remove the most of the
    round's adopters for them (`blocking_rules`), then which one change to which
    adopters would open a link, counted by rule ("2 would be if their approval were
    widened to 3 children"), from the adopters that fail one rule only. `blockers`:
    the ranking's children's `blocking_rules`, when the caller has them."""
    by_rule: dict[str, list[NearMiss]] = {}
    for m in ranking.near_misses:
        by_rule.setdefault(m.failed_rule, []).append(m)
    kids = [problem.child_by_id[c] for c in ranking.children]
    if blockers is None:
        blockers = blocking_rules(ctx or context_for(problem), ranking.children)
    first = headline(blockers)
    out: list[str] = [first] if first else []
    for rule, misses in sorted(by_rule.items(), key=lambda kv: -len(kv[1])):
        n = len(misses)
        ids = ", ".join(m.carer for m in misses[:3]) + ("…" if n > 3 else "")
        out.append(
            f"{n} would be {_change(rule, kids, _lacking(rule, kids, misses, problem))} ({ids})"
        )
    if not by_rule and ranking.eligible_count == 0:
        out.append("no adopter is one change away: recruitment, or a search beyond the region")
    return out


def _lacking(rule: str, kids: list[Any], misses: list[NearMiss], problem: Problem) -> list[str]:
    """For the adopters' stated limits: what these adopters have not said they accept,
    of what the children's plans need (not everything the plans name)."""
    if rule not in ("uncertainties", "contact"):
        return []
    wanted: set[str] = set()
    for k in kids:
        if k.adoption:
            wanted |= k.adoption.uncertainties if rule == "uncertainties" else k.adoption.contact
    by_id = {h.id: h for h in problem.carers}
    missing: set[str] = set()
    for m in misses:
        a = by_id[m.carer].adopter
        accepted = (a.uncertainties if rule == "uncertainties" else a.contact) if a else set()
        missing |= wanted - accepted
    return sorted(missing)


def _change(rule: str, kids: list[Any], lacking: list[str]) -> str:
    lead = kids[0]
    match rule:
        case "vacancy":
            if len(kids) > 1:
                return f"if their approval were widened to {len(kids)} children"
            return "if they were not already linked or waiting to be available"
        case "age_range":
            ages = sorted({k.age for k in kids})
            return f"if their approval were widened to age {ages[-1] if ages else lead.age}"
        case "sex":
            return "if they were open to " + ("a girl" if lead.sex == "F" else "a boy")
        case "uncertainties":
            return "if they could accept " + " or ".join(UNCERTAINTY_LABELS[w] for w in lacking)
        case "contact":
            return "if they could support " + " or ".join(CONTACT_LABELS[w] for w in lacking)
        case "early_permanence":
            return "if they were approved for early permanence"
        case "skills":
            needs = sorted(set().union(*(k.needs for k in kids)))
            return "if they could meet " + " and ".join(NEED_LABELS[n] for n in needs)
        case "distance":
            return "if the distance limit were widened"
        case "availability":
            return "if they were available sooner"
        case "ruled_out":
            return "if the link declined earlier were reopened"
        case "min_distance":
            least = max((k.adoption.min_distance_km or 0) for k in kids if k.adoption)
            return f"if the adoption plan allowed adopters within {least:g} km of the birth home"
        case "need_level":
            # Each need at the highest level any of the children has it.
            levels = {
                n: max(
                    (
                        k.adoption.need_level(n) if k.adoption else "high"
                        for k in kids
                        if n in k.needs
                    ),
                    key=NEED_LEVELS.index,
                )
                for n in sorted(set().union(*(k.needs for k in kids)))
            }
            return "if they could manage " + " and ".join(
                f"a {lv} level of {NEED_LABELS[n]}" for n, lv in levels.items()
            )
    return f"if the rule '{rule}' were met"


# -- a split group's siblings' adopters ------------------------------------------------


def with_siblings_adopters(
    group: Ranking, held: dict[str, tuple[str, ...]], problem: Problem
) -> list[str]:
    """For children of a group the round split: what each adopter holding their brothers
    or sisters (`held`: adopter -> the children it holds) would need to take them all
    together, read from the whole group's ranking. Such an adopter is not a stranger
    who "cannot support sibling contact": with it the children would live together."""
    kids = [problem.child_by_id[c] for c in group.children]
    misses = {m.carer: m for m in group.near_misses}
    eligible = {m.carer for m in group.matches}
    out = []
    for adopter, children in held.items():
        who = f"{adopter} (linked with {', '.join(children)})"
        if adopter in eligible:
            out.append(f"{who} could take them all together")
        elif (m := misses.get(adopter)) is not None:
            lacking = _lacking(m.failed_rule, kids, [m], problem)
            out.append(f"{who} would take them all {_change(m.failed_rule, kids, lacking)}")
        else:
            out.append(f"{who} fails more than one rule for them all together")
    return out


# -- the widest search that would find an adopter -----------------------------------------

#: A limit no distance in England reaches: the distance limit lifted.
LIFTED_KM = 2000.0


@dataclass(frozen=True)
class WidestSearch:
    """The first wider search that finds an adopter for children with none in the
    round: adopters beyond the region, then the distance limit lifted (and beyond)."""

    step: str | None  # "beyond_region" | "distance" | None: none in the data
    adopters: int
    says: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class WiderSearch:
    """The round's children against the problem's other adopters, built once a round.

    In order: adopters approved outside the agency's LAs (when the round left them out),
    then every adopter in the data with the distance limit lifted (the child's own limit
    too: a family-finder would weigh the distance with the child's social worker)."""

    def __init__(self, problem: Problem, scoped: Problem, policy: FamilyFindingPolicy) -> None:
        adopters = [h for h in problem.carers if h.kind == "adoption"]
        self.steps: list[tuple[str, MatchingContext]] = []
        if policy.home_las and not policy.beyond_region:
            outside = [h for h in adopters if not policy.in_region(h.la)]
            beyond = narrowed(scoped, scoped.children, outside)
            self.steps.append(("beyond_region", MatchingContext(beyond)))
        everyone = narrowed(scoped, scoped.children, adopters)
        lifted = dataclasses.replace(
            everyone,
            policy=dataclasses.replace(
                everyone.policy,
                max_distance_km=dict(everyone.policy.max_distance_km) | {"adoption": LIFTED_KM},
            ),
            children=tuple(dataclasses.replace(c, max_distance_km=None) for c in everyone.children),
        )
        self.scoped = scoped
        self.steps.append(("distance", MatchingContext(lifted)))

    def search(self, children: Sequence[str]) -> WidestSearch:
        kids = [self.steps[0][1].problem.child_by_id[c] for c in children]
        them = "them" if len(kids) > 1 else {"F": "her", "M": "him"}.get(kids[0].sex, "them")
        for step, ctx in self.steps:
            n = eligible_together(ctx, children)
            if n and step == "beyond_region":
                return WidestSearch(
                    step, n, f"{n} adopter(s) approved outside the region could take {them}"
                )
            if n:
                return WidestSearch(
                    step,
                    n,
                    f"{n} adopter(s) could take {them} with the distance limit "
                    f"({self._limit(children):.0f} km) lifted",
                )
        return WidestSearch(None, 0, "none in the data: national register and recruitment")

    def _limit(self, children: Sequence[str]) -> float:
        kids = [self.scoped.child_by_id[c] for c in children]
        return min(self.scoped.policy.distance_limit(k, "adoption") for k in kids)


def eligible_together(ctx: MatchingContext, children: Sequence[str]) -> int:
    """How many of the context's adopters could take these children together."""
    kids = [ctx.problem.child_by_id[c] for c in children]
    if group_conflicts(kids):
        return 0
    return int((~_failures(ctx, kids).any(axis=0)).sum())


def _failures(ctx: MatchingContext, kids: Sequence[Child]) -> np.ndarray:
    """Which rules each adopter fails for these children taken together."""
    fails: np.ndarray = np.logical_or.reduce([ctx.assess(k).failures for k in kids])
    if len(kids) > 1:
        fails[RULE_INDEX["vacancy"]] |= ctx.table.vacancies < len(kids)
    return fails
