"""A load bench for the API: many concurrent clients asking for ranked matches.

`drive` sends `requests` GETs of `/children/{id}/matches` from `clients` concurrent
clients over the given children in turn, and measures each request from send to the
last byte of the answer. Each client is one keep-alive HTTP/1.1 connection driven by
a minimal asyncio client: on a 2-core machine the load generator shares the CPU with
the server, and a general-purpose client (httpx) spends more CPU per request than the
server does, which would measure the client. Bounded in count and time; meant for a
server on loopback (`placematch bench-api`).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from api.websession import SESSION_COOKIE

T = TypeVar("T")


@dataclass(frozen=True)
class LoadReport:
    requests: int
    clients: int
    seconds: float
    latencies_ms: tuple[float, ...]
    errors: dict[str, int] = field(default_factory=dict)

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def percentile(self, q: float) -> float:
        """The q-th percentile latency in ms (nearest rank)."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
        return ordered[rank - 1]

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies_ms) if self.latencies_ms else float("nan")

    def row(self) -> dict[str, float | int]:
        return {
            "requests": self.requests,
            "errors": self.error_count,
            "seconds": round(self.seconds, 2),
            "throughput": round(self.throughput, 1),
            "p50_ms": round(self.percentile(50), 1),
            "p95_ms": round(self.percentile(95), 1),
            "p99_ms": round(self.percentile(99), 1),
            "max_ms": round(max(self.latencies_ms, default=float("nan")), 1),
        }


#: One request: the index of its path, its latency in ms, its error (None if it was a 200).
Timing = tuple[int, float, str | None]


class HttpError(Exception):
    """The server's answer was not HTTP as expected."""


class Connection:
    """One keep-alive HTTP/1.1 connection that sends GETs and reads whole answers."""

    def __init__(self, host: str, port: int, headers: dict[str, str]) -> None:
        self.host, self.port = host, port
        lines = [f"Host: {host}:{port}", *(f"{k}: {v}" for k, v in headers.items())]
        self._head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        assert self._reader is not None
        self._writer.write(f"GET {path} HTTP/1.1\r\n".encode("latin-1") + self._head)
        head = await self._reader.readuntil(b"\r\n\r\n")
        try:
            status = int(head[9:12])
        except ValueError:
            raise HttpError(f"bad status line {head[:40]!r}") from None
        fields = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            fields[name.strip().lower()] = value.strip().lower()
        if b"content-length" in fields:
            body = await self._reader.readexactly(int(fields[b"content-length"]))
        elif fields.get(b"transfer-encoding") == b"chunked":
            parts = []
            while True:
                size = int((await self._reader.readline()).split(b";")[0], 16)
                chunk = await self._reader.readexactly(size + 2)
                if size == 0:
                    break
                parts.append(chunk[:-2])
            body = b"".join(parts)
        else:
            body = await self._reader.read()
            await self.close()
        if fields.get(b"connection") == b"close":
            await self.close()
        return status, body

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None


