"""Sibling groups and their placement policy."""

from __future__ import annotations

from typing import Annotated

from pydantic import (
    ConfigDict,
    Field,
)

from api.schemas.common import Body, Out
from api.schemas.types import Id, SiblingPolicy, optional, unique


class SiblingGroupIn(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": "G-0050", "children": ["C-0301", "C-0302"], "policy": "should"}]
        }
    )

    id: Id
    children: list[Id] = unique(min_length=2, max_length=20)
    policy: SiblingPolicy


class SiblingGroupPatch(Body):
    children: Annotated[list[Id], Field(min_length=2, max_length=20)] | None = optional(
        unique_items=True
    )
    policy: SiblingPolicy | None = optional()


class SiblingGroupOut(Out):
    id: str
    children: list[str]
    policy: str
