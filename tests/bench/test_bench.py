"""`placematch bench`: the measures on a hand-made result, and the command end to end on
a tiny instance."""

from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bench import metrics
from bench.report import COLUMNS, EQUITY_COLUMNS
from bench.runner import Size
from cli.main import app
from matching.result import Assignment, SiblingOutcome, SolveResult
from tests.conftest import carer, child, group, problem


def result(
    placed: dict[str, tuple[str, float, float]],
    groups: tuple[SiblingOutcome, ...] = (),
) -> SolveResult:
    """A hand-made result: child -> (carer, score, km)."""
    assignments = tuple(
        Assignment(c, h, score, km, ("reason",)) for c, (h, score, km) in placed.items()
    )
    return SolveResult(
        status="FEASIBLE",
        placed=len(assignments),
        placed_by_urgency={},
        siblings_together=0,
        quality=0.0,
        weekly_cost=0.0,
        bound_placed=0,
        bound_quality=0.0,
        gap=0.0,
        solve_seconds=0.0,
        assignments=assignments,
        unplaced=(),
        sibling_groups=groups,
    )


@pytest.fixture
def tiny():
    kids = [
        child("E", urgency="emergency", age=3, sex="M", ethnicity="BAFR", needs=["autism"]),
        child("U", urgency="urgent", age=7, sex="F", ethnicity="WBRI"),
        child("P1", urgency="planned", age=12, sex="F", ethnicity="WBRI", la="Wakefield"),
        child("P2", urgency="planned", age=16, sex="U", ethnicity="MWBC"),
        child("P3", urgency="planned", age=16, sex="M", ethnicity="REFU"),
    ]
    homes = [
        carer("H1", vacancies=2, weekly_cost=500, skills=["autism"]),
        carer("H2", la="Wakefield", location="WF1", weekly_cost=900),
    ]
    groups = [group("G", ["P1", "P2"], "should"), group("A", ["U", "P3"], "apart")]
    return problem(kids, homes, groups)


def test_headline_measures_of_a_hand_made_result(tiny) -> None:
    r = result(
        {"E": ("H1", 80.0, 10.0), "U": ("H1", 60.0, 20.0), "P1": ("H2", 70.0, 45.0)},
        (
            SiblingOutcome("G", "should", "split"),
            SiblingOutcome("A", "apart", "together"),
        ),
    )
    s = metrics.summarize(tiny, r)
    assert s.placed_by_urgency == {"emergency": 1, "urgent": 1, "planned": 1}
    assert s.children_by_urgency == {"emergency": 1, "urgent": 1, "planned": 3}
    assert (s.placed, s.children) == (3, 5)
    # `apart` groups are not asked to live together: not counted.
    assert (s.siblings_together, s.siblings_split, s.siblings_unplaced) == (0, 1, 0)
    assert s.mean_km == pytest.approx(25.0)
    assert s.within_km == pytest.approx(2 / 3)  # 45 km is beyond 20 miles
    assert s.placed_near == 2  # of the five referred, two live within 20 miles of home
    # E and U (Leeds) at H1 (Leeds): home LA; P1 (Wakefield) at H2 (Wakefield): home LA.
    assert s.home_la == pytest.approx(1.0)
    assert s.placed_home_la == 3  # counted of everyone referred, as an officer counts
    assert s.mean_score == pytest.approx(70.0)
    assert s.weekly_cost == 500 + 500 + 900


def test_measures_of_an_empty_result_are_not_numbers_not_errors(tiny) -> None:
    s = metrics.summarize(tiny, result({}))
    assert s.placed == 0 and s.weekly_cost == 0 and s.placed_near == 0
    assert math.isnan(s.mean_km) and math.isnan(s.within_km) and math.isnan(s.home_la)
    assert math.isnan(metrics.ratio(1, 0)) and metrics.ratio(3, 2) == 1.5


