"""`placematch bench-bodies`: how a running service answers one huge JSON body, and
whether it stays responsive meanwhile (issue 13: a 1,000,000-item array took 12.9 s and
stalled /health for 9.7 s).

It sends `{"needs": ["x", "x", ...]}` with `--items` items (4 bytes each) to
`POST /children`, declared at its length as any client would, while another thread asks
`/health` every 50 ms; it reports the big request's status and time, and the slowest
/health answer while it was in flight. Figures: docs/benchmarks.md.
"""

from __future__ import annotations

import statistics
import threading
import time
from typing import Annotated

import httpx
import typer

from cli.common import EXIT_USAGE, fail, out


def big_body(items: int) -> bytes:
    return b'{"needs": [' + b",".join([b'"x"'] * items) + b"]}"


def probe(url: str, token: str, items: int) -> dict[str, float | int | str]:
    """One huge body against `url`, with /health watched meanwhile."""
    body = big_body(items)
    health: list[float] = []
    done = threading.Event()

    def watch() -> None:
        with httpx.Client(base_url=url, timeout=120) as client:
            while not done.is_set():
                start = time.perf_counter()
                client.get("/health")
                health.append(1000 * (time.perf_counter() - start))
                done.wait(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    start = time.perf_counter()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        answer = httpx.post(f"{url}/children", content=body, headers=headers, timeout=300)
        status: int | str = answer.status_code
        size = len(answer.content)
    except httpx.HTTPError as exc:  # the server may close while the body is still sent
        status, size = type(exc).__name__, 0
    seconds = time.perf_counter() - start
    done.set()
    watcher.join()
    return {
        "items": items,
        "body_mb": round(len(body) / 2**20, 1),
        "status": status,
        "answer_bytes": size,
        "seconds": round(seconds, 3),
        "health_checks": len(health),
        "health_max_ms": round(max(health), 1) if health else float("nan"),
        "health_median_ms": round(statistics.median(health), 1) if health else float("nan"),
    }


def bench_bodies(
    url: Annotated[str, typer.Option(help="A running service, e.g. http://127.0.0.1:8000.")],
    token: Annotated[str, typer.Option(help="A placement officer's bearer token.")],
    items: Annotated[
        list[int], typer.Option(help="Items in the array (repeat for several sizes).")
    ] = [1_000_000],  # noqa: B006 - typer reads the default
) -> None:
    """Send one huge JSON body per size and watch /health meanwhile; a markdown table."""
    if any(n < 1 or n > 10_000_000 for n in items):
        fail("--items must be 1 to 10,000,000", EXIT_USAGE)
    keys = ["items", "body_mb", "status", "answer_bytes", "seconds", "health_checks"]
    keys += ["health_max_ms", "health_median_ms"]
    lines = ["| " + " | ".join(keys) + " |", "|---" * len(keys) + "|"]
    for n in items:
        row = probe(url.rstrip("/"), token, n)
        lines.append("| " + " | ".join(str(row[k]) for k in keys) + " |")
    out.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)
