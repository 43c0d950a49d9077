"""Shortlists: for each child or group of a round, the adopters to approach, in order,
spread so that no family is approached for more children than it can follow up.

A family-finder works a shortlist of a few adopters per child, not one link; but the
best-scoring adopters are the same few for most children (docs/family-finding.md §4),
so plain top-five lists would send every family-finder to the same families. Here:

- only adopters eligible for the whole subject (every child, places for them all) are
  listed; a declined pair is ineligible (`adoption.ruled_out`), and interest never
  makes an adopter eligible;
- **first** is the round's link, when the round links the whole subject to one
  adopter: the round gives each adopter one family, so these first choices never
  collide;
- the rest are filled one priority at a time (first priority first), place by place
  (every child of the priority gets a first adopter before any gets a second), children
  with the fewest eligible adopters first, then the longest waiting; each child's
  adopters ordered by interest — both sides, then the adopter's, then the
  family-finder's, then none — then by score;
- an adopter goes on at most `max_lists_per_adopter` lists and is first on at most
  `max_first_choices`; one at a limit is skipped (and named in `held_back`).
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from matching.family_finding.links import LinkHistory
from matching.family_finding.subjects import Subject
from matching.pairs import PairTable

PRIORITY_RANK = {"first": 0, "second": 1, "third": 2}


@dataclass(frozen=True)
class ShortlistPolicy:
    """How long a shortlist is and how far one adopter is spread (docs §3a)."""

    size: int = 5
    #: a family's social worker explores a few links at once; see the docs for the
    #: default, measured on the generated agency
    max_lists_per_adopter: int = 5
    #: the round's own link, and two more children (docs: two leaves more of the
    #: first-priority children with an empty list)
    max_first_choices: int = 3

    def __post_init__(self) -> None:
        if self.size < 1:
            raise ValueError("shortlist size must be 1 or more")
        if self.max_lists_per_adopter < 1:
            raise ValueError("max_lists_per_adopter must be 1 or more")
        if not 1 <= self.max_first_choices <= self.max_lists_per_adopter:
            raise ValueError("max_first_choices must be between 1 and max_lists_per_adopter")

    @classmethod
    def of(cls, size: int, lists: int | None, firsts: int | None) -> ShortlistPolicy:
        """The policy with the limits given, the defaults for those not given; a
        default first-choice limit is cut to a lower list limit."""
        lists = cls.max_lists_per_adopter if lists is None else lists
        firsts = min(cls.max_first_choices, lists) if firsts is None else firsts
        return cls(size, lists, firsts)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Candidate:
    """An adopter eligible for a whole subject, as a shortlist weighs them."""

    adopter: str
    score: float  # mean over the subject's children
    distance_km: float
    round_link: bool
    adopter_interest: bool
    finder_interest: bool

    @property
    def interest(self) -> int:
        """0 both sides, 1 the adopter, 2 the family-finder, 3 none: an adopter who
        asked is likelier to go ahead than one only the family-finder picked."""
        if self.adopter_interest:
            return 0 if self.finder_interest else 1
        return 2 if self.finder_interest else 3

    def order(self) -> tuple[int, float, str]:
        return (self.interest, -self.score, self.adopter)


@dataclass(frozen=True)
class ShortlistEntry:
    adopter: str
    position: int  # 1-based
    score: float
    distance_km: float
    round_link: bool
    adopter_interest: bool
    finder_interest: bool
    also_shortlisted_for: tuple[str, ...]  # the other subjects whose lists name them

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {
            "score": round(self.score, 1),
            "distance_km": round(self.distance_km, 1),
            "also_shortlisted_for": list(self.also_shortlisted_for),
        }


@dataclass(frozen=True)
class Shortlist:
    subject: str
    children: tuple[str, ...]
    priority: str
    weeks_waiting: int
    adopters: tuple[ShortlistEntry, ...]
    eligible: int  # adopters eligible for the whole subject
    held_back: tuple[str, ...]  # would be listed, but at a limit (best first)

    def to_dict(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "children": list(self.children),
            "priority": self.priority,
            "weeks_waiting": self.weeks_waiting,
            "adopters": [a.to_dict() for a in self.adopters],
            "eligible": self.eligible,
            "held_back": list(self.held_back),
        }


def round_links(found: Sequence[Subject], carer_of: Mapping[str, str]) -> dict[str, str]:
    """Subject -> adopter, where the round links all of the subject's children to one."""
    out = {}
    for s in found:
        homes = {carer_of.get(c) for c in s.children}
        if len(homes) == 1 and (home := homes.pop()) is not None:
            out[s.id] = home
    return out


def candidates(
    pairs: PairTable, s: Subject, linked: str | None, history: LinkHistory
) -> list[Candidate]:
    """The adopters eligible for all of the subject's children, best first by interest
    then score (mean over the children)."""
    members = [pairs.index[c] for c in s.children]
    table = pairs.ctx.table
    options = (
        pairs.common_carers(members)
        if len(members) > 1
        else [int(h) for h in pairs.eligible[members[0]]]
    )
    out = []
    for h in options:
        at = [(m, pairs.position(m, h)) for m in members]
        aid = table.carers[h].id
        asked = [history.interest(c, aid) for c in (*s.children, s.id)]
        out.append(
            Candidate(
                aid,
                float(np.mean([pairs.scores[m].total[j] for m, j in at])),
                float(np.mean([pairs.scores[m].home_km[j] for m, j in at])),
                aid == linked,
                any(a for a, _f in asked),
                any(f for _a, f in asked),
            )
        )
    return sorted(out, key=Candidate.order)


