"""Family-finding for adoption: a region's waiting children and approved adopters.

A family-finder (a regional adoption agency) searches both ways — adopters for a
child, children for an adopter — its own LAs first, and runs a *round* that proposes
the best set of links for everyone at once. The round is the batch solver on the
region's adoption problem, with the children's priority standing in for urgency:

- **first**: waited `long_wait_weeks` or more (default 78, 18 months: nationally
  nearly half of waiting children have), or *hard to place* — `few_families` or fewer
  adopters in the round could take them (for brothers and sisters kept together,
  adopters who could take them all);
- **second**: waited `wait_weeks` or more (default 26);
- **third**: everyone else.

The solver's level 1 then links as many first-priority children as possible before
any second, and so on; siblings together, quality and distance follow (DESIGN §4).
Hard to place is measured by the adopters' own limits, not by a child's ethnicity,
sex or disability: those are protected characteristics, and scarcity of families
already captures whoever the stated limits leave out. Who waits is reported by them
(`matching.family_region`). `priority="waiting"` drops the scarcity test, and
`"none"` gives every child the same priority (for comparison).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from carers.model import Household
from children.model import Child
from children.siblings import SiblingGroup
from matching.pairs import PairTable
from matching.problem import Problem
from matching.ranking import MatchingContext, NearMiss, Ranking, rank_carer
from matching.result import SolveResult
from matching.solver import solve
from vocab import CONTACT_LABELS, NEED_LABELS, UNCERTAINTY_LABELS

PRIORITIES: tuple[str, ...] = ("waiting_and_hardest", "waiting", "none")
#: The solver's urgency tiers carry the round's priorities, most pressing first.
TIER_OF: dict[str, str] = {"first": "emergency", "second": "urgent", "third": "planned"}
PRIORITY_OF: dict[str, str] = {u: p for p, u in TIER_OF.items()}


@dataclass(frozen=True)
class FamilyFindingPolicy:
    """How a round is scoped and whom it puts first (documented in family-finding.md)."""

    long_wait_weeks: int = 78
    wait_weeks: int = 26
    few_families: int = 3
    priority: str = "waiting_and_hardest"
    #: The agency's LAs; empty means every LA in the problem.
    home_las: frozenset[str] = frozenset()
    #: Also consider adopters approved outside the agency's LAs.
    beyond_region: bool = False

    def __post_init__(self) -> None:
        if self.priority not in PRIORITIES:
            raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}")
        if not 0 <= self.wait_weeks <= self.long_wait_weeks:
            raise ValueError("wait_weeks must be between 0 and long_wait_weeks")
        if self.few_families < 0:
            raise ValueError("few_families must be zero or more")

    def in_region(self, la: str) -> bool:
        return not self.home_las or la in self.home_las

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["home_las"] = sorted(self.home_las)
        return out


@dataclass(frozen=True)
class Subject:
    """Who an adopter would take as one: a child, or brothers and sisters whose plan
    keeps them together."""

    id: str
    children: tuple[str, ...]
    weeks_waiting: int
    adopters_possible: int  # adopters in the round who could take them all
    priority: str  # first | second | third
    why: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"children": list(self.children), "why": list(self.why)}


def adoption_problem(problem: Problem, policy: FamilyFindingPolicy) -> Problem:
    """The round's problem: children whose plan accepts adoption (of the agency's LAs),
    and adopters (of the agency's LAs unless `beyond_region`)."""
    return _narrowed(
        problem,
        [c for c in problem.children if "adoption" in c.accepts and policy.in_region(c.la)],
        [
            h
            for h in problem.carers
            if h.kind == "adoption" and (policy.beyond_region or policy.in_region(h.la))
        ],
    )


def _narrowed(problem: Problem, children: Sequence[Child], carers: Sequence[Household]) -> Problem:
    """The problem over some of its children and carers: sibling groups cut to the
    children kept (a group left with one child is dropped), and a brother or sister
    placed with, or a wish for, a household left out forgotten."""
    kept = {c.id for c in children}
    ids = {h.id for h in carers}
    return dataclasses.replace(
        problem,
        children=tuple(
            dataclasses.replace(
                c,
                siblings_placed_with=tuple(s for s in c.siblings_placed_with if s in ids),
                wishes=dataclasses.replace(
                    c.wishes, carers=tuple(s for s in c.wishes.carers if s in ids)
                ),
            )
            for c in children
        ),
        sibling_groups=tuple(
            SiblingGroup(g.id, members, g.policy)
            for g in problem.sibling_groups
            if len(members := tuple(c for c in g.children if c in kept)) >= 2
        ),
        carers=tuple(carers),
    )


def subjects(pairs: PairTable, policy: FamilyFindingPolicy) -> list[Subject]:
    """Every child or together-group of the round, with its priority and why."""
    problem = pairs.ctx.problem
    out: list[Subject] = []
    seen: set[str] = set()
    for child in problem.children:
        fam = problem.siblings.family_of(child.id)
        if fam in seen:
            continue
        seen.add(fam)
        if fam == child.id:
            members = [pairs.index[child.id]]
        else:
            group = problem.siblings.group_of(child.id)
            assert group is not None
            members = [pairs.index[c] for c in group.children]
        kids = [problem.children[m] for m in members]
        weeks = max(k.adoption.weeks_waiting(problem.as_of) if k.adoption else 0 for k in kids)
        possible = (
            len(pairs.common_carers(members))
            if len(members) > 1
            else len(pairs.eligible[members[0]])
        )
        priority, why = _priority(weeks, possible, len(members), policy)
        out.append(Subject(fam, tuple(k.id for k in kids), weeks, possible, priority, why))
    return out


def _priority(
    weeks: int, possible: int, size: int, policy: FamilyFindingPolicy
) -> tuple[str, tuple[str, ...]]:
    if policy.priority == "none":
        return "third", ("every child has the same priority in this round",)
    why: list[str] = []
    hard = policy.priority == "waiting_and_hardest" and 0 < possible <= policy.few_families
    if weeks >= policy.long_wait_weeks:
        why.append(f"waited {weeks} weeks ({policy.long_wait_weeks} or more)")
    if hard:
        them = "them all" if size > 1 else "the child"
        why.append(
            f"hard to place: {possible} adopter(s) in the round could take {them} "
            f"({policy.few_families} or fewer)"
        )
    if why:
        return "first", tuple(why)
    if weeks >= policy.wait_weeks:
        return "second", (f"waited {weeks} weeks ({policy.wait_weeks} or more)",)
    return "third", (f"waited {weeks} weeks",)


def with_priorities(problem: Problem, found: list[Subject]) -> Problem:
    """The problem with each child's urgency set to their subject's priority tier."""
    tier = {c: TIER_OF[s.priority] for s in found for c in s.children}
    children = tuple(dataclasses.replace(c, urgency=tier[c.id]) for c in problem.children)
    return dataclasses.replace(problem, children=children)


# -- search both ways ------------------------------------------------------------------


@dataclass(frozen=True)
class RegionSearch:
    """A search in the agency's own LAs first, then beyond."""

    subject: str
    in_region: dict[str, Any]
    beyond: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "in_region": self.in_region, "beyond": self.beyond}