async def _drive(
    url: str,
    headers: dict[str, str],
    paths: Sequence[str],
    clients: int,
    requests: int,
    timeout_s: float,
    deadline_s: float,
    think_s: float = 0.0,
) -> tuple[float, list[Timing]]:
    """GET `paths` in turn from `clients` keep-alive connections: the seconds taken and
    each request's path index, latency and error (None when it answered 200). With
    `think_s`, each client pauses a random 0 to 2 × `think_s` seconds (uniform, seeded
    by the client's number) after each answer, as a person reads a page before the
    next; the pause is not in any latency."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    timings: list[Timing] = []
    counter = itertools.count()
    stop_at = time.perf_counter() + deadline_s

    async def worker(number: int) -> None:
        conn = Connection(host, port, headers)
        pauses = random.Random(number)
        try:
            while time.perf_counter() < stop_at:
                i = next(counter)
                if i >= requests:
                    return
                started = time.perf_counter()
                error: str | None = None
                try:
                    status, _ = await asyncio.wait_for(conn.get(paths[i % len(paths)]), timeout_s)
                    if status != 200:
                        error = f"HTTP {status}"
                except (TimeoutError, OSError, asyncio.IncompleteReadError, HttpError) as exc:
                    error = type(exc).__name__
                    await conn.close()
                timings.append((i % len(paths), (time.perf_counter() - started) * 1000, error))
                if think_s > 0:
                    await asyncio.sleep(pauses.uniform(0, 2 * think_s))
        finally:
            await conn.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(clients)))
    return time.perf_counter() - began, timings


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run the load on its own event loop: in this thread, or in a thread of its own when
    this one already runs a loop (a caller inside asyncio, or a browser driver's loop)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def drive(
    url: str,
    token: str,
    subjects: Sequence[str],
    *,
    clients: int = 50,
    requests: int = 2000,
    timeout_s: float = 30.0,
    deadline_s: float = 600.0,
) -> LoadReport:
    """Ranked matches (`/children/{id}/matches`, JSON) for `subjects` in turn; stops
    after `requests` or `deadline_s`, whichever first."""
    if not subjects:
        raise ValueError("no children to ask about")
    base = urlsplit(url).path.rstrip("/")
    paths = [f"{base}/children/{quote(s, safe='')}/matches" for s in subjects]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    seconds, timings = _run(_drive(url, headers, paths, clients, requests, timeout_s, deadline_s))
    return _report(timings, clients, seconds)


def drive_pages(
    url: str,
    session: str,
    pages: Sequence[tuple[str, str]],
    *,
    clients: int = 20,
    requests: int = 600,
    timeout_s: float = 30.0,
    deadline_s: float = 600.0,
    think_s: float = 0.0,
) -> dict[str, LoadReport]:
    """Web pages as a signed-in browser asks for them: `pages` is (kind, path) in the
    order to visit, in turn; one report per kind (all kinds share the same load).
    `think_s`: each client's mean pause between pages (0: none, a closed loop)."""
    if not pages:
        raise ValueError("no pages to ask for")
    headers = {"Cookie": f"{SESSION_COOKIE}={session}", "Accept": "text/html"}
    paths = [path for _, path in pages]
    seconds, timings = _run(
        _drive(url, headers, paths, clients, requests, timeout_s, deadline_s, think_s)
    )
    by_kind: dict[str, list[Timing]] = {kind: [] for kind, _ in pages}
    for timing in timings:
        by_kind[pages[timing[0]][0]].append(timing)
    return {kind: _report(kind_timings, clients, seconds) for kind, kind_timings in by_kind.items()}


def _report(timings: Sequence[Timing], clients: int, seconds: float) -> LoadReport:
    latencies = tuple(ms for _, ms, _ in timings)
    errors = Counter(error for _, _, error in timings if error is not None)
    return LoadReport(len(latencies), clients, seconds, latencies, dict(errors))


def sign_in_for_pages(url: str, token: str) -> str:
    """The session cookie a browser gets by signing in with `token` through the form."""
    with httpx.Client(base_url=url, headers={"Accept": "text/html"}) as client:
        form = client.get("/sign-in")
        form.raise_for_status()
        check = re.search(r'name="sign_in_check" value="([^"]+)"', form.text)
        if check is None:
            raise HttpError("the sign-in page has no sign_in_check field")
        answer = client.post("/sign-in", data={"token": token, "sign_in_check": check.group(1)})
        session = client.cookies.get(SESSION_COOKIE)
        if answer.status_code not in (200, 303) or not session:
            raise HttpError(f"sign-in failed: HTTP {answer.status_code}")
        return session


def open_referrals(url: str, token: str, limit: int = 1000) -> list[str]:
    """The children with an open referral that `token`'s user can see."""
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}) as client:
        answer = client.get("/referrals", params={"limit": limit})
        answer.raise_for_status()
        return [r["child_id"] for r in answer.json()["items"]]


def wait_until_up(url: str, timeout_s: float = 60.0) -> None:
    """Poll /health until the server answers (or raise TimeoutError)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not come up within {timeout_s:.0f} s")
