"""Sufficiency what-ifs for planners: compare scenarios by simulating years of referrals
and matching (scenarios/, docs/scenarios.md).

A planner uploads two to six scenarios as YAML (each may change a shipped example,
`base: baseline.yaml`); the service checks them, naming every fault as sent
(`body.scenarios[1].demand.age_multiplier.2-3`), refuses more work than one request
should ask of it (api/comparisons.py), and simulates them in the background on the
batch runs' machinery (api/runs.py, a kind of run) in a child process. Its status tells
the replications done; when done, the summary and the differences from the first
scenario, and the report as one HTML page. Planners and admins only; everything here is
aggregates of simulated children, never a record.

A comparison is seen by planners and admins whose LAs include those of whoever started
it, like a batch run. Audited: `scenario.compare_start` and `scenario.compare` (when it
finishes or fails), `scenario.compare_interrupted` and `scenario.compare_restart`, with
counts and ids only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status
from fastapi.responses import HTMLResponse

from api.deps import Planner, Svc
from api.errors import json_errors, responses
from api.routes.common import Limit, Offset, RecordId, page
from api.schemas.common import Page
from api.schemas.scenarios import ComparisonIn, ComparisonOut, ExampleOut
from api.services import scenarios

router = APIRouter(tags=["scenarios"])


@router.get(
    "/scenarios/examples",
    response_model=Page[ExampleOut],
    responses=responses(401, 403, 422),
    summary="The example scenarios a comparison may start from",
)
def list_examples(user: Planner, offset: Offset = 0, limit: Limit = 50) -> Any:
    """The shipped scenarios (`scenarios/examples/`): West Yorkshire today
    (`baseline.yaml`) and what-ifs that change it. An uploaded scenario names one with
    `base:` and says only what differs."""
    return page(scenarios.examples(offset, limit), offset, limit)


@router.post(
    "/scenarios/comparisons",
    response_model=ComparisonOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(401, 403, 409, 422),
    summary="Start a scenario comparison",
)
def start_comparison(user: Planner, svc: Svc, body: ComparisonIn) -> Any:
    """Simulate every scenario `replications` times (the same children arrive in
    replication r of each, so differences are paired) and compare each with the first.
    Runs in the background; ask `GET /scenarios/comparisons/{comparison_id}`. 422 names
    each fault in a scenario (`body.scenarios[i]...`), or says why the comparison is
    more work than the service takes (`body`; docs/api.md, Limits). 409 while one you
    (your LAs) started is queued or running, or while the service has 10 comparisons
    waiting."""
    return scenarios.start_comparison(svc, user, list(body.scenarios), body.replications)


@router.post(
    "/scenarios/comparisons/{comparison_id}/restart",
    response_model=ComparisonOut,
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(401, 403, 404, 409, 422),
    summary="Start an interrupted or failed comparison again",
)
def restart_comparison(comparison_id: RecordId, user: Planner, svc: Svc) -> Any:
    """A new comparison of the same scenarios (checked again) and replications; it
    names the one it replaces (`restarted_from`) and that one names it
    (`restarted_as`). 409 unless the comparison is interrupted or failed and not
    restarted already, while another over its LAs is queued or running, or while the
    service has 10 waiting."""
    return scenarios.restart_comparison(svc, user, comparison_id)


@router.get(
    "/scenarios/comparisons",
    response_model=Page[ComparisonOut],
    responses=responses(401, 403, 422),
    summary="Recent scenario comparisons over your LAs",
)
def list_comparisons(user: Planner, svc: Svc, offset: Offset = 0, limit: Limit = 50) -> Any:
    """Newest first: comparisons started by someone whose LAs are all yours."""
    return page(scenarios.list_comparisons(svc, user, offset, limit), offset, limit)


@router.get(
    "/scenarios/comparisons/{comparison_id}",
    response_model=ComparisonOut,
    responses=responses(401, 403, 404, 422),
    summary="A comparison's status and, when done, its outcomes and differences",
)
def get_comparison(comparison_id: RecordId, user: Planner, svc: Svc) -> Any:
    """Status and progress (replications done); when done, `summary` (each scenario's
    outcomes: mean and 95% interval over replications) and `differences` (each
    scenario against the first, paired by replication, with a verdict when the
    interval excludes zero)."""
    return scenarios.read_comparison(svc, user, comparison_id)


@router.get(
    "/scenarios/comparisons/{comparison_id}/report",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}}, "description": "the report, one HTML page"},
        **json_errors(401, 403, 404, 409, 422),
    },
    summary="A finished comparison's report (a self-contained HTML page)",
)
def comparison_report(comparison_id: RecordId, user: Planner, svc: Svc) -> HTMLResponse:
    """What was run, a plain-English lead, the outcomes and the differences with their
    intervals, and plots (over time, differences, what blocked children sent out of
    area, outcomes by group), with nothing to fetch. 409 until done."""
    return HTMLResponse(scenarios.comparison_report(svc, user, comparison_id))
