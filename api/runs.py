"""Background runs: batch match runs (every open referral of some LAs at once),
family-finding rounds (every waiting child and adopter of an agency's LAs at once) and
planners' scenario comparisons (simulated years, in a child process: api/comparisons.py).

A run builds its problem from the records when it starts (so it sees one consistent
moment), solves it in a worker thread (CP-SAT does its work outside the GIL), and keeps
its result in memory until the process ends. One run of each kind at a time per LA
set: a second start while one is queued or running gets a 409 naming it. Runs belong to
the process that started them: with several API workers, ask the same one
(docs/api.md). The kinds share everything but the work itself (`RunManager._match`,
`RunManager._round`, `RunManager._compare`) and their audit actions (`match.run`,
`family_finding.round`, `scenario.compare`). Comparisons also take turns: at most
`scenario_slots` simulate at once, the others stay queued.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import matching
import store
from api import comparisons
from api.auditlog import WriteLock
from matching.family_finding import FamilyFindingPolicy, adoption_problem, run_round

#: Finished runs kept (oldest forgotten first).
KEEP_RUNS = 50
#: What a run does: a batch match run, a family-finding round, a scenario comparison.
KINDS: tuple[str, ...] = ("match", "family_finding", "scenarios")
NAMES = {
    "match": "match run",
    "family_finding": "family-finding round",
    "scenarios": "scenario comparison",
}


@dataclass
class Run:
    id: str
    las: tuple[str, ...]
    by: store.User | None
    time_limit_s: float | None
    kind: str = "match"
    #: A round's policy (FamilyFindingPolicy's fields but the LAs) and seed; a
    #: comparison's scenarios, replications and bases.
    params: dict[str, Any] = field(default_factory=dict)
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
    #: A finished round's region report (HTML), drawn on first request; a
    #: comparison's, drawn with it.
    report: str | None = None
    #: A comparison's replications done, of all its scenarios' together.
    done: int = 0
    total: int = 0

    @property
    def name(self) -> str:
        return NAMES[self.kind]

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")

    @property
    def progress(self) -> float:
        if self.status in ("done", "failed"):
            return 1.0
        if self.kind == "scenarios":
            return round(min(0.99, self.done / self.total), 3) if self.total else 0.0
        if self.status == "queued" or self.clock is None or not self.limit_s:
            return 0.0
        return round(min(0.99, (time.monotonic() - self.clock) / self.limit_s), 3)

    def to_dict(self) -> dict[str, Any]:
        summary = None
        if self.result is not None and self.kind == "family_finding":
            summary = self.result["summary"]
        elif self.result is not None and self.kind == "match":
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
        scenario_dir: Path | None = None,
        scenario_slots: int = 1,
        scenario_timeout_s: float = comparisons.TIMEOUT_S,
    ) -> None:
        self.writes = writes
        self._solve = solve
        self._workers = workers
        self._runs: OrderedDict[str, Run] = OrderedDict()
        self._lock = threading.Lock()
        #: Where comparisons keep their results and report (None: a temporary folder
        #: each, removed when it finishes; the report stays in memory).
        self._scenario_dir = scenario_dir
        self._slots = threading.Semaphore(scenario_slots)
        self._scenario_timeout_s = scenario_timeout_s
        self._stop = threading.Event()
        self._children: set[Any] = set()

    def start(
        self,
        user: store.User,
        las: Collection[str],
        time_limit_s: float | None,
        *,
        kind: str = "match",
        params: dict[str, Any] | None = None,
    ) -> Run:
        """Queue a run of `kind` over the open referrals of `las`; Conflict if one of
        that kind is active for the same LAs."""
        key = tuple(sorted(set(las)))
        with self._lock:
            for run in self._runs.values():
                if run.active and run.las == key and run.kind == kind:
                    raise store.Conflict(f"{run.name} {run.id} for these LAs is still {run.status}")
            run = Run(
                id=uuid.uuid4().hex[:16],
                las=key,
                by=user,
                time_limit_s=time_limit_s,
                kind=kind,
                params=dict(params or {}),
            )
            self._runs[run.id] = run
            finished = [r.id for r in self._runs.values() if not r.active]
            for old in finished[: max(0, len(finished) - KEEP_RUNS)]:
                del self._runs[old]
        thread = threading.Thread(target=self._run, args=(run,), name=f"{kind}-run-{run.id}")
        thread.daemon = True
        thread.start()
        return run

    def get(self, run_id: str, las: Collection[str], kind: str = "match") -> Run:
        """A run of `kind` over LAs all within `las`, or NotFound."""
        run = self._runs.get(run_id)
        if run is None or run.kind != kind or not set(run.las) <= set(las):
            raise store.NotFound(NAMES[kind], run_id)
        return run

    def list(self, las: Collection[str], kind: str = "match") -> list[Run]:
        mine = set(las)
        return [r for r in reversed(self._runs.values()) if r.kind == kind and set(r.las) <= mine]

    def active(self, kind: str) -> int:
        """Runs of `kind` queued or running, over any LAs."""
        return sum(1 for r in list(self._runs.values()) if r.kind == kind and r.active)

    def close(self) -> None:
        """Stop the comparisons' child processes (the service is stopping); their runs
        fail."""
        self._stop.set()
        for child in list(self._children):
            if child.poll() is None:
                child.terminate()

    def wait(self, run_id: str, timeout_s: float = 60.0) -> Run:
        """Block until a run finishes (tests, scripts)."""
        deadline = time.monotonic() + timeout_s
        run = self._runs[run_id]
        while run.active and time.monotonic() < deadline:
            time.sleep(0.05)
        return run

    def _run(self, run: Run) -> None:
        work = {"match": self._match, "family_finding": self._round, "scenarios": self._compare}
        try:
            work[run.kind](run)
            run.status = "done"
        except Exception as exc:  # noqa: BLE001 - a failed run reports, it does not crash
            run.error = f"{type(exc).__name__}: {exc}"[:500]
            run.status = "failed"
        finally:
            run.finished_at = store.utcnow()

    @staticmethod
    def _running(run: Run, limit_s: float) -> None:
        run.limit_s = limit_s
        run.started_at = store.utcnow()
        run.clock = time.monotonic()
        run.status = "running"

    def _finish(self, run: Run, action: str, detail: dict[str, Any]) -> None:
        with self.writes.transaction(changes=False) as s:
            store.record(s, run.by, action, run.child_ids, run.id, detail)

    def _match(self, run: Run) -> None:
        with store.transaction(self.writes.engine, write=False) as s:
            problem = store.build_problem(s, list(run.las))
        run.children = len(problem.children)
        run.carers = len(problem.carers)
        run.child_ids = tuple(c.id for c in problem.children)
        self._running(run, run.time_limit_s or problem.policy.time_limit_s)

        def say(message: str) -> None:
            run.message = message

        kwargs: dict[str, Any] = {"time_limit_s": run.limit_s, "progress": say}
        if self._workers is not None:
            kwargs["workers"] = self._workers
        result = self._solve(problem, **kwargs)
        run.result = result.to_dict()
        self._finish(
            run,
            "match.run",
            {"status": result.status, "placed": result.placed, "children": run.children},
        )

    def _round(self, run: Run) -> None:
        """A family-finding round over the LAs' children with an open referral whose
        plan accepts adoption, and every adopter (the round keeps those of the LAs
        unless `beyond_region`)."""
        params = dict(run.params)
        seed = int(params.pop("seed", 0))
        policy = FamilyFindingPolicy(**params, home_las=frozenset(run.las))
        with store.transaction(self.writes.engine, write=False) as s:
            problem = store.build_problem(s, list(run.las), carer_kinds=("adoption",))
        scoped = adoption_problem(problem, policy)
        run.children = len(scoped.children)
        run.carers = len(scoped.carers)
        run.child_ids = tuple(c.id for c in scoped.children)
        self._running(run, run.time_limit_s or problem.policy.time_limit_s)

        def say(message: str) -> None:
            run.message = message

        round_ = run_round(
            problem,
            policy,
            time_limit_s=run.limit_s,
            seed=seed,
            workers=self._workers,
            progress=say,
        )
        run.result = round_.to_dict()
        summary = run.result["summary"]
        self._finish(
            run,
            "family_finding.round",
            {
                "status": summary["status"],
                "linked": summary["children_linked"],
                "children": summary["children"],
                "adopters": summary["adopters"],
            },
        )

    def _compare(self, run: Run) -> None:
        """A scenario comparison, in a child process once a slot is free. Its summary
        and differences become the result and its report is kept; the folder is
        removed unless the service keeps comparisons (`scenario_dir`)."""
        scenarios = run.params["scenarios"]
        replications = run.params["replications"]
        run.total = replications * len(scenarios)
        run.message = "waiting for another comparison to finish"
        while not self._slots.acquire(timeout=0.2):
            if self._stop.is_set():
                raise comparisons.Stopped("the service stopped before the comparison started")
        try:
            self._running(run, self._scenario_timeout_s)
            run.message = "starting the simulation"
            if self._scenario_dir is None:
                folder = Path(tempfile.mkdtemp(prefix="placematch-comparison-"))
            else:
                folder = self._scenario_dir / run.id
                folder.mkdir(parents=True, exist_ok=True)

            def tick(done: int, total: int, what: str) -> None:
                run.done = done
                run.message = f"{done} of {total} replications done (last: {what})"

            def drawing() -> None:
                run.message = "drawing the report"

            mine: list[Any] = []

            def started(child: Any) -> None:
                mine.append(child)
                self._children.add(child)

            detail = {"scenarios": len(scenarios), "replications": replications}
            try:
                run.result = comparisons.compare(
                    scenarios,
                    replications,
                    folder,
                    tick=tick,
                    drawing=drawing,
                    stop=self._stop,
                    started=started,
                    timeout_s=self._scenario_timeout_s,
                )
                run.report = (folder / "report" / "report.html").read_text("utf-8")
            except Exception:
                self._finish(run, "scenario.compare", detail | {"status": "failed"})
                raise
            finally:
                for child in mine:
                    self._children.discard(child)
                if self._scenario_dir is None:
                    shutil.rmtree(folder, ignore_errors=True)
            run.message = None
            self._finish(run, "scenario.compare", detail | {"status": "done"})
        finally:
            self._slots.release()
