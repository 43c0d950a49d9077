"""What came of earlier links, as a round needs it: which were declined, who has
expressed interest in whom, and which are going ahead.

A link is one child (or brothers and sisters) and one adopter, worked by the child's
family-finder and the adopter's social worker through `LINK_STATES`. The service keeps
each link and its history; a round needs only these four sets of (child id, adopter id)
pairs (a sibling group's id in place of a child's stands for each of its children):

- **declined**: never linked or shortlisted again (`run_round` writes them into the
  child's `adoption.ruled_out`, a hard rule);
- **adopter interest** and **finder interest**: raise the adopter on the child's
  shortlist (`shortlist`), never make an ineligible adopter eligible;
- **progressing** (at matching panel or placed): the child and the adopter are matched,
  so the round leaves both out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from children.model import AdoptionPlan, Child
from matching.family_finding.subjects import narrowed
from matching.problem import Problem

#: A link's states, in the order a link goes through them (`declined` may end any).
LINK_STATES: tuple[str, ...] = ("proposed", "exploring", "declined", "to_panel", "placed")

Pairs = frozenset[tuple[str, str]]


@dataclass(frozen=True)
class LinkHistory:
    """Earlier links' outcomes and expressions of interest, each a set of
    (child id, adopter id) pairs."""

    declined: Pairs = frozenset()
    #: the adopter (through their social worker) expressed interest in the child
    adopter_interest: Pairs = frozenset()
    #: the child's family-finder is interested in the adopter
    finder_interest: Pairs = frozenset()
    #: links at matching panel or placed
    progressing: Pairs = frozenset()

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> LinkHistory:
        """From `{"declined": [[child, adopter], ...], ...}` (every key optional).
        ValueError naming the key for anything else."""
        names = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(doc, Mapping):
            raise ValueError("link history: expected an object")
        unknown = sorted(set(doc) - names)
        if unknown:
            raise ValueError(f"link history: unknown key {unknown[0]!r}")
        return cls(**{k: _pairs(k, v) for k, v in doc.items()})

    def to_dict(self) -> dict[str, list[list[str]]]:
        return {f.name: [list(p) for p in sorted(getattr(self, f.name))] for f in _FIELDS}

    def interest(self, child: str, adopter: str) -> tuple[bool, bool]:
        """(adopter interested, family-finder interested) for one pair."""
        pair = (child, adopter)
        return pair in self.adopter_interest, pair in self.finder_interest


_FIELDS = dataclasses.fields(LinkHistory)


def _pairs(key: str, value: Any) -> Pairs:
    if not isinstance(value, list) or not all(
        isinstance(p, list | tuple) and len(p) == 2 and all(isinstance(x, str) and x for x in p)
        for p in value
    ):
        raise ValueError(f"link history: {key} must be a list of [child id, adopter id] pairs")
    return frozenset((str(c), str(a)) for c, a in value)


def with_history(problem: Problem, history: LinkHistory) -> Problem:
    """The problem a round works on: each declined adopter ruled out for its child, and
    the children and adopters of links going ahead left out (they are matched)."""
    if not history.declined and not history.progressing:
        return problem
    ruled: dict[str, set[str]] = {}
    for child, adopter in by_child(problem, history.declined):
        ruled.setdefault(child, set()).add(adopter)
    going = by_child(problem, history.progressing)
    gone_children = {c for c, _a in going}
    gone_adopters = {a for _c, a in going}
    children = [
        _ruling_out(c, ruled[c.id], problem) if c.id in ruled else c
        for c in problem.children
        if c.id not in gone_children
    ]
    carers = [h for h in problem.carers if h.id not in gone_adopters]
    return narrowed(problem, children, carers)


def by_child(problem: Problem, pairs: Pairs) -> Pairs:
    """The pairs with a sibling group's id in place of a child's (a link with brothers
    and sisters together) read as one pair per child of the group."""
    groups = {g.id: g.children for g in problem.sibling_groups}
    return frozenset((c, a) for who, a in pairs for c in groups.get(who, (who,)))


def _ruling_out(child: Child, adopters: Iterable[str], problem: Problem) -> Child:
    """The child with `adopters` added to their plan's `ruled_out` (a child with no
    plan yet gets one, waiting from the round's day: the same 0 weeks as none)."""
    plan = child.adoption or AdoptionPlan(waiting_since=problem.as_of)
    plan = dataclasses.replace(plan, ruled_out=plan.ruled_out | frozenset(adopters))
    return dataclasses.replace(child, adoption=plan)
