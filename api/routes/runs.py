"""Batch match runs: every open referral of your LAs (or some of them) at once, in the
background. POST starts one (202), GET tells its status and progress from any worker
process, and its result comes in the contract's shape
(matching/schema/result.schema.json). Runs are kept in the database: a finished one
outlives a restart, and one its process stopped doing is `interrupted` and may be
restarted (`POST /match-runs/{id}/restart`). A run over LAs not all yours is a 404."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from api.deps import Staff, Svc
from api.errors import responses
from api.routes.common import Limit, Offset, RecordId, page
from api.schemas.common import Page
from api.schemas.runs import ResultOut, RunIn, RunOut
from api.services import runs

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
    return runs.start_run(svc, user, body.las, body.time_limit_s, bool(body.wait_for_better))


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
    return runs.restart_run(svc, user, run_id)


@router.get(
    "/match-runs",
    response_model=Page[RunOut],
    responses=responses(401, 403, 422),
    summary="Recent batch runs over your LAs",
)
def list_runs(user: Staff, svc: Svc, offset: Offset = 0, limit: Limit = 50) -> Any:
    """Newest first: runs over LAs all yours."""
    return page(runs.list_runs(svc, user, offset, limit), offset, limit)


@router.get(
    "/match-runs/{run_id}",
    response_model=RunOut,
    responses=responses(401, 403, 404, 422),
    summary="A batch run's status and progress",
)
def get_run(run_id: RecordId, user: Staff, svc: Svc) -> Any:
    return runs.read_run(svc, user, run_id)


@router.get(
    "/match-runs/{run_id}/result",
    response_model=ResultOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="A finished batch run's result",
)
def get_result(run_id: RecordId, user: Staff, svc: Svc) -> Any:
    """409 until the run is done (or if it failed or was interrupted)."""
    return runs.run_result(svc, user, run_id)