def _adopters_only(problem: Problem, keep: Callable[[str], bool]) -> Problem:
    return _narrowed(
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
    from matching import rank  # the package's entry point; imported late (cycle)

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
    ctx = ctx or MatchingContext(problem)
    adopter = next((h for h in problem.carers if h.id == adopter_id), None)
    if adopter is None:
        raise KeyError(f"no carer with id {adopter_id!r} in the problem")
    if adopter.kind != "adoption":
        raise KeyError(f"{adopter_id!r} is a {adopter.kind} carer, not an adopter")
    waiting = [c for c in problem.children if "adoption" in c.accepts]

    def part(keep: Callable[[str], bool]) -> dict[str, Any]:
        sub = _narrowed(problem, [c for c in waiting if keep(c.la)], problem.carers)
        return rank_carer(MatchingContext(sub, ctx.gaz), adopter_id, top, near_misses).to_dict()

    first = part(policy.in_region)
    beyond = None
    if policy.beyond_region and policy.home_las:
        beyond = part(lambda la: la not in policy.home_las)
    return RegionSearch(adopter_id, first, beyond)


# -- what would change ---------------------------------------------------------------


def what_would_change(ranking: Ranking, problem: Problem) -> list[str]:
    """For a child or group without a link: which one change to which adopters would
    open a link, counted by rule ("2 would be if their approval were widened to 3
    children"), from the adopters that fail one rule only."""
    by_rule: dict[str, list[NearMiss]] = {}
    for m in ranking.near_misses:
        by_rule.setdefault(m.failed_rule, []).append(m)
    kids = [problem.child_by_id[c] for c in ranking.children]
    size = len(kids)
    lead = kids[0]
    out: list[str] = []
    if ranking.eligible_count == 0:
        limit = problem.policy.distance_limit(lead, "adoption")
        who = f"a sibling group of {size}" if size > 1 else _child_words(lead)
        out.append(f"no adopter within {limit:.0f} km is approved for {who} and free to take them")
    for rule, misses in sorted(by_rule.items(), key=lambda kv: -len(kv[1])):
        n = len(misses)
        ids = ", ".join(m.carer for m in misses[:3]) + ("…" if n > 3 else "")
        out.append(
            f"{n} would be {_change(rule, kids, _lacking(rule, kids, misses, problem))} ({ids})"
        )
    if not by_rule and ranking.eligible_count == 0:
        out.append("no adopter is one change away: recruitment, or a search beyond the region")
    return out


def _child_words(child: Any) -> str:
    sex = {"F": "a girl", "M": "a boy"}.get(child.sex, "a child")
    return f"{sex} of {child.age}"


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
    return f"if the rule '{rule}' were met"


_WORDS: tuple[tuple[str, str], ...] = (
    ("more urgent children", "children with a higher priority"),
    ("less urgent children", "children with a lower priority"),
    ("of the same urgency (emergency)", "of the same priority (first)"),
    ("of the same urgency (urgent)", "of the same priority (second)"),
    ("of the same urgency (planned)", "of the same priority (third)"),
    ("carer(s)", "adopter(s)"),
    (" carers ", " adopters "),
    ("no more children could be placed", "no more children could be linked"),
    ("carer is in", "adopters are in"),
)
#: Score lines that say nothing about adopters (no weekly fee, no fostering years).
_SILENT = ("£0 a week", "0 years' experience")


def _in_adoption_words(reason: str) -> str:
    """The solver's explanations speak of carers and urgency; a round's reader
    thinks in adopters and priority."""
    for old, new in _WORDS:
        reason = reason.replace(old, new)
    return reason


# -- the round -------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    subject: str
    children: tuple[str, ...]
    adopter: str
    priority: str
    score: float
    distance_km: float
    why_priority: tuple[str, ...]
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "children": list(self.children),
            "adopter": self.adopter,
            "priority": self.priority,
            "score": round(self.score, 1),
            "distance_km": round(self.distance_km, 1),
            "why_priority": list(self.why_priority),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True)
