"""A family-finding round: propose the best set of links for a region's waiting
children and approved adopters at once, and explain them.

The round is the batch solver on the region's adoption problem, with the children's
priority (`policy`) standing in for urgency. The solver's level 1 then links as many
first-priority children as possible before any second, and so on; siblings together,
quality and distance follow (docs/design.md §4, Family-finding). Each link says why;
each child left without one gets the solver's reasons and what would change (`search`);
the round is set against deferred acceptance and an officer-style pass (`fairness`), and
who waits is reported by them (`region`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from matching.family_finding.fairness import compare_rounds, crowding_report
from matching.family_finding.links import LinkHistory, with_history
from matching.family_finding.policy import PRIORITY_OF, FamilyFindingPolicy
from matching.family_finding.region import (
    AdopterWait,
    adopters_waiting,
    referral_due,
    region_tables,
)
from matching.family_finding.search import (
    Blocker,
    WiderSearch,
    WidestSearch,
    blocking_rules,
    what_would_change,
    with_siblings_adopters,
)
from matching.family_finding.shortlist import (
    Shortlist,
    ShortlistPolicy,
    plain_lists,
    shortlists,
    spread,
)
from matching.family_finding.subjects import Subject, adoption_problem, subjects, with_priorities
from matching.pairs import PairTable
from matching.problem import Problem
from matching.ranking import MatchingContext, rank
from matching.result import Assignment, SolveResult, Unplaced
from matching.solver import solve

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
    split: Split | None = None

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
        } | _split_dict(self.split)


@dataclass(frozen=True)
class NoLink:
    subject: str
    children: tuple[str, ...]
    priority: str
    weeks_waiting: int
    reasons: tuple[str, ...]
    what_would_change: tuple[str, ...]
    blocking_rules: tuple[Blocker, ...] = ()
    split: Split | None = None
    no_option: NoOption | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "children": list(self.children),
            "priority": self.priority,
            "weeks_waiting": self.weeks_waiting,
            "reasons": list(self.reasons),
            "what_would_change": list(self.what_would_change),
            "blocking_rules": [b.to_dict() for b in self.blocking_rules],
            "no_option": self.no_option.to_dict() if self.no_option else None,
        } | _split_dict(self.split)


@dataclass(frozen=True)
class Split:
    """A sibling group the round did not link together: where each of the others went,
    and the families that could have taken them all but were linked with someone else.
    A `should` group split is for the social workers' together-or-apart assessment."""

    group: str
    policy: str
    siblings: Mapping[str, str | None]  # the others: their adopter, or None if not linked
    taken: Mapping[str, str]  # an adopter who could take them all -> whom it is linked with

    @property
    def assessment_needed(self) -> bool:
        """A `should` group the round split: some linked, not all with one adopter."""
        return self.policy == "should" and any(self.siblings.values())


def _split_dict(split: Split | None) -> dict[str, Any]:
    if split is None:
        return {"together_or_apart_assessment": False, "siblings": {}, "taken_by_others": {}}
    return {
        "together_or_apart_assessment": split.assessment_needed,
        "siblings": dict(split.siblings),
        "taken_by_others": dict(split.taken),
    }


