"""`placematch serve`, `bench-api` and `bench-pages`: the HTTP service, and its load benches.

`serve` starts the API (uvicorn). On an empty database (no children, households or
users) it first loads the demo region (the same as `placematch demo`: West Yorkshire,
300 referrals, 900 households, seed 0), the generated West Yorkshire adoption agency
(240 children waiting, 100 adopters) and Leeds's 903 extract, makes demo accounts (a
Leeds placement officer, a Leeds manager (admin), a family-finder and a planner of the
five West Yorkshire LAs) and prints their tokens, once, so the API can be tried with
curl at once. Any other start creates no account and prints no token: a database with
records may be an LA's own, and a token in a log is a token anyone with the log holds.
`--demo-tokens` revokes the demo accounts' tokens and prints new ones, on purpose.
What goes into the database is api/demo.py's (the soak prepares its database the same way).

`bench-api` starts the same server on a loopback port (or targets --url), drives
ranked-match requests from many concurrent clients and reports throughput and latency
percentiles (docs/bench-api.md); `bench-pages` does the same for the web pages an
officer opens most, signed in through the form as a browser is.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from api.demo import DEMO_USERS, prepare_demo, sqlite_url
from api.load import drive, open_referrals, wait_until_up
from bench.ports import free_port
from cli.common import EXIT_DATABASE, EXIT_USAGE, err, fail, out

if TYPE_CHECKING:
    from api.load import LoadReport


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
    db: Annotated[
        Path | None,
        typer.Option(help="SQLite file; default $DATABASE_URL, else ./placematch.db."),
    ] = None,
    reload_demo: Annotated[
        bool, typer.Option("--reload-demo", help="Start the SQLite file again from the demo.")
    ] = False,
    demo: Annotated[
        bool, typer.Option("--demo/--no-demo", help="Load the demo region into an empty database.")
    ] = True,
    demo_tokens: Annotated[
        bool,
        typer.Option(
            "--demo-tokens",
            help="Revoke the demo accounts' tokens and print new ones (making the accounts "
            "if need be), on any database.",
        ),
    ] = False,
    workers: Annotated[int, typer.Option(min=1, max=16, help="uvicorn worker processes.")] = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request.")] = True,
) -> None:
    """Start the API (docs at /docs). On an empty database: the demo region, and its demo
    tokens printed once."""
    import uvicorn

    import store

    url = sqlite_url(db) if db is not None else store.database_url()
    try:
        tokens = prepare_demo(
            url,
            reload_demo=reload_demo,
            demo_tokens=demo_tokens,
            load_demo=demo,
            say=lambda m: err.print(m),
        )
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    except Exception as exc:  # noqa: BLE001 - any connection fault is one message
        fail(f"cannot open the database {url!r}: {exc}", EXIT_DATABASE)
    base = f"http://{host}:{port}"
    # Plain lines (never wrapped), so a script can read the tokens.
    print(f"placematch API on {base} (docs: {base}/docs), database {url}", flush=True)
    _print_tokens(tokens, base)
    os.environ["DATABASE_URL"] = url
    uvicorn.run(
        "api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level="info",
    )


def _print_tokens(tokens: dict[str, str], base: str) -> None:
    """The demo tokens just made (shown this once), or how to get a token."""
    if not tokens:
        print(
            "no token shown: tokens are printed only when they are made. For one, run "
            "`placematch users create --name NAME --role ROLE --la LA`, or restart with "
            "--demo-tokens for new demo tokens (the old ones are revoked).",
            flush=True,
        )
        return
    print("demo tokens, shown only now (keep them; only their hashes are stored):", flush=True)
    for role, token in tokens.items():
        las = next(", ".join(la) for _, r, la in DEMO_USERS if r == role)
        print(f"demo {role} ({las}) token: {token}", flush=True)
    officer = tokens["placement_officer"]
    print(f'try: curl -H "Authorization: Bearer {officer}" "{base}/referrals?limit=3"', flush=True)


def _start_server(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ, DATABASE_URL=url)
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "api.app:app_from_env",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env)


def stop_server(server: subprocess.Popen[bytes]) -> None:
    """Stop a server process: politely, then for good after 20 s."""
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def markdown(reports: list[LoadReport], command: str, workers: int | None) -> str:
    """The runs and their median as a markdown table."""
    rows = [r.row() for r in reports]
    keys = ["requests", "errors", "throughput", "p50_ms", "p95_ms", "p99_ms", "max_ms"]
    heads = ["requests", "errors", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"]
    lines = [
        f"`{command}`" + (f" ({workers} uvicorn worker(s))" if workers else ""),
        "",
        "| run | " + " | ".join(heads) + " |",
        "|---" * (len(heads) + 1) + "|",
    ]
    for k, row in enumerate(rows, 1):
        lines.append(f"| {k} | " + " | ".join(str(row[key]) for key in keys) + " |")
    if len(rows) > 1:
        med = {key: statistics.median(float(r[key]) for r in rows) for key in keys}
        lines.append(
            "| **median** | "
            + " | ".join(
                f"{med[key]:.0f}" if key in ("requests", "errors") else f"{med[key]:.1f}"
                for key in keys
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


@contextmanager
def _fresh_demo_servers(
    runs: int, workers: int, prefix: str
) -> Iterator[Iterator[tuple[str, dict[str, str]]]]:
    """For each run, a server over a fresh copy of the demo region (SQLite) on a loopback
    port: (base URL, the demo tokens), stopped when the next run starts or the loop ends."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        template = Path(tmp) / "template.db"
        err.print("preparing the demo region (SQLite)", highlight=False)
        tokens = prepare_demo(sqlite_url(template))

        def each_run() -> Iterator[tuple[str, dict[str, str]]]:
            for k in range(runs):
                db = Path(tmp) / f"run{k}.db"
                shutil.copyfile(template, db)
                port = free_port()
                server = _start_server(sqlite_url(db), port, workers)
                try:
                    target = f"http://127.0.0.1:{port}"
                    wait_until_up(target)
                    yield target, tokens
                finally:
                    stop_server(server)

        yield each_run()


