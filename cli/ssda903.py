"""`placematch ssda903`: a calibrated demo 903 extract, and the baseline of an LA's own.

`generate` writes the standing population of a region (synth.looked_after) as one 903
extract per LA, which any 903 tool can read. `baseline` reads an extract (CSV tables or
the XML return), prints the DfE-style baseline figures and, with --out, writes the
report (reports/ssda903.py): plots, an HTML page and the figures as JSON.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

import ssda903
from cli import dfe903
from cli.common import (
    EXIT_INVALID,
    EXIT_USAGE,
    EXIT_WRITE,
    err,
    fail,
    out,
    progress_printer,
    write_json,
    write_text,
)
from geo import gazetteer
from ssda903.read import table_of_path
from synth import WEST_YORKSHIRE
from synth.looked_after import generate_looked_after

ssda903_app = typer.Typer(
    help="SSDA903 (903) extracts: a calibrated demo extract, and the baseline figures of one.",
    no_args_is_help=True,
    add_completion=False,
)

AsOf = Annotated[
    datetime | None,
    typer.Option(formats=["%Y-%m-%d"], help="The day (YYYY-MM-DD) children are counted on."),
]
Quiet = Annotated[bool, typer.Option(help="No progress lines.")]


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


@ssda903_app.command()
def generate(
    directory: Annotated[Path, typer.Argument(help="Folder to write: one subfolder per LA.")],
    children: Annotated[
        int | None,
        typer.Option(
            min=0, help="Children looked after; default the LAs' own counts (figures §1.11)."
        ),
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Random seed: same seed, same extract.")] = 0,
    la: Annotated[
        list[str] | None, typer.Option(help="An LA area (repeat); default West Yorkshire.")
    ] = None,
    as_of: AsOf = None,
    xml: Annotated[bool, typer.Option(help="The XML form of the return instead of CSV.")] = False,
) -> None:
    """Write a calibrated demo extract: the children looked after in a region on one day,
    each where they live now (docs/ssda903.md), one 903 extract per LA."""
    kwargs: dict[str, Any] = {"seed": seed, "las": tuple(la) if la else WEST_YORKSHIRE}
    if as_of is not None:
        kwargs["as_of"] = as_of.date()
    try:
        pop = generate_looked_after(children, **kwargs)
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    try:
        pop.write(directory, xml=xml)
    except OSError as exc:
        fail(f"cannot write {directory}: {exc.strerror}", EXIT_WRITE)
    table = Table(title=f"Children looked after on {pop.as_of.isoformat()} (seed {seed})")
    for col in ("LA", "children", "extract"):
        table.add_column(col, justify="right" if col == "children" else "left")
    counts = {name: sum(c["la"] == name for c in pop.children) for name in pop.las}
    for name in pop.las:
        table.add_row(name, f"{counts[name]:,}", str(directory / name))
    out.print(table)
    las = " ".join(f"--la {name!r}" if " " in name else f"--la {name}" for name in pop.las)
    err.print(
        f"wrote {len(pop.children):,} children as {'XML' if xml else 'CSV'} to {directory}. "
        f"Next: placematch ssda903 baseline {directory} {las} --as-of {pop.as_of.isoformat()} "
        f"--out {directory / 'report'}",
        highlight=False,
    )


def _is_extract(path: Path) -> bool:
    """A 903 extract itself: an XML file, or a folder with 903 tables or one XML file."""
    if path.is_file():
        return True
    if not path.is_dir():
        return False
    files = list(path.iterdir())
    tables = [f for f in files if table_of_path(f)]
    return bool(tables) or sum(f.suffix.lower() == ".xml" for f in files) == 1


def _source(directory: Path, la: str, single: bool) -> Path:
    """Where an LA's extract is: DIR itself (one LA), DIR/<LA>/ or DIR/<LA>.xml."""
    if single and _is_extract(directory):
        return directory
    for path in (directory / la, directory / f"{la}.xml"):
        if path.exists():
            return path
    if not directory.exists():
        fail(f"no such file or folder: {directory}", EXIT_USAGE)
    fail(
        f"no 903 extract for {la} in {directory} (looked for 903 tables or one XML file "
        f"there, then {directory / la}/ and {directory / (la + '.xml')})",
        EXIT_USAGE,
    )


def read_or_fail(path: Path) -> ssda903.Extract:
    """The extract at `path`, or a one-line error and the shared exit code."""
    try:
        extract = ssda903.read_extract(path)
    except FileNotFoundError:
        fail(f"no such file or folder: {path}", EXIT_USAGE)
    except ssda903.ExtractUnreadable as exc:
        fail(f"{path} is not a 903 extract: {exc}", EXIT_INVALID)
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}", EXIT_INVALID)
    missing = [t for t in ("header", "episodes") if extract.table(t) is None]
    if missing:
        fail(
            f"{path} is not a 903 extract: no {' and no '.join(missing)} table "
            "(CSV files with the 903 columns or named like header.csv and episodes.csv, "
            "or the XML return)",
            EXIT_INVALID,
        )
    return extract


