"""A family-finding round against the alternatives, and how crowded plain
recommendations are.

Adoption is one-to-one between *subjects* (a child, or brothers and sisters kept
together) and adopters (each takes one subject), so stability is read at that level:
a subject's acceptable adopters are those eligible for every member with places for
them all, ranked by the members' mean match score; an adopter ranks the subjects it
could take by the same score. Against the round we set:

- **deferred acceptance** (subjects proposing): the stable round best for every
  child, blind to waiting time;
- **an officer-style pass**: subjects one at a time, first priority first and longest
  waiting first, each taking the best-scoring adopter still free — how a family-finder
  works through a list by hand.

For each: children linked, first-priority children linked, *priority inversions*
(a higher-priority subject left without a link while an adopter it could have had
went to a lower-priority one), blocking pairs, and mean match score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from matching.family_finding.subjects import Subject
from matching.occupancy import Occupancy
from matching.pairs import PairTable
from matching.problem import Problem
from matching.ranking import MatchingContext, rank
from matching.result import SolveResult
from matching.yardsticks.stability import blocking_pairs, crowding, deferred_acceptance

PRIORITY_RANK = {"first": 0, "second": 1, "third": 2}


class SubjectMarket:
    """Subjects, adopters and score-based preferences between them."""

    def __init__(self, pairs: PairTable, found: Sequence[Subject]) -> None:
        self.pairs = pairs
        self.subjects = {s.id: s for s in found}
        table = pairs.ctx.table
        self.adopter_ids = [h.id for h in table.carers]
        self.adopter_index = {a: i for i, a in enumerate(self.adopter_ids)}
        self.members = {s.id: [pairs.index[c] for c in s.children] for s in found}
        self.score: dict[tuple[str, str], float] = {}
        prefs: dict[str, list[str]] = {}
        for s in found:
            members = self.members[s.id]
            options = (
                pairs.common_carers(members)
                if len(members) > 1
                else [int(h) for h in pairs.eligible[members[0]]]
            )
            scored = []
            for h in options:
                total = np.mean([pairs.scores[c].total[pairs.position(c, h)] for c in members])
                self.score[(s.id, self.adopter_ids[h])] = float(total)
                scored.append((-float(total), self.adopter_ids[h]))
            prefs[s.id] = [a for _s, a in sorted(scored)]
        self.prefs = prefs
        # An adopter ranks subjects by the same score (lower rank is better).
        self.adopter_rank: dict[str, dict[str, float]] = {}
        for (sid, aid), value in self.score.items():
            self.adopter_rank.setdefault(aid, {})[sid] = -value
        self.capacity = {a: 1 for a in self.adopter_ids}

    def links(self, carer_of: Mapping[str, str]) -> dict[str, str]:
        """Subject -> adopter of a round given child -> adopter (a split group counts
        at the adopter of its first linked member)."""
        out = {}
        for sid, s in self.subjects.items():
            homes = [carer_of[c] for c in s.children if c in carer_of]
            if homes:
                out[sid] = homes[0]
        return out

    def inversions(self, links: Mapping[str, str]) -> int:
        """Higher-priority subjects without a link while an adopter they could have had
        went to a lower-priority subject."""
        holder = {a: s for s, a in links.items()}
        n = 0
        for sid, s in self.subjects.items():
            if sid in links:
                continue
            mine = PRIORITY_RANK[s.priority]
            for a in self.prefs[sid]:
                other = holder.get(a)
                if other is not None and PRIORITY_RANK[self.subjects[other].priority] > mine:
                    n += 1
                    break
        return n

    def row(self, name: str, carer_of: Mapping[str, str]) -> dict[str, Any]:
        links = self.links(carer_of)
        ranks = self._with_partial_links(links, carer_of)
        first = [s for s in self.subjects.values() if s.priority == "first"]
        first_children = sum(len(s.children) for s in first)
        first_linked = sum(1 for s in first for c in s.children if c in carer_of)
        scores = [self._score(cid, aid) for cid, aid in carer_of.items()]
        return {
            "round": name,
            "children_linked": len(carer_of),
            "subjects_linked": len(links),
            "first_priority_linked": first_linked,
            "first_priority_children": first_children,
            "priority_inversions": self.inversions(links),
            "blocking_pairs": len(blocking_pairs(self.prefs, ranks, self.capacity, links)),
            "mean_score": round(float(np.mean(scores)), 1) if scores else None,
        }

    def _with_partial_links(
        self, links: Mapping[str, str], carer_of: Mapping[str, str]
    ) -> dict[str, dict[str, float]]:
        """Ranks with the part of a split group an adopter holds, scored by the
        members there (the adopter accepted them)."""
        ranks = {a: dict(r) for a, r in self.adopter_rank.items()}
        for sid, aid in links.items():
            if sid not in ranks.get(aid, {}):
                here = [c for c in self.subjects[sid].children if carer_of.get(c) == aid]
                value = float(np.mean([self._score(c, aid) for c in here]))
                ranks.setdefault(aid, {})[sid] = -value
        return ranks

    def _score(self, child_id: str, adopter_id: str) -> float:
        c, h = self.pairs.index[child_id], self.adopter_index[adopter_id]
        return float(self.pairs.scores[c].total[self.pairs.position(c, h)])

    def deferred_acceptance(self) -> dict[str, str]:
        """Child -> adopter of the subject-proposing stable round."""
        stable = deferred_acceptance(self.prefs, self.adopter_rank, self.capacity)
        return {c: a for sid, a in stable.items() for c in self.subjects[sid].children}

    def officer_pass(self) -> dict[str, str]:
        """Child -> adopter: first priority and longest waiting first, best free adopter."""
        occ = Occupancy.of(self.pairs)
        order = sorted(
            self.subjects.values(),
            key=lambda s: (PRIORITY_RANK[s.priority], -s.weeks_waiting, s.id),
        )
        for s in order:
            members = self.members[s.id]
            for a in self.prefs[s.id]:
                if occ.fits(members, self.adopter_index[a]):
                    occ.place(members, self.adopter_index[a])
                    break
        return {self.pairs.children[c].id: self.adopter_ids[h] for c, h in occ.carer_of.items()}


def compare_rounds(
    pairs: PairTable, found: Sequence[Subject], carer_of: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The fairness table: the round, deferred acceptance and the officer-style pass."""
    market = SubjectMarket(pairs, found)
    return [
        market.row("round (priority, siblings, quality, distance)", carer_of),
        market.row("deferred acceptance (stable)", market.deferred_acceptance()),
        market.row("officer-style pass (priority order, best free adopter)", market.officer_pass()),
    ]


def crowding_report(
    problem: Problem, found: Sequence[Subject], result: SolveResult, ctx: MatchingContext
) -> dict[str, Any]:
    """How many subjects' top-5 lists name each adopter, against the round (where each
    adopter has one link at most, by rule)."""
    lists = {
        s.id: [m.carer for m in rank(problem, s.id, 5, 0, ctx).matches]
        for s in found
        if len(s.children) == 1 or s.adopters_possible
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
