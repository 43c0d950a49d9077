"""Scenario comparisons over HTTP, for planners: the examples, a comparison checked (every
fault named as sent, work capped), simulated in the background in a child process, its
outcomes and differences, its report; who may, and the audit log."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

import store
from scenarios.outcomes import METRICS
from scenarios.spec import EXAMPLES
from tests.api.conftest import Api, open_api

#: A tiny region and a short run (a comparison of two, twice each, takes seconds).
TINY = "population: {children: 300, households: 150}\nhorizon_weeks: 6\nwarmup_weeks: 8\n"
BASE = "name: small\nseed: 2\npolicy: {solver_seconds: 0.5}\n" + TINY
#: The baseline example, cut down, with 20 foster households for teenagers in Leeds.
TEENS = (
    "base: baseline.yaml\n"
    "name: teen carers\n"
    "description: 20 foster households for 11-17s in Leeds from week 1\n"
    "seed: 2\n" + TINY + "policy: {solver_seconds: 0.5}\n"
    "supply:\n"
    "  recruit: [{week: 1, count: 20, la: Leeds, min_age: 11, max_age: 17}]\n"
)
PATHS = [
    "/scenarios/examples",
    "/scenarios/comparisons",
    "/scenarios/comparisons/abc",
    "/scenarios/comparisons/abc/report",
]


@pytest.fixture
def kept(sqlite_engine: Engine, tmp_path: Path) -> Iterator[Api]:
    """The app keeping comparisons' results in `tmp_path`."""
    yield from open_api(sqlite_engine, scenario_dir=tmp_path)


