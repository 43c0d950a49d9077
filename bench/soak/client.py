"""Timed HTTP calls for the soak: every answer is recorded under its route (the path
template, `GET /children/{id}/matches`) with its latency, and any status the call did
not expect, or a failure to get an answer at all, is an error of that route.

The per-route figures are `api.load.LoadReport`s, the same percentiles as bench-api.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import httpx

from api.load import LoadReport

#: A check of an answer beyond its status (e.g. a 422 that must name the rules broken).
Check = Callable[[httpx.Response], bool]


@dataclass
class Recorder:
    """Latencies and errors by route, for one phase of the soak."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    errors: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    examples: dict[str, str] = field(default_factory=dict)

    def add(self, route: str, ms: float, status: int | None, error: str | None) -> None:
        self.latencies[route].append(ms)
        if status is not None:
            self.statuses[route][status] += 1
        if error is not None:
            self.errors[route][error] += 1

    def note(self, route: str, error: str, detail: str) -> None:
        """Keep the first answer of each kind of error, for the report."""
        self.examples.setdefault(f"{route}: {error}", detail[:300])

    @property
    def error_count(self) -> int:
        return sum(sum(c.values()) for c in self.errors.values())

    @property
    def request_count(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    def reports(self, seconds: float, clients: int) -> dict[str, LoadReport]:
        """A LoadReport per route, in route order."""
        return {
            route: LoadReport(
                len(ms), clients, seconds, tuple(ms), dict(self.errors.get(route, {}))
            )
            for route, ms in sorted(self.latencies.items())
        }

    def overall(self, seconds: float, clients: int) -> LoadReport:
        every = tuple(ms for v in self.latencies.values() for ms in v)
        errors: Counter[str] = Counter()
        for c in self.errors.values():
            errors.update(c)
        return LoadReport(len(every), clients, seconds, every, dict(errors))


class Caller:
    """One signed-in user's HTTP client that times and records every call."""

    def __init__(self, http: httpx.AsyncClient, token: str, recorder: Recorder) -> None:
        self.http, self.recorder = http, recorder
        self.headers = {"Authorization": f"Bearer {token}"}

    async def call(
        self,
        method: str,
        route: str,
        path: str,
        expect: Collection[int],
        check: Check | None = None,
        **kw: Any,
    ) -> httpx.Response | None:
        """Send, time and record; the answer if one came (whatever its status)."""
        started = time.perf_counter()
        try:
            answer = await self.http.request(method, path, headers=self.headers, **kw)
        except httpx.HTTPError as exc:
            self.recorder.add(route, _ms(started), None, type(exc).__name__)
            self.recorder.note(route, type(exc).__name__, str(exc))
            return None
        error = None
        if answer.status_code not in expect:
            error = f"HTTP {answer.status_code}"
        elif check is not None and not check(answer):
            error = f"HTTP {answer.status_code} (wrong answer)"
        self.recorder.add(route, _ms(started), answer.status_code, error)
        if error is not None:
            self.recorder.note(route, error, answer.text)
        return answer


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def items_of(answer: httpx.Response) -> list[Any]:
    """A list answer's items: the paged shape (`{"items": [...]}`), or a bare array as
    some lists answered before issue 13."""
    body = answer.json()
    return list(body["items"] if isinstance(body, dict) else body)
