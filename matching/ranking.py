"""Ranked matches for one child or one sibling group: what a placement officer asks for
when a referral lands.

Eligible carers best first, each with its reasons; then the near misses, carers that
fail exactly one hard rule, with the rule, because the officer may be able to change
that one thing (a carer's approval, a manager's exception) today.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from functools import cached_property
from typing import Any

import numpy as np

from carers.model import ExpectedPlaces, Household
from children.model import Child
from children.siblings import SiblingGroup
from geo import Gazetteer, gazetteer
from matching.better_soon import WAIT_MARGIN, BetterSoon, advise, coming_free, may_wait
from matching.eligibility import RULE_BY_ID, RULE_IDS, Assessment, assess
from matching.problem import Problem
from matching.scoring import Scores, score
from matching.table import CarerTable


@dataclass
class MatchingContext:
    """A problem with its carer table built once, shared by rank, solve and explain."""

    problem: Problem
    gaz: Gazetteer = field(default_factory=gazetteer)

    @cached_property
    def table(self) -> CarerTable:
        return CarerTable.build(self.problem.carers, self.gaz)

    def assess(self, child: Child) -> Assessment:
        return assess(child, self.table, self.problem.policy, self.gaz)


def context_for(problem: Problem) -> MatchingContext:
    """The problem's own matching context: built on the first call that needs it, then
    kept with the problem (`Problem.derived`), so `rank(problem, id)` without a context
    builds the carer table once, not on every call.

    The context holds the problem itself and a table of its frozen carers; the policy is
    read afresh on every call. Copies and pickles of a problem leave `derived` behind;
    should a context holding another problem be found there all the same, it is not used.
    """
    kept = problem.derived.get("matching_context")
    if isinstance(kept, MatchingContext) and kept.problem is problem:
        return kept
    ctx = MatchingContext(problem)
    problem.derived["matching_context"] = ctx
    return ctx


@dataclass(frozen=True, slots=True)
class RankedMatch:
    carer: str
    score: float
    distance_km: float
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self)


class _FailsOneRule:
    """A near miss, whichever way round: the one rule failed, and whether a manager
    may set it aside."""

    __slots__ = ()
    failed_rule: str

    @property
    def exception_allowed(self) -> bool:
        return RULE_BY_ID[self.failed_rule].exception_allowed

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self) | {"exception_allowed": self.exception_allowed}


@dataclass(frozen=True, slots=True)
class NearMiss(_FailsOneRule):
    carer: str
    failed_rule: str
    detail: str
    distance_km: float


@dataclass(frozen=True)
class Ranking:
    """The answer to "who could take this child (or these children)?"."""

    subject: str  # child id or sibling group id
    children: tuple[str, ...]
    eligible_count: int
    matches: tuple[RankedMatch, ...]
    near_misses: tuple[NearMiss, ...]
    note: str | None = None
    #: A clearly better match likely before the date needed (matching.better_soon).
    better_soon: BetterSoon | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "subject": self.subject,
            "children": list(self.children),
            "eligible_count": self.eligible_count,
            "matches": [m.to_dict() for m in self.matches],
            "near_misses": [m.to_dict() for m in self.near_misses],
        }
        if self.note:
            out["note"] = self.note
        if self.better_soon is not None:
            out["better_soon"] = self.better_soon.to_dict()
        return out


def _as_dict(match: Any) -> dict[str, Any]:
    """A match or near miss as JSON: its fields in order, score and km to 0.1."""
    out: dict[str, Any] = {}
    for f in fields(match):
        value = getattr(match, f.name)
        if f.name in ("score", "distance_km"):
            value = round(value, 1)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def _best(values: np.ndarray, top: int) -> np.ndarray:
    """Positions of the `top` largest values, largest first (ties: lower position first)."""
    if len(values) > top:
        part = np.argpartition(-values, top - 1)[:top]
    else:
        part = np.arange(len(values))
    return part[np.lexsort((part, -values[part]))]


def rank_child(ctx: MatchingContext, child: Child, top: int = 20, near: int = 10) -> Ranking:
    a = ctx.assess(child)
    elig = a.eligible
    s = score(a, elig, ctx.problem.policy)
    total = s.total
    best = _best(total, top)
    matches = tuple(
        RankedMatch(
            carer=ctx.table.carers[int(elig[j])].id,
            score=float(total[j]),
            distance_km=float(a.distance_km[elig[j]]),
            reasons=tuple(s.reasons(int(j))),
        )
        for j in best
    )
    return Ranking(child.id, (child.id,), len(elig), matches, _near_misses(a, a.near_misses, near))


def _near_misses(a: Assessment, candidates: np.ndarray, near: int) -> tuple[NearMiss, ...]:
    """Closest near misses first: distance is what an officer weighs first."""
    order = candidates[np.argsort(a.distance_km[candidates], kind="stable")][:near]
    out = []
    for i in order:
        rule = a.failed_rules(int(i))[0]
        out.append(
            NearMiss(
                a.table.carers[int(i)].id, rule, a.detail(int(i), rule), float(a.distance_km[i])
            )
        )
    return tuple(out)


def group_conflicts(members: list[Child]) -> list[str]:
    """Safeguarding reasons these siblings cannot share a household, if any."""
    out = []
    for i, a in enumerate(members):
        for b in members[i + 1 :]:
            if a.cannot_live_with(b):
                out.append(f"{a.id} and {b.id} cannot live in one household (safeguarding flags)")
    return out


def rank_group(ctx: MatchingContext, group: SiblingGroup, top: int = 20, near: int = 10) -> Ranking:
    """Households that can take the whole group together, scored by the members' mean."""
    members = [ctx.problem.child_by_id[c] for c in group.children]
    assessments = [ctx.assess(m) for m in members]
    size = len(members)
    short = ctx.table.vacancies < size  # not enough places for everyone together
    fails = np.logical_or.reduce([a.failures for a in assessments])
    vacancy_row = RULE_IDS.index("vacancy")
    fails[vacancy_row] |= short
    count = fails.sum(axis=0)
    conflicts = group_conflicts(members)
    elig = np.flatnonzero(count == 0) if not conflicts else np.zeros(0, dtype=np.int64)
    scores: list[Scores] = [score(a, elig, ctx.problem.policy) for a in assessments]
    total = np.mean([s.total for s in scores], axis=0) if len(elig) else np.zeros(0)
    best = _best(total, top)
    lead = assessments[0]
    matches = []
    for j in best:
        i = int(elig[j])
        reasons = [
            f"takes all {size} children together ({ctx.table.carers[i].vacancies} free places)"
        ]
        reasons += scores[0].reasons(int(j))
        for m, s in zip(members[1:], scores[1:], strict=True):
            reasons.append(f"{m.id}: " + s.reasons(int(j))[0])
        matches.append(
            RankedMatch(
                ctx.table.carers[i].id, float(total[j]), float(lead.distance_km[i]), tuple(reasons)
            )
        )
    misses = []
    near_mask = (count == 1) & ~fails[RULE_IDS.index("kinship_connection")]
    candidates = np.flatnonzero(near_mask)
    for i in candidates[np.argsort(lead.distance_km[candidates], kind="stable")][:near]:
        rule = RULE_IDS[int(np.flatnonzero(fails[:, i])[0])]
        who = [a for a in assessments if a.failures[RULE_IDS.index(rule), i]]
        if rule == "vacancy" and not who:
            detail = f"{ctx.table.carers[i].vacancies} free place(s) for {size} children"
        else:
            detail = "; ".join(f"{a.child.id}: {a.detail(int(i), rule)}" for a in who)
        misses.append(NearMiss(ctx.table.carers[i].id, rule, detail, float(lead.distance_km[i])))
    note = "; ".join(conflicts) if conflicts else None
    return Ranking(group.id, group.children, len(elig), tuple(matches), tuple(misses), note)


