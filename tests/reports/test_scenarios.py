"""The scenario comparison report: a self-contained page with the summary and the
differences (marked better or worse beyond noise), its plots, and the same page when
redrawn from the stored results."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from reports.scenarios import (
    CHARTS,
    difference_rows,
    fmt,
    fmt_diff,
    lead,
    render_html,
    verdict,
    write_report,
)
from scenarios.outcomes import METRICS
from scenarios.runner import load_results, run_scenarios
from scenarios.spec import Recruit, Scenario

#: Two small scenarios (a second of simulation): West Yorkshire in miniature, and the
#: same with 20 more foster households for teenagers in Leeds from week 1.
BASE = Scenario(
    name="baseline <small>",
    description="a small region & a short run",
    seed=3,
    horizon_weeks=6,
    children=300,
    households=150,
    solver_seconds=0.5,
)
MORE = dataclasses.replace(
    BASE,
    name="teen carers",
    description="20 foster households for 11-17s in Leeds",
    recruit=(Recruit(week=1, count=20, la="Leeds", min_age=11, max_age=17),),
)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("comparison")
    tables = run_scenarios([BASE, MORE], out, replications=3, backend="serial")
    return out, tables


@pytest.fixture(scope="module")
def written(
    run: tuple[Path, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[Path]]:
    """The report as `write_report` writes it (drawn once for the tests that read it)."""
    folder = tmp_path_factory.mktemp("report")
    return folder, write_report([BASE, MORE], run[1], folder)


def shifted(tables: dict[str, Any], metric: str, by: float) -> dict[str, Any]:
    """The tables with about `by` added to one metric of the second scenario (a little
    more each replication): a difference whose interval excludes zero."""
    totals = [
        r | {"value": r["value"] + by * (1 + r["replication"] / 10)}
        if r["scenario"] == MORE.name and r["metric"] == metric
        else r
        for r in tables["totals"]
    ]
    return tables | {"totals": totals}


def test_numbers_read_as_a_planner_reads_them() -> None:
    assert fmt("share_home_la", 0.6214) == "62.1%"
    assert fmt("annual_cost", 44_502_096.4) == "£44,502,096"
    assert fmt("wait_mean_weeks", 2.345) == "2.3"
    assert fmt("unplaced_child_days", 1234.0) == "1,234"
    assert fmt("share_home_la", float("nan")) == "–"
    assert fmt_diff("share_fallback", -0.031) == "-3.1 pp"
    assert fmt_diff("annual_cost", 12_345.6) == "+£12,346"
    assert fmt_diff("wait_mean_weeks", -0.01) == "±0.0"


def test_a_difference_is_judged_only_beyond_noise() -> None:
    row = {"mean": 0.02, "low": 0.01, "high": 0.03, "n": 5}
    assert verdict("share_home_la", row) == "better"
    assert verdict("share_fallback", row) == "worse"
    assert verdict("referred", row) == "higher"  # demand, not an outcome
    assert verdict("share_home_la", row | {"low": -0.01}) == ""
    assert verdict("share_home_la", row | {"n": 1}) == ""  # one replication: no interval


def test_the_page_is_self_contained_with_its_tables_and_plots(
    written: tuple[Path, list[Path]],
) -> None:
    tmp_path, files = written
    assert [p.name for p in files] == ["report.html", *CHARTS]
    page = (tmp_path / "report.html").read_text("utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page)
    assert "<script" not in page and "<link" not in page
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == len(CHARTS) == 4
    for name in CHARTS:
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")
    # Names and descriptions are escaped, never markup.
    assert "baseline &lt;small&gt;" in page and "<small>" not in page
    assert "a small region &amp; a short run" in page
    for table in ("What was run", "Outcomes", "Differences from"):
        assert f"<h3>{table}" in page
    for label, _higher in METRICS.values():
        assert page.count(f"<td>{label}</td>") == 2  # the summary and the differences
    # The run facts: replications, horizon, population, matching.
    facts = re.search(r"<h3>What was run</h3>(.*?)</table>", page, re.S)
    assert facts is not None
    assert "<td>3</td><td>6</td><td>300 children, 150 households" in facts.group(1)
    assert "<td>weekly</td>" in facts.group(1)
    assert "Compared with &#x27;baseline &lt;small&gt;&#x27;, &#x27;teen carers&#x27;" in page


def test_a_difference_beyond_noise_is_marked(run: tuple[Path, dict[str, Any]]) -> None:
    _, tables = run
    plain = difference_rows([BASE, MORE], tables)
    cost = shifted(tables, "annual_cost", 250_000.0)
    rows = {r[0]: r for r in difference_rows([BASE, MORE], cost)}
    text, css = rows[METRICS["annual_cost"][0]][2]
    assert text.startswith("+£") and text.endswith(" worse") and "worse" in css
    near = shifted(tables, "share_within_20_miles", 0.05)
    rows = {r[0]: r for r in difference_rows([BASE, MORE], near)}
    text, css = rows[METRICS["share_within_20_miles"][0]][2]
    assert text.endswith(" better") and "better" in css
    page = render_html([BASE, MORE], cost, pngs=dict.fromkeys(CHARTS, b"png"))
    assert re.search(r'<td class="num worse">\+£[\d,]+ \(\+£[\d,]+ to \+£[\d,]+\) worse', page)
    assert "costs £" in lead([BASE, MORE], cost)[0] and "more a year (95% interval £" in page
    # Unshifted, no difference is marked unless its interval excludes zero.
    for row in plain:
        for cell in row[2:]:
            assert isinstance(cell, tuple)
            assert cell[1] == "num" or cell[0].endswith((" better", " worse", " higher", " lower"))


def test_one_scenario_alone_has_nothing_to_compare(run: tuple[Path, dict[str, Any]]) -> None:
    _, tables = run
    alone = {k: [r for r in v if r["scenario"] == BASE.name] for k, v in tables.items()}
    page = render_html([BASE], alone)
    assert "nothing to compare" in page and "Differences from" not in page


def test_redrawn_from_stored_results_the_page_is_the_same(
    run: tuple[Path, dict[str, Any]], written: tuple[Path, list[Path]]
) -> None:
    scenarios, stored = load_results(run[0])
    assert scenarios == [BASE, MORE]
    assert render_html(scenarios, stored) == (written[0] / "report.html").read_text("utf-8")
