"""Scenario comparisons for planners: start (checked and sized), restart, list, read,
and the report; the examples a comparison may start from.

A comparison is a background run of its own kind (api/runs.py), simulated in a child
process (api/comparisons.py). Audited: `scenario.compare_start` and
`scenario.compare_restart`, with counts and ids only.
"""

from __future__ import annotations

from typing import Any

import store
from api import comparisons
from api.deps import Services
from api.services import imports
from api.services.common import audit, run_record
from scenarios.spec import EXAMPLES, scenario_document

#: The background runs' kind for a comparison.
KIND = "scenarios"


def _facts(scenario: Any, base: str | None) -> dict[str, Any]:
    """What a comparison answers about each of its scenarios (kept with the run)."""
    return {
        "name": scenario.name,
        "description": scenario.description,
        "base": base,
        "horizon_weeks": scenario.horizon_weeks,
        "children": scenario.children,
        "households": scenario.households,
        "las": list(scenario.las),
        "referrals_a_year": round(scenario.yearly_referrals, 1),
        "matching": scenario.matching,
    }


def comparison_record(run: store.StoredRun) -> dict[str, Any]:
    out = run_record(run)
    params = run.params
    outcomes = run.summary if run.status == "done" else None
    return {
        **{k: out[k] for k in ("id", "status", "las", "created_at", "started_at")},
        **{k: out[k] for k in ("finished_at", "progress", "message")},
        "replications": params["replications"],
        "replications_done": run.done,
        "replications_total": run.total or params["replications"] * len(params["scenarios"]),
        "scenarios": params["scenarios"],
        "work": params["work"],
        "summary": outcomes["summary"] if outcomes else None,
        "differences": outcomes["differences"] if outcomes else None,
        **{k: out[k] for k in ("error", "restarted_from", "restarted_as")},
    }


def examples(offset: int, limit: int) -> list[dict[str, Any]]:
    """A page of the shipped scenarios (`scenarios/examples/`)."""
    return list(comparisons.examples())[offset : offset + limit]


#: The shipped baseline (West Yorkshire today, national rates): a what-if's baseline
#: when none of the planner's LAs has a 903 import.
SHIPPED_BASELINE = "baseline.yaml"


def what_if_baseline(svc: Services, user: store.User) -> dict[str, Any]:
    """The baseline a planner's what-if is compared with: the scenario of their LAs'
    903 imports (the population `GET /baseline` shows, as `GET /baseline/scenario`
    writes it), or the shipped baseline when none of their LAs has an import.
    `source` ("903" or "shipped"), `name`, `description` and the whole `document`."""
    try:
        doc = imports.baseline_scenario(svc, user, None)
        source = "903"
    except store.NotFound:
        doc = scenario_document(EXAMPLES / SHIPPED_BASELINE)
        source = "shipped"
    return {
        "source": source,
        "name": doc["name"],
        "description": doc["description"],
        "las": list(doc["population"]["las"]),
        "children": doc["population"]["children"],
        "households": doc["population"]["households"],
        "document": doc,
    }


def _room(svc: Services) -> None:
    """Conflict while the service has as many comparisons waiting as it takes."""
    if svc.runs.active(KIND) >= comparisons.MAX_ACTIVE:
        raise store.Conflict(
            f"{comparisons.MAX_ACTIVE} scenario comparisons are queued or running; try later"
        )


def start_comparison(
    svc: Services, user: store.User, texts: list[str], replications: int
) -> dict[str, Any]:
    """Check the scenarios (Invalid naming each fault, or the work over the limits),
    then simulate them `replications` times in the background."""
    upload = comparisons.parse(texts, replications)
    _room(svc)
    params = {
        "texts": list(texts),
        "replications": replications,
        "scenarios": [_facts(s, b) for s, b in zip(upload.scenarios, upload.bases, strict=True)],
        "work": upload.work,
    }
    run = svc.runs.start(user, user.las, None, kind=KIND, params=params)
    audit(
        svc,
        user,
        "scenario.compare_start",
        (),
        run.id,
        {
            "scenarios": len(upload.scenarios),
            "replications": replications,
            "bases": [b if isinstance(b, str) else None for b in upload.bases],
            "region_years": upload.work["region_years"],
        },
    )
    return comparison_record(run)


def restart_comparison(svc: Services, user: store.User, comparison_id: str) -> dict[str, Any]:
    """The same scenarios (checked again) and replications, naming the one replaced."""
    _room(svc)
    run = svc.runs.restart(comparison_id, user, KIND)
    detail = {"restarts": comparison_id, "replications": run.params["replications"]}
    audit(svc, user, "scenario.compare_restart", (), run.id, detail)
    return comparison_record(run)


def list_comparisons(
    svc: Services, user: store.User, offset: int, limit: int
) -> list[dict[str, Any]]:
    return [comparison_record(r) for r in svc.runs.list(user.las, KIND, offset, limit)]


def read_comparison(svc: Services, user: store.User, comparison_id: str) -> dict[str, Any]:
    return comparison_record(svc.runs.get(comparison_id, user.las, KIND))


def comparison_report(svc: Services, user: store.User, comparison_id: str) -> str:
    """A finished comparison's report (one HTML page); Conflict until done."""
    run = svc.runs.get(comparison_id, user.las, KIND, full=True)
    if run.status in ("failed", "interrupted"):
        raise store.Conflict(f"scenario comparison {run.id} {run.status}: {run.error}")
    if run.report is None or run.status != "done":
        raise store.Conflict(f"scenario comparison {run.id} is {run.status}")
    return run.report