def _print_tables(tables: dict[str, dict[str, Any]]) -> None:
    for t in tables.values():
        table = Table(title=t["title"], title_justify="left")
        numeric = [bool(t["rows"]) and all(isinstance(r[i], int) for r in t["rows"])
                   for i in range(len(t["columns"]))]  # fmt: skip
        for col, right in zip(t["columns"], numeric, strict=True):
            table.add_column(col, justify="right" if right or col == "share" else "left")
        for row in t["rows"]:
            table.add_row(*(f"{v:,}" if isinstance(v, int) else str(v) for v in row))
        out.print(table)


@ssda903_app.command()
def baseline(
    directory: Annotated[
        Path,
        typer.Argument(help="An extract (a folder of CSVs, or the XML), or a folder of them."),
    ],
    la: Annotated[
        list[str],
        typer.Option(help="The LA the extract is from (repeat for DIR/<LA> extracts)."),
    ],
    as_of: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="The day (YYYY-MM-DD) to count children on; default the latest date in the "
            "extract (an extract does not say which day it describes).",
        ),
    ] = None,
    siblings: Annotated[
        Path | None, typer.Option(help="Siblings CSV (child,sibling,policy); one --la only.")
    ] = None,
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Write the report (HTML, PNGs, JSON) here.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The figures as JSON on stdout.")] = False,
    scenario: Annotated[
        Path | None,
        typer.Option(
            help="Also write a what-if scenario (YAML) that starts from these children: "
            "their count and the places they fill in the region's homes."
        ),
    ] = None,
    quiet: Quiet = False,
) -> None:
    """Baseline figures of an LA's 903 extract (or a region's, pooled): where children
    live by placement type and provider, the DfE's distance-locality bands, distance
    from home, sibling groups together; the report with --out."""
    las = _baseline_las(la, siblings)
    say = progress_printer(quiet or as_json)
    table = _read_siblings(siblings) if siblings is not None else None
    imports = [_import_one(directory, name, len(las) == 1, _day(as_of), table, say) for name in las]
    b = ssda903.baseline(imports)
    reports = [imp.report for imp in imports]
    if as_json:
        write_json(b.to_dict() | {"reports": [r.to_dict(issues=0) for r in reports]}, None)
    else:
        _print_tables(b.tables())
        _print_issues(reports)
    if out_dir is not None:
        _write_baseline_report(b, out_dir, reports, say)
    if scenario is not None:
        _write_scenario(imports, scenario)


def _baseline_las(la: list[str], siblings: Path | None) -> list[str]:
    """The LAs named (each once), every one an area of the gazetteer; a siblings file
    goes with one LA only. Fails with a usage error otherwise."""
    las = list(dict.fromkeys(la))
    areas = set(gazetteer().area)
    unknown = [name for name in las if name not in areas]
    if unknown:
        fail(f"unknown LA {unknown[0]!r}: not an area of the gazetteer", EXIT_USAGE)
    if siblings is not None and len(las) > 1:
        fail("--siblings goes with one --la (a siblings file is one LA's)", EXIT_USAGE)
    return las


def _read_siblings(siblings: Path) -> ssda903.Table:
    try:
        return ssda903.read_siblings(siblings)
    except FileNotFoundError:
        fail(f"no such file: {siblings}", EXIT_USAGE)
    except (OSError, ValueError) as exc:
        fail(f"cannot read the siblings file {siblings}: {exc}", EXIT_INVALID)


def _import_one(
    directory: Path,
    la: str,
    only: bool,
    day: date | None,
    siblings: ssda903.Table | None,
    say: Callable[[str], None],
) -> ssda903.Import:
    """One LA's extract read and imported (its children on `day`), with a line saying
    how many children and issues it has."""
    path = _source(directory, la, only)
    say(f"reading {path}")
    extract = read_or_fail(path)
    imp = ssda903.import_extract(extract, la=la, as_of=day, siblings=siblings)
    r = imp.report
    say(
        f"{la}: {len(imp.children):,} children looked after on {imp.as_of.isoformat()}; "
        f"{len(r.errors):,} error(s), {len(r.warnings):,} warning(s)"
    )
    return imp


def _write_baseline_report(
    b: ssda903.Baseline, out_dir: Path, reports: list[ssda903.Report], say: Callable[[str], None]
) -> None:
    from reports.ssda903 import write_report

    say("drawing the report")
    try:
        written = write_report(b, out_dir, reports)
    except OSError as exc:
        fail(f"cannot write {out_dir}: {exc.strerror}", EXIT_WRITE)
    err.print(f"wrote {', '.join(p.name for p in written)} to {out_dir}", highlight=False)


