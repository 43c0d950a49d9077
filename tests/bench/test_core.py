"""`placematch bench-core` end to end on a tiny generated problem (in process)."""

from __future__ import annotations

from typer.testing import CliRunner

from cli.main import app


def test_bench_core_times_loading_and_ranking() -> None:
    """Tests that the command prints one row per measured call, with the run counts
    asked for (a few carers' rankings at most) and the machine it ran on."""
    args = ["bench-core", "--children", "12", "--carers", "40", "--runs", "2", "--calls", "7"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    rows = {
        line.split("|")[1].strip(" `"): line.split("|")[2].strip()
        for line in result.output.splitlines()
        if line.startswith("| `")
    }
    assert rows == {
        "load_problem(path)": "2",
        "load_problem(dict)": "2",
        "rank(problem, child_id)": "7",
        "rank_children(problem, carer_id)": "5",
    }
    assert "12 children × 40 households" in result.output and "CPU" in result.output
