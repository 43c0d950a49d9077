"""`placematch soak`: the fault and load suite an LA can run itself (bench/soak/).

It starts a throwaway database (PostgreSQL by default: a cluster of its own, removed
after), loads the demo region, serves it with `uvicorn --workers N`, drives an LA's
day from several users of several LAs at once, checks the invariants in the database,
kills the server with SIGKILL in the middle of confirmations, a 903 import and a batch
run, and finishes with a stateful schemathesis run. Exit 1 if anything failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import EXIT_USAGE, err, fail, out


def soak(
    minutes: Annotated[
        float, typer.Option(min=0.1, max=600, help="How long the mixed load runs.")
    ] = 5.0,
    workers: Annotated[int, typer.Option(min=1, max=16, help="uvicorn worker processes.")] = 2,
    clients: Annotated[int, typer.Option(min=1, max=200, help="Concurrent users.")] = 12,
    database: Annotated[
        str, typer.Option(help="postgresql (a throwaway cluster) or sqlite (a file).")
    ] = "postgresql",
    think_ms: Annotated[
        int, typer.Option(min=0, max=60_000, help="Mean pause of each user between calls.")
    ] = 100,
    import_every: Annotated[
        float, typer.Option(min=1, help="Seconds between 903 uploads during the load.")
    ] = 60.0,
    faults: Annotated[
        bool, typer.Option("--faults/--no-faults", help="kill -9 during work, then check.")
    ] = True,
    stateful_minutes: Annotated[
        float, typer.Option(min=0, max=600, help="Stateful schemathesis run (0: none).")
    ] = 1.0,
    seed: Annotated[int, typer.Option(help="Seed of the users' choices.")] = 0,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Also append the markdown report here.")
    ] = None,
) -> None:
    """The fault and load suite: mixed load with p50/p95 by route, invariants checked in
    the database, kill -9 during confirmations, an import and a batch run, and a stateful
    schemathesis run (docs/security.md, "Probing it yourself")."""
    from bench.report import machine
    from bench.soak.report import markdown
    from bench.soak.server import BACKENDS, SoakError
    from bench.soak.suite import SoakOptions, run_soak

    if database not in BACKENDS:
        fail(f"--database must be one of {', '.join(BACKENDS)}, not {database!r}", EXIT_USAGE)
    options = SoakOptions(
        minutes=minutes,
        workers=workers,
        clients=clients,
        database=database,
        think_s=think_ms / 1000,
        import_every_s=import_every,
        faults=faults,
        stateful_minutes=stateful_minutes,
        seed=seed,
    )
    command = (
        f"placematch soak --minutes {minutes:g} --workers {workers} --clients {clients} "
        f"--database {database}"
    )
    try:
        run = run_soak(options, command, machine(), lambda m: err.print(m, highlight=False))
    except SoakError as exc:
        fail(str(exc), 1)
    text = markdown(run)
    out.print(text, markup=False, highlight=False, soft_wrap=True)
    if out_path is not None:
        with out_path.open("a", encoding="utf-8") as f:
            f.write(text + "\n")
    if not run.ok:
        raise typer.Exit(1)
