"""Sibling groups and their consistency, held as a networkx graph.

A node is a child; an edge joins two members of one group and carries the group id
and policy. A child belongs to at most one group, so each group is one connected
component; checks report every inconsistency, not just the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import networkx as nx

from children.model import Child


@dataclass(frozen=True, slots=True)
class SiblingGroup:
    id: str
    children: tuple[str, ...]
    policy: str  # must | should | apart


@dataclass(frozen=True, slots=True)
class SiblingGroupError:
    """One inconsistency: which group, which member (if one), and why."""

    group_index: int
    member_index: int | None
    message: str


class SiblingRelations:
    """Brothers and sisters in a problem, and who must or should live together."""

    def __init__(self, groups: Iterable[SiblingGroup]) -> None:
        self.groups: dict[str, SiblingGroup] = {}
        self.graph: nx.Graph[str] = nx.Graph()
        self._group_of: dict[str, str] = {}
        for g in groups:
            self.groups[g.id] = g
            self.graph.add_nodes_from(g.children)
            for i, a in enumerate(g.children):
                self._group_of.setdefault(a, g.id)
                for b in g.children[i + 1 :]:
                    self.graph.add_edge(a, b, group=g.id, policy=g.policy)

    def group_of(self, child_id: str) -> SiblingGroup | None:
        gid = self._group_of.get(child_id)
        return self.groups[gid] if gid else None

    def family_of(self, child_id: str) -> str:
        """Who may share one adoptive family with this child: the sibling group when
        the plan keeps them together (`must` or `should`), else the child alone. An
        `apart` plan means separate families, so its members are families of one."""
        group = self.group_of(child_id)
        return group.id if group is not None and group.policy != "apart" else child_id

    def siblings_of(self, child_id: str) -> tuple[str, ...]:
        if child_id not in self.graph:
            return ()
        return tuple(sorted(self.graph.neighbors(child_id)))

    @staticmethod
    def check(groups: list[SiblingGroup], children: Mapping[str, Child]) -> list[SiblingGroupError]:
        """Every inconsistency in the groups, in the order a person would fix them."""
        errors: list[SiblingGroupError] = []
        seen_in: dict[str, str] = {}
        seen_ids: set[str] = set()
        for gi, g in enumerate(groups):
            if g.id in seen_ids:
                errors.append(SiblingGroupError(gi, None, f"duplicate sibling group id {g.id!r}"))
            seen_ids.add(g.id)
            dupes = sorted({c for c in g.children if g.children.count(c) > 1})
            if dupes:
                errors.append(
                    SiblingGroupError(
                        gi, None, f"group {g.id} lists {', '.join(dupes)} more than once"
                    )
                )
            if len(set(g.children)) < 2:
                errors.append(
                    SiblingGroupError(
                        gi, None, f"group {g.id} needs at least two different children"
                    )
                )
            for mi, cid in enumerate(g.children):
                if cid not in children:
                    errors.append(
                        SiblingGroupError(gi, mi, f"group {g.id} names unknown child {cid!r}")
                    )
                elif cid in seen_in and seen_in[cid] != g.id:
                    errors.append(
                        SiblingGroupError(
                            gi,
                            mi,
                            f"child {cid} is in two sibling groups: {seen_in[cid]} and {g.id}",
                        )
                    )
                else:
                    seen_in.setdefault(cid, g.id)
            if g.policy == "must":
                members = [children[c] for c in g.children if c in children]
                if members:
                    common = set(members[0].accepts).intersection(*(m.accepts for m in members))
                    if not common:
                        plans = "; ".join(f"{m.id}: {', '.join(m.accepts)}" for m in members)
                        errors.append(
                            SiblingGroupError(
                                gi,
                                None,
                                f"group {g.id} must live together but its members' plans accept "
                                f"no common placement kind ({plans})",
                            )
                        )
        return errors

    def components(self) -> list[set[str]]:
        """Connected components: with consistent groups, exactly the groups."""
        return [set(c) for c in nx.connected_components(self.graph)]
