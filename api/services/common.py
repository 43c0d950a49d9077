"""What the services share: times as aware UTC, a background run's record, the audit
entry of a read, the built problem of the user's LAs, and why a child or group is not
in it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, NoReturn

import store
from api.cache import Snapshot
from api.deps import Services


def aware(moment: datetime | None) -> datetime | None:
    """Times from the database as aware UTC (SQLite may hand back naive ones)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def run_record(run: store.StoredRun) -> dict[str, Any]:
    """A background run's status as every kind answers it (api/runs.py; each kind's
    service adds its own fields). Progress is 1 once it finished (done or failed), else as the
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


def current_problem(svc: Services, user: store.User) -> Snapshot:
    """The built problem of the user's LAs: the cached one if current, else checked or
    rebuilt (api/cache.py)."""
    return svc.cache.fresh(user.las) or svc.cache.snapshot(user.las)
