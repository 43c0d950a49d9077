"""What every body shares: request and response bases, the error answers, a page of
items."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
)

T = TypeVar("T")


class Body(BaseModel):
    """A request body: unknown fields refused, numbers finite."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Out(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False, from_attributes=True)


class ErrorOut(Out):
    detail: str = Field(examples=["no child 'C-9999'"])


class FieldError(Out):
    field: str = Field(examples=["body.needs[0]"])
    message: str = Field(examples=["'flying' is not allowed here (expected one of: ...)"])


class RuleBreak(Out):
    """A hard rule a proposed match breaks, for one child."""

    child: str
    rule: str = Field(examples=["age_range"])
    detail: str = Field(examples=["approved for ages 0–8; the child is 9"])
    exception_allowed: bool


class ValidationErrorOut(Out):
    detail: str = Field(examples=["invalid request"])
    errors: list[FieldError] = []
    rules: list[RuleBreak] = Field(
        default=[], description="for a refused proposal: the hard rules the match breaks"
    )


class Page(Out, Generic[T]):
    items: list[T]
    offset: int
    limit: int
    next_offset: int | None = Field(description="offset of the next page, or null at the end")
