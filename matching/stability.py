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
match scores, the rules and whatever priority policy applies; this module only
reasons about them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

Child = Hashable
Family = Hashable


def deferred_acceptance(
    child_prefs: Mapping[Child, Sequence[Family]],
    family_rank: Mapping[Family, Mapping[Child, int]],
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


def blocking_pairs(
    child_prefs: Mapping[Child, Sequence[Family]],
    family_rank: Mapping[Family, Mapping[Child, int]],
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
class Crowding:
    """How concentrated a set of short lists is on a few families."""

    named: Counter  # family -> how many children's lists name it
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


def crowding(short_lists: Mapping[Child, Sequence[Family]], top: int = 5) -> Crowding:
    """Count how many children's first `top` recommendations name each family."""
    lists = tuple(tuple(lst[:top]) for lst in short_lists.values())
    named: Counter = Counter(f for lst in lists for f in lst)
    return Crowding(named, len(lists), lists)