def in_priority_order(found: Sequence[Subject]) -> list[Subject]:
    """First priority first, then longest waiting, then id: the order lists are filled."""
    return sorted(found, key=lambda s: (PRIORITY_RANK[s.priority], -s.weeks_waiting, s.id))


def shortlists(
    pairs: PairTable,
    found: Sequence[Subject],
    carer_of: Mapping[str, str],
    history: LinkHistory,
    policy: ShortlistPolicy,
) -> list[Shortlist]:
    """Every subject's shortlist, in priority order (module docstring)."""
    linked = round_links(found, carer_of)
    order = in_priority_order(found)
    pool = {s.id: candidates(pairs, s, linked.get(s.id), history) for s in order}
    picked = fill(order, pool, Counter(linked.values()), policy)
    named: dict[str, list[str]] = defaultdict(list)
    for s in order:
        for c in picked[s.id]:
            named[c.adopter].append(s.id)
    out = []
    for s in order:
        ideal = fill([s], pool, Counter(), policy)[s.id]
        entries = (
            ShortlistEntry(
                c.adopter,
                i,
                c.score,
                c.distance_km,
                c.round_link,
                c.adopter_interest,
                c.finder_interest,
                tuple(o for o in named[c.adopter] if o != s.id),
            )
            for i, c in enumerate(picked[s.id], start=1)
        )
        held = tuple(c.adopter for c in ideal if c not in picked[s.id])
        out.append(
            Shortlist(
                s.id, s.children, s.priority, s.weeks_waiting, tuple(entries), len(pool[s.id]), held
            )
        )
    return out


def fill(
    order: Sequence[Subject],
    pool: Mapping[str, Sequence[Candidate]],
    linked: Counter[str],
    policy: ShortlistPolicy,
) -> dict[str, list[Candidate]]:
    """The lists, given each adopter's round link (`linked`: one list and one first
    place each). One priority at a time, place by place: every subject of the priority
    gets its first adopter before any gets its second, so one subject's long list does
    not take the only adopters another could have; within a place, subjects with the
    fewest eligible adopters first, then in `order`. A first place goes to the best
    adopter with a first place left (none left: the list stays empty); a later place to
    the best with a list place left."""
    lists, firsts = Counter(linked), Counter(linked)
    picked = {s.id: [c for c in pool[s.id] if c.round_link] for s in order}
    for tier in PRIORITY_RANK:
        subjects = sorted((s for s in order if s.priority == tier), key=lambda s: len(pool[s.id]))
        # fewest options first: a child with one possible family before one with ten
        for place in range(policy.size):
            for s in subjects:
                got = picked[s.id]
                if len(got) != place:
                    continue  # full, or closed at an earlier place
                c = next((c for c in pool[s.id] if _room(c, got, lists, firsts, policy)), None)
                if c is not None:
                    got.append(c)
                    lists[c.adopter] += 1
                    firsts[c.adopter] += not place
    return picked


def _room(
    c: Candidate,
    got: list[Candidate],
    lists: Counter[str],
    firsts: Counter[str],
    policy: ShortlistPolicy,
) -> bool:
    """Whether `c` may take the next place on a list holding `got`."""
    if c in got or lists[c.adopter] >= policy.max_lists_per_adopter:
        return False
    return bool(got) or firsts[c.adopter] < policy.max_first_choices


def plain_lists(pairs: PairTable, found: Sequence[Subject], size: int) -> dict[str, list[str]]:
    """Each subject's best `size` eligible adopters by score alone, with no limits:
    what a recommender would show (docs §4, crowding)."""
    none = LinkHistory()
    return {
        s.id: [c.adopter for c in sorted(candidates(pairs, s, None, none), key=_by_score)][:size]
        for s in found
    }


def _by_score(c: Candidate) -> tuple[float, str]:
    return (-c.score, c.adopter)


def spread(
    lists: Sequence[Shortlist], plain: Mapping[str, Sequence[str]], size: int
) -> dict[str, Any]:
    """How far the shortlists spread adopters, against plain lists of the same size."""
    named = Counter(e.adopter for s in lists for e in s.adopters)
    first = Counter(s.adopters[0].adopter for s in lists if s.adopters)
    plain_named = Counter(a for p in plain.values() for a in p)
    plain_first = Counter(p[0] for p in plain.values() if p)
    most = named.most_common(1)
    return {
        "subjects": len(lists),
        "no_eligible_adopter": sum(1 for s in lists if s.eligible == 0),
        "empty_with_eligible_adopters": sum(1 for s in lists if s.eligible and not s.adopters),
        "empty_with_eligible_by_priority": dict(
            Counter(s.priority for s in lists if s.eligible and not s.adopters)
        ),
        "shorter_than_possible": sum(1 for s in lists if len(s.adopters) < min(s.eligible, size)),
        "adopters_named": len(named),
        "most_lists_naming_one_adopter": most[0][1] if most else 0,
        "most_named_adopter": most[0][0] if most else None,
        "most_first_choices": max(first.values(), default=0),
        "plain_most_lists_naming_one_adopter": max(plain_named.values(), default=0),
        "plain_most_first_choices": max(plain_first.values(), default=0),
    }