def wait_done(api: Api, comparison_id: str, timeout_s: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        out = api.get(f"/scenarios/comparisons/{comparison_id}", as_="planner").json()
        if out["status"] in ("done", "failed"):
            return out
        time.sleep(0.1)
    raise AssertionError(f"comparison {comparison_id} still {out['status']}")


def fields(answer: Any) -> list[str]:
    assert answer.status_code == 422, answer.text
    return [e["field"] for e in answer.json()["errors"]]


def test_planners_and_admins_only(api: Api) -> None:
    body = {"scenarios": [BASE, TEENS]}
    for who in ("officer", "finder"):
        assert api.get(PATHS[0], as_=who).status_code == 403
        assert api.post(PATHS[1], as_=who, json=body).status_code == 403
        for path in PATHS[1:]:
            assert api.get(path, as_=who).status_code == 403
    for path in PATHS:
        answer = api.get(path, as_=None)
        assert answer.status_code == 401 and answer.headers["WWW-Authenticate"] == "Bearer"
    for who in ("planner", "manager"):
        assert api.get(PATHS[0], as_=who).status_code == 200
        assert api.get(PATHS[1], as_=who).json()["items"] == []
        assert api.get(PATHS[2], as_=who).status_code == 404
        report = api.get(PATHS[3], as_=who)
        assert report.status_code == 404 and report.headers["content-type"] == "application/json"


def test_the_examples_are_the_shipped_files(api: Api) -> None:
    examples = api.get("/scenarios/examples", as_="planner").json()["items"]
    files = sorted(p.name for p in EXAMPLES.glob("*.yaml"))
    two = api.get("/scenarios/examples", as_="planner", params={"limit": 2}).json()
    assert [e["file"] for e in two["items"]] == files[:2] and two["next_offset"] == 2
    assert [e["file"] for e in examples] == files and "baseline.yaml" in files
    for e in examples:
        assert e["yaml"] == (EXAMPLES / e["file"]).read_text("utf-8")
        assert e["name"] and e["description"]


def test_every_fault_is_named_as_sent(api: Api) -> None:
    def post(*scenarios: str, **body: Any) -> Any:
        return api.post(
            "/scenarios/comparisons", as_="planner", json={"scenarios": list(scenarios)} | body
        )

    bad_band = TEENS + "demand: {age_multiplier: {2-3: 1.5}}\n"
    assert fields(post(BASE, bad_band)) == ["body.scenarios[1].demand.age_multiplier.2-3"]
    answer = post(BASE, bad_band)
    assert "'2-3' is not one of" in answer.json()["errors"][0]["message"]
    assert fields(post("name: [unclosed", BASE)) == ["body.scenarios[0]"]
    assert fields(post(BASE, "base: ../secrets.yaml\nname: x")) == ["body.scenarios[1].base"]
    assert fields(post(BASE, "name: x\nseed: &s 1\nreplications: *s")) == ["body.scenarios[1]"]
    assert fields(post(BASE, "name: x\nseed: " + "[" * 40 + "]" * 40)) == ["body.scenarios[1]"]
    assert fields(post(BASE, BASE)) == ["body.scenarios[1].name"]
    assert fields(post(BASE, TEENS.replace("la: Leeds", "la: Narnia"))) == [
        "body.scenarios[1].supply.recruit[0].la"
    ]
    unknown = (
        "name: nowhere\n"
        "population: {las: [Leeds, Narnia], children: 300, households: 150}\n"
        "supply: {close: [{week: 2, la: Oz}]}\n"
    )
    assert fields(post(BASE, unknown)) == [
        "body.scenarios[1].population.las[1]",
        "body.scenarios[1].supply.close[0].la",
    ]
    # Several faults in several scenarios, all at once.
    assert fields(post("horizon_weeks: 0", BASE, "name: y\nsupply: {close: 3}")) == [
        "body.scenarios[0].name",
        "body.scenarios[0].horizon_weeks",
        "body.scenarios[2].supply.close",
    ]
    assert fields(post(BASE)) == ["body.scenarios"]
    assert fields(post(*[BASE] * 7)) == ["body.scenarios"]
    assert fields(post(BASE, TEENS, replications=51)) == ["body.replications"]
    assert fields(post(BASE, TEENS, replications="5")) == ["body.replications"]
    assert fields(post(BASE, "x" * 20_001)) == ["body.scenarios[1]"]
    assert fields(api.post("/scenarios/comparisons", as_="planner")) == ["body"]
    # Work one request should not ask of the service.
    big = "base: baseline.yaml\nname: big\npopulation: {households: 12000}\n"
    answer = post(BASE, big)
    assert fields(answer) == ["body.scenarios[1].population.households"]
    assert "at most 10,000" in answer.json()["errors"][0]["message"]
    answer = post("base: baseline.yaml", "base: under-5s-up.yaml", replications=25)
    assert fields(answer) == ["body"]
    assert "years of the five-LA region" in answer.json()["errors"][0]["message"]
    slow = BASE.replace("solver_seconds: 0.5", "solver_seconds: 600") + "horizon_weeks: 52\n"
    answer = post(BASE, slow.replace("name: small", "name: slow"))
    assert fields(answer) == ["body"] and "solver" in answer.json()["errors"][0]["message"]
    # Nothing was started, nothing audited.
    assert api.get("/scenarios/comparisons", as_="planner").json()["items"] == []
    assert api.audit(action="scenario.") == []


def test_a_comparison_runs_to_its_report(kept: Api, tmp_path: Path) -> None:
    api = kept
    with store.transaction(api.engine) as s:
        _, tokens = store.create_user(s, "Bradford planner", "planner", ["Bradford"])
    api.tokens["bradford_planner"] = tokens
    started = api.post(
        "/scenarios/comparisons",
        as_="planner",
        json={"scenarios": [BASE, TEENS], "replications": 2},
    )
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["status"] in ("queued", "running") and run["las"] == ["Leeds"]
    assert run["replications_total"] == 4 and run["summary"] is None
    assert [s["name"] for s in run["scenarios"]] == ["small", "teen carers"]
    assert [s["base"] for s in run["scenarios"]] == [None, "baseline.yaml"]
    assert run["scenarios"][1]["households"] == 150 and run["scenarios"][1]["horizon_weeks"] == 6
    assert 0 < run["work"]["region_years"] < 0.1
    # One at a time for your LAs; the report once it is done.
    again = api.post("/scenarios/comparisons", as_="planner", json={"scenarios": [BASE, TEENS]})
    assert again.status_code == 409
    early = api.get(f"/scenarios/comparisons/{run['id']}/report", as_="planner")
    assert early.status_code == 409 and early.headers["content-type"] == "application/json"

    done = wait_done(api, run["id"])
    assert done["status"] == "done", done["error"]
    assert done["progress"] == 1.0 and done["replications_done"] == 4
    assert len(done["summary"]) == 2 * len(METRICS)
    assert {(r["scenario"], r["metric"]) for r in done["summary"]} == {
        (s, m) for s in ("small", "teen carers") for m in METRICS
    }
    assert all(r["n"] == 2 for r in done["summary"])
    assert [r["metric"] for r in done["differences"]] == list(METRICS)
    assert {(r["scenario"], r["baseline"]) for r in done["differences"]} == {
        ("teen carers", "small")
    }
    for r in done["differences"]:
        if r["verdict"] is not None:  # only beyond noise
            assert r["low"] > 0 or r["high"] < 0
    for r in done["summary"]:
        if r["metric"].startswith("share_") and r["mean"] is not None:
            assert 0 <= r["low"] <= r["mean"] <= r["high"] <= 1

    report = api.get(f"/scenarios/comparisons/{run['id']}/report", as_="manager")
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    page = report.text
    assert "Scenario comparison: small, teen carers" in page
    assert len(re.findall(r'src="data:image/png;base64,', page)) == 4
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page)
    # Kept where the service was told: the results (to redraw) and the report.
    folder = tmp_path / run["id"]
    assert {p.name for p in (folder / "results").glob("*.parquet")} == {
        "totals.parquet",
        "weekly.parquet",
        "groups.parquet",
        "blocking.parquet",
        "timing.parquet",
    }
    assert (folder / "report" / "report.html").read_text("utf-8") == page

    assert [r["id"] for r in api.get("/scenarios/comparisons", as_="planner").json()["items"]] == [
        run["id"]
    ]
    assert api.get(f"/scenarios/comparisons/{run['id']}", as_="bradford_planner").status_code == 404
    [start] = api.audit(action="scenario.compare_start")
    [finish] = api.audit(action="scenario.compare")
    planner = api.users["planner"].id
    assert start.user_id == finish.user_id == planner
    assert start.object_id == finish.object_id == run["id"]
    assert start.child_ids == finish.child_ids == []
    assert start.detail == {
        "scenarios": 2,
        "replications": 2,
        "bases": [None, "baseline.yaml"],
        "region_years": run["work"]["region_years"],
    }
    assert finish.detail == {"scenarios": 2, "replications": 2, "status": "done"}


def test_a_comparison_that_runs_too_long_fails(api: Api) -> None:
    api.client.app.state.services.runs._scenario_timeout_s = 0.5  # the child: ~2 s to start
    started = api.post("/scenarios/comparisons", as_="manager", json={"scenarios": [BASE, TEENS]})
    assert started.status_code == 202
    run = started.json()
    done = wait_done(api, run["id"])
    assert done["status"] == "failed" and "stopped after" in done["error"]
    assert done["summary"] is None and done["differences"] is None
    report = api.get(f"/scenarios/comparisons/{run['id']}/report", as_="planner")
    assert report.status_code == 409 and "failed" in report.json()["detail"]
    [finish] = api.audit(action="scenario.compare")
    assert finish.detail["status"] == "failed" and finish.object_id == run["id"]
