"""Background runs across server processes on one database (issue 13): two servers
answer for the same runs; one run per LA set even when both are asked at once; a
server killed with `kill -9` mid-run leaves its run `interrupted` (audited once), and
another server restarts it; a restarted server reads finished runs; a comparison's
child process dies with its server; `placematch serve --workers 2` on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from sqlalchemy import Engine

import store
from api import comparison_child
from api.load import wait_until_up
from cli.serve import stop_server
from tests.api.conftest import fill, sign_in
from tests.api.server import free_port
from tests.api.test_scenarios import BASE, TEENS
from tests.store.conftest import PG_DB, _empty_postgres
from tests.store.postgres import Cluster

ROOT = Path(__file__).resolve().parents[2]
ACTIVE = ("queued", "running")
#: How long an orphaned comparison child may take to exit: a bound for a failure to
#: show, not the time it takes (a fraction of a second once its imports are done).
ORPHAN_EXIT_S = 90


@contextmanager
def server(url: str, release: Path, folder: Path) -> Iterator[subprocess.Popen[bytes]]:
    """tests/api/served.py in a process of its own on a loopback port (`.base`)."""
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=url,
        PLACEMATCH_TEST_RELEASE=str(release),
        PLACEMATCH_SCENARIO_DIR=str(folder),
    )
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "tests.api.served:app",
        "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(command, env=env, cwd=ROOT)
    proc.base = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    try:
        wait_until_up(proc.base)  # type: ignore[attr-defined]
        yield proc
    finally:
        if proc.poll() is None:
            stop_server(proc)


def client(proc: subprocess.Popen[bytes], token: str) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.Client(base_url=proc.base, headers=headers, timeout=30)  # type: ignore[attr-defined]


def until(api: httpx.Client, path: str, test: Any, timeout_s: float = 60) -> dict[str, Any]:
    """Poll `path` until its answer passes `test`."""
    deadline = time.monotonic() + timeout_s
    while True:
        got = api.get(path).json()
        if test(got):
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"{path}: still {got}")
        time.sleep(0.05)


def audit(engine: Engine, action: str) -> list[store.AuditEntry]:
    with store.transaction(engine, write=False) as s:
        return store.list_audit(s, action=action)


def race(clients: list[httpx.Client], path: str) -> list[httpx.Response]:
    """The same POST through each client at once."""
    barrier = threading.Barrier(len(clients))
    answers: list[httpx.Response] = []

    def post(api: httpx.Client) -> None:
        api.get("/me")
        barrier.wait()
        answers.append(api.post(path))

    threads = [threading.Thread(target=post, args=(c,)) for c in clients]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return answers


@pytest.fixture
def pg_url(pg_cluster: Cluster, pg_cleaner: Engine) -> Iterator[str]:
    """An empty, migrated PostgreSQL database (emptied after the test)."""
    yield pg_cluster.url(PG_DB)
    _empty_postgres(pg_cleaner)


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    engine = store.make_engine(pg_url)
    yield engine
    engine.dispose()


def test_two_servers_one_database(pg_url: str, pg_engine: Engine, tmp_path: Path) -> None:
    """Tests that two server processes answer for the same runs, that one run per LA set
    holds across them, and that a run whose server was killed is interrupted, audited
    once, and restarted through the other (PostgreSQL)."""
    engine = pg_engine
    fill(engine)
    tokens, _ = sign_in(engine)
    release = tmp_path / "release"
    with (
        server(pg_url, release, tmp_path) as a,
        server(pg_url, release, tmp_path) as b,
    ):
        one, two = client(a, tokens["officer"]), client(b, tokens["officer"])
        # Both asked at once: the database lets one start.
        answers = race(
            [one, two, client(a, tokens["officer"]), client(b, tokens["officer"])], "/match-runs"
        )
        assert sorted(r.status_code for r in answers) == [202, 409, 409, 409]
        [won] = [r.json() for r in answers if r.status_code == 202]
        assert all(won["id"] in r.json()["detail"] for r in answers if r.status_code == 409)
        # Whichever started it, the other answers its status, live, and its result.
        running = until(two, f"/match-runs/{won['id']}", lambda r: r["status"] == "running")
        assert running["children"] == 5 and running["las"] == ["Leeds"]
        until(one, f"/match-runs/{won['id']}", lambda r: r["progress"] > 0)
        assert two.get(f"/match-runs/{won['id']}/result").status_code == 409
        release.touch()
        for api in (one, two):
            done = until(api, f"/match-runs/{won['id']}", lambda r: r["status"] == "done")
            assert done["progress"] == 1.0 and done["summary"]["children"] == 5
        result = one.get(f"/match-runs/{won['id']}/result").json()
        assert two.get(f"/match-runs/{won['id']}/result").json() == result
        assert [r["id"] for r in two.get("/match-runs").json()["items"]] == [won["id"]]

        # A run through A; A is killed mid-run (kill -9): B sees it interrupted.
        release.unlink()
        cut = one.post("/match-runs").json()
        until(two, f"/match-runs/{cut['id']}", lambda r: r["status"] == "running")
        a.send_signal(signal.SIGKILL)
        a.wait(timeout=10)
        gone = until(two, f"/match-runs/{cut['id']}", lambda r: r["status"] not in ACTIVE)
        assert gone["status"] == "interrupted" and "stopped" in gone["error"], gone
        assert gone["finished_at"] is not None and gone["summary"] is None
        answer = two.get(f"/match-runs/{cut['id']}/result")
        assert answer.status_code == 409 and "interrupted" in answer.json()["detail"]
        [entry] = audit(engine, "match.run_interrupted")
        assert entry.object_id == cut["id"] and entry.user_id is None
        assert sorted(entry.child_ids) == ["C1", "C2", "C3", "S1", "S2"]

        # Restarted through B: a new run naming the one it replaces, once only.
        assert two.post(f"/match-runs/{won['id']}/restart").status_code == 409  # done
        again = two.post(f"/match-runs/{cut['id']}/restart")
        assert again.status_code == 202, again.text
        new = again.json()
        assert new["restarted_from"] == cut["id"] and new["id"] != cut["id"]
        release.touch()
        done = until(two, f"/match-runs/{new['id']}", lambda r: r["status"] == "done")
        assert done["summary"]["children"] == 5
        old = two.get(f"/match-runs/{cut['id']}").json()
        assert old["status"] == "interrupted" and old["restarted_as"] == new["id"]
        assert two.post(f"/match-runs/{cut['id']}/restart").status_code == 409
        [restart] = audit(engine, "match.run_restart")
        assert restart.object_id == new["id"] and restart.detail["restarts"] == cut["id"]
        # Another LA's officer: the restart route answers as for an unknown id.
        bradford = client(b, tokens["bradford"])
        theirs = bradford.post(f"/match-runs/{cut['id']}/restart")
        unknown = bradford.post("/match-runs/0123456789abcdef/restart")
        assert theirs.status_code == unknown.status_code == 404
        assert theirs.json()["detail"].replace(cut["id"], "X") == unknown.json()["detail"].replace(
            "0123456789abcdef", "X"
        )

    # A server started afresh reads the finished runs.
    with server(pg_url, release, tmp_path) as c:
        fresh = client(c, tokens["officer"])
        assert fresh.get(f"/match-runs/{won['id']}/result").json() == result
        listed = fresh.get("/match-runs", params={"limit": 2}).json()
        assert [r["id"] for r in listed["items"]] == [new["id"], cut["id"]]
        assert listed["next_offset"] == 2
        assert fresh.get("/match-runs", params={"offset": 2}).json()["items"][0]["id"] == won["id"]


def comparison_children(folder: Path) -> list[psutil.Process]:
    """The comparisons' child processes simulating in `folder`."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmd = proc.info["cmdline"] or []
        if "api.comparison_child" in cmd and any(str(folder) in part for part in cmd):
            found.append(proc)
    return found


