"""The result of a batch run, in the public contract's shape (problem-format.md)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matching.wait import HeldBack


def _number(x: float) -> float | None:
    """JSON has no NaN: an unknown figure is null."""
    return None if math.isnan(x) else x


@dataclass(frozen=True, slots=True)
class Assignment:
    child: str
    carer: str
    score: float
    distance_km: float
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "child": self.child,
            "carer": self.carer,
            "score": round(self.score, 1),
            "distance_km": round(self.distance_km, 1),
            "reasons": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class Unplaced:
    child: str
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"child": self.child, "reasons": list(self.reasons)}


@dataclass(frozen=True, slots=True)
class SiblingOutcome:
    id: str
    policy: str
    outcome: str  # together | split | unplaced

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "policy": self.policy, "outcome": self.outcome}


@dataclass(frozen=True, slots=True)
class StageReport:
    """One lexicographic level of the objective, as the solver left it."""

    name: str
    status: str
    value: float
    bound: float
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "value": _number(self.value),
            "bound": _number(self.bound),
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class SolveResult:
    status: str
    placed: int
    placed_by_urgency: dict[str, int]
    siblings_together: int
    quality: float
    weekly_cost: float
    bound_placed: int
    bound_quality: float
    gap: float
    solve_seconds: float
    assignments: tuple[Assignment, ...]
    unplaced: tuple[Unplaced, ...]
    sibling_groups: tuple[SiblingOutcome, ...]
    stages: tuple[StageReport, ...] = field(default=())
    #: Children the wait policy held back this batch (matching.wait), each with the
    #: home expected for it; None when the policy is off (and then not in the JSON).
    held_back: tuple[HeldBack, ...] | None = None

    def carer_of(self) -> dict[str, str]:
        return {a.child: a.carer for a in self.assignments}

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "objective": {
                "placed": self.placed,
                "placed_by_urgency": dict(self.placed_by_urgency),
                "siblings_together": self.siblings_together,
                "quality": round(self.quality, 1),
                "weekly_cost": round(self.weekly_cost, 2),
            },
            "bound": {"placed": self.bound_placed, "quality": round(self.bound_quality, 1)},
            "gap": round(self.gap, 6),
            "solve_seconds": round(self.solve_seconds, 3),
            "assignments": [a.to_dict() for a in self.assignments],
            "unplaced": [u.to_dict() for u in self.unplaced],
            "sibling_groups": [g.to_dict() for g in self.sibling_groups],
            "stages": [s.to_dict() for s in self.stages],
        } | ({} if self.held_back is None else {"held_back": [h.to_dict() for h in self.held_back]})
