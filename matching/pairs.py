"""Every child's eligible carers and match scores: the data every objective level uses."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from children.model import Child
from matching.eligibility import Assessment, eligible_carers, km_to_carers
from matching.ranking import MatchingContext, group_conflicts
from matching.result import Assignment, SiblingOutcome
from matching.scoring import Scores, last_level_costs, score_carers
from vocab import URGENCIES

#: Quality is optimised in tenths of a percentage point (the solvers want integers).
QUALITY_SCALE = 10


class PairTable:
    """For each child (by position): eligible carer indices (sorted), scores, quality."""

    def __init__(self, ctx: MatchingContext) -> None:
        p = ctx.problem
        self.ctx = ctx
        self.children: tuple[Child, ...] = p.children
        self.index = {c.id: i for i, c in enumerate(self.children)}
        self.eligible: list[np.ndarray] = []
        self.scores: list[Scores] = []
        table, gaz = ctx.table, ctx.gaz
        for c in self.children:
            # Only the eligible carers are kept, found by narrowing (not by a full
            # assessment, which at national scale would cost time and memory); a child
            # who ends up unplaced is assessed in full to explain why.
            e = eligible_carers(c, table, p.policy, gaz)
            school = km_to_carers(c.school, table, gaz, e) if c.school else None
            home = km_to_carers(c.home, table, gaz, e)
            self.eligible.append(e)
            self.scores.append(score_carers(c, table, e, home, school, p.policy))
        self.quality = [self._relative_quality(s.total) for s in self.scores]
        self.vacancies = ctx.table.vacancies
        #: Adopters take one family (a child, or siblings kept together) however many
        #: places they have: whole-result rows and checks use these two.
        self.one_family = ctx.table.one_family
        self.family = [p.siblings.family_of(c.id) for c in self.children]
        self.cost = np.rint(last_level_costs(ctx.table, p.as_of)).astype(np.int64)
        self.n_pairs = int(sum(len(e) for e in self.eligible))
        self._common: dict[tuple[int, ...], list[int]] = {}

    @staticmethod
    def _relative_quality(total: np.ndarray) -> np.ndarray:
        """Each match as a share (0–100, in tenths) of the child's own best match.

        The batch compares children with each other, and absolute scores are not
        comparable between children: a child whose language, faith or needs few carers
        share scores lower everywhere, and would lose every close call for the last
        place. Measured against their own best, every child counts the same.
        """
        if not len(total) or total.max() <= 0:
            return np.full(len(total), 100 * QUALITY_SCALE, dtype=np.int64)
        quality: np.ndarray = np.rint(100 * QUALITY_SCALE * total / total.max()).astype(np.int64)
        return quality  # annotated: numpy's stubs give Any here

    def assess(self, child: int) -> Assessment:
        """The full assessment of one child again (for explaining why it is unplaced)."""
        return self.ctx.assess(self.children[child])

    def position(self, child: int, carer: int) -> int:
        """Where an eligible carer sits in the child's eligible list (and scores)."""
        return int(np.searchsorted(self.eligible[child], carer))

    def q(self, child: int, carer: int) -> int:
        """Quality (tenths of a point) of an eligible pair."""
        e = self.eligible[child]
        return int(self.quality[child][np.searchsorted(e, carer)])

    def group_members(self, policy: str) -> list[tuple[str, list[int]]]:
        return [
            (g.id, [self.index[c] for c in g.children])
            for g in self.ctx.problem.sibling_groups
            if g.policy == policy
        ]

    def common_carers(self, members: list[int]) -> list[int]:
        """Carers eligible for every member with room for all, best first; none if the
        members cannot share a household."""
        key = tuple(members)
        if key not in self._common:
            self._common[key] = self._common_carers(members)
        return self._common[key]

    def _common_carers(self, members: list[int]) -> list[int]:
        if group_conflicts([self.children[c] for c in members]):
            return []
        common = self.eligible[members[0]]
        for c in members[1:]:
            common = np.intersect1d(common, self.eligible[c], assume_unique=True)
        common = common[self.vacancies[common] >= len(members)]
        total = sum(self.quality[c][np.searchsorted(self.eligible[c], common)] for c in members)
        return [int(h) for h in common[np.argsort(-np.asarray(total), kind="stable")]]

    # -- what a result says about an assignment (child index -> carer index) ----------
    def assignments(self, carer_of: dict[int, int]) -> tuple[Assignment, ...]:
        """Each placement with its absolute score, distance and reasons."""
        table = self.ctx.table
        by_carer: dict[int, list[int]] = defaultdict(list)
        for c, h in carer_of.items():
            by_carer[h].append(c)
        out = []
        for c in sorted(carer_of):
            h = carer_of[c]
            child = self.children[c]
            j = self.position(c, h)
            reasons = self.scores[c].reasons(j)
            siblings = set(self.ctx.problem.siblings.siblings_of(child.id))
            beside = sorted(
                self.children[o].id for o in by_carer[h] if self.children[o].id in siblings
            )
            if beside:
                reasons = [f"placed with brother or sister {', '.join(beside)}"] + reasons
            out.append(
                Assignment(
                    child.id,
                    table.carers[h].id,
                    float(self.scores[c].total[j]),
                    float(self.scores[c].home_km[j]),
                    tuple(reasons),
                )
            )
        return tuple(out)

    def sibling_outcomes(self, carer_of: dict[int, int]) -> tuple[SiblingOutcome, ...]:
        out = []
        for g in self.ctx.problem.sibling_groups:
            homes = {carer_of.get(self.index[c]) for c in g.children}
            if homes == {None}:
                outcome = "unplaced"
            elif len(homes) == 1:
                outcome = "together"
            else:
                outcome = "split"
            out.append(SiblingOutcome(g.id, g.policy, outcome))
        return tuple(out)

    def placed_by_urgency(self, carer_of: dict[int, int]) -> dict[str, int]:
        placed = {u: 0 for u in URGENCIES}
        for c in carer_of:
            placed[self.children[c].urgency] += 1
        return placed
