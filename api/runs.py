"""Batch match runs in the background: every open referral of some LAs at once.

A run builds its problem from the records when it starts (so it sees one consistent
moment), solves it in a worker thread (CP-SAT does its work outside the GIL), and keeps
its result in memory until the process ends. One run at a time per LA set: a second
start while one is queued or running gets a 409 naming it. Runs belong to the process
that started them: with several API workers, ask the same one (docs/api.md).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import matching
import store
from api.auditlog import WriteLock

#: Finished runs kept (oldest forgotten first).
KEEP_RUNS = 50


@dataclass
class Run:
    id: str
    las: tuple[str, ...]
    by: store.User | None
    time_limit_s: float | None
    created_at: datetime = field(default_factory=store.utcnow)
    status: str = "queued"
    started_at: datetime | None = None
    finished_at: datetime | None = None
    message: str | None = None
    children: int | None = None
    carers: int | None = None
    child_ids: tuple[str, ...] = ()
    limit_s: float | None = None
    clock: float | None = None
    result: dict[str, Any] | None = None
    error: str | None = None

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")

    @property
    def progress(self) -> float:
        if self.status in ("done", "failed"):
            return 1.0
        if self.status == "queued" or self.clock is None or not self.limit_s:
            return 0.0
        return round(min(0.99, (time.monotonic() - self.clock) / self.limit_s), 3)

    def to_dict(self) -> dict[str, Any]:
        summary = None
        if self.result is not None:
            summary = {
                "status": self.result["status"],
                "placed": self.result["objective"]["placed"],
                "children": self.children or 0,
                "gap": self.result["gap"],
            }
        return {
            "id": self.id,
            "status": self.status,
            "las": list(self.las),
            "created_at": self.created_at,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "progress": self.progress,
            "message": self.message,
            "children": self.children,
            "carers": self.carers,
            "summary": summary,
            "error": self.error,
        }


class RunManager:
    """Starts runs, one at a time per LA set, and finds them again."""

    def __init__(
        self,
        writes: WriteLock,
        *,
        solve: Callable[..., matching.SolveResult] = matching.solve,
        workers: int | None = None,
    ) -> None:
        self.writes = writes
        self._solve = solve
        self._workers = workers
        self._runs: OrderedDict[str, Run] = OrderedDict()
        self._lock = threading.Lock()

    def start(self, user: store.User, las: Collection[str], time_limit_s: float | None) -> Run:
        """Queue a run over the open referrals of `las`; Conflict if one is active."""
        key = tuple(sorted(set(las)))
        with self._lock:
            for run in self._runs.values():
                if run.active and run.las == key:
                    raise store.Conflict(f"match run {run.id} for these LAs is still {run.status}")
            run = Run(id=uuid.uuid4().hex[:16], las=key, by=user, time_limit_s=time_limit_s)
            self._runs[run.id] = run
            finished = [r.id for r in self._runs.values() if not r.active]
            for old in finished[: max(0, len(finished) - KEEP_RUNS)]:
                del self._runs[old]
        thread = threading.Thread(target=self._run, args=(run,), name=f"match-run-{run.id}")
        thread.daemon = True
        thread.start()
        return run

    def get(self, run_id: str, las: Collection[str]) -> Run:
        """A run over LAs all within `las`, or NotFound."""
        run = self._runs.get(run_id)
        if run is None or not set(run.las) <= set(las):
            raise store.NotFound("match run", run_id)
        return run

    def list(self, las: Collection[str]) -> list[Run]:
        mine = set(las)
        return [r for r in reversed(self._runs.values()) if set(r.las) <= mine]

    def wait(self, run_id: str, timeout_s: float = 60.0) -> Run:
        """Block until a run finishes (tests, scripts)."""
        deadline = time.monotonic() + timeout_s
        run = self._runs[run_id]
        while run.active and time.monotonic() < deadline:
            time.sleep(0.05)
        return run

    def _run(self, run: Run) -> None:
        try:
            with store.transaction(self.writes.engine, write=False) as s:
                problem = store.build_problem(s, list(run.las))
            run.children = len(problem.children)
            run.carers = len(problem.carers)
            run.child_ids = tuple(c.id for c in problem.children)
            run.limit_s = run.time_limit_s or problem.policy.time_limit_s
            run.started_at = store.utcnow()
            run.clock = time.monotonic()
            run.status = "running"

            def say(message: str) -> None:
                run.message = message

            kwargs: dict[str, Any] = {"time_limit_s": run.limit_s, "progress": say}
            if self._workers is not None:
                kwargs["workers"] = self._workers
            result = self._solve(problem, **kwargs)
            run.result = result.to_dict()
            with self.writes.transaction(changes=False) as s:
                store.record(
                    s,
                    run.by,
                    "match.run",
                    run.child_ids,
                    run.id,
                    {"status": result.status, "placed": result.placed, "children": run.children},
                )
            run.status = "done"
        except Exception as exc:  # noqa: BLE001 - a failed run reports, it does not crash
            run.error = f"{type(exc).__name__}: {exc}"[:500]
            run.status = "failed"
        finally:
            run.finished_at = store.utcnow()
