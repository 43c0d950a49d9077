"""`placematch ssda903 dfe-check`: the product's 903 exports through the DfE's validator.

Builds (or reuses) the validator's own venv, generates every export the product writes
for each return year asked for, validates each and prints a table of the rules that
fail, explained or not (bench.dfe903.check; docs/ssda903.md "Checked by the DfE
validator"). Exits 1 on any unexplained rule, so CI can run it as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from cli.common import EXIT_USAGE, fail, out, progress_printer

if TYPE_CHECKING:
    from bench.dfe903.check import Finding


def dfe_check(
    year: Annotated[
        list[int] | None,
        typer.Option(
            min=2023,
            max=2027,
            help="A return, by the year it ends (repeat); default "
            "2025 2026 2027. The validator has the rules of 2023 to 2027.",
        ),
    ] = None,
    xml: Annotated[bool, typer.Option(help="Check the XML form of each export too.")] = False,
    path: Annotated[
        list[str] | None,
        typer.Option(help="An export path (repeat): generate, region, adoption; default all."),
    ] = None,
    la: Annotated[str, typer.Option(help="The LA whose return is exported.")] = "Leeds",
    children: Annotated[
        int | None, typer.Option(min=1, help="Children per generated population.")
    ] = None,
    seed: Annotated[int, typer.Option(min=0, help="Random seed of the generators.")] = 0,
    venv: Annotated[
        Path | None,
        typer.Option(
            help="The validator's venv (default $PLACEMATCH_VENV_903 or "
            "~/.cache/placematch/venv-903-<version>); built there if missing."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress lines.")] = False,
) -> None:
    """Check the product's 903 exports (every path, CSV and with --xml XML, each year)
    with the DfE's validator; exit 1 on any rule that fails unexplained."""
    from bench.dfe903.check import dfe_check as run_check
    from bench.dfe903.exports import PATHS
    from bench.dfe903.venv import validator_python

    paths = tuple(dict.fromkeys(path or PATHS))
    unknown = [p for p in paths if p not in PATHS]
    if unknown:
        fail(f"unknown export path {unknown[0]!r}: one of {', '.join(PATHS)}", EXIT_USAGE)
    say = progress_printer(quiet)
    try:
        python = validator_python(venv, say=say)
    except RuntimeError as exc:
        fail(f"cannot build the validator's venv: {exc}", 1)
    result = run_check(
        python,
        years=tuple(year or (2025, 2026, 2027)),
        paths=paths,
        forms=("csv", "xml") if xml else ("csv",),
        la=la,
        seed=seed,
        children=children,
        say=say,
    )
    out.print(_findings_table(result.findings))
    bad = result.unexplained
    failing = {f.code for f in result.findings if f.ran}
    out.print(
        f"{len(result.exports)} export(s), {len(failing)} rule(s) failing, "
        f"{len({f.code for f in bad})} unexplained"
        + (f": {', '.join(_by_number(bad))}" if bad else ""),
        highlight=False,
    )
    if bad:
        raise typer.Exit(1)


def _findings_table(findings: Sequence[Finding]) -> Table:
    """One row per rule failing (or not run) on an export: explained or not, and what
    the validator says (docs/ssda903.md gives each accepted rule's reason)."""
    table = Table(
        title="Rules the DfE validator fails on the product's exports", title_justify="left"
    )
    for col in ("year", "path", "rule", "rows", "explained", "the validator says"):
        table.add_column(col, justify="right" if col == "rows" else "left")
    for f in findings:
        e = f.export
        table.add_row(
            str(e.year), f"{e.path} {e.form}", f.code, f"{f.rows:,}" if f.ran else "not run",
            "yes" if f.explained else "[bold red]NO[/]", f.description[:60],
        )  # fmt: skip
    return table


def _by_number(findings: Sequence[Finding]) -> list[str]:
    """The rule codes, each once, in the validator's order (185 before 1003)."""
    codes = {f.code for f in findings}
    return sorted(codes, key=lambda c: (int("".join(ch for ch in c if ch.isdigit()) or 0), c))