def test_equity_groups_by_ethnicity_sex_age_band_and_disability(tiny) -> None:
    r = result({"E": ("H1", 80.0, 10.0), "P2": ("H2", 70.0, 30.0), "P3": ("H2", 60.0, 50.0)})
    cells = {(e.dimension, e.group): e for e in metrics.equity(tiny, r)}
    assert cells[("ethnicity", "Black")].placed_share == 1.0
    assert cells[("ethnicity", "White")].children == 2
    assert cells[("ethnicity", "White")].placed == 0
    assert math.isnan(cells[("ethnicity", "White")].mean_km)
    assert cells[("ethnicity", "Not known")].mean_km == 50.0  # REFU is "Not known"
    assert cells[("ethnicity", "Mixed")].mean_km == 30.0
    assert ("ethnicity", "Asian") not in cells  # no children: no row
    assert cells[("sex", "U")].placed_share == 1.0
    assert cells[("sex", "F")].placed_share == 0.0
    assert cells[("age band", "0–4")].children == 1
    assert cells[("age band", "16+")].children == 2
    assert cells[("age band", "16+")].mean_km == pytest.approx(40.0)
    assert cells[("disability", "yes")].children == 1  # autism
    assert cells[("disability", "no")].placed_share == pytest.approx(2 / 4)
    assert [metrics.age_band(a) for a in (0, 4, 5, 9, 10, 15, 16, 17)] == [
        "0–4",
        "0–4",
        "5–9",
        "5–9",
        "10–15",
        "10–15",
        "16+",
        "16+",
    ]


def test_equity_comparison_flags_a_group_the_product_serves_worse(tiny) -> None:
    product = result({"E": ("H1", 80.0, 10.0), "U": ("H1", 60.0, 5.0)})
    greedy = result({"E": ("H1", 80.0, 4.0), "P1": ("H2", 60.0, 5.0)})
    rows = {(e.dimension, e.group): e for e in metrics.compare_equity(tiny, product, greedy)}
    black = rows[("ethnicity", "Black")]
    assert black.placed_change == 0 and black.km_change == pytest.approx(6.0)
    assert black.product_worse == "farther (+6.0 km)"  # placed as often, but farther
    white = rows[("ethnicity", "White")]
    assert white.placed_share == (0.5, 0.5) and not white.product_worse
    assert rows[("age band", "10–15")].product_worse == "fewer placed"  # P1: greedy only
    assert not rows[("age band", "5–9")].product_worse  # U placed by the product only


def test_bounds_from_the_relaxation_and_nearest_carers() -> None:
    p = problem(
        [
            child("E", urgency="emergency"),
            child("P", urgency="planned", age=5),
            child("S1", age=7),
            child("S2", age=9),
            child("Old", age=17, urgency="urgent"),
        ],
        [
            carer("Near", location="LS8", max_age=12),
            carer("Double", location="LS12", vacancies=2, max_age=12),
        ],
        [group("G", ["S1", "S2"], "must")],
    )
    b = metrics.bounds(p)
    assert b.placed_by_urgency == {"emergency": 1, "urgent": 0, "planned": 2}
    assert b.siblings_together == 1
    assert b.nearest_km["E"] == pytest.approx(2.8, abs=0.05)
    assert math.isnan(b.nearest_km["Old"])
    assert b.eligible_pairs == 8
    r = result({"E": ("Double", 70.0, 5.9), "P": ("Near", 70.0, 2.8)})
    assert b.mean_nearest_km(r) == pytest.approx(2.8, abs=0.05)


def test_sizes_parse() -> None:
    assert Size.parse("1000x3000") == Size(1000, 3000)
    assert Size.parse("1,000×3,000") == Size(1000, 3000)
    assert str(Size(10000, 30000)) == "10,000×30,000"
    with pytest.raises(ValueError, match="CHILDRENxCARERS"):
        Size.parse("1000")
    assert metrics.median_index([3.0, 1.0, 2.0]) == 2
    assert metrics.median_index([4.0, 1.0, 3.0, 2.0]) == 3  # lower middle: 2.0