def bench_api(
    clients: Annotated[int, typer.Option(min=1, max=500, help="Concurrent clients.")] = 50,
    requests: Annotated[int, typer.Option(min=1, max=1_000_000, help="Requests per run.")] = 2000,
    runs: Annotated[int, typer.Option(min=1, max=20, help="Runs (each on a fresh server).")] = 3,
    workers: Annotated[int, typer.Option(min=1, max=16, help="uvicorn workers.")] = 1,
    url: Annotated[
        str | None, typer.Option(help="Target a running server instead (needs --token).")
    ] = None,
    token: Annotated[str | None, typer.Option(help="Bearer token for --url.")] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Also write the markdown table here.")
    ] = None,
) -> None:
    """Drive ranked-match requests from concurrent clients; report throughput and
    p50/p95/p99 latency. Without --url: each run starts the API on a loopback port over
    a fresh copy of the demo region (SQLite) and stops it after."""
    if (url is None) != (token is None):
        fail("--url and --token go together", EXIT_USAGE)
    reports = []
    given = [(url, {"placement_officer": token or ""})] * runs if url else None
    with (
        nullcontext(iter(given))
        if given is not None
        else _fresh_demo_servers(runs, workers, "placematch-bench-api-")
    ) as targets:
        for k, (target, tokens) in enumerate(targets):
            bearer = tokens["placement_officer"]
            wait_until_up(target)
            subjects = open_referrals(target, bearer)
            # One request first, as a served API has long since done: it builds the
            # problem for the user's LAs (~0.4 s), which every request would wait for.
            drive(target, bearer, subjects[:1], clients=1, requests=1)
            report = drive(target, bearer, subjects, clients=clients, requests=requests)
            reports.append(report)
            row = report.row()
            err.print(
                f"run {k + 1}: {row['requests']} requests, {row['errors']} errors, "
                f"{row['throughput']} req/s, p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, "
                f"p99 {row['p99_ms']} ms ({len(subjects)} children)",
                highlight=False,
            )
    command = f"placematch bench-api --clients {clients} --requests {requests} --runs {runs}"
    if workers != 1:
        command += f" --workers {workers}"
    text = markdown(reports, command, workers if url is None else None)
    out.print(text, markup=False, highlight=False, soft_wrap=True)
    if out_path is not None:
        out_path.write_text(text, "utf-8")
    if any(r.error_count for r in reports):
        raise typer.Exit(1)


