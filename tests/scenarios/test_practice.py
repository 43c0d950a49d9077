"""`placematch scenario practice` end to end on tiny scenarios, in this process
(tests/cli/helpers.py): today's practice against the product, the markdown page with
its headline and by-group tables, the plot, the stored results, and the same page
redrawn by `scenario report --practice`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reports.practice import chart_practice, render_markdown
from scenarios.runner import TABLES, save_results
from scenarios.spec import Scenario
from tests.cli.helpers import run

#: One LA, a few hundred children, eight weeks: a run of seconds (no `base:`).
TINY = """\
name: {name}
seed: 5
replications: 2
horizon_weeks: 8
population: {{las: [Leeds], children: 300, households: 120}}
matching: {matching}
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, Path]:
    practice, product, extra = (tmp_path / f"{n}.yaml" for n in ("practice", "product", "extra"))
    practice.write_text(TINY.format(name="officers", matching="on_arrival"))
    product.write_text(TINY.format(name="batch", matching="weekly"))
    extra.write_text(
        "base: product.yaml\nname: more carers\nsupply:\n  recruit:\n"
        "    - {week: 0, count: 10, la: Leeds, max_age: 17, places: 2}\n"
    )
    return practice, product, extra


def test_practice_writes_the_table_the_groups_and_the_plot(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """Tests that the command runs practice and the product (and an extra scenario),
    with progress, and writes practice.md with the headline rows, a verdict on each
    difference and a table per dimension, a non-empty practice.png and the results;
    then that `report --practice` redraws the same page from the results."""
    practice, product, extra = files
    out = tmp_path / "out"
    r = run(
        "scenario",
        "practice",
        str(extra),
        "--practice",
        str(practice),
        "--product",
        str(product),
        "--replications",
        "2",
        "--serial",
        "--out",
        str(out),
    )
    assert r.returncode == 0, r.stderr
    assert "6/6" in r.stderr and "practice.md" in r.stderr
    page = (out / "practice.md").read_text()
    head = "| outcome | today's practice (on arrival) | the product (weekly batch) | more carers |"
    assert head in page
    for outcome in (
        "placed within 20 miles of home",
        "sibling groups kept together",
        "placed in their home LA",
        "sent to the emergency fallback (out of area)",
        "mean wait, weeks",
        "annual cost, £",
    ):
        (line,) = [x for x in page.splitlines() if x.startswith(f"| {outcome} |")]
        assert line.count("|") == 7  # outcome, 3 scenarios, 2 differences
        assert any(v in line for v in ("better", "worse", "no clear difference"))
    assert "£" in page and "m (" in page  # costs in £m
    for heading in ("By ethnicity", "By sex", "By age band at referral", "By disability"):
        assert f"#### {heading}" in page
    assert "Where a group does worse than under today's practice" in page
    assert "| girls |" in page and "| 16-17 |" in page
    assert (out / "practice.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "practice.png").stat().st_size > 10_000
    assert (out / "results" / "groups.parquet").exists()
    again = tmp_path / "again"
    r = run("scenario", "report", str(out), "--out", str(again), "--practice")
    assert r.returncode == 0, r.stderr
    assert (again / "practice.md").read_text() == page
    assert not (again / "report.html").exists()  # --practice draws the practice page only


def test_practice_refuses_scenarios_with_the_same_name(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    """Tests that an extra scenario named as practice or the product is a clear error
    before anything is simulated, with the given files and with the shipped ones."""
    practice, product, _extra = files
    clash = tmp_path / "clash.yaml"
    clash.write_text(TINY.format(name="the product (weekly batch)", matching="weekly"))
    r = run(
        "scenario",
        "practice",
        str(clash),
        "--practice",
        str(practice),
        "--product",
        str(product),
        "--serial",
    )
    assert r.returncode == 2 and "names must differ" in r.stderr
    # the shipped practice and product by default, named the same way
    r = run("scenario", "practice", str(clash), "--serial")
    assert r.returncode == 2 and "today's practice (on arrival)" in r.stderr


def test_a_group_worse_off_is_said_before_the_headline() -> None:
    """Tests that when the product places one group's children further away (beyond
    noise) while the region gains, the page names that group and outcome first, before
    the headline table, and marks the cell worse; a tiny group is marked too few."""
    practice, product = Scenario(name="practice"), Scenario(name="product")
    tables: dict[str, list[dict[str, Any]]] = {
        "totals": [],
        "groups": [],
        "timing": [],
        "weekly": [],
        "blocking": [],
    }
    for rep in range(3):
        for s, gain in ((practice, 0.0), (product, 0.05)):
            key = {"scenario": s.name, "replication": rep}
            tables["timing"].append(key | {"seconds": 1.0})
            for metric, value in (
                ("share_within_20_miles", 0.8 + gain + rep / 100),
                ("referred", 100.0),
            ):
                tables["totals"].append(key | {"metric": metric, "value": value})
            for group, children, change in (("16-17", 40.0, -0.1), ("0", 3.0, -0.1)):
                base = {"dimension": "age_band", "group": group}
                value = 0.7 + rep / 50 + (change if s is product else 0.0)
                tables["groups"] += [
                    key | base | {"metric": "share_within_20_miles", "value": value},
                    key | base | {"metric": "referred", "value": children},
                ]
    page = render_markdown([practice, product], tables)
    worse = "- **product**, age band at referral *16-17*: placed within 20 miles of home"
    assert worse in page
    assert page.index(worse) < page.index("| outcome |")
    assert "*0*" not in page.split("| outcome |")[0]  # too few children: not listed
    (row,) = [x for x in page.splitlines() if x.startswith("| 16-17 |")]
    assert "**−10.0 pp" in row and row.endswith("worse |")
    (row,) = [x for x in page.splitlines() if x.startswith("| 0 |")]
    assert "(too few)" in row
    assert "not judged: here 0 (age band at referral, 3.0)." in page
    (row,) = [x for x in page.splitlines() if x.startswith("| placed within 20 miles")]
    assert "**+5.0 pp" in row and "better" in row


def test_the_page_and_plot_are_drawn_without_groups() -> None:
    """Tests that a run with outcomes but no rows by group (no child referred in any
    group, or stored by an older version) still gives a page and a plot."""
    practice, product = Scenario(name="practice"), Scenario(name="product")
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    tables["totals"] = [
        {"scenario": s, "replication": r, "metric": "share_fallback", "value": 0.1 + r / 10}
        for s in ("practice", "product")
        for r in range(2)
    ]
    page = render_markdown([practice, product], tables)
    assert "| sent to the emergency fallback (out of area) |" in page
    assert "No group does clearly worse" in page
    assert chart_practice([practice, product], tables)[:4] == b"\x89PNG"


def test_redrawing_the_practice_page_needs_two_scenarios(tmp_path: Path) -> None:
    """Tests that `report --practice` on results of one scenario is a clear error (there
    is nothing to compare today's practice with), not a traceback."""
    save_results(tmp_path, [Scenario(name="alone")], {t: [] for t in TABLES})
    r = run("scenario", "report", str(tmp_path), "--practice")
    assert r.returncode == 2 and "at least one other scenario" in r.stderr
    assert not (tmp_path / "practice.md").exists()


def test_a_new_dimension_is_drawn_and_tabled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that a dimension the reports have no title for (part A's `uasc`) is drawn
    in the scenario report's groups plot and gets its own table on the practice page."""
    import reports.scenarios

    monkeypatch.setattr(reports.scenarios, "DIMENSIONS", ("sex", "uasc"))
    practice, product = Scenario(name="practice"), Scenario(name="product")
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    for s in ("practice", "product"):
        for rep in range(2):
            key = {"scenario": s, "replication": rep}
            tables["totals"].append(key | {"metric": "share_home_la", "value": 0.5 + rep / 10})
            for dim, group in (("sex", "girls"), ("uasc", "UASC")):
                for metric, value in (("share_home_la", 0.5 + rep / 10), ("referred", 20.0)):
                    tables["groups"].append(
                        key | {"dimension": dim, "group": group, "metric": metric, "value": value}
                    )
    assert reports.scenarios.chart_groups([practice, product], tables)[:4] == b"\x89PNG"
    assert "#### By uasc" in render_markdown([practice, product], tables)