def _write_scenario(imports: Sequence[ssda903.Import], path: Path) -> None:
    from scenarios.from_903 import scenario_from_903, scenario_yaml

    doc = scenario_from_903(imports)
    write_text(scenario_yaml(doc), path)
    err.print(
        f"wrote the scenario {path} ({doc['population']['children']:,} children looked after; "
        f"compare it: placematch scenario compare {path} <a changed copy>)",
        highlight=False,
    )


def _print_issues(reports: Sequence[ssda903.Report]) -> None:
    for r in reports:
        summary = r.rule_summary()
        head = f"{r.la}: {len(r.errors):,} error(s) (rows skipped), {len(r.warnings):,} warning(s)"
        if not summary:
            out.print(f"{head}.", highlight=False)
            continue
        table = Table(title=head, title_justify="left")
        for col in ("severity", "rule", "where", "count"):
            table.add_column(col, justify="right" if col == "count" else "left")
        for s in summary[:12]:
            where = f"{s['table']}.{s['column']}" if s["column"] else s["table"]
            table.add_row(s["severity"], s["rule"], where, f"{s['count']:,}")
        out.print(table)
        if len(summary) > 12:
            out.print(f"  … {len(summary) - 12} more rules (see --out)", highlight=False)


@ssda903_app.command()
def bench(
    directory: Annotated[
        Path | None,
        typer.Argument(help="An extract to import; default Leeds's generated standing population."),
    ] = None,
    la: Annotated[str, typer.Option(help="The LA the extract is from.")] = "Leeds",
    as_of: AsOf = None,
    runs: Annotated[int, typer.Option(min=1, help="Runs timed; the median is shown.")] = 5,
    server: Annotated[
        str | None,
        typer.Option(
            help="A PostgreSQL server URL (postgresql+psycopg://user@host/postgres): each run "
            "makes and drops its own database. Default: a fresh SQLite file per run."
        ),
    ] = None,
) -> None:
    """Time an import end to end (read; check and rebuild; store, chunk by chunk as the
    API and import-903 do), then the same extract imported again (every child unchanged:
    the monthly case), each into a new database."""
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        day = _day(as_of)
        if directory is None:
            pop = generate_looked_after(None, seed=0, las=(la,))
            pop.write(Path(scratch) / "extract")
            directory, day = Path(scratch) / "extract" / la, pop.as_of
        children, phases = _time_imports(directory, la, day, runs, server, Path(scratch))
    out.print(_phases_table(children, la, runs, server, phases))


def _time_imports(
    directory: Path, la: str, day: date | None, runs: int, server: str | None, scratch: Path
) -> tuple[int, dict[str, list[float]]]:
    """Each run's seconds per phase (read, check and rebuild, store, store again), each
    into a new database; and how many children the extract has."""
    import time

    import store
    from store.ssda903_chunks import import_in_chunks

    phases: dict[str, list[float]] = {
        "read": [],
        "check and rebuild": [],
        "store (first import)": [],
        "store (again, unchanged)": [],
    }
    children = 0
    for k in range(runs):
        t0 = time.perf_counter()
        extract = read_or_fail(directory)
        t1 = time.perf_counter()
        imp = ssda903.import_extract(extract, la=la, as_of=day)
        t2 = time.perf_counter()
        with _scratch_database(server, scratch / f"run{k}.db", k) as url:
            engine = store.make_engine(url)
            store.migrate(engine=engine)
            times = []
            for _ in range(2):
                started = time.perf_counter()
                import_in_chunks(engine, imp, by=None)
                times.append(time.perf_counter() - started)
            engine.dispose()
        children = len(imp.children)
        for name, took in zip(phases, (t1 - t0, t2 - t1, *times), strict=True):
            phases[name].append(took)
        err.print(f"run {k + 1}/{runs}: first import {t2 - t0 + times[0]:.2f} s", highlight=False)
    return children, phases


def _phases_table(
    children: int, la: str, runs: int, server: str | None, phases: dict[str, list[float]]
) -> Table:
    """The median of each phase, and of a first import end to end."""
    import platform
    import statistics

    machine = f"{platform.machine()}, {os.cpu_count()} cores"
    table = Table(
        title=f"Import of {children:,} children ({la}): median of {runs} runs "
        f"({machine}, {'PostgreSQL' if server else 'SQLite'})",
        title_justify="left",
    )
    table.add_column("phase")
    table.add_column("seconds", justify="right")
    for name, times_ in phases.items():
        table.add_row(name, f"{statistics.median(times_):.2f}")
    first = [sum(ts[:3]) for ts in zip(*phases.values(), strict=True)]
    table.add_row("first import, end to end", f"{statistics.median(first):.2f}")
    return table


@contextmanager
def _scratch_database(server: str | None, sqlite_path: Path, k: int) -> Iterator[str]:
    """A new empty database for one benchmark run, dropped afterwards."""
    if server is None:
        yield f"sqlite:///{sqlite_path}"
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"placematch_bench_{os.getpid()}_{k}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {name}"))
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        admin.dispose()


ssda903_app.command("dfe-check")(dfe903.dfe_check)