@dataclass(frozen=True)
class NoOption:
    """A child (or group) no adopter in the round could take: when their register
    referral falls due, whether exchange and activity days are worth it, and the widest
    search that would find an adopter."""

    referral_due: date
    overdue: bool
    exchange_days: bool
    widest_search: WidestSearch

    def to_dict(self) -> dict[str, Any]:
        return {
            "referral_due": self.referral_due.isoformat(),
            "overdue": self.overdue,
            "exchange_days": self.exchange_days,
            "widest_search": self.widest_search.to_dict(),
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
    adopters_waiting: tuple[AdopterWait, ...] = ()
    # Shortlists and the link history they and the round took in (issue 18).
    shortlists: tuple[Shortlist, ...] = ()
    shortlist_policy: ShortlistPolicy = ShortlistPolicy()
    shortlist_spread: dict[str, Any] = dataclasses.field(default_factory=dict)
    history: LinkHistory = LinkHistory()

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
            "shortlists": [x.to_dict() for x in self.shortlists],
            "shortlist_policy": self.shortlist_policy.to_dict(),
            "shortlist_spread": self.shortlist_spread,
            "history": self.history.to_dict(),
            "adopters_waiting": [w.to_dict() for w in self.adopters_waiting],
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
    history: LinkHistory | None = None,
    shortlist_size: int = 5,
    max_lists_per_adopter: int | None = None,
    max_first_choices: int | None = None,
) -> FamilyFindingRound:
    """Propose links for every waiting child and adopter of the region at once, with
    why each link, what would change for each child left without one, a shortlist of
    adopters to approach for each child or group (`shortlist`), how crowded plain
    recommendations would be, and the round against deferred acceptance and an
    officer-style pass (`matching.family_finding.fairness`).

    `history` (earlier links: declined, interest, going ahead) rules declined adopters
    out for their child, raises adopters with interest on shortlists, and leaves the
    children and adopters of links going ahead out of the round."""
    policy = policy or FamilyFindingPolicy()
    history = history or LinkHistory()
    listing = ShortlistPolicy.of(shortlist_size, max_lists_per_adopter, max_first_choices)
    say = progress or (lambda _msg: None)
    scoped = adoption_problem(with_history(problem, history), policy)
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
    say("explaining links and what would change for the children without one")
    pairs = PairTable(ctx)
    splits = _splits(found, by_child, pairs)
    wider = WiderSearch(problem, ranked, policy)
    links = [link for s in found for link in _links(s, by_child, splits.get(s.id))]
    unlinked = [
        no_link
        for s in found
        if (no_link := _no_link(s, by_child, unplaced, ctx, splits.get(s.id), wider, policy))
        is not None
    ]
    say("measuring crowding and fairness against deferred acceptance and a greedy pass")
    plain = plain_lists(pairs, found, max(5, listing.size))
    crowd = crowding_report(ranked, found, result, plain)
    fairness = compare_rounds(pairs, found, result.carer_of())
    region = region_tables(ranked, found, result)
    say("shortlisting adopters for each child or group")
    lists = shortlists(pairs, found, result.carer_of(), history, listing)
    plain = {sid: adopters[: listing.size] for sid, adopters in plain.items()}
    linked_with = {x.adopter: x.subject for x in links}
    waiting = adopters_waiting(pairs, linked_with)
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
        tuple(waiting),
        tuple(lists),
        listing,
        spread(lists, plain, listing.size),
        history,
    )


def _splits(
    found: list[Subject], by_child: Mapping[str, Assignment], pairs: PairTable
) -> dict[str, Split]:
    """Each sibling group the round did not link together: where each member went, and
    the families that could have taken them all but were linked with another subject."""
    problem = pairs.ctx.problem
    subject_of = {c: s.id for s in found for c in s.children}
    holds = {a.carer: subject_of[a.child] for a in by_child.values()}
    out = {}
    for s in found:
        if len(s.children) < 2:
            continue
        went = {c: by_child[c].carer if c in by_child else None for c in s.children}
        if None not in went.values() and len(set(went.values())) == 1:
            continue
        group = problem.siblings.group_of(s.children[0])
        assert group is not None
        common = pairs.common_carers([pairs.index[c] for c in s.children])
        ids = [pairs.ctx.table.carers[h].id for h in common]
        taken = {h: holds[h] for h in ids if h in holds and holds[h] != s.id}
        out[s.id] = Split(s.id, group.policy, went, taken)
    return out


def _links(s: Subject, by_child: Mapping[str, Assignment], split: Split | None) -> list[Link]:
    """The subject's links, one per adopter its children went to: all of them together,
    or each part of a group the round split."""
    placed = [by_child[c] for c in s.children if c in by_child]
    return [
        _link(s, [a for a in placed if a.carer == adopter], split)
        for adopter in dict.fromkeys(a.carer for a in placed)
    ]


