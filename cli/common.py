"""What every `placematch` command shares: exit codes, errors, loading a problem,
writing JSON whole or not at all, and progress on stderr."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

import matching
from matching.problem import ProblemInvalid

if TYPE_CHECKING:
    from sqlalchemy import Engine

EXIT_USAGE = 2
EXIT_INVALID = 3
EXIT_UNKNOWN_ID = 4
EXIT_WRITE = 5
EXIT_DATABASE = 1

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url", help="Database URL; default $DATABASE_URL or sqlite:///placematch.db."
    ),
]

out = Console()
err = Console(stderr=True)


def fail(message: str, code: int) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def open_database(url: str | None) -> Engine:
    """The database, migrated to the newest schema (store imported late: a quick CLI)."""
    import store

    try:
        engine = store.make_engine(url)
        store.migrate(engine=engine)
    except Exception as exc:  # noqa: BLE001 - any connection fault is one message
        fail(f"cannot open the database {store.database_url(url)!r}: {exc}", EXIT_DATABASE)
    return engine


def load(path: Path) -> matching.Problem:
    try:
        return matching.load_problem(path)
    except ProblemInvalid as exc:
        err.print(
            f"[bold red]invalid problem[/] {path}: {len(exc.issues)} fault(s)", highlight=False
        )
        for issue in exc.issues[:200]:
            err.print(f"  {issue.path}: {issue.message}", highlight=False, markup=False)
        if len(exc.issues) > 200:
            err.print(f"  … and {len(exc.issues) - 200} more")
        raise typer.Exit(EXIT_INVALID) from None


def write_json(doc: Any, path: Path | None) -> None:
    text = json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    if path is None:
        sys.stdout.write(text)
        return
    write_text(text, path)


def write_text(text: str, path: Path) -> None:
    """Write a file whole or not at all (a temporary file, then renamed)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, "utf-8")
        tmp.replace(path)  # never leave half a file behind
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror}", EXIT_WRITE)


def progress_printer(quiet: bool) -> Callable[[str], None]:
    started = time.perf_counter()

    def say(message: str) -> None:
        if not quiet:
            err.print(f"[dim]{time.perf_counter() - started:6.1f}s[/] {message}", highlight=False)

    return say
