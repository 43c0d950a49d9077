"""Batch match runs in the background: start, status, result in the contract's shape."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import jsonschema
import psutil
import pytest
from sqlalchemy import Engine, update

import matching
import store
from api.runs import owner_gone
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


def test_runs_outlive_a_restart_and_an_interrupted_one_restarts(sqlite_engine: Engine) -> None:
    """Tests that after the service stops and starts again, a finished run still answers
    with its result, and the run it was doing answers `interrupted` (audited once, by
    no user) and restarts as a new run naming it, once; another LA's officer gets the
    unknown id's 404 from the restart route."""
    release = threading.Event()

    def held_solve(problem: matching.Problem, **kw: Any) -> matching.SolveResult:
        release.wait(30)
        return matching.solve(problem, time_limit_s=1, workers=1)

    fill(sqlite_engine)
    first = open_api(sqlite_engine, solve=held_solve)
    before = next(first)
    release.set()
    finished = before.post("/match-runs").json()
    result = before.get(f"/match-runs/{wait_done(before, finished['id'])['id']}/result").json()
    release.clear()
    cut = before.post("/match-runs").json()
    first.close()  # the service stops while the run waits
    try:
        for api in open_api(sqlite_engine, solve=held_solve):
            assert api.get(f"/match-runs/{finished['id']}/result").json() == result
            gone = api.get(f"/match-runs/{cut['id']}").json()
            assert gone["status"] == "interrupted" and "service stopped" in gone["error"]
            [entry] = api.audit(action="match.run_interrupted")
            assert entry.object_id == cut["id"] and entry.user_id is None
            theirs = api.post(f"/match-runs/{cut['id']}/restart", as_="bradford")
            unknown = api.post("/match-runs/0123456789abcdef/restart", as_="bradford")
            assert theirs.status_code == unknown.status_code == 404
            assert theirs.json()["detail"] == f"no match run '{cut['id']}'"
            assert api.post(f"/match-runs/{cut['id']}/restart", as_="planner").status_code == 403
            assert api.post(f"/match-runs/{finished['id']}/restart").status_code == 409
            new = api.post(f"/match-runs/{cut['id']}/restart")
            assert new.status_code == 202 and new.json()["restarted_from"] == cut["id"]
            release.set()
            assert wait_done(api, new.json()["id"])["status"] == "done"
            assert api.get(f"/match-runs/{cut['id']}").json()["restarted_as"] == new.json()["id"]
            again = api.post(f"/match-runs/{cut['id']}/restart")
            assert again.status_code == 409 and new.json()["id"] in again.json()["detail"]
            [restart] = api.audit(action="match.run_restart")
            assert restart.detail == {"restarts": cut["id"], "las": 1}
            assert restart.user_id == api.users["officer"].id
            listed = api.get("/match-runs", params={"limit": 2}).json()
            assert [r["id"] for r in listed["items"]] == [new.json()["id"], cut["id"]]
            assert (listed["offset"], listed["limit"], listed["next_offset"]) == (0, 2, 2)
    finally:
        release.set()


def test_a_run_whose_process_stopped_is_interrupted_when_read(api: Api) -> None:
    """Tests that a run left queued by a process that stopped beating is answered
    `interrupted` on the next read, and frees its LA set for a new run."""
    with store.transaction(api.engine) as s:
        run = store.start_run(
            s, kind="match", las=["Leeds"], by=api.users["officer"], owner="gone:1:x"
        )
        s.execute(
            update(store.StoredRun)
            .where(store.StoredRun.id == run.id)
            .values(heartbeat_at=store.utcnow() - timedelta(minutes=5))
        )
    got = api.get(f"/match-runs/{run.id}").json()
    assert got["status"] == "interrupted"
    assert re.search(r"stopped \(no sign of it for 30\d s\)", got["error"]), got["error"]
    assert len(api.audit(action="match.run_interrupted")) == 1
    assert api.post("/match-runs", json={"time_limit_s": 1}).status_code == 202


def test_a_run_whose_process_died_on_this_host_is_interrupted_at_once(api: Api) -> None:
    """Tests that a run owned by a process of this host that is gone (a kill -9, then a
    restart) is answered `interrupted` on the next read with a fresh heartbeat, not only
    once the heartbeat is STALE_S old: a restarted service frees its LA set at once. A
    live process's run (this one's, or a running process with that pid and start time)
    is left alone."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    born = int(psutil.Process(dead.pid).create_time())
    dead.wait()
    alive = psutil.Process()
    with store.transaction(api.engine) as s:
        gone = store.start_run(
            s,
            kind="match",
            las=["Leeds"],
            by=api.users["officer"],
            owner=f"{socket.gethostname()[:64]}:{dead.pid}:{born}:deadbeef",
        )
        living = store.start_run(
            s,
            kind="match",
            las=["Leeds", "Bradford"],
            by=api.users["officer"],
            owner=f"{socket.gethostname()[:64]}:{alive.pid}:{int(alive.create_time())}:other",
        )
    assert owner_gone(gone.owner) and not owner_gone(living.owner)
    got = api.get(f"/match-runs/{gone.id}").json()
    assert got["status"] == "interrupted" and "stopped" in got["error"]
    with store.transaction(api.engine, write=False) as s:
        assert store.get_run(s, living.id, "match", ["Leeds", "Bradford"]).status == "queued"
    assert len(api.audit(action="match.run_interrupted")) == 1
    assert api.post("/match-runs", json={"time_limit_s": 1}).status_code == 202
