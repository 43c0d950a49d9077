"""Small pieces the routers share: paging, path and query types, record shapes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated, Any, NoReturn

from fastapi import Path, Query
from pydantic import BeforeValidator
from sqlmodel import Session

import store
from api.deps import Services
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


def aware(moment: datetime | None) -> datetime | None:
    """Times from the database as aware UTC (SQLite may hand back naive ones)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def run_out(run: store.StoredRun) -> dict[str, Any]:
    """A background run's status as every kind answers it (api/runs.py; the routes add
    their own fields). Progress is 1 once it finished (done or failed), else as the
    process doing it last wrote it."""
    return {
        "id": run.id,
        "status": run.status,
        "las": list(run.las),
        "created_at": aware(run.created_at),
        "started_at": aware(run.started_at),
        "finished_at": aware(run.finished_at),
        "progress": 1.0 if run.status in ("done", "failed") else run.progress,
        "message": run.message,
        "children": run.children,
        "carers": run.carers,
        "summary": run.summary,
        "error": run.error,
        "restarted_from": run.restarted_from,
        "restarted_as": run.restarted_as,
    }


def proposal_out(s: Session, p: store.Proposal) -> dict[str, Any]:
    hold_until = aware(p.hold_until)
    assert p.id is not None and hold_until is not None
    return {
        "id": p.id,
        "status": p.status,
        "holding": p.status == "proposed" and hold_until > store.utcnow(),
        "household_id": p.household_id,
        "child_id": p.child_id,
        "group_id": p.group_id,
        "children": store.proposal_children(s, p.id),
        "places": p.places,
        "hold_until": hold_until,
        "proposed_at": aware(p.proposed_at),
        "proposed_by": p.proposed_by,
        "decided_at": aware(p.decided_at),
        "decided_by": p.decided_by,
        "decline_reason": p.decline_reason,
        "views_note": p.views_note,
        "exception": {
            "rule": p.exception_rule,
            "reason": p.exception_reason,
            "authorised_by": p.exception_authorised_by,
        }
        if p.exception_rule
        else None,
        "rules": list(p.refused_rules or []),
    }


def audit(
    svc: Services,
    user: store.User,
    action: str,
    child_ids: Iterable[str] = (),
    object_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record a read in its own short write transaction."""
    with svc.writes.transaction() as s:
        store.record(s, user, action, child_ids, object_id, detail)


def absent(svc: Services, user: store.User, subject: str, kind: str = "child") -> NoReturn:
    """Why a child or group is not in the caller's problem: 404 (none within your LAs)
    or 409 (no open referral, or an age by their date of birth that matching cannot
    take)."""
    with store.read_session(svc.engine) as s:
        if kind == "group":
            store.get_group(s, subject, las=user.las)
            raise store.Conflict(
                f"sibling group {subject} has fewer than two members with an open referral"
            )
        child = store.get_child(s, subject, las=user.las)
        why = store.out_of_age_range(child, store.utcnow().date())
    raise store.Conflict(why or f"child {subject} has no open referral")
