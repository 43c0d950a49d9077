"""Batch runs: what to match, the run's progress, and its result."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    ConfigDict,
    Field,
)

from api.schemas.common import Body, Out
from api.schemas.types import LA, Num, optional


class RunIn(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"las": ["Leeds"], "time_limit_s": 10}]}
    )

    las: Annotated[list[LA], Field(min_length=1, max_length=50)] | None = optional(
        unique_items=True,
        description="the LAs whose open referrals to match (default: all of yours)",
    )
    time_limit_s: Annotated[Num, Field(ge=0.5, le=120)] | None = optional(
        description="solver time limit (default: the policy's)"
    )
    wait_for_better: bool | None = optional(
        description="hold back planned referrals whose best match now is poor when a "
        "clearly better home is expected before the date needed (policy.wait_for_better; "
        "default off)"
    )


#: `interrupted`: the process doing it stopped (a restart, a crash); it may be restarted.
RunStatus = Literal["queued", "running", "done", "failed", "interrupted"]
RESTARTED_FROM = "the interrupted or failed run this one starts again"
RESTARTED_AS = "the run that started this one again (POST .../restart)"


class RunSummary(Out):
    status: str
    placed: int
    children: int
    gap: float


class RunOut(Out):
    id: str
    status: RunStatus
    las: list[str]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: float = Field(ge=0, le=1, description="share of the time limit used")
    message: str | None = Field(description="the solver's last progress line")
    children: int | None = Field(description="open referrals in the run")
    carers: int | None
    summary: RunSummary | None
    error: str | None
    restarted_from: str | None = Field(default=None, description=RESTARTED_FROM)
    restarted_as: str | None = Field(default=None, description=RESTARTED_AS)


class ObjectiveOut(Out):
    placed: int
    placed_by_urgency: dict[str, int] = {}
    siblings_together: int
    quality: float
    weekly_cost: float


class BoundOut(Out):
    placed: int
    quality: float


class AssignmentOut(Out):
    child: str
    carer: str
    score: float
    distance_km: float
    reasons: list[str]


class UnplacedOut(Out):
    child: str
    reasons: list[str]


class SiblingOutcomeOut(Out):
    id: str
    policy: str
    outcome: Literal["together", "split", "unplaced"]


class StageOut(Out):
    name: str
    status: str
    value: float | None
    bound: float | None
    seconds: float


class HeldBackOut(Out):
    """A child the wait policy held back, and the home expected for it."""

    child: str
    unit: str = Field(description="the child, or the sibling group held back whole")
    carer: str
    free_from: str
    why: Literal["placement_ends", "approval", "hold_expires"]
    score: float
    best_now: str | None
    best_now_score: float | None
    days_to_wait: int


class ResultOut(Out):
    """A batch run's result in the contract's shape (matching/schema/result.schema.json)."""

    status: Literal["OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN", "MODEL_INVALID"]
    objective: ObjectiveOut
    bound: BoundOut
    gap: float = Field(ge=0)
    solve_seconds: float = Field(ge=0)
    assignments: list[AssignmentOut]
    unplaced: list[UnplacedOut]
    sibling_groups: list[SiblingOutcomeOut]
    stages: list[StageOut] = []
    held_back: list[HeldBackOut] | None = Field(
        default=None, description="children held back for a better home (null: policy off)"
    )
