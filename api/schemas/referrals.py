"""Referrals: what a placement must give, by when, and the child's views."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import (
    ConfigDict,
    Field,
)

from api.schemas.common import Body, Out
from api.schemas.types import NeededBy, Text, Urgency, optional


class ReferralIn(Body):
    """A need for a placement, and what the child said they want."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "urgency": "urgent",
                    "needed_by": "2026-11-30",
                    "views_where": "near my school and my friends",
                    "views_who": "with my brother",
                    "views_matters": "keeping my dog",
                }
            ]
        }
    )

    urgency: Urgency
    needed_by: NeededBy = Field(description="from a year ago to two years ahead")
    views_where: Text | None = Field(default=None, description="where the child wants to live")
    views_who: Text | None = Field(default=None, description="who they want to live with")
    views_matters: Text | None = Field(default=None, description="what matters to them")


class ReferralPatch(Body):
    """Change an open referral: urgency, date, or the child's views (null clears one)."""

    urgency: Urgency | None = optional()
    needed_by: NeededBy | None = optional()
    views_where: Text | None = None
    views_who: Text | None = None
    views_matters: Text | None = None


class HoldOut(Out):
    """The live proposal holding a place for a referred child."""

    id: int
    household_id: str
    hold_until: datetime


class ChildBriefOut(Out):
    """What a list of referrals shows of each child."""

    la: str
    age: int
    needs: list[str]


class ReferralOut(Out):
    id: int
    child_id: str
    urgency: str
    needed_by: date
    status: Literal["open", "placed", "closed"]
    views_where: str | None
    views_who: str | None
    views_matters: str | None
    opened_at: datetime
    opened_by: int | None
    closed_at: datetime | None
    proposal: HoldOut | None = Field(
        default=None, description="open and held: the live proposal holding a place"
    )
    child: ChildBriefOut | None = Field(default=None, description="the child's LA, age and needs")