@dataclass(frozen=True, slots=True)
class RankedChild:
    child: str
    score: float
    distance_km: float
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return _as_dict(self)


@dataclass(frozen=True, slots=True)
class NearMissChild(_FailsOneRule):
    child: str
    failed_rule: str
    detail: str
    distance_km: float


@dataclass(frozen=True)
class CarerRanking:
    """The answer to "which children could this family (or this vacancy) take?"."""

    carer: str
    eligible_count: int
    matches: tuple[RankedChild, ...]
    near_misses: tuple[NearMissChild, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "carer": self.carer,
            "eligible_count": self.eligible_count,
            "matches": [m.to_dict() for m in self.matches],
            "near_misses": [m.to_dict() for m in self.near_misses],
        }


def rank_carer(ctx: MatchingContext, carer_id: str, top: int = 20, near: int = 10) -> CarerRanking:
    """Children for one carer, best first, and the children who fail one rule only.

    The same rules, scores and reasons as `rank_child`, read the other way: each child
    is assessed against a table of this one carer, so a child ranked here scores
    exactly what the carer scores on that child's own list. Family-finders search this
    way (children for an approved adopter), and so does an officer with a new vacancy.
    """
    carer = next((h for h in ctx.problem.carers if h.id == carer_id), None)
    if carer is None:
        raise KeyError(f"no carer with id {carer_id!r} in the problem")
    one = CarerTable.build([carer], ctx.gaz)
    # Capacity and sibling context of the whole problem stay as they are: this table
    # only narrows whom each child is compared with.
    found: list[tuple[float, RankedChild]] = []
    misses: list[NearMissChild] = []
    for child in ctx.problem.children:
        a = assess(child, one, ctx.problem.policy, ctx.gaz)
        km = float(a.distance_km[0])
        if a.fail_count[0] == 0:
            s = score(a, np.zeros(1, dtype=np.int64), ctx.problem.policy)
            total = float(s.total[0])
            found.append((-total, RankedChild(child.id, total, km, tuple(s.reasons(0)))))
        elif len(a.near_misses):
            rule = a.failed_rules(0)[0]
            misses.append(NearMissChild(child.id, rule, a.detail(0, rule), km))
    found.sort(key=lambda pair: (pair[0], pair[1].child))
    misses.sort(key=lambda m: (m.distance_km, m.child))
    return CarerRanking(
        carer_id, len(found), tuple(m for _, m in found[:top]), tuple(misses[:near])
    )


