"""Who a round links: its scope (the region's waiting children and adopters) and its
*subjects*, each a child or brothers and sisters whose plan keeps them together, with
the subject's priority and why.

Hard to place is measured by the adopters' own limits, not by a child's ethnicity,
sex or disability: those are protected characteristics, and scarcity of families
already captures whoever the stated limits leave out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from carers.model import Household
from children.model import Child
from children.siblings import SiblingGroup
from matching.family_finding.policy import TIER_OF, FamilyFindingPolicy
from matching.pairs import PairTable
from matching.problem import Problem


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
    return narrowed(
        problem,
        [c for c in problem.children if "adoption" in c.accepts and policy.in_region(c.la)],
        [
            h
            for h in problem.carers
            if h.kind == "adoption" and (policy.beyond_region or policy.in_region(h.la))
        ],
    )


def narrowed(problem: Problem, children: Sequence[Child], carers: Sequence[Household]) -> Problem:
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
