"""Stability and crowding of a set of links between children and families.

Family-finding (issue 5) asks two questions of any round of proposed links, whoever or
whatever made it:

- **Is it stable?** A *blocking pair* is a child and a family who would both rather have
  each other than what the round gave them (the family has room, or prefers this child
  to one it was given). Blocking pairs are where a round invites people to go around
  it. Child-proposing deferred acceptance (Gale and Shapley) gives a round with none,
  and the best such round for every child at once; it is the yardstick.
- **Is it crowded?** Scored recommenders tend to send every child to the same few
  families, who then cannot or will not take them all. Counting how many children's
  short lists name each family shows it.

Preferences are plain: each child's acceptable families best first, and each family's
rank of the children it would accept (lower is better). The caller builds them from
match scores, the rules and whatever priority policy applies (`priority_first` puts a
priority tier before a family's own rank); this module only reasons about them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from matching.pairs import PairTable
from vocab import URGENCIES

#: Whoever proposes (a child, or a subject of a family-finding round) and whoever is
#: proposed to (a family, an adopter): any hashable ids, the same type throughout a call.
Child = TypeVar("Child", bound=Hashable)
Family = TypeVar("Family", bound=Hashable)


def deferred_acceptance(
    child_prefs: Mapping[Child, Sequence[Family]],
    family_rank: Mapping[Family, Mapping[Child, float]],
    capacity: Mapping[Family, int],
) -> dict[Child, Family]:
    """Child-proposing deferred acceptance with family capacities.

    Each unlinked child proposes to the next family on their list; a family keeps the
    best proposals it has room for (by its rank) and lets the rest go. A pair is only
    ever formed if both find it acceptable. The result has no blocking pair, and no
    stable round gives any child a family they prefer.
    """
    next_choice = {c: 0 for c in child_prefs}
    held: dict[Family, list[Child]] = {f: [] for f in capacity}
    free = [c for c in child_prefs]
    while free:
        child = free.pop()
        prefs = child_prefs[child]
        while next_choice[child] < len(prefs):
            family = prefs[next_choice[child]]
            next_choice[child] += 1
            ranks = family_rank.get(family, {})
            if child not in ranks or capacity.get(family, 0) <= 0:
                continue  # not acceptable to the family, or it has no room at all
            held[family].append(child)
            if len(held[family]) <= capacity[family]:
                break
            worst = max(held[family], key=lambda c: ranks[c])
            held[family].remove(worst)
            if worst != child:
                free.append(worst)
                break
    return {c: f for f, cs in held.items() for c in cs}


def priority_first(
    family_rank: Mapping[Family, Mapping[Child, float]], tier: Mapping[Child, int]
) -> dict[Family, dict[Child, float]]:
    """Each family's rank with the children's priority tier before it (school choice
    with priorities): any child of a higher tier (lower number) above any of a lower
    one, the family's own rank within a tier. Ranks become positions (0 = best)."""
    return {
        f: {c: float(i) for i, c in enumerate(sorted(ranks, key=lambda c: (tier[c], ranks[c])))}
        for f, ranks in family_rank.items()
    }


def blocking_pairs(
    child_prefs: Mapping[Child, Sequence[Family]],
    family_rank: Mapping[Family, Mapping[Child, float]],
    capacity: Mapping[Family, int],
    links: Mapping[Child, Family],
) -> list[tuple[Child, Family]]:
    """Every (child, family) pair who would both rather have each other than `links`.

    The child prefers the family to their own link (or has none), the family finds the
    child acceptable, and the family has room or ranks the child above one of its own.
    """
    given: dict[Family, list[Child]] = {}
    for c, f in links.items():
        given.setdefault(f, []).append(c)
    out = []
    for child, prefs in child_prefs.items():
        mine = links.get(child)
        for family in prefs:
            if family == mine:
                break  # every family after this one the child likes less
            ranks = family_rank.get(family, {})
            if child not in ranks or capacity.get(family, 0) <= 0:
                continue
            theirs = given.get(family, [])
            if len(theirs) < capacity[family] or any(ranks[child] < ranks[o] for o in theirs):
                out.append((child, family))
    return out


