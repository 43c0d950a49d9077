"""Counts only, no child named: what a planner sees."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import (
    Field,
)

from api.schemas.common import Out


class CountOut(Out):
    la: str
    key: str
    count: int | None = Field(description="null when hidden from a planner (`hidden` says why)")
    hidden: Literal["fewer than 5", "suppressed"] | None = Field(
        default=None,
        description="planners only: 'fewer than 5' for 1 to 4 children; 'suppressed' for a "
        "cell hidden so that a small one cannot be worked out from a total",
    )


class CarerCountOut(Out):
    la: str
    kind: str
    households: int
    places: int
    vacancies: int


class StatsOut(Out):
    """Counts only: no child is named (what a planner sees)."""

    as_of: date
    las: list[str]
    open_referrals: int | None = Field(description="null for a planner when fewer than 5")
    referrals_by_la_urgency: list[CountOut]
    referrals_by_kind: list[CountOut] = Field(description="plans accepting each kind, by LA")
    live_proposals: list[CountOut] = Field(description="by LA; key: proposed")
    current_placements: list[CountOut] = Field(description="by LA and carer kind")
    carers: list[CarerCountOut]
