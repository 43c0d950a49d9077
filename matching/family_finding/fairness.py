"""A family-finding round against the alternatives, and how crowded plain
recommendations are.

Adoption is one-to-one between *subjects* (a child, or brothers and sisters kept
together) and adopters (each takes one family), so stability is read at that level:
a subject's acceptable adopters are those eligible for every member with places for
them all, ranked by the members' mean match score; an adopter ranks the subjects it
could take by the same score. Against the round we set:

- **deferred acceptance** (subjects proposing): the stable round best for every
  child, blind to waiting time — a yardstick, not a policy;
- **priority-aware deferred acceptance**: the same, but adopters rank subjects by
  priority tier first, then score (school choice with priorities): stable with respect
  to the agency's priorities, so no child and adopter *within a tier* have cause to go
  around it;
- **an officer-style pass**: subjects one at a time, first priority first and longest
  waiting first, each taking the best-scoring adopter still free — how a family-finder
  works through a list by hand.

For each: children linked, first-priority children linked, *priority inversions*
(a higher-priority subject left without a link while an adopter it could have had
went to a lower-priority one), blocking pairs split by what they cost (`BLOCKING_KINDS`),
and mean match score.

A round may split a `should` group between adopters, so it is read child by child:
every adopter holding any child is occupied (it takes one family), valued at the mean
score of the children it holds; a split group's *own link* is the adopter holding most
of its members (the better-scoring part on a tie), valued the same way. A subject and
an adopter block when each strictly prefers the other, by score, to that.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from matching.family_finding.subjects import Subject
from matching.pairs import PairTable
from matching.problem import Problem
from matching.result import SolveResult
from matching.yardsticks.stability import crowding, deferred_acceptance, priority_first

PRIORITY_RANK = {"first": 0, "second": 1, "third": 2}

#: What a blocking pair (subject, adopter) costs, by what the adopter holds:
#: - "price of priority": a subject of a *higher* priority tier. The pair blocks only
#:   because the agency puts waiting or hard-to-place children first; with adopters
#:   ranking by priority first it would not block (priority-aware deferred acceptance
#:   leaves only these).
#: - "same tier": a subject of the same tier (or another part of the subject's own
#:   split group): both would rather have each other and priority says nothing
#:   between them — the price of the round's objective (most linked, siblings
#:   together, then quality), or of an officer's order.
#: - "other": nobody (a free adopter), or a subject of a *lower* tier: the pair would
#:   block whatever the priorities, so it too is the price of the objective.
BLOCKING_KINDS = ("price of priority", "same tier", "other")


@dataclass(frozen=True)
class BlockingPair:
    subject: str
    adopter: str
    kind: str  # one of BLOCKING_KINDS


@dataclass(frozen=True)
class Holding:
    """A subject's children at one adopter, and the mean score of those children there."""

    subject: str
    adopter: str
    children: int
    value: float


