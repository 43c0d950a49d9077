"""Exception requests: an officer asks for one hard rule to be set aside for one named
match; an admin authorises (the proposal is made) or refuses it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field

from api.schemas.common import Body, Out
from api.schemas.types import Id, Num, Reason, RuleId

State = Literal["pending", "authorised", "refused", "withdrawn", "lapsed"]


class ExceptionRequestIn(Body):
    """Ask for one hard rule to be set aside for a household and a child or a sibling
    group (give one of the two)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "household_id": "H-0306",
                    "child_id": "C-0015",
                    "rule": "age_range",
                    "reason": "her brother lives there; she is three months over the range",
                    "hold_hours": 48,
                }
            ]
        }
    )

    household_id: Id
    child_id: Id | None = None
    group_id: Id | None = None
    rule: RuleId = Field(
        description="the one hard rule the match fails, whose exception_allowed is true"
    )
    reason: Reason = Field(description="why this match should go ahead despite the rule")
    hold_hours: Annotated[Num, Field(gt=0, le=720)] = Field(
        default=48, description="how long the place is held once authorised"
    )


class RefuseIn(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "the age gap with the other children"}]}
    )

    reason: Reason


class ExceptionRequestOut(Out):
    id: int
    state: State
    household_id: str
    child_id: str | None
    group_id: str | None
    children: list[str]
    rule: str
    rule_summary: str = Field(description="the rule in words")
    reason: str
    hold_hours: float
    asked_at: datetime
    asked_by: int
    asked_by_name: str | None
    decided_at: datetime | None
    decided_by: int | None
    decided_by_name: str | None
    refusal_reason: str | None
    proposal_id: int | None = Field(description="authorised: the proposal it became")
