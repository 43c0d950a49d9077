"""Batch match runs in the background: start, status, result in the contract's shape."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from sqlalchemy import Engine

import matching
from matching.problem import schema
from tests.api.conftest import Api, fill, open_api


def wait_done(api: Api, run_id: str, as_: str = "officer", timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        run = api.get(f"/match-runs/{run_id}", as_=as_).json()
        if run["status"] in ("done", "failed"):
            return run
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} still {run['status']}")


def test_run_start_status_result(api: Api) -> None:
    started = api.post("/match-runs", json={"time_limit_s": 2})
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["status"] in ("queued", "running") and run["las"] == ["Leeds"]
    done = wait_done(api, run["id"])
    assert done["status"] == "done", done
    assert done["progress"] == 1.0 and done["children"] == 5 and done["carers"] == 5
    result = api.get(f"/match-runs/{run['id']}/result")
    assert result.status_code == 200
    jsonschema.validate(result.json(), schema("result"))
    assigned = {a["child"]: a["carer"] for a in result.json()["assignments"]}
    assert assigned.get("S1") == assigned.get("S2") == "H3"  # the must group, together
    assert done["summary"]["placed"] == result.json()["objective"]["placed"] == len(assigned)
    assert run["id"] in [r["id"] for r in api.get("/match-runs").json()["items"]]
    [entry] = api.audit(action="match.run")
    assert sorted(entry.child_ids) == ["C1", "C2", "C3", "S1", "S2"]
    assert api.audit(action="match.run_read")[0].object_id == run["id"]
    assert api.get(f"/match-runs/{run['id']}", as_="bradford").status_code == 404


def test_a_regional_run(api: Api) -> None:
    run = api.post("/match-runs", as_="finder", json={"time_limit_s": 1}).json()
    assert run["las"] == ["Bradford", "Leeds"]
    done = wait_done(api, run["id"], as_="finder")
    assert done["children"] == 6  # Leeds' five and Bradford's B1
    assert api.get(f"/match-runs/{run['id']}").status_code == 404  # not all the officer's LAs


def test_run_requests_checked(api: Api) -> None:
    assert api.post("/match-runs", json={"las": ["Bradford"]}).status_code == 403
    bad = api.post("/match-runs", json={"las": ["Atlantis"]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.las[0]"
    assert api.post("/match-runs", json={"time_limit_s": 0}).status_code == 422
    assert api.post("/match-runs", json={"time_limit_s": 1000}).status_code == 422
    assert api.post("/match-runs", as_="planner", json={}).status_code == 403
    assert api.get("/match-runs/nope").status_code == 404


@pytest.fixture
def held_api(sqlite_engine: Engine) -> Iterator[tuple[Api, threading.Event]]:
    """The app with a solver that waits until the test lets it go."""
    release = threading.Event()

    def slow_solve(problem: matching.Problem, **kw: Any) -> matching.SolveResult:
        release.wait(30)
        return matching.solve(problem, time_limit_s=1, workers=1)

    fill(sqlite_engine)
    try:
        for api in open_api(sqlite_engine, solve=slow_solve):
            yield api, release
    finally:
        release.set()


def test_one_run_at_a_time_per_la_set(held_api: tuple[Api, threading.Event]) -> None:
    api, release = held_api
    first = api.post("/match-runs").json()
    second = api.post("/match-runs")
    assert second.status_code == 409 and first["id"] in second.json()["detail"]
    assert api.get(f"/match-runs/{first['id']}/result").status_code == 409  # not done yet
    assert api.post("/match-runs", as_="finder").status_code == 202  # other LAs: its own run
    release.set()
    assert wait_done(api, first["id"])["status"] == "done"
    assert api.post("/match-runs").status_code == 202