def rank(
    problem: Problem,
    subject: str,
    top: int = 20,
    near_misses: int = 10,
    ctx: MatchingContext | None = None,
) -> Ranking:
    """Ranked matches for a child id or a sibling group id; KeyError if neither.

    Without `ctx`, the problem's own context is used (`context_for`): the first call on
    a problem builds it, later calls reuse it."""
    ctx = ctx or context_for(problem)
    if subject in problem.child_by_id:
        child = problem.child_by_id[subject]
        now = rank_child(ctx, child, top, near_misses)
        return with_better_soon(ctx, [child], now, lambda c: rank_child(c, child, 1, 0))
    group = next((g for g in problem.sibling_groups if g.id == subject), None)
    if group is not None:
        now = rank_group(ctx, group, top, near_misses)
        members = [problem.child_by_id[c] for c in group.children]
        return with_better_soon(ctx, members, now, lambda c: rank_group(c, group, 1, 0))
    raise KeyError(f"no child or sibling group with id {subject!r} in the problem")


#: The households coming free for `size` children on or before a date, each as it will
#: be then, with the context that ranks them (None when there are none).
ComingFree = Callable[
    [int, date], tuple[dict[str, tuple[Household, ExpectedPlaces]], MatchingContext] | None
]


def coming_free_in(ctx: MatchingContext) -> ComingFree:
    """The households of `ctx` coming free, as `with_better_soon` asks for them."""

    def soon_by(
        size: int, day: date
    ) -> tuple[dict[str, tuple[Household, ExpectedPlaces]], MatchingContext] | None:
        soon = coming_free(ctx.problem.carers, size, day)
        if not soon:
            return None
        future = replace(ctx.problem, carers=tuple(h for h, _ in soon.values()))
        return soon, MatchingContext(future, ctx.gaz)

    return soon_by


def with_better_soon(
    ctx: MatchingContext,
    members: Sequence[Child],
    now: Ranking,
    rank_soon: Callable[[MatchingContext], Ranking],
    *,
    margin: float = WAIT_MARGIN,
    slack_days: int = 0,
    soon_by: ComingFree | None = None,
) -> Ranking:
    """`now` with a `better_soon` advisory when one is due (matching.better_soon): the
    households coming free by the date needed (less `slack_days`, which the batch's wait
    policy keeps in hand; `soon_by` finds them, by default `coming_free_in(ctx)`) are
    ranked by `rank_soon`, as they will be then, under every hard rule as today; an
    emergency is never told to wait."""
    needed_by = may_wait(members)
    if needed_by is None:
        return now
    found = (soon_by or coming_free_in(ctx))(len(members), needed_by - timedelta(days=slack_days))
    if found is None:
        return now
    soon, future = found
    best = rank_soon(future).matches
    advice = advise(
        (now.matches[0].carer, now.matches[0].score) if now.matches else None,
        (best[0].carer, best[0].score) if best else None,
        soon,
        ctx.problem.as_of,
        margin,
    )
    return now if advice is None else replace(now, better_soon=advice)


def rank_children(
    problem: Problem,
    carer_id: str,
    top: int = 20,
    near_misses: int = 10,
    ctx: MatchingContext | None = None,
) -> CarerRanking:
    """Children a carer (an adopter, a new vacancy) could take, best first, and the
    children who fail one rule only; KeyError if no such carer. Without `ctx`, the
    problem's own context is used, as in `rank`."""
    return rank_carer(ctx or context_for(problem), carer_id, top, near_misses)
