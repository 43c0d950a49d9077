"""Batch match runs: every open referral of your LAs (or some of them) at once, in the
background. POST starts one (202), GET tells its status and progress from any worker
process, and its result comes in the contract's shape
(matching/schema/result.schema.json). Runs are kept in the database: a finished one
outlives a restart, and one its process stopped doing is `interrupted` and may be
restarted (`POST /match-runs/{id}/restart`). A run over LAs not all yours is a 404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

import store
from api.deps import Staff, Svc
from api.errors import invalid, responses
from api.routes.common import Limit, Offset, RecordId, audit, page, run_out
from api.schemas.common import Page
from api.schemas.runs import ResultOut, RunIn, RunOut

router = APIRouter(tags=["batch runs"])


@router.post(
    "/match-runs",
    response_model=RunOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(401, 403, 409, 422),
    summary="Start a batch match run over open referrals",
)
def start_run(user: Staff, svc: Svc, body: RunIn | None = None) -> Any:
    """Over your LAs (a regional user's are the region), or the `las` given, which
    must be yours (403). 409 while a run over the same LAs is queued or running."""
    body = body or RunIn()
    las = list(body.las) if body.las else list(user.las)
    known = store.known_las()
    for k, la in enumerate(las):
        if la not in known:
            raise invalid(f"body.las[{k}]", f"{la!r} is not a known LA name")
    outside = [la for la in las if la not in user.las]
    if outside:
        raise store.Forbidden(f"LA(s) {', '.join(outside)} are not yours")
    run = svc.runs.start(user, las, body.time_limit_s)
    audit(svc, user, "match.run_start", (), run.id, {"las": len(run.las)})
    return run_out(run)


@router.post(
    "/match-runs/{run_id}/restart",
    response_model=RunOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(401, 403, 404, 409, 422),
    summary="Start an interrupted or failed batch run again",
)
def restart_run(run_id: RecordId, user: Staff, svc: Svc) -> Any:
    """A new run over the same LAs with the same time limit, on the records as they are
    now; it names the run it replaces (`restarted_from`) and that run names it
    (`restarted_as`). 409 unless the run is interrupted or failed and not restarted
    already, or while another run over its LAs is queued or running."""
    run = svc.runs.restart(run_id, user, "match")
    audit(svc, user, "match.run_restart", (), run.id, {"restarts": run_id, "las": len(run.las)})
    return run_out(run)


@router.get(
    "/match-runs",
    response_model=Page[RunOut],
    responses=responses(401, 403, 422),
    summary="Recent batch runs over your LAs",
)
def list_runs(user: Staff, svc: Svc, offset: Offset = 0, limit: Limit = 50) -> Any:
    """Newest first: runs over LAs all yours."""
    runs = svc.runs.list(user.las, "match", offset, limit)
    return page([run_out(r) for r in runs], offset, limit)


@router.get(
    "/match-runs/{run_id}",
    response_model=RunOut,
    responses=responses(401, 403, 404, 422),
    summary="A batch run's status and progress",
)
def get_run(run_id: RecordId, user: Staff, svc: Svc) -> Any:
    return run_out(svc.runs.get(run_id, user.las))


@router.get(
    "/match-runs/{run_id}/result",
    response_model=ResultOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="A finished batch run's result",
)
def get_result(run_id: RecordId, user: Staff, svc: Svc) -> Any:
    """409 until the run is done (or if it failed or was interrupted)."""
    run = svc.runs.get(run_id, user.las, full=True)
    if run.status in ("failed", "interrupted"):
        raise store.Conflict(f"match run {run.id} {run.status}: {run.error}")
    if run.result is None or run.status != "done":
        raise store.Conflict(f"match run {run.id} is {run.status}")
    audit(svc, user, "match.run_read", run.child_ids, run.id)
    return run.result
