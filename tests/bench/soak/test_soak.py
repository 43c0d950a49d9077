"""Tests the fault and load suite end to end, short: 6 s of an LA's day from four users
against `uvicorn` (one worker, SQLite), then kill -9 during confirmations, a 903 import
and a batch run, and one run of five stateful schemathesis scenarios over HTTP (the
longer stateful runs are in process: tests/api/test_schemathesis.py). The 5-minute
PostgreSQL run with two workers is `placematch soak` (docs/benchmarks.md)."""

from __future__ import annotations

from typer.testing import CliRunner

from bench.soak.invariants import INVARIANTS
from bench.soak.report import markdown
from bench.soak.suite import SoakOptions, run_soak
from cli.main import app

SHORT = SoakOptions(
    minutes=6 / 60,  # room for two 903 uploads, one every 3 s
    workers=1,
    clients=4,
    database="sqlite",
    import_every_s=3,
    fault_proposals=8,
    import_kills=(0.9,),
    stateful_minutes=0.01,
    stateful_scenarios=5,
)


def test_short_soak_on_sqlite() -> None:
    """Tests no error and no traceback under the mix, every invariant after it and after
    each kill -9, every 200 kept, and the work done again after a restart."""
    messages: list[str] = []
    run = run_soak(SHORT, "test", "test machine", messages.append)
    report = markdown(run)
    assert run.ok, report
    assert run.recorder.request_count > 20, report
    assert [f.name for f in run.faults] == [
        "kill -9 during confirmations",
        "kill -9 during a 903 import",
        "kill -9 during a batch run",
    ]
    assert "answered 200 are confirmed" in report
    assert run.recorder.statuses["POST /imports/ssda903"][201] >= 1, report
    assert run.stateful is not None and run.stateful.steps > 0
    assert f"All {len(INVARIANTS)} invariants hold" in report


def test_unknown_database_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["soak", "--database", "oracle"])
    assert result.exit_code == 2
    assert "--database must be one of postgresql, sqlite" in result.output
