"""Family-finding for adoption: a region's waiting children and approved adopters.

A family-finder (a regional adoption agency) searches both ways — adopters for a
child, children for an adopter — its own LAs first (`search`), and runs a *round*
that proposes the best set of links for everyone at once (`round`). The modules,
each depending only on those listed before it:

- `policy`: how a round is scoped and whom it puts first (three priorities);
- `subjects`: the round's problem and its subjects (a child, or brothers and sisters
  kept together), each with a priority and why;
- `search`: searches both ways, and what one change would open a link;
- `fairness`: the round against plain and priority-aware deferred acceptance and an
  officer-style pass (blocking pairs by what they cost), and
  how crowded plain recommendations are;
- `region`: who waits, who is approved and who is linked, by group;
- `links`: what came of earlier links (declined, interest, going ahead);
- `shortlist`: each child's or group's adopters to approach, in order, spread;
- `round`: the round itself, its links, shortlists and the children left without one.

This module re-exports the names other packages use.
"""

from __future__ import annotations

from matching.family_finding.links import LINK_STATES, LinkHistory
from matching.family_finding.policy import PRIORITIES, FamilyFindingPolicy
from matching.family_finding.round import FamilyFindingRound, Link, NoLink, run_round
from matching.family_finding.search import (
    RegionSearch,
    search_adopters,
    search_children,
    what_would_change,
)
from matching.family_finding.shortlist import Shortlist, ShortlistPolicy
from matching.family_finding.subjects import Subject, adoption_problem, subjects

__all__ = [
    "LINK_STATES",
    "PRIORITIES",
    "FamilyFindingPolicy",
    "FamilyFindingRound",
    "LinkHistory",
    "Link",
    "NoLink",
    "RegionSearch",
    "Shortlist",
    "ShortlistPolicy",
    "Subject",
    "adoption_problem",
    "run_round",
    "search_adopters",
    "search_children",
    "subjects",
    "what_would_change",
]
