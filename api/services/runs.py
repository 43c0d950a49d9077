"""Batch match runs over the user's LAs: start, restart, list, read, and the result.

A run is done in the background by api/runs.py; here is what a caller may ask of it.
A run over LAs not all the user's is NotFound. Audited: `match.run_start`,
`match.run_restart`, `match.run_read` (the result names children).
"""

from __future__ import annotations

from typing import Any

import store
from api.deps import Services
from api.errors import invalid
from api.services.common import audit, run_record


def start_run(
    svc: Services, user: store.User, las: list[str] | None, time_limit_s: float | None
) -> dict[str, Any]:
    """A run over `las` (default: all the user's), which must be known LA names and
    the user's (Forbidden); Conflict while a run over the same LAs is queued or running."""
    chosen = list(las) if las else list(user.las)
    known = store.known_las()
    for k, la in enumerate(chosen):
        if la not in known:
            raise invalid(f"body.las[{k}]", f"{la!r} is not a known LA name")
    outside = [la for la in chosen if la not in user.las]
    if outside:
        raise store.Forbidden(f"LA(s) {', '.join(outside)} are not yours")
    run = svc.runs.start(user, chosen, time_limit_s)
    audit(svc, user, "match.run_start", (), run.id, {"las": len(run.las)})
    return run_record(run)


def restart_run(svc: Services, user: store.User, run_id: str) -> dict[str, Any]:
    """A new run over the same LAs with the same time limit, naming the run it
    replaces."""
    run = svc.runs.restart(run_id, user, "match")
    audit(svc, user, "match.run_restart", (), run.id, {"restarts": run_id, "las": len(run.las)})
    return run_record(run)


def list_runs(svc: Services, user: store.User, offset: int, limit: int) -> list[dict[str, Any]]:
    """Runs over LAs all the user's, newest first."""
    return [run_record(r) for r in svc.runs.list(user.las, "match", offset, limit)]


def read_run(svc: Services, user: store.User, run_id: str) -> dict[str, Any]:
    return run_record(svc.runs.get(run_id, user.las))


def run_result(svc: Services, user: store.User, run_id: str) -> dict[str, Any]:
    """A finished run's result (the contract's shape); Conflict until it is done, or
    if it failed or was interrupted."""
    run = svc.runs.get(run_id, user.las, full=True)
    if run.status in ("failed", "interrupted"):
        raise store.Conflict(f"match run {run.id} {run.status}: {run.error}")
    if run.result is None or run.status != "done":
        raise store.Conflict(f"match run {run.id} is {run.status}")
    audit(svc, user, "match.run_read", run.child_ids, run.id)
    return run.result