def test_a_killed_servers_comparison_stops_and_restarts(
    pg_url: str, pg_engine: Engine, tmp_path: Path
) -> None:
    """Tests that a comparison's child process does not outlive its server killed with
    kill -9, that the comparison is then interrupted and restarts elsewhere, and that a
    server stopping cleanly marks its own comparison interrupted at once."""
    engine = pg_engine
    tokens, _ = sign_in(engine)
    release = tmp_path / "release"
    body = {"scenarios": [BASE, TEENS], "replications": 20}
    with server(pg_url, release, tmp_path) as a, server(pg_url, release, tmp_path) as b:
        one, two = client(a, tokens["planner"]), client(b, tokens["planner"])
        started = one.post("/scenarios/comparisons", json=body)
        assert started.status_code == 202, started.text
        run = started.json()
        deadline = time.monotonic() + 30
        while not (children := comparison_children(tmp_path / run["id"])):
            assert time.monotonic() < deadline, "the comparison's child never started"
            time.sleep(0.05)
        a.send_signal(signal.SIGKILL)
        a.wait(timeout=10)
        # It notices its server is gone (the end of its standard input) and exits: at once
        # when its watch has started, but it may still be importing when its server is
        # killed, which two busy cores can stretch past 15 s (seen in the suite).
        for child in children:
            child.wait(timeout=ORPHAN_EXIT_S)
        log = (tmp_path / run["id"] / "child.log").read_text("utf-8")
        assert log.strip().endswith(comparison_child.GONE), log[-500:]
        path = f"/scenarios/comparisons/{run['id']}"
        gone = until(two, path, lambda r: r["status"] not in ACTIVE)
        assert gone["status"] == "interrupted" and gone["summary"] is None
        [entry] = audit(engine, "scenario.compare_interrupted")
        assert entry.object_id == run["id"] and entry.child_ids == []
        again = two.post(f"{path}/restart")
        assert again.status_code == 202, again.text
        new = again.json()
        assert new["restarted_from"] == run["id"] and new["scenarios"] == run["scenarios"]
        assert new["replications_total"] == 40
        until(two, f"/scenarios/comparisons/{new['id']}", lambda r: r["status"] == "running")
    # B stopped cleanly while the restarted comparison ran: interrupted at once, and its
    # child process stopped with it.
    with store.transaction(engine, write=False) as s:
        stopped = store.get_run(s, new["id"], "scenarios", ["Leeds"])
    assert stopped.status == "interrupted" and "service stopped" in (stopped.error or "")
    assert comparison_children(tmp_path / new["id"]) == []