class SubjectMarket:
    """Subjects, adopters and score-based preferences between them.

    Built from plain data so the rules can be checked on hand-made markets:
    `child_score[(child, adopter)]` for every eligible pair, and each subject's
    `options` (the adopters who could take them all)."""

    def __init__(
        self,
        found: Sequence[Subject],
        child_score: Mapping[tuple[str, str], float],
        options: Mapping[str, Sequence[str]],
    ) -> None:
        self.subjects = {s.id: s for s in found}
        self.child_score = child_score
        self.score: dict[tuple[str, str], float] = {
            (s.id, a): float(np.mean([child_score[(c, a)] for c in s.children]))
            for s in found
            for a in options[s.id]
        }
        self.prefs = {s.id: self._best_first(s.id, options[s.id]) for s in found}
        # An adopter ranks subjects by the same score (lower rank is better).
        self.adopter_rank: dict[str, dict[str, float]] = {}
        for (sid, aid), value in self.score.items():
            self.adopter_rank.setdefault(aid, {})[sid] = -value
        self.capacity = {a: 1 for a in self.adopter_rank}  # one family each

    def _best_first(self, sid: str, adopters: Sequence[str]) -> list[str]:
        return sorted(adopters, key=lambda a: (-self.score[(sid, a)], a))

    @classmethod
    def of(cls, pairs: PairTable, found: Sequence[Subject]) -> SubjectMarket:
        """The market of a round's pair table: scores of eligible pairs, and for a
        group the adopters eligible for every member with places for them all."""
        ids = [h.id for h in pairs.ctx.table.carers]
        child_score = {
            (child.id, ids[int(h)]): float(pairs.scores[c].total[j])
            for c, child in enumerate(pairs.children)
            for j, h in enumerate(pairs.eligible[c])
        }
        options = {}
        for s in found:
            members = [pairs.index[c] for c in s.children]
            found_for = (
                pairs.common_carers(members)
                if len(members) > 1
                else [int(h) for h in pairs.eligible[members[0]]]
            )
            options[s.id] = [ids[h] for h in found_for]
        return cls(found, child_score, options)

    # -- reading a round -----------------------------------------------------------------
    def holdings(self, carer_of: Mapping[str, str]) -> list[Holding]:
        """Every (subject, adopter) with some of the subject's children there."""
        parts: dict[tuple[str, str], list[float]] = {}
        for sid, s in self.subjects.items():
            for c in s.children:
                if (a := carer_of.get(c)) is not None:
                    parts.setdefault((sid, a), []).append(self.child_score[(c, a)])
        return [
            Holding(sid, aid, len(v), float(np.mean(v))) for (sid, aid), v in sorted(parts.items())
        ]

    def own_links(self, carer_of: Mapping[str, str]) -> dict[str, Holding]:
        """Each linked subject's own link: the adopter holding most of its children,
        the better-scoring part on a tie (the first adopter id on a second tie)."""
        own: dict[str, Holding] = {}
        for h in self.holdings(carer_of):
            mine = own.get(h.subject)
            if mine is None or (h.children, h.value) > (mine.children, mine.value):
                own[h.subject] = h
        return own

    def held(self, carer_of: Mapping[str, str]) -> dict[str, Holding]:
        """What each occupied adopter holds (in a valid round, one subject's children;
        otherwise the part it values most)."""
        held: dict[str, Holding] = {}
        for h in self.holdings(carer_of):
            if h.adopter not in held or h.value > held[h.adopter].value:
                held[h.adopter] = h
        return held

    def blocking(self, carer_of: Mapping[str, str]) -> list[BlockingPair]:
        """Every subject and adopter who would both strictly rather have each other
        (by score) than what the round gave them, with what the pair costs."""
        own, held = self.own_links(carer_of), self.held(carer_of)
        out = []
        for sid, s in self.subjects.items():
            mine = own.get(sid)
            for aid in self.prefs[sid]:
                value = self.score[(sid, aid)]
                if mine is not None and value <= mine.value:
                    break  # every adopter after this one scores no better
                theirs = held.get(aid)
                if theirs is not None and value <= theirs.value:
                    continue
                out.append(BlockingPair(sid, aid, self._kind(s, theirs)))
        return out

    def _kind(self, s: Subject, theirs: Holding | None) -> str:
        if theirs is None:
            return "other"
        mine, other = (
            PRIORITY_RANK[s.priority],
            PRIORITY_RANK[self.subjects[theirs.subject].priority],
        )
        return "price of priority" if other < mine else "same tier" if other == mine else "other"

    def inversions(self, carer_of: Mapping[str, str]) -> int:
        """Higher-priority subjects without a link (no child linked) while an adopter
        they could have had holds a lower-priority subject's child."""
        held = self.held(carer_of)
        linked = {h.subject for h in held.values()}
        n = 0
        for sid, s in self.subjects.items():
            if sid in linked:
                continue
            mine = PRIORITY_RANK[s.priority]
            if any(
                PRIORITY_RANK[self.subjects[held[a].subject].priority] > mine
                for a in self.prefs[sid]
                if a in held
            ):
                n += 1
        return n

    def row(self, name: str, carer_of: Mapping[str, str]) -> dict[str, Any]:
        first = [s for s in self.subjects.values() if s.priority == "first"]
        scores = [self.child_score[(c, a)] for c, a in carer_of.items()]
        kinds = Counter(b.kind for b in self.blocking(carer_of))
        return {
            "round": name,
            "children_linked": len(carer_of),
            "subjects_linked": len(self.own_links(carer_of)),
            "first_priority_linked": sum(1 for s in first for c in s.children if c in carer_of),
            "first_priority_children": sum(len(s.children) for s in first),
            "priority_inversions": self.inversions(carer_of),
            "blocking_pairs": sum(kinds.values()),
            "blocking_price_of_priority": kinds["price of priority"],
            "blocking_same_tier": kinds["same tier"],
            "blocking_other": kinds["other"],
            "mean_score": round(float(np.mean(scores)), 1) if scores else None,
        }

    # -- the alternatives ----------------------------------------------------------------
    def deferred_acceptance(self) -> dict[str, str]:
        """Child -> adopter of the subject-proposing stable round, blind to priority."""
        return self._children(deferred_acceptance(self.prefs, self.adopter_rank, self.capacity))

    def priority_deferred_acceptance(self) -> dict[str, str]:
        """Child -> adopter of the subject-proposing round stable with respect to
        adopters who rank subjects by priority tier first, then score."""
        tier = {sid: PRIORITY_RANK[s.priority] for sid, s in self.subjects.items()}
        ranks = priority_first(self.adopter_rank, tier)
        return self._children(deferred_acceptance(self.prefs, ranks, self.capacity))

    def officer_pass(self) -> dict[str, str]:
        """Child -> adopter: first priority and longest waiting first, each subject
        taking its best-scoring adopter still free (an adopter takes one family)."""
        order = sorted(
            self.subjects.values(),
            key=lambda s: (PRIORITY_RANK[s.priority], -s.weeks_waiting, s.id),
        )
        taken: dict[str, str] = {}
        occupied: set[str] = set()
        for s in order:
            free = next((a for a in self.prefs[s.id] if a not in occupied), None)
            if free is not None:
                taken[s.id] = free
                occupied.add(free)
        return self._children(taken)

    def _children(self, links: Mapping[str, str]) -> dict[str, str]:
        return {c: a for sid, a in links.items() for c in self.subjects[sid].children}