#: The pages an officer opens most, in the order a person opens them for one child.
PAGE_KINDS = ("referrals", "child", "matches")


def bench_pages(
    clients: Annotated[int, typer.Option(min=1, max=500, help="Concurrent users.")] = 20,
    requests: Annotated[int, typer.Option(min=1, max=1_000_000, help="Pages per run.")] = 900,
    runs: Annotated[int, typer.Option(min=1, max=20, help="Runs (each on a fresh server).")] = 3,
    workers: Annotated[int, typer.Option(min=1, max=16, help="uvicorn workers.")] = 1,
    think: Annotated[
        float,
        typer.Option(
            min=0.0,
            max=60.0,
            help="Each user's mean pause between pages, in seconds: a random 0 to 2x this "
            "after each page (0: none, each user asks again at once).",
        ),
    ] = 0.0,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Also write the markdown table here.")
    ] = None,
) -> None:
    """Signed-in officers opening web pages at once: the referral list, a child's page and
    the child's matches, in turn over the open referrals; p50/p95 per page. Each run
    starts `placematch serve`'s app over a fresh copy of the demo region (SQLite), signs
    in through the form as a browser does, and stops the server after. Without --think
    each user opens the next page the moment the last arrives (a closed loop: the
    heaviest load 20 users can make); with --think they pause between pages as people do."""
    from api.load import drive_pages, open_referrals, sign_in_for_pages

    per_run: list[dict[str, LoadReport]] = []
    with _fresh_demo_servers(runs, workers, "placematch-bench-pages-") as fresh:
        for k, (target, tokens) in enumerate(fresh):
            officer = tokens["placement_officer"]
            children = open_referrals(target, officer)
            session = sign_in_for_pages(target, officer)
            pages = [
                (kind, path)
                for child in children
                for kind, path in zip(
                    PAGE_KINDS,
                    ("/referrals", f"/children/{child}", f"/children/{child}/matches"),
                    strict=True,
                )
            ]
            drive_pages(target, session, pages[:3], clients=1, requests=3)  # build the problem
            reports = drive_pages(
                target, session, pages, clients=clients, requests=requests, think_s=think
            )
            per_run.append(reports)
            err.print(
                f"run {k + 1}: "
                + "; ".join(
                    f"{kind} p50 {r.row()['p50_ms']} ms p95 {r.row()['p95_ms']} ms"
                    for kind, r in reports.items()
                )
                + f" ({sum(r.error_count for r in reports.values())} errors)",
                highlight=False,
            )
    command = f"placematch bench-pages --clients {clients} --requests {requests} --runs {runs}"
    if workers != 1:
        command += f" --workers {workers}"
    if think:
        command += f" --think {think:g}"
    text = pages_markdown(per_run, command, workers)
    out.print(text, markup=False, highlight=False, soft_wrap=True)
    if out_path is not None:
        out_path.write_text(text, "utf-8")


def pages_markdown(per_run: list[dict[str, LoadReport]], command: str, workers: int) -> str:
    """Each page's p50/p95/p99 per run, and the median over runs."""
    lines = [
        f"`{command}` ({workers} uvicorn worker(s))",
        "",
        "| page | run | pages | errors | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind in PAGE_KINDS:
        rows = [reports[kind].row() for reports in per_run if kind in reports]
        for k, row in enumerate(rows, 1):
            lines.append(
                f"| {kind} | {k} | {row['requests']} | {row['errors']} | {row['p50_ms']} | "
                f"{row['p95_ms']} | {row['p99_ms']} |"
            )
        if len(rows) > 1:
            med = {
                key: statistics.median(float(r[key]) for r in rows)
                for key in ("p50_ms", "p95_ms", "p99_ms")
            }
            lines.append(
                f"| {kind} | **median** | | | {med['p50_ms']:.1f} | **{med['p95_ms']:.1f}** | "
                f"{med['p99_ms']:.1f} |"
            )
    return "\n".join(lines) + "\n"
