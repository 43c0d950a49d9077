"""Proposals and placements: propose (with exceptions), confirm, decline, end."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    ConfigDict,
    Field,
)

from api.schemas.common import Body, Out, RuleBreak
from api.schemas.types import Day, Id, Num, Reason, RuleId, Text, optional


class ExceptionIn(Body):
    """A hard rule set aside for this one match, and why (authorising roles only)."""

    rule: RuleId = Field(
        description="a hard rule id whose exception_allowed is true (see GET /rules)"
    )
    reason: Reason


class ProposalIn(Body):
    """Propose a household for a child or a sibling group (give one of the two)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "household_id": "H-0306",
                    "child_id": "C-0015",
                    "hold_hours": 48,
                    "views_note": "close to her school, as she asked",
                }
            ]
        }
    )

    household_id: Id
    child_id: Id | None = None
    group_id: Id | None = None
    hold_hours: Annotated[Num, Field(gt=0, le=720)] | None = optional(
        description="how long the vacancy is held (default 48)"
    )
    views_note: Text | None = Field(
        default=None, description="how the match meets the child's views, or why not"
    )
    exception: ExceptionIn | None = None


class ExceptionOut(Out):
    rule: str
    reason: str | None
    authorised_by: int | None


class ProposalOut(Out):
    id: int
    status: Literal["proposed", "confirmed", "declined", "expired", "refused"]
    holding: bool = Field(description="proposed and its hold has not lapsed")
    household_id: str
    child_id: str | None
    group_id: str | None
    children: list[str]
    places: int
    hold_until: datetime
    proposed_at: datetime
    proposed_by: int | None
    decided_at: datetime | None
    decided_by: int | None
    decline_reason: str | None
    views_note: str | None
    exception: ExceptionOut | None
    rules: list[RuleBreak] = Field(
        default=[], description="refused: the hard rules the match broke, and why"
    )


class PlacementOut(Out):
    id: int
    child_id: str
    household_id: str
    proposal_id: int | None
    started_on: date
    ended_on: date | None
    end_reason: str | None


class ConfirmIn(Body):
    start: Day | None = Field(default=None, description="start date (default today)")


class ConfirmOut(Out):
    proposal: ProposalOut
    placements: list[PlacementOut]


class DeclineIn(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "carer withdrew after meeting"}]}
    )

    reason: Reason


class ViewsNoteIn(Body):
    """The same field name as on the proposal (`views_note`); null clears the note."""

    views_note: Text | None


class EndIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "returned home"}]})

    reason: Reason
    ended_on: Day | None = Field(default=None, description="default today")
