"""Small pieces the routers share: path and query types, and the page a list is answered in.

What a route does with them (load, check, audit, shape a record) is in `api/services/`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BeforeValidator

from api.schemas.types import MAX_INT

#: Any text but NUL (which no database compares); an id that does not exist is a 404.
NO_NUL = r"^[^\x00]+$"
RecordId = Annotated[str, Path(min_length=1, max_length=200, pattern=NO_NUL, examples=["C-0015"])]


def digits_only(value: Any) -> Any:
    """A number in a path or query as ASCII digits only: `" 1"`, `"+1"`, `"1_0"` or
    `"١"` would otherwise be read as a number, so `/referrals/%201` reached record 1."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise ValueError("expected a whole number written in digits 0-9 only")
    return value


Digits = BeforeValidator(digits_only)
Serial = Annotated[int, Path(ge=1, le=MAX_INT), Digits]
Offset = Annotated[int, Query(ge=0, le=MAX_INT, description="records to skip"), Digits]
Limit = Annotated[int, Query(ge=1, le=1000, description="records to return"), Digits]
IdFilter = Annotated[str | None, Query(min_length=1, max_length=200, pattern=NO_NUL)]


def page(items: list[Any], offset: int, limit: int) -> dict[str, Any]:
    return {
        "items": items,
        "offset": offset,
        "limit": limit,
        "next_offset": offset + limit if len(items) == limit else None,
    }