def _link(s: Subject, mine: list[Assignment], split: Split | None) -> Link:
    """One adopter's link to (some of) a subject's children, with the solver's reasons
    in adoption words and, for brothers and sisters, whether it takes them all."""
    reasons = [
        _in_adoption_words(r) for r in mine[0].reasons if not any(silent in r for silent in _SILENT)
    ]
    together = len(mine) == len(s.children)
    if len(s.children) > 1:
        reasons.insert(
            0,
            f"takes all {len(mine)} brothers and sisters together"
            if together
            else f"takes {', '.join(a.child for a in mine)} of group {s.id}",
        )
    return Link(
        s.id if together else mine[0].child,
        tuple(a.child for a in mine),
        mine[0].carer,
        s.priority,
        float(np.mean([a.score for a in mine])),
        float(np.mean([a.distance_km for a in mine])),
        s.why,
        tuple(reasons + _split_reasons(split, {a.child for a in mine})),
        split,
    )


def _split_reasons(split: Split | None, mine: set[str]) -> list[str]:
    """Where the other children of a split group went, in words."""
    if split is None:
        return []
    out = []
    if any(split.siblings.values()):
        out += [
            f"{c} is linked with {h}" if h else f"{c} is not linked"
            for c, h in split.siblings.items()
            if c not in mine
        ]
    if split.assessment_needed:
        out.append("together-or-apart assessment needed: the plan is to place them together")
    out += [
        f"{h} could take them all together but is linked with {o}" for h, o in split.taken.items()
    ]
    return out


def _no_link(
    s: Subject,
    by_child: Mapping[str, Assignment],
    unplaced: Mapping[str, Unplaced],
    ctx: MatchingContext,
    split: Split | None,
    wider: WiderSearch,
    policy: FamilyFindingPolicy,
) -> NoLink | None:
    """The subject's children the round left without a link, if any: the solver's
    reasons, the rules that remove the most adopters for them, and which one change
    would open a link (the whole subject, or the first child of a group the round
    split). An adopter holding a brother or sister is read as a together-placement
    (`with_siblings_adopters`), never as a near miss for the child alone. With no
    adopter in the round at all: the register referral and the widest search."""
    left = [c for c in s.children if c not in by_child]
    if not left:
        return None
    problem = ctx.problem
    subject = s.id if len(left) == len(s.children) else left[0]
    ranking = rank(problem, subject, 1, len(problem.carers), ctx)
    held: dict[str, tuple[str, ...]] = {}
    for c in s.children:
        if c in by_child:
            held[by_child[c].carer] = (*held.get(by_child[c].carer, ()), c)
    if held:
        misses = tuple(m for m in ranking.near_misses if m.carer not in held)
        ranking = dataclasses.replace(ranking, near_misses=misses)
    blockers = blocking_rules(ctx, ranking.children)
    change = what_would_change(ranking, problem, ctx, blockers)
    if len(ranking.children) < len(left) and change:
        change[0] = f"for {subject}, {change[0]}"  # the first of those left is explained
    if held:
        whole = rank(problem, s.id, len(problem.carers), len(problem.carers), ctx)
        change += with_siblings_adopters(whole, held, problem)
    reasons = [_in_adoption_words(r) for c in left for r in unplaced[c].reasons]
    return NoLink(
        subject,
        tuple(left),
        s.priority,
        s.weeks_waiting,
        tuple(dict.fromkeys(reasons + _split_reasons(split, set(left)))),
        tuple(change),
        tuple(blockers),
        split,
        _no_option(ranking.eligible_count, list(ranking.children), problem, wider, policy),
    )


def _no_option(
    eligible: int,
    left: list[str],
    problem: Problem,
    wider: WiderSearch,
    policy: FamilyFindingPolicy,
) -> NoOption | None:
    """Children no adopter in the round could take: the register referral is due three
    months after the earliest decision to place them for adoption; exchange and activity
    days are flagged when they have waited `wait_weeks` or more, or no adopter in the
    data could take them (the profile route has failed, or will)."""
    if eligible:
        return None
    plans = [p for c in left if (p := problem.child_by_id[c].adoption) is not None]
    since = min((p.waiting_since for p in plans), default=problem.as_of)
    due = referral_due(since)
    found = wider.search(left)
    weeks = max(0, (problem.as_of - since).days // 7)
    days = weeks >= policy.wait_weeks or found.step is None
    return NoOption(due, due < problem.as_of, days, found)