def test_bench_end_to_end_on_a_tiny_instance(tmp_path: Path) -> None:
    out = tmp_path / "bench.md"
    r = CliRunner().invoke(
        app,
        ["bench", "--size", "30x90", "--seeds", "2", "--runs", "1", "--time-limit", "3"]
        + ["--long-time-limit", "6", "--out", str(out)],
    )
    assert r.exit_code == 0, r.output
    text = out.read_text("utf-8")
    assert text in r.stdout.replace("\r", "") or "| size |" in r.stdout
    header = "| " + " | ".join(COLUMNS) + " |"
    assert header in text
    assert "| " + " | ".join(EQUITY_COLUMNS) + " |" in text
    for label in ("product", "greedy (officer)", "naive CP-SAT", "product, long run", "bound"):
        assert re.search(rf"\| 30×90 \| 2 \| {re.escape(label)} \|", text), label
    assert "| product / greedy |" in text and "| product / bound |" in text
    assert "| product / long run |" in text
    assert re.search(
        r"Mean km from home: [\d.]+ in the product's run against [\d.]+ in its long", text
    )
    # Within 20 miles and in home LA: counts, with their share of those placed.
    cells = text.split("| 30×90 | 2 | greedy (officer) |")[1].splitlines()[0].split("|")
    within = cells[COLUMNS.index("within 20 miles (share of placed)") - 3].strip()
    assert re.fullmatch(r"\d+ \(\d+%\)", within), within
    assert "placematch bench --size 30x90 --seeds 2 --runs 1 --time-limit 3" in text
    assert "--long-time-limit 6" in text
    row = next(line for line in text.splitlines() if "| 30×90 | 2 | product |" in line)
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert len(cells) == len(COLUMNS)
    status, peak = cells[COLUMNS.index("status")], cells[COLUMNS.index("peak MB")]
    assert status in ("OPTIMAL", "FEASIBLE")
    assert float(peak.replace(",", "")) > 10  # a real process's resident memory
    for dimension in ("ethnicity", "sex", "age band", "disability"):
        assert f"| {dimension} |" in text


def test_bench_rejects_a_malformed_size(tmp_path: Path) -> None:
    r = CliRunner().invoke(app, ["bench", "--size", "big", "--out", str(tmp_path / "x.md")])
    assert r.exit_code == 2
    assert not (tmp_path / "x.md").exists()


def test_the_report_flags_a_result_above_the_bound(tiny) -> None:
    from bench.report import instance_notes, instance_rows
    from bench.runner import Instance, MethodRun

    def run(method: str, r: SolveResult) -> MethodRun:
        return MethodRun(method, [1.0], [r.status], [100.0], [r])

    product = dataclasses.replace(result({"E": ("H1", 80.0, 2.8)}), bound_placed=1)
    # Greedy "places" the urgent child where nobody can take them: above the bound.
    greedy = result({"E": ("H1", 80.0, 2.8), "U": ("H2", 50.0, 12.6)})
    inst = Instance(
        Size(5, 2),
        1,
        False,
        tiny,
        metrics.bounds(tiny),
        {"product": run("product", product), "greedy": run("greedy", greedy)},
    )
    rows = instance_rows(inst)
    assert [r[2] for r in rows] == [
        "product",
        "greedy (officer)",
        "bound",
        "product / greedy",
        "product / bound",
    ]
    assert all(len(r) == len(COLUMNS) for r in rows)
    notes = "\n".join(instance_notes(inst))
    assert "greedy (officer) exceeds the bound" in notes and "a bug" in notes
    assert "product exceeds" not in notes


def test_the_gap_column_shows_every_runs_range_where_they_differ(tiny) -> None:
    """The figures are the median-time run's; a bar that must hold "in every run" needs
    the other runs' gaps in sight too."""
    from bench.report import instance_rows
    from bench.runner import Instance, MethodRun

    runs = [
        dataclasses.replace(result({"E": ("H1", 80.0, 2.8)}), gap=g) for g in (0.004, 0.002, 0.006)
    ]
    product = MethodRun("product", [10.0, 9.0, 11.0], ["FEASIBLE"] * 3, [100.0] * 3, runs)
    inst = Instance(Size(5, 2), 1, False, tiny, metrics.bounds(tiny), {"product": product})

    row = instance_rows(inst)[0]

    assert row[COLUMNS.index("gap")] == "0.40% (0.20%–0.60%)"  # median-time run first