class NoLink:
    subject: str
    children: tuple[str, ...]
    priority: str
    weeks_waiting: int
    reasons: tuple[str, ...]
    what_would_change: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {
            "children": list(self.children),
            "reasons": list(self.reasons),
            "what_would_change": list(self.what_would_change),
        }


@dataclass(frozen=True)
class FamilyFindingRound:
    policy: FamilyFindingPolicy
    problem: Problem  # the round's problem, priorities set
    subjects: tuple[Subject, ...]
    result: SolveResult
    links: tuple[Link, ...]
    unlinked: tuple[NoLink, ...]
    crowding: dict[str, Any]
    fairness: list[dict[str, Any]]
    region: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "as_of": self.problem.as_of.isoformat(),
            "policy": self.policy.to_dict(),
            "summary": {
                "children": len(self.problem.children),
                "adopters": len(self.problem.carers),
                "children_linked": r.placed,
                "links": len(self.links),
                "siblings_together": r.siblings_together,
                "status": r.status,
                "gap": round(r.gap, 6),
                "solve_seconds": round(r.solve_seconds, 3),
                "linked_by_priority": {PRIORITY_OF[u]: n for u, n in r.placed_by_urgency.items()},
            },
            "subjects": [s.to_dict() for s in self.subjects],
            "links": [x.to_dict() for x in self.links],
            "unlinked": [x.to_dict() for x in self.unlinked],
            "sibling_groups": [g.to_dict() for g in r.sibling_groups],
            "crowding": self.crowding,
            "fairness": self.fairness,
            "region": self.region,
        }