@dataclass(frozen=True)
class Crowding(Generic[Family]):
    """How concentrated a set of short lists is on a few families."""

    named: Counter[Family]  # family -> how many children's lists name it
    children: int

    @property
    def most(self) -> int:
        """The most children any one family is recommended to."""
        return max(self.named.values(), default=0)

    def share_naming_top(self, k: int) -> float:
        """Share of children whose list names one of the `k` most-named families."""
        return self._share(self.top(k))

    def top(self, k: int) -> list[Family]:
        return [f for f, _ in self.named.most_common(k)]

    def gini(self) -> float:
        """Gini coefficient of recommendations over the families named (0 = even)."""
        counts = sorted(self.named.values())
        n = len(counts)
        if n == 0 or sum(counts) == 0:
            return 0.0
        weighted = sum((i + 1) * x for i, x in enumerate(counts))
        return (2 * weighted) / (n * sum(counts)) - (n + 1) / n

    def _share(self, families: Iterable[Family]) -> float:
        wanted = set(families)
        if not self.children:
            return 0.0
        hit = sum(1 for lst in self._lists if wanted & set(lst))
        return hit / self.children

    _lists: tuple[tuple[Family, ...], ...] = ()


def crowding(short_lists: Mapping[Child, Sequence[Family]], top: int = 5) -> Crowding[Family]:
    """Count how many children's first `top` recommendations name each family."""
    lists = tuple(tuple(lst[:top]) for lst in short_lists.values())
    named: Counter[Family] = Counter(f for lst in lists for f in lst)
    return Crowding(named, len(lists), lists)


@dataclass(frozen=True)
class RoundComparison:
    """A round of links against deferred acceptance on the same preferences."""

    placed: int
    placed_by_urgency: dict[str, int]
    blocking: int
    mean_score: float
    da_placed: int
    da_placed_by_urgency: dict[str, int]
    da_blocking: int  # always 0: kept to print beside the round's
    da_mean_score: float


def preferences(
    pairs: PairTable,
) -> tuple[dict[str, list[str]], dict[str, dict[str, int]], dict[str, int]]:
    """Preferences read from match scores: each child's eligible carers best first, and
    each carer's eligible children ranked by the same score (a family is taken to
    prefer the children it fits best), with the carers' free places as capacity."""
    table = pairs.ctx.table
    child_prefs: dict[str, list[str]] = {}
    score_of: dict[str, list[tuple[float, str]]] = {}
    for c, child in enumerate(pairs.children):
        totals = pairs.scores[c].total
        order = sorted(range(len(pairs.eligible[c])), key=lambda j: -totals[j])
        child_prefs[child.id] = [table.carers[int(pairs.eligible[c][j])].id for j in order]
        for j, h in enumerate(pairs.eligible[c]):
            score_of.setdefault(table.carers[int(h)].id, []).append((-float(totals[j]), child.id))
    family_rank = {
        f: {child: i for i, (_s, child) in enumerate(sorted(scored))}
        for f, scored in score_of.items()
    }
    capacity = {h.id: int(v) for h, v in zip(table.carers, pairs.vacancies, strict=True)}
    return child_prefs, family_rank, capacity


def compare_with_deferred_acceptance(pairs: PairTable, links: Mapping[str, str]) -> RoundComparison:
    """Placed (by urgency), blocking pairs and mean score of a round, and of the
    child-proposing deferred-acceptance round on the same score-based preferences.
    Deferred acceptance here places children one by one: it knows nothing of urgency
    or sibling groups, which is what the comparison shows."""
    child_prefs, family_rank, capacity = preferences(pairs)
    da = deferred_acceptance(child_prefs, family_rank, capacity)
    urgency = {c.id: c.urgency for c in pairs.children}
    score = {
        (child.id, pairs.ctx.table.carers[int(h)].id): float(pairs.scores[c].total[j])
        for c, child in enumerate(pairs.children)
        for j, h in enumerate(pairs.eligible[c])
    }

    def by_urgency(round_: Mapping[str, str]) -> dict[str, int]:
        counts = Counter(urgency[c] for c in round_)
        return {u: counts.get(u, 0) for u in URGENCIES}

    def mean(round_: Mapping[str, str]) -> float:
        values = [score[(c, f)] for c, f in round_.items()]
        return sum(values) / len(values) if values else float("nan")

    return RoundComparison(
        placed=len(links),
        placed_by_urgency=by_urgency(links),
        blocking=len(blocking_pairs(child_prefs, family_rank, capacity, links)),
        mean_score=mean(links),
        da_placed=len(da),
        da_placed_by_urgency=by_urgency(da),
        da_blocking=len(blocking_pairs(child_prefs, family_rank, capacity, da)),
        da_mean_score=mean(da),
    )
