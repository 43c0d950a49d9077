"""`placematch scenario`: what-if scenarios for sufficiency planners.

`compare A.yaml B.yaml ...` simulates each scenario's replications (on a local Ray by
default, `--address` for a cluster, `--serial` in this process), prints the outcomes
with 95% intervals and the differences from the first scenario, and writes the report
(HTML and PNGs) and the results (Parquet) to `--out`; `report DIR` redraws it from the
stored results. `practice` runs today's practice (`on-arrival.yaml`) against the
product's weekly batch (`baseline.yaml`) and writes practice.md, ready for the docs, and
practice.png: the difference overall and group by group (`report DIR --practice`
redraws them). Long runs show a progress bar on stderr.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.common import EXIT_INVALID, EXIT_WRITE, err, fail, out
from scenarios.spec import EXAMPLES, Scenario, ScenarioInvalid, load_scenario

scenario_app = typer.Typer(
    help="What-if scenarios: simulate years of referrals and matching, compare, report.",
    no_args_is_help=True,
    add_completion=False,
)

Files = Annotated[
    list[Path], typer.Argument(help="Scenario YAML files (the first is the baseline).")
]
Replications = Annotated[
    int | None, typer.Option(min=1, max=1000, help="Replications each (default: the files').")
]
Address = Annotated[
    str | None, typer.Option(help="An existing Ray cluster (e.g. ray://head:10001 or auto).")
]
Workers = Annotated[int | None, typer.Option(min=1, help="Local Ray workers (default: cores).")]
Serial = Annotated[bool, typer.Option("--serial", help="Run in this process, without Ray.")]
OutDir = Annotated[Path, typer.Option("--out", help="Folder for the report and the results.")]


def _load(paths: list[Path]) -> list[Scenario]:
    scenarios = []
    faults = 0
    for path in paths:
        try:
            scenarios.append(load_scenario(path))
        except ScenarioInvalid as exc:
            faults += 1
            err.print(f"[bold red]invalid scenario[/] {path}: {len(exc.issues)} fault(s)")
            for where, message in exc.issues:
                err.print(f"  {where}: {message}", highlight=False, markup=False)
    if faults:
        raise typer.Exit(EXIT_INVALID)
    return scenarios


@scenario_app.command()
def validate(files: Files) -> None:
    """Check scenario files (bases merged) and say what each changes."""
    for s in _load(files):
        out.print(
            f"[green]valid[/] {s.source}: {s.name!r}, {s.replications} replications of "
            f"{s.horizon_weeks} weeks, {s.children} children, {s.households} households, "
            f"{s.matching} matching",
            highlight=False,
        )


@scenario_app.command()
def examples() -> None:
    """List the example scenarios shipped with the product."""
    for path in sorted(EXAMPLES.glob("*.yaml")):
        s = load_scenario(path)
        out.print(f"{path}  [bold]{s.name}[/]: {s.description}", highlight=False)


@scenario_app.command()
def compare(
    files: Files,
    out_dir: OutDir = Path("out/scenarios"),
    replications: Replications = None,
    address: Address = None,
    workers: Workers = None,
    serial: Serial = False,
) -> None:
    """Simulate and compare scenarios; write report.html, PNGs and Parquet results."""
    _simulate_and_report(_load(files), out_dir, replications, address, workers, serial)


@scenario_app.command()
def run(
    file: Annotated[Path, typer.Argument(help="A scenario YAML file.")],
    out_dir: OutDir = Path("out/scenario"),
    replications: Replications = None,
    address: Address = None,
    workers: Workers = None,
    serial: Serial = False,
) -> None:
    """Simulate one scenario; write its report and results."""
    _simulate_and_report(_load([file]), out_dir, replications, address, workers, serial)


#: How `practice` names the way a scenario matches, in its tables' headings.
MATCHING_WORDS = {"weekly": "weekly batch", "on_arrival": "on arrival"}


@scenario_app.command()
def practice(
    extra: Annotated[
        list[Path] | None,
        typer.Argument(help="More scenario files to set beside the product (e.g. a wait policy)."),
    ] = None,
    out_dir: OutDir = Path("out/practice"),
    replications: Annotated[
        int, typer.Option(min=1, max=1000, help="Replications of each scenario.")
    ] = 20,
    address: Address = None,
    workers: Workers = None,
    serial: Serial = False,
    practice_file: Annotated[
        Path | None,
        typer.Option("--practice", help="Today's practice (default: the shipped on-arrival)."),
    ] = None,
    product_file: Annotated[
        Path | None,
        typer.Option("--product", help="The product (default: the shipped baseline)."),
    ] = None,
) -> None:
    """The product's weekly batch against today's practice (on arrival), paired, overall
    and by group; write practice.md, practice.png and the Parquet results (`report DIR`
    draws the full scenario report from them)."""
    today, product = _load(
        [practice_file or EXAMPLES / "on-arrival.yaml", product_file or EXAMPLES / "baseline.yaml"]
    )
    scenarios = [
        dataclasses.replace(today, name=f"today's practice ({_matching(today)})"),
        dataclasses.replace(product, name=f"the product ({_matching(product)})"),
        *_load(extra or []),
    ]
    _simulate_and_report(
        scenarios, out_dir, replications, address, workers, serial, report=_practice
    )


def _matching(s: Scenario) -> str:
    return MATCHING_WORDS.get(s.matching, s.matching.replace("_", " "))


@scenario_app.command()
def report(
    folder: Annotated[Path, typer.Argument(help="A folder written by `compare` or `run`.")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Default: the same folder.")] = None,
    practice: Annotated[
        bool,
        typer.Option(
            "--practice",
            help="Draw practice.md and practice.png (the first scenario is today's "
            "practice) instead of report.html.",
        ),
    ] = False,
) -> None:
    """Redraw a report from stored results, without simulating again."""
    from scenarios.runner import load_results

    try:
        scenarios, tables = load_results(folder)
    except (OSError, ValueError) as exc:
        fail(f"no stored results in {folder}: {exc}", EXIT_INVALID)
    _print(scenarios, tables)
    if not practice:
        _report(scenarios, tables, out_dir or folder)
    elif len(scenarios) < 2:
        fail("--practice needs today's practice and at least one other scenario", 2)
    else:
        _practice(scenarios, tables, out_dir or folder)


@scenario_app.command()
def bench(
    runs: Annotated[int, typer.Option(min=1, help="Replications timed; the median is shown.")] = 3,
    children: Annotated[int, typer.Option(min=10)] = 5000,
    households: Annotated[int, typer.Option(min=5)] = 2450,
    weeks: Annotated[int, typer.Option(min=1)] = 52,
    matching: Annotated[str, typer.Option(help="weekly or on_arrival")] = "weekly",
) -> None:
    """Seconds per simulated replication of the baseline (one process, no Ray)."""
    import os
    import platform

    from scenarios.simulate import simulate

    base = load_scenario(EXAMPLES / "baseline.yaml")
    s = dataclasses.replace(
        base, children=children, households=households, horizon_weeks=weeks, matching=matching
    )
    seconds = []
    for r in range(runs):
        began = time.perf_counter()
        result = simulate(s, r)
        seconds.append(time.perf_counter() - began)
        err.print(f"replication {r}: {seconds[-1]:.1f} s, {len(result.children)} referrals")
    out.print(
        f"{children} children, {households} households, {weeks} weeks, {matching} matching: "
        f"median {statistics.median(seconds):.1f} s per replication "
        f"(min {min(seconds):.1f}, max {max(seconds):.1f}; {runs} runs; "
        f"{platform.machine()}, {os.cpu_count()} CPUs)",
        highlight=False,
    )


@scenario_app.command()
def calibrate(
    replications: Annotated[int, typer.Option(min=1, max=100, help="Officer years.")] = 5,
    matching: Annotated[str, typer.Option(help="on_arrival (practice) or weekly")] = "on_arrival",
    households: Annotated[
        int | None, typer.Option(min=5, help="A what-if supply (default: the baseline's).")
    ] = None,
    scenario: Annotated[
        Path | None,
        typer.Option(help="A what-if scenario file (default: on-arrival.yaml), run --matching."),
    ] = None,
) -> None:
    """The simulated region against England's levels under today's practice: each
    target of scenarios/calibration.py, simulated (mean and 95% interval, serial).
    `--scenario` measures a what-if (recruitment, say) on the same levels."""
    from scenarios.calibration import TARGETS
    from scenarios.outcomes import calibrate as simulated_levels

    base = _load([scenario])[0] if scenario else load_scenario(EXAMPLES / "on-arrival.yaml")
    s = dataclasses.replace(base, matching=matching)
    if households is not None:
        s = dataclasses.replace(s, households=households)
    levels = simulated_levels(s, replications)
    title = f"{matching}, {replications} replications (after the warm-up)"
    table = Table(title=f"{s.name}: {title}" if scenario else title)
    for column in ("target", "England", "tolerance", "simulated (95% interval)", ""):
        table.add_column(column)
    for name, t in TARGETS.items():
        v = levels[name]
        ok = abs(v["mean"] - t.value) <= t.tolerance
        table.add_row(
            t.label,
            f"{t.value:.1%}",
            f"±{t.tolerance * 100:.1f} points",
            f"{v['mean']:.1%} ({v['low']:.1%} to {v['high']:.1%})",
            "within" if ok else "OUTSIDE",
        )
    out.print(table)


def _simulate_and_report(
    scenarios: list[Scenario],
    out_dir: Path,
    replications: int | None,
    address: str | None,
    workers: int | None,
    serial: bool,
    report: Callable[[list[Scenario], dict[str, list[dict[str, Any]]], Path], None] | None = None,
) -> None:
    """Simulate, print the outcomes and write the report (`_report`, or another page)."""
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        fail("scenario names must differ (they label the results): " + ", ".join(names), 2)
    tables = _run(scenarios, out_dir, replications, address, workers, serial)
    _print(scenarios, tables)
    (report or _report)(scenarios, tables, out_dir)


def _run(
    scenarios: list[Scenario],
    out_dir: Path,
    replications: int | None,
    address: str | None,
    workers: int | None,
    serial: bool,
) -> dict[str, list[dict[str, Any]]]:
    from scenarios.runner import run_scenarios

    total = sum(replications or s.replications for s in scenarios)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[last]}"),
    )
    with Progress(*columns, console=err, transient=False) as bar:
        task = bar.add_task("replications", total=total, last="")
        try:
            return run_scenarios(
                scenarios,
                out_dir,
                replications=replications,
                backend="serial" if serial else "ray",
                address=address,
                workers=workers,
                tick=lambda done, _t, what: bar.update(task, completed=done, last=what),
            )
        except OSError as exc:
            fail(f"cannot write to {out_dir}: {exc.strerror}", EXIT_WRITE)
        except ConnectionError as exc:
            fail(f"cannot reach the Ray cluster at {address}: {exc}", 1)


def _fmt(metric: str, value: float) -> str:
    if value != value:  # NaN
        return "–"
    from scenarios.outcomes import SHARE_METRICS

    if metric in SHARE_METRICS:
        return f"{100 * value:.1f}%"
    if "cost" in metric:
        return f"-£{-value:,.0f}" if value < 0 else f"£{value:,.0f}"
    if metric in ("referred", "unplaced_child_days"):
        return f"{value:,.0f}"
    return f"{value:.2f}"


def _print(scenarios: list[Scenario], tables: dict[str, list[dict[str, Any]]]) -> None:
    from scenarios.outcomes import METRICS, differences, summary

    rows = {(r["scenario"], r["metric"]): r for r in summary(tables["totals"])}
    table = Table(title="Outcomes (mean, 95% interval over replications)")
    table.add_column("outcome")
    for s in scenarios:
        table.add_column(s.name)
    for metric, (label, _better) in METRICS.items():
        cells = []
        for s in scenarios:
            r = rows.get((s.name, metric))
            cells.append(
                "–"
                if r is None
                else f"{_fmt(metric, r['mean'])} ({_fmt(metric, r['low'])}–"
                f"{_fmt(metric, r['high'])})"
            )
        table.add_row(label, *cells)
    out.print(table)
    if len(scenarios) < 2:
        return
    diff = Table(title=f"Difference from {scenarios[0].name!r} (paired, 95% interval)")
    for col in ("scenario", "outcome", "difference", "interval", ""):
        diff.add_column(col)
    for r in differences(tables["totals"], scenarios[0].name):
        label, higher_better = METRICS[r["metric"]]
        verdict = ""
        if higher_better is not None and r["n"] >= 2 and (r["low"] > 0 or r["high"] < 0):
            verdict = "better" if (r["low"] > 0) == higher_better else "worse"
        if r["mean"] == 0 and r["low"] == r["high"]:
            continue
        diff.add_row(
            r["scenario"],
            label,
            _fmt(r["metric"], r["mean"]),
            f"{_fmt(r['metric'], r['low'])} to {_fmt(r['metric'], r['high'])}",
            verdict,
        )
    out.print(diff)


def _report(
    scenarios: list[Scenario], tables: dict[str, list[dict[str, Any]]], out_dir: Path
) -> None:
    from reports.scenarios import write_report  # matplotlib: only when drawing

    written = _written(lambda: write_report(scenarios, tables, out_dir), out_dir)
    err.print(f"wrote {', '.join(p.name for p in written)} and results/*.parquet to {out_dir}")


def _practice(
    scenarios: list[Scenario], tables: dict[str, list[dict[str, Any]]], out_dir: Path
) -> None:
    from reports.practice import write_practice  # matplotlib: only when drawing

    written = _written(lambda: write_practice(scenarios, tables, out_dir), out_dir)
    err.print(f"wrote {', '.join(p.name for p in written)} to {out_dir}")


def _written(write: Callable[[], list[Path]], out_dir: Path) -> list[Path]:
    """The files a report writer wrote, or a clear exit when the folder refuses them."""
    try:
        return write()
    except OSError as exc:
        fail(f"cannot write to {out_dir}: {exc.strerror}", EXIT_WRITE)