Progress = Callable[[str], None]


def run_round(
    problem: Problem,
    policy: FamilyFindingPolicy | None = None,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    workers: int | None = None,
    progress: Progress | None = None,
) -> FamilyFindingRound:
    """Propose links for every waiting child and adopter of the region at once, with
    why each link, what would change for each child left without one, how crowded
    plain recommendations would be, and the round against deferred acceptance and an
    officer-style pass (`matching.family_fairness`)."""
    from matching import rank
    from matching.family_fairness import compare_rounds, crowding_report
    from matching.family_region import region_tables

    policy = policy or FamilyFindingPolicy()
    say = progress or (lambda _msg: None)
    scoped = adoption_problem(problem, policy)
    found = subjects(PairTable(MatchingContext(scoped)), policy)
    ranked = with_priorities(scoped, found)
    say(
        f"round: {len(ranked.children)} children ({len(found)} to link as one), "
        f"{len(ranked.carers)} adopters"
    )
    ctx = MatchingContext(ranked)
    result = solve(
        ranked, time_limit_s=time_limit_s, seed=seed, workers=workers, ctx=ctx, progress=say
    )
    by_child = {a.child: a for a in result.assignments}
    unplaced = {u.child: u for u in result.unplaced}
    links: list[Link] = []
    unlinked: list[NoLink] = []
    say("explaining links and what would change for the children without one")
    for s in found:
        placed = [by_child[c] for c in s.children if c in by_child]
        for adopter in dict.fromkeys(a.carer for a in placed):
            mine = [a for a in placed if a.carer == adopter]
            reasons = [
                _in_adoption_words(r)
                for r in mine[0].reasons
                if not any(silent in r for silent in _SILENT)
            ]
            if len(s.children) > 1:
                together = len(mine) == len(s.children)
                reasons.insert(
                    0,
                    f"takes all {len(mine)} brothers and sisters together"
                    if together
                    else f"takes {', '.join(a.child for a in mine)} of group {s.id}",
                )
            links.append(
                Link(
                    s.id if len(mine) == len(s.children) else mine[0].child,
                    tuple(a.child for a in mine),
                    adopter,
                    s.priority,
                    float(np.mean([a.score for a in mine])),
                    float(np.mean([a.distance_km for a in mine])),
                    s.why,
                    tuple(reasons),
                )
            )
        left = [c for c in s.children if c not in by_child]
        if left:
            subject = s.id if len(left) == len(s.children) else left[0]
            ranking = rank(ranked, subject, 1, len(ranked.carers), ctx)
            reasons = tuple(
                dict.fromkeys(_in_adoption_words(r) for c in left for r in unplaced[c].reasons)
            )
            unlinked.append(
                NoLink(
                    subject,
                    tuple(left),
                    s.priority,
                    s.weeks_waiting,
                    reasons,
                    tuple(what_would_change(ranking, ranked)),
                )
            )
    say("measuring crowding and fairness against deferred acceptance and a greedy pass")
    pairs = PairTable(ctx)
    crowd = crowding_report(ranked, found, result, ctx)
    fairness = compare_rounds(pairs, found, result.carer_of())
    region = region_tables(ranked, found, result)
    return FamilyFindingRound(
        policy,
        ranked,
        tuple(found),
        result,
        tuple(links),
        tuple(unlinked),
        crowd,
        fairness,
        region,
    )
