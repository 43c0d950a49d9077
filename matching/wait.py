"""Place now or wait, in the batch: which planned referrals to hold back this week.

A referral is held back when its best match today is poor and a clearly better home is
expected before the date it is needed (docs/matching.md §3.1, item 2). The judgement is
the ranking's own advisory (`matching.ranking.with_better_soon`, `matching.better_soon`):
this module only decides *whose* advisory is strong enough to act on in a batch, and
never for a child who cannot wait.

A referral unit is a child, or a `must` or `should` sibling group as one unit: a group
is held back whole or not at all, because holding back one child of a group that should
live together would split it. A held-back child's best household today stays open to
everyone else in this batch: only the held-back children leave the problem.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from carers.model import ExpectedPlaces, Household
from children.model import Child
from matching.better_soon import BetterSoon, coming_free
from matching.problem import Problem
from matching.ranking import (
    ComingFree,
    MatchingContext,
    Ranking,
    context_for,
    rank_child,
    rank_group,
    with_better_soon,
)

#: Days between the day an awaited home comes free and the earliest date needed that
#: the wait must leave in hand. Assumption: a planned ending or an approval panel can
#: slip by days, and an officer needs about a week (the time from a referral to a
#: planned placement that `urgent` stands for) to place the child elsewhere if it does;
#: so a home expected later than a week before the date needed is not worth waiting for.
WAIT_SLACK_DAYS = 7

#: Urgency tiers that may be held back. Emergencies never (the issue's rule: a child
#: needing a bed tonight is placed tonight). Urgent referrals neither: they are needed
#: within days, so a wait that slips turns them into emergencies, and with
#: `WAIT_SLACK_DAYS` in hand there is almost never room to wait anyway; a placement
#: officer can still read the ranking's advisory for one and decide.
MAY_BE_HELD_BACK = frozenset({"planned"})


@dataclass(frozen=True, slots=True)
class HeldBack:
    """A child held back this batch: the referral unit (the child, or its sibling
    group) and the better home expected before the date needed."""

    child: str
    unit: str
    better_soon: BetterSoon

    def to_dict(self) -> dict[str, Any]:
        return {"child": self.child, "unit": self.unit, **self.better_soon.to_dict()}


def referral_units(problem: Problem) -> Iterator[tuple[str, list[Child]]]:
    """Each referral as the batch places it: a `must`/`should` sibling group as one
    unit (its id and members), every other child alone (its own id)."""
    seen: set[str] = set()
    for child in problem.children:
        group = problem.siblings.group_of(child.id)
        if group is not None and group.policy in ("must", "should"):
            if group.id not in seen:
                seen.add(group.id)
                yield group.id, [problem.child_by_id[c] for c in group.children]
        else:
            yield child.id, [child]


def hold_back(
    problem: Problem,
    ctx: MatchingContext | None = None,
    *,
    margin: float | None = None,
    slack_days: int = WAIT_SLACK_DAYS,
) -> tuple[HeldBack, ...]:
    """The children to hold back this batch, each with the home expected for it.

    A unit is held back when every member is planned (`MAY_BE_HELD_BACK`), and a
    household coming free at least `slack_days` before its earliest date needed, ranked
    under every hard rule as today, scores `margin` points (the policy's
    `wait_margin`) above its best match now, or nothing takes the unit now (for a
    sibling group: no household takes them together, so today they could only be
    split). Each household coming free is awaited by one unit only (earliest date
    needed first): two referrals cannot both count on the same expected place.
    """
    ctx = ctx or context_for(problem)
    margin = problem.policy.wait_margin if margin is None else margin
    units = sorted(referral_units(problem), key=lambda u: min(m.needed_by for m in u[1]))
    soon_by = _ComingFree(ctx)
    awaited: set[str] = set()
    held: list[HeldBack] = []
    for unit, members in units:
        if any(m.urgency not in MAY_BE_HELD_BACK for m in members):
            continue
        cutoff = min(m.needed_by for m in members) - timedelta(days=slack_days)
        if soon_by(len(members), cutoff) is None:
            continue  # passed over before the costly ranking now
        advice = _advice(ctx, unit, members, margin, slack_days, soon_by)
        if advice is None or advice.carer in awaited:
            continue
        awaited.add(advice.carer)
        held += [HeldBack(m.id, unit, advice) for m in members]
    return tuple(held)


def _advice(
    ctx: MatchingContext,
    unit: str,
    members: list[Child],
    margin: float,
    slack_days: int,
    soon_by: ComingFree,
) -> BetterSoon | None:
    """The ranking's advisory for the unit at the batch's margin and slack."""
    rank: Callable[[MatchingContext], Ranking]
    if len(members) == 1:
        child = members[0]
        rank = lambda c: rank_child(c, child, 1, 0)  # noqa: E731 - one of two rankers
    else:
        group = ctx.problem.siblings.groups[unit]
        rank = lambda c: rank_group(c, group, 1, 0)  # noqa: E731 - one of two rankers
    soon = with_better_soon(
        ctx, members, rank(ctx), rank, margin=margin, slack_days=slack_days, soon_by=soon_by
    )
    return soon.better_soon


class _ComingFree:
    """`coming_free_in(ctx)` for a whole batch, each answer worked out once: the
    households that could come free for `size` children at all (only those expecting
    places: few), then for each date the ones free by then, with the context that ranks
    them. Many referrals share a size and a date."""

    def __init__(self, ctx: MatchingContext) -> None:
        self.ctx = ctx
        self.expecting = [h for h in ctx.problem.carers if h.expected_places]
        self.by_size: dict[int, dict[str, tuple[Household, ExpectedPlaces]]] = {}
        self.found: dict[tuple[int, date], tuple[dict[str, Any], MatchingContext] | None] = {}

    def __call__(self, size: int, day: date) -> tuple[dict[str, Any], MatchingContext] | None:
        if (size, day) not in self.found:
            if size not in self.by_size:
                self.by_size[size] = coming_free(self.expecting, size, date.max)
            soon = {k: v for k, v in self.by_size[size].items() if v[1].day <= day}
            future = replace(self.ctx.problem, carers=tuple(h for h, _ in soon.values()))
            self.found[size, day] = (soon, MatchingContext(future, self.ctx.gaz)) if soon else None
        return self.found[size, day]


def without(problem: Problem, held: tuple[HeldBack, ...]) -> Problem:
    """The problem less the held-back children (and sibling groups left with fewer
    than two of them); every carer stays, so their places stay open to the rest."""
    gone = {h.child for h in held}
    if not gone:
        return problem
    groups = []
    for g in problem.sibling_groups:
        kept = tuple(c for c in g.children if c not in gone)
        if len(kept) >= 2:
            groups.append(replace(g, children=kept))
    return replace(
        problem,
        children=tuple(c for c in problem.children if c.id not in gone),
        sibling_groups=tuple(groups),
    )
