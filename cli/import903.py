"""`placematch import-903 DIR --la LA`: an LA's SSDA903 extract into the database.

Reads a folder of 903 CSV files (or one XML return), checks every row, rebuilds the
children looked after on the day and writes them in chunks (store.ssda903_chunks: other
writers wait at most one chunk); prints the report a data officer works from (counts,
then each rule with an example). Bad rows never stop the import; an unreadable file
(with the row and the reason), an unknown LA or a missing header or episodes table
(cli.ssda903.read_or_fail) stops it before anything is written.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import (
    EXIT_INVALID,
    EXIT_USAGE,
    DatabaseUrl,
    err,
    fail,
    open_database,
    out,
    progress_printer,
    write_json,
    write_text,
)
from cli.ssda903 import read_or_fail
from ssda903.report import issues_csv

if TYPE_CHECKING:
    from ssda903 import Import
    from store.ssda903_write import Saved


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date (YYYY-MM-DD)", EXIT_USAGE)


def import_903(
    path: Annotated[
        Path,
        typer.Argument(help="A folder of 903 CSV files, or the XML return.", show_default=False),
    ],
    la: Annotated[str, typer.Option("--la", help="The LA whose extract it is (e.g. Leeds).")],
    siblings: Annotated[
        Path | None,
        typer.Option(help="Sibling links CSV: child, sibling, policy (must/should/apart)."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(help="The day to describe (YYYY-MM-DD); default the extract's latest date."),
    ] = None,
    year: Annotated[
        int | None,
        typer.Option(help="The return's year (2024 = 2023-24); default from the dates."),
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Check and report only; write nothing.")
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="Also write the whole report (every issue) as JSON.")
    ] = None,
    issues: Annotated[
        Path | None,
        typer.Option(help="Also write every issue as CSV (table, row, column, value, rule…)."),
    ] = None,
    examples: Annotated[int, typer.Option(help="Examples printed per rule.", min=0)] = 1,
    database_url: DatabaseUrl = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress on stderr.")] = False,
) -> None:
    """Import an LA's SSDA903 extract: check it, rebuild its children, store them."""
    import ssda903

    day = _date(as_of, "--as-of")
    _check_arguments(path, la, siblings)
    say = progress_printer(quiet)
    say(f"reading {path}")
    extract = read_or_fail(path)
    try:
        links = ssda903.read_siblings(siblings) if siblings is not None else None
    except (OSError, ValueError) as exc:
        fail(f"cannot read the siblings file {siblings}: {exc}", EXIT_INVALID)
    say(f"checking {sum(len(t.rows) for t in extract.tables.values()):,} rows")
    imported = ssda903.import_extract(extract, la=la, as_of=day, year=year, siblings=links)
    rep = imported.report
    saved = None
    if not check:
        say(f"writing {len(imported.children):,} children")
        saved = _save(imported, database_url, _files(path, siblings))
    out.print(rep.text(examples=examples), highlight=False, markup=False, soft_wrap=True)
    if report is not None:
        write_json(rep.to_dict(), report)
    if issues is not None:
        write_text(issues_csv(i.to_dict() for i in rep.issues), issues)
    if saved is None:
        err.print(f"checked only (--check): {len(imported.children):,} children, nothing written")
        return
    _print_saved(imported, saved)


def _check_arguments(path: Path, la: str, siblings: Path | None) -> None:
    """Usage errors before anything is read: an unknown LA, a missing file."""
    from store.validate import known_las

    if la not in known_las():
        fail(f"--la {la!r} is not a known LA name (e.g. Leeds, Bradford)", EXIT_USAGE)
    if not path.exists():
        fail(f"{path}: no such file or folder", EXIT_USAGE)
    if siblings is not None and not siblings.is_file():
        fail(f"--siblings {siblings}: no such file", EXIT_USAGE)


def _save(imported: Import, database_url: str | None, files: list[str]) -> Saved:
    """The import written to the database, chunk by chunk."""
    from store.ssda903_chunks import import_in_chunks

    engine = open_database(database_url)
    try:
        return import_in_chunks(engine, imported, by=None, files=files)
    finally:
        engine.dispose()


def _print_saved(imported: Import, saved: Saved) -> None:
    err.print(
        f"import {saved.run.id}: {len(imported.children):,} children looked after on "
        f"{imported.as_of:%d/%m/%Y} — {len(saved.created):,} new, {len(saved.updated):,} updated, "
        f"{len(saved.unchanged):,} unchanged, {len(saved.skipped):,} skipped; "
        f"{len(saved.sibling_groups):,} sibling groups",
        highlight=False,
        soft_wrap=True,
    )


def _files(path: Path, siblings: Path | None) -> list[str]:
    names = sorted(p.name for p in path.iterdir() if p.is_file()) if path.is_dir() else [path.name]
    return names + ([siblings.name] if siblings else [])
