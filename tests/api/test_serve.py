"""`placematch serve` from the command line, driven as the README drives it: a real
server on a loopback port over the demo region, a curl-like session, and the load bench
pointed at it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import store
from api.load import drive, drive_pages, wait_until_up
from cli.main import app
from cli.serve import _print_tokens, markdown, pages_markdown, prepare_demo
from store.ssda903 import care_imports
from tests.api.server import free_port
from tests.loops import run_alone


def test_serve_the_demo_region_and_a_curl_session(tmp_path: Path) -> None:
    port = free_port()
    db = tmp_path / "demo.db"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cli",
            "serve",
            "--port",
            str(port),
            "--db",
            str(db),
            "--no-access-log",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    try:
        assert server.stdout is not None
        lines = [server.stdout.readline() for _ in range(7)]  # up to the "try: curl" line
        assert lines[-1].startswith("try: curl"), lines
        token = re.search(r"placement_officer \(Leeds\) token: (pm_\S+)", "".join(lines))
        assert token, lines
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        session = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token[1]}"})
        referrals = session.get("/referrals", params={"limit": 3}).json()["items"]
        assert [r["urgency"] for r in referrals] == ["emergency"] * 3
        child = referrals[0]["child_id"]
        ranking = session.get(f"/children/{child}/matches", params={"top": 3}).json()
        assert ranking["eligible_count"] > 0 and len(ranking["matches"]) == 3
        best = ranking["matches"][0]["carer"]
        proposal = session.post("/proposals", json={"household_id": best, "child_id": child})
        assert proposal.status_code == 201, proposal.text
        confirmed = session.post(f"/proposals/{proposal.json()['id']}/confirm")
        assert confirmed.status_code == 200, confirmed.text
        assert confirmed.json()["placements"][0]["household_id"] == best

        bench = CliRunner().invoke(
            app,
            [
                "bench-api",
                "--url",
                base,
                "--token",
                token[1],
                "--clients",
                "5",
                "--requests",
                "60",
                "--runs",
                "1",
            ],
        )
        assert bench.exit_code == 0, bench.output
        assert "| 1 | 60 | 0 |" in bench.output
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_demo_accounts_only_on_an_empty_database_or_when_asked(tmp_path: Path) -> None:
    """Tests that the demo region and accounts go into an empty database only; a restart
    makes no account and returns no token; --demo-tokens revokes the old ones and makes
    new ones."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    first = prepare_demo(url)
    assert first.keys() == {"placement_officer", "admin", "family_finder", "planner"}
    assert prepare_demo(url) == {}  # a restart: no account made, no token to show
    engine = store.make_engine(url)
    with store.transaction(engine, write=False) as s:
        # the demo region, the adoption agency and Leeds's 903 extract (1,346 looked after)
        assert len(store.list_children(s, limit=1000, offset=1000)) == 300 + 240 + 1346 - 1000
        assert len(care_imports(s, las=["Leeds"])[0].children) == 1346
        assert len(store.list_users(s)) == 4
        assert store.authenticate(s, first["placement_officer"]).las == ["Leeds"]

    again = prepare_demo(url, demo_tokens=True)  # asked for: the old tokens revoked
    assert again.keys() == first.keys()
    with store.transaction(engine, write=False) as s:
        active = [u.name for u in store.list_users(s) if u.active]
        with pytest.raises(store.Unauthenticated):
            store.authenticate(s, first["placement_officer"])
        assert store.authenticate(s, again["placement_officer"]).las == ["Leeds"]
        finder = store.authenticate(s, again["family_finder"])
        assert finder.role == "family_finder" and len(finder.las) == 5
    engine.dispose()
    assert sorted(active) == ["Demo family-finder", "Demo manager", "Demo officer", "Demo planner"]
    with pytest.raises(ValueError, match="SQLite"):
        prepare_demo("postgresql://nobody@127.0.0.1:1/x", reload_demo=True)


def test_an_las_own_database_gets_no_demo(tmp_path: Path) -> None:
    """Tests that a database with only an account in it (an LA setting up) is not empty:
    no demo region, no demo account, and `serve` says how to get a token."""
    url = f"sqlite:///{tmp_path / 'la.db'}"
    engine = store.make_engine(url)
    store.migrate(engine=engine)
    with store.transaction(engine) as s:
        store.create_user(s, "A. Admin", "admin", ["Leeds"])
    assert prepare_demo(url) == {}
    with store.transaction(engine, write=False) as s:
        assert not store.list_children(s, limit=1)
        assert [u.name for u in store.list_users(s)] == ["A. Admin"]
    engine.dispose()


def test_a_restart_prints_no_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Tests the lines `serve` prints: tokens once when made, else how to get one."""
    _print_tokens({}, "http://h")
    printed = capsys.readouterr().out
    assert "pm_" not in printed and "placematch users create" in printed
    assert "--demo-tokens" in printed
    _print_tokens({"placement_officer": "pm_x", "planner": "pm_y"}, "http://h")
    printed = capsys.readouterr().out
    assert "shown only now" in printed and "demo planner (" in printed and "pm_y" in printed


def test_load_report(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        drive("http://127.0.0.1:1", "t", [])
    report = drive("http://127.0.0.1:1", "t", ["C1"], clients=2, requests=4, timeout_s=2)
    assert report.requests == 4 and report.error_count == 4  # nothing listens there
    table = markdown([report, report, report], "placematch bench-api", 1)
    assert "| **median** |" in table and "| 4 | 4 |" in table


def test_page_load_report_counts_each_page_on_its_own() -> None:
    """Tests that the page bench keeps each kind of page apart: its requests, its errors,
    its percentiles, and the median over runs."""
    with pytest.raises(ValueError):
        drive_pages("http://127.0.0.1:1", "s", [])
    pages = [("referrals", "/referrals"), ("child", "/children/C1"), ("child", "/children/C2")]
    reports = drive_pages("http://127.0.0.1:1", "s", pages, clients=2, requests=6, timeout_s=2)
    assert {kind: (r.requests, r.error_count) for kind, r in reports.items()} == {
        "referrals": (2, 2),
        "child": (4, 4),
    }  # nothing listens there
    table = pages_markdown([reports, reports], "placematch bench-pages", 1)
    assert "| referrals | 1 | 2 | 2 |" in table and "| child | 2 | 4 | 4 |" in table
    assert "| child | **median** |" in table and "matches" not in table.split("\n", 3)[3]


def test_the_page_bench_with_pauses_still_asks_for_every_page() -> None:
    """Tests that users who pause between pages (`think_s`) still ask for every page,
    each counted under its kind."""
    pages = [("referrals", "/referrals"), ("child", "/children/C1")]
    reports = drive_pages(
        "http://127.0.0.1:1", "s", pages, clients=2, requests=6, timeout_s=2, think_s=0.001
    )
    assert {kind: (r.requests, r.error_count) for kind, r in reports.items()} == {
        "referrals": (3, 3),
        "child": (3, 3),
    }  # nothing listens there


def test_the_load_runs_beside_a_running_event_loop() -> None:
    """Tests that the load driver works when its caller's thread already runs an event
    loop (an asyncio program, or a browser driver in the same test process)."""

    async def inside_a_loop() -> int:
        report = drive("http://127.0.0.1:1", "t", ["C1"], clients=1, requests=2, timeout_s=2)
        return report.requests

    assert run_alone(inside_a_loop()) == 2