ROUND = "round (priority, siblings, quality, distance)"
DEFERRED_ACCEPTANCE = "deferred acceptance (stable, blind to priority)"
PRIORITY_DEFERRED_ACCEPTANCE = (
    "priority-aware deferred acceptance (adopters rank priority, then score)"
)
OFFICER_PASS = "officer-style pass (priority order, best free adopter)"


def compare_rounds(
    pairs: PairTable, found: Sequence[Subject], carer_of: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The fairness table: the round, plain and priority-aware deferred acceptance,
    and the officer-style pass, in that order."""
    market = SubjectMarket.of(pairs, found)
    return [
        market.row(ROUND, carer_of),
        market.row(DEFERRED_ACCEPTANCE, market.deferred_acceptance()),
        market.row(PRIORITY_DEFERRED_ACCEPTANCE, market.priority_deferred_acceptance()),
        market.row(OFFICER_PASS, market.officer_pass()),
    ]


def crowding_report(
    problem: Problem,
    found: Sequence[Subject],
    result: SolveResult,
    plain: Mapping[str, Sequence[str]],
) -> dict[str, Any]:
    """How many subjects' top-5 lists name each adopter, against the round (where each
    adopter has one link at most, by rule). `plain` is each subject's best adopters by
    score with no limits (`shortlist.plain_lists`), the same lists the shortlists'
    spread is measured against, so the two never give two counts for one thing."""
    lists = {
        s.id: list(plain[s.id][:5]) for s in found if len(s.children) == 1 or s.adopters_possible
    }
    c = crowding(lists)
    round_counts = Counter(a.carer for a in result.assignments)
    subjects_per_adopter = Counter(
        {
            a: len(
                {problem.siblings.family_of(x.child) for x in result.assignments if x.carer == a}
            )
            for a in round_counts
        }
    )
    most = c.top(1)
    return {
        "subjects": len(lists),
        "adopters": len(problem.carers),
        "adopters_named": len(c.named),
        "most_lists_naming_one_adopter": c.most,
        "most_named_adopter": most[0] if most else None,
        "share_naming_top_10": round(c.share_naming_top(10), 3),
        "gini": round(c.gini(), 3),
        "lists_per_adopter": dict(sorted(c.named.items(), key=lambda kv: -kv[1])),
        "round_adopters_linked": len(round_counts),
        "round_most_subjects_for_one_adopter": max(subjects_per_adopter.values(), default=0),
    }
