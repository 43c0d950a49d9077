"""The audit log and users: who did what (ids only), and who may sign in."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import (
    ConfigDict,
    Field,
    StringConstraints,
)

from api.schemas.common import Body, Out
from api.schemas.types import LA, Role, Str, unique


class AuditOut(Out):
    id: int
    at: datetime
    user_id: int | None
    action: str
    child_ids: list[str]
    object_id: str | None
    detail: dict[str, Any]


class AuditPage(Out):
    items: list[AuditOut]
    next_before_id: int | None = Field(description="pass as before_id for the next page")


class UserIn(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "A. Officer", "role": "placement_officer", "las": ["Leeds"]}]
        }
    )

    name: Annotated[Str, StringConstraints(min_length=1, max_length=200)]
    role: Role
    las: list[LA] = unique(min_length=1, max_length=50)


class UserOut(Out):
    id: int
    name: str
    role: str
    las: list[str]
    active: bool
    created_at: datetime


class UserCreated(Out):
    user: UserOut
    token: str = Field(description="shown once; only its hash is kept")
