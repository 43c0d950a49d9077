"""Batch match runs: every open referral of your LAs (or some of them) at once, in the
background. POST starts one (202), GET tells its status and progress, and its result
comes in the contract's shape (matching/schema/result.schema.json)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

import store
from api.deps import Staff, Svc
from api.errors import invalid, responses
from api.routes.common import RecordId, audit
from api.schemas import ResultOut, RunIn, RunOut

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
    return run.to_dict()


@router.get(
    "/match-runs",
    response_model=list[RunOut],
    responses=responses(401, 403),
    summary="Recent batch runs over your LAs",
)
def list_runs(user: Staff, svc: Svc) -> Any:
    return [r.to_dict() for r in svc.runs.list(user.las)]


@router.get(
    "/match-runs/{run_id}",
    response_model=RunOut,
    responses=responses(401, 403, 404, 422),
    summary="A batch run's status and progress",
)
def get_run(run_id: RecordId, user: Staff, svc: Svc) -> Any:
    return svc.runs.get(run_id, user.las).to_dict()


@router.get(
    "/match-runs/{run_id}/result",
    response_model=ResultOut,
    responses=responses(401, 403, 404, 409, 422),
    summary="A finished batch run's result",
)
def get_result(run_id: RecordId, user: Staff, svc: Svc) -> Any:
    """409 until the run is done (or if it failed)."""
    run = svc.runs.get(run_id, user.las)
    if run.status == "failed":
        raise store.Conflict(f"match run {run.id} failed: {run.error}")
    if run.result is None or run.status != "done":
        raise store.Conflict(f"match run {run.id} is {run.status}")
    audit(svc, user, "match.run_read", run.child_ids, run.id)
    return run.result