def test_serve_two_workers_on_postgresql(pg_url: str, pg_engine: Engine) -> None:
    """Tests that `DATABASE_URL=postgresql://… placematch serve --workers 2` serves, and
    that a run started through it is answered by whichever worker is asked."""
    fill(pg_engine)
    tokens, _ = sign_in(pg_engine)
    port = free_port()
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://")
    command = [
        sys.executable, "-m", "cli", "serve", "--port", str(port), "--workers", "2",
        "--no-demo", "--no-access-log",
    ]  # fmt: skip
    env = dict(os.environ, DATABASE_URL=plain)
    proc = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base)
        deadline = time.monotonic() + 30
        while len(psutil.Process(proc.pid).children(recursive=True)) < 2:
            assert time.monotonic() < deadline, "two workers never started"
            time.sleep(0.1)
        headers = {"Authorization": f"Bearer {tokens['officer']}"}
        started = httpx.post(f"{base}/match-runs", headers=headers, json={"time_limit_s": 1})
        assert started.status_code == 202, started.text
        run_id = started.json()["id"]
        seen: set[str] = set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # a new connection each time: either worker
            got = httpx.get(f"{base}/match-runs/{run_id}", headers=headers)
            assert got.status_code == 200, got.text
            seen.add(got.json()["status"])
            if got.json()["status"] == "done":
                break
            time.sleep(0.05)
        assert "done" in seen
        for _ in range(6):
            answer = httpx.get(f"{base}/match-runs/{run_id}/result", headers=headers)
            assert answer.status_code == 200 and answer.json()["objective"]["placed"] > 0
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
