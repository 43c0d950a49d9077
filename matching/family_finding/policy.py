"""How a family-finding round is scoped and whom it puts first.

A round puts children in three priorities, which the solver's urgency tiers carry:

- **first**: waited `long_wait_weeks` or more (default 78, 18 months: nationally
  nearly half of waiting children have), or *hard to place* — `few_families` or fewer
  adopters in the round could take them (for brothers and sisters kept together,
  adopters who could take them all);
- **second**: waited `wait_weeks` or more (default 26);
- **third**: everyone else.

`priority="waiting"` drops the scarcity test, and `"none"` gives every child the same
priority (for comparison).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

PRIORITIES: tuple[str, ...] = ("waiting_and_hardest", "waiting", "none")
#: The solver's urgency tiers carry the round's priorities, most pressing first.
TIER_OF: dict[str, str] = {"first": "emergency", "second": "urgent", "third": "planned"}
PRIORITY_OF: dict[str, str] = {u: p for p, u in TIER_OF.items()}


@dataclass(frozen=True)
class FamilyFindingPolicy:
    """How a round is scoped and whom it puts first (documented in family-finding.md)."""

    long_wait_weeks: int = 78
    wait_weeks: int = 26
    few_families: int = 3
    priority: str = "waiting_and_hardest"
    #: The agency's LAs; empty means every LA in the problem.
    home_las: frozenset[str] = frozenset()
    #: Also consider adopters approved outside the agency's LAs.
    beyond_region: bool = False

    def __post_init__(self) -> None:
        if self.priority not in PRIORITIES:
            raise ValueError(f"priority must be one of {', '.join(PRIORITIES)}")
        if not 0 <= self.wait_weeks <= self.long_wait_weeks:
            raise ValueError("wait_weeks must be between 0 and long_wait_weeks")
        if self.few_families < 0:
            raise ValueError("few_families must be zero or more")

    def in_region(self, la: str) -> bool:
        return not self.home_las or la in self.home_las

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["home_las"] = sorted(self.home_las)
        return out
