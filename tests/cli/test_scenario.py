"""`placematch scenario` end to end, in this process (tests/cli/helpers.py): the
comparison with `--serial`, its intervals, progress and report. The same simulation on a
local Ray (its processes started and stopped with it) is
tests/scenarios/test_scenarios.py::test_replications_on_a_local_ray_match_serial_runs_and_are_stored:
the command only chooses the backend, and each Ray start costs ~10 s of the suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import run

TINY = """\
name: {name}
seed: 2
replications: 2
horizon_weeks: 5
population: {{children: 500, households: 200}}
"""


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(TINY.format(name="baseline"))
    b.write_text(
        "base: a.yaml\nname: more carers\nsupply:\n  recruit:\n"
        "    - {week: 0, count: 20, la: Leeds, max_age: 17, places: 2}\n"
    )
    return a, b


def test_compare_prints_intervals_and_writes_the_report(
    pair: tuple[Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    r = run("scenario", "compare", *map(str, pair), "--out", str(out), "--serial")
    assert r.returncode == 0, r.stderr
    assert "Outcomes (mean, 95% interval" in r.stdout and "Difference from 'baseline'" in r.stdout
    assert "4/4" in r.stderr  # the progress bar counted every replication
    names = {p.name for p in out.iterdir()}
    assert {"report.html", "over-time.png", "differences.png", "results"} <= names
    page = (out / "report.html").read_text()
    assert "data:image/png;base64," in page and "more carers" in page
    # redrawn from the stored results, without simulating again
    again = tmp_path / "again"
    r = run("scenario", "report", str(out), "--out", str(again))
    assert r.returncode == 0, r.stderr
    assert (again / "report.html").read_text() == page


def test_run_serial_and_validate(pair: tuple[Path, Path], tmp_path: Path) -> None:
    r = run("scenario", "validate", *map(str, pair))
    assert r.returncode == 0 and "valid" in r.stdout
    r = run(
        "scenario",
        "run",
        str(pair[0]),
        "--serial",
        "--replications",
        "1",
        "--out",
        str(tmp_path / "one"),
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "one" / "results" / "totals.parquet").exists()


def test_bad_scenarios_are_clear_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\nhorizon_weeks: lots\nsupply: {recruit: [{week: 1, la: Leeds, areas: [ZZ99]}]}\n"
    )
    r = run("scenario", "validate", str(bad))
    assert r.returncode == 3
    assert "horizon_weeks: expected a whole number" in r.stderr
    assert "supply.recruit[0].areas[0]: 'ZZ99' is not a known UK outcode" in r.stderr
    assert "Traceback" not in r.stderr
    same = tmp_path / "same.yaml"
    same.write_text(TINY.format(name="x"))
    r = run("scenario", "compare", str(same), str(same), "--serial")
    assert r.returncode == 2 and "names must differ" in r.stderr
    r = run("scenario", "report", str(tmp_path / "nowhere"))
    assert r.returncode == 3 and "no stored results" in r.stderr


def test_calibrate_measures_a_what_if_scenario(tmp_path: Path) -> None:
    """`--scenario` runs the file given (its name heads the table), not today's practice."""
    what_if = tmp_path / "w.yaml"
    what_if.write_text(
        TINY.format(name="sibling homes")
        + "warmup_weeks: 2\nsupply:\n  recruit:\n"
        + "    - {week: 0, count: 5, la: Leeds, places: 3, for_siblings: true}\n"
    )
    r = run("scenario", "calibrate", "--scenario", str(what_if), "--replications", "1")
    assert r.returncode == 0, r.stderr
    assert "sibling homes: on_arrival, 1 replications" in r.stdout
    assert "England" in r.stdout and "within" in r.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nsupply: {recruit: [{la: Leeds, for_siblings: maybe}]}\n")
    r = run("scenario", "calibrate", "--scenario", str(bad))
    assert r.returncode != 0 and "supply.recruit[0].for_siblings" in r.stderr
