"""Background runs: batch match runs (every open referral of some LAs at once),
family-finding rounds (every waiting child and adopter of an agency's LAs at once) and
planners' scenario comparisons (simulated years, in a child process: api/comparisons.py).

Every run is a row in the database (store/runs.py) from the moment it is asked for:
any worker process answers its status, progress and result, and a finished run
outlives a restart. The process that starts a run does it: it builds the problem from
the records when the run starts (one consistent moment), solves it in a worker thread
(CP-SAT does its work outside the GIL), and writes the end (result, report, error)
with its audit entry in one transaction.

While it works, one thread of the process (the beat) writes each of its runs'
progress and message and a heartbeat, once every `beat_s` (a second). A run whose
heartbeat is older than `stale_s` (30 s) belongs to a process that stopped (killed,
restarted): any process that notices (on start-up, on every read and every few beats)
marks it `interrupted`, audited, and it may be restarted. A process stopping cleanly
marks its own unfinished runs interrupted at once and stops its comparisons' child
processes. One run of each kind at a time per LA set: the database's unique index,
across processes. Comparisons also take turns: at most `scenario_slots` simulate at
once in a process, the others stay queued.
"""

from __future__ import annotations

import builtins  # `list` inside RunManager is its method: the type is builtins.list
import logging
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import psutil
from sqlmodel import Session

import matching
import store
from api import comparisons
from api.auditlog import WriteLock
from matching.family_finding import (
    FamilyFindingPolicy,
    FamilyFindingRound,
    adoption_problem,
    run_round,
)
from matching.family_finding.links import LinkHistory
from store.family_links import link_history
from store.runs import NAMES, as_utc

log = logging.getLogger("placematch.runs")
T = TypeVar("T")

#: What a run does: a batch match run, a family-finding round, a scenario comparison.
KINDS: tuple[str, ...] = ("match", "family_finding", "scenarios")
#: Seconds between a process's writes of its runs' progress and heartbeat.
BEAT_S = 1.0
#: A queued or running run with no heartbeat for this long is interrupted: long enough
#: for a writer to wait out another's transaction (an import writes in ~1 s chunks).
STALE_S = 30.0


def round_with_history(
    problem: matching.Problem,
    policy: FamilyFindingPolicy,
    history: LinkHistory,
    **options: Any,
) -> FamilyFindingRound:
    """The round, told what the family-finders have done since the last one (declined
    links, interest from either side, links at panel or placed): the one place a round
    is given its history, and the tests' seam to see what it was given)."""
    return run_round(problem, policy, history=history, **options)


def owner_name() -> str:
    """This process as a run's `owner`: host, pid and the process's start time (so a
    later process given the same pid is not taken for it), and a nonce."""
    me = psutil.Process()
    return f"{socket.gethostname()[:64]}:{me.pid}:{int(me.create_time())}:{uuid.uuid4().hex[:8]}"


def owner_gone(owner: str | None) -> bool:
    """Whether the process `owner` names is known to have stopped: it ran on this host
    and no process with its pid and start time is alive. A process on another host
    (several servers on one database) is known only by its heartbeat (STALE_S)."""
    host, _, rest = (owner or "").partition(":")
    pid, _, rest = rest.partition(":")
    started, _, _nonce = rest.partition(":")
    if host != socket.gethostname()[:64] or not pid.isdigit() or not started.isdigit():
        return False
    try:
        return int(psutil.Process(int(pid)).create_time()) != int(started)
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:  # not ours to look at: alive, as far as we can tell
        return False


@dataclass(frozen=True)
class Outcome:
    """What a finished run leaves: its result, the summary lists show, its report (if
    drawn with it), and its audit entry."""

    result: dict[str, Any]
    summary: dict[str, Any] | None
    action: str
    detail: dict[str, Any]
    report: str | None = None


@dataclass
class Job:
    """A run this process is doing: what the work needs and where it has got to."""

    id: str
    kind: str
    las: tuple[str, ...]
    by: store.User | None
    time_limit_s: float | None
    params: dict[str, Any]
    message: str | None = None
    limit_s: float | None = None
    clock: float | None = None
    done: int = 0
    total: int = 0
    child_ids: tuple[str, ...] = ()
    #: The audit entry a failure leaves (comparisons: `scenario.compare`, failed).
    on_failure: tuple[str, dict[str, Any]] | None = None

    def progress(self) -> float:
        if self.kind == "scenarios":
            return round(min(0.99, self.done / self.total), 3) if self.total else 0.0
        if self.clock is None or not self.limit_s:
            return 0.0
        return round(min(0.99, (time.monotonic() - self.clock) / self.limit_s), 3)


class RunManager:
    """Starts runs, one at a time per kind and LA set, does those it started, and
    finds any run again (in the database)."""

    def __init__(
        self,
        writes: WriteLock,
        *,
        solve: Callable[..., matching.SolveResult] = matching.solve,
        workers: int | None = None,
        scenario_dir: Path | None = None,
        scenario_slots: int = 1,
        scenario_timeout_s: float = comparisons.TIMEOUT_S,
        beat_s: float = BEAT_S,
        stale_s: float = STALE_S,
    ) -> None:
        self.writes = writes
        self.engine = writes.engine
        #: Who does this process's runs, as the rows name it.
        self.owner = owner_name()
        self._solve = solve
        self._workers = workers
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        #: Where comparisons keep their results and report (None: a temporary folder
        #: each, removed when it finishes; the report is kept in the database).
        self._scenario_dir = scenario_dir
        self._slots = threading.Semaphore(scenario_slots)
        self._scenario_timeout_s = scenario_timeout_s
        self._beat_s = beat_s
        self._stale_s = stale_s
        self._stop = threading.Event()
        self._children: set[Any] = set()
        self._beat: threading.Thread | None = None

    # -- what the routes ask ------------------------------------------------------------

    def open(self) -> None:
        """On start-up: mark the runs of processes that stopped, and start beating."""
        self.sweep()
        self._ensure_beat()

    def start(
        self,
        user: store.User,
        las: Collection[str],
        time_limit_s: float | None,
        *,
        kind: str = "match",
        params: dict[str, Any] | None = None,
    ) -> store.StoredRun:
        """Queue a run of `kind` over `las` and start it; Conflict if one of that kind
        is queued or running for the same LAs (in any process)."""
        self.sweep()  # a stopped process's run must not hold the LA set
        with self.writes.transaction(changes=False) as s:
            run = store.start_run(
                s,
                kind=kind,
                las=las,
                by=user,
                owner=self.owner,
                params=params,
                time_limit_s=time_limit_s,
            )
        self._launch(run, user)
        return run

    def restart(self, run_id: str, user: store.User, kind: str) -> store.StoredRun:
        """Start an interrupted or failed run of `kind` over LAs all the user's again
        (store.restart_run); the new run."""
        self.sweep()
        with self.writes.transaction(changes=False) as s:
            _old, run = store.restart_run(s, run_id, kind, user.las, by=user, owner=self.owner)
        self._launch(run, user)
        return run

    def get(
        self, run_id: str, las: Collection[str], kind: str = "match", *, full: bool = False
    ) -> store.StoredRun:
        """A run of `kind` over LAs all within `las`, or NotFound (`full`: with its
        result and report)."""
        return self._read(lambda s: store.get_run(s, run_id, kind, las, full=full))

    def list(
        self, las: Collection[str], kind: str = "match", offset: int = 0, limit: int = 50
    ) -> builtins.list[store.StoredRun]:
        """Runs of `kind` over LAs all within `las`, newest first."""
        return self._read(lambda s: store.list_runs(s, kind, las, offset=offset, limit=limit))

    def active(self, kind: str) -> int:
        """Runs of `kind` queued or running, over any LAs, in any process."""
        with store.transaction(self.engine, write=False) as s:
            return store.count_active(s, kind)

    def save_report(self, run_id: str, html: str) -> None:
        with self.writes.transaction(changes=False) as s:
            store.save_report(s, run_id, html)

    def _read(self, read: Callable[[Session], T]) -> T:
        """`read` in a read transaction that first looks for runs whose process stopped
        (one indexed query of the few active runs); if there are any, they are marked
        before it reads."""
        with store.transaction(self.engine, write=False) as s:
            if not self._stopped(store.active_runs(s)):
                return read(s)
        self.sweep()
        with store.transaction(self.engine, write=False) as s:
            return read(s)

    def _stopped(self, active: builtins.list[store.StoredRun]) -> builtins.list[store.StoredRun]:
        """Of the active runs, those whose process stopped: it is gone from this host
        (found at once, e.g. after a kill -9 and a restart), or its heartbeat is older
        than `stale_s` (a process elsewhere)."""
        older = store.stale_before(self._stale_s)
        return [
            r
            for r in active
            if r.owner != self.owner and (owner_gone(r.owner) or as_utc(r.heartbeat_at) < older)
        ]

    def sweep(self) -> builtins.list[str]:
        """Mark interrupted (audited) the runs whose process stopped; their ids."""
        with store.transaction(self.engine, write=False) as s:
            gone = {r.owner for r in self._stopped(store.active_runs(s)) if owner_gone(r.owner)}
        older = store.stale_before(self._stale_s)
        with self.writes.transaction(changes=False) as s:
            marked = store.interrupt_stale(s, older)
            for owner in sorted(o for o in gone if o is not None):
                marked += store.interrupt_owned(s, owner, "the process running it stopped")
        for run_id in marked:
            log.warning("run %s interrupted: its process stopped", run_id)
        return marked

    def close(self) -> None:
        """The service is stopping: its unfinished runs are marked interrupted (they can
        be restarted), its comparisons' child processes stopped, the beat ended."""
        self._stop.set()
        if self._jobs:
            try:
                with self.writes.transaction(changes=False) as s:
                    store.interrupt_owned(s, self.owner, "the service stopped before it finished")
            except Exception:  # noqa: BLE001 - the heartbeat will tell the others
                log.exception("could not mark this process's runs interrupted")
        for child in list(self._children):
            if child.poll() is None:
                child.terminate()
        if self._beat is not None:
            self._beat.join(timeout=10)

    def wait(self, run_id: str, timeout_s: float = 60.0) -> store.StoredRun:
        """Block until a run is no longer queued or running (tests, scripts)."""
        deadline = time.monotonic() + timeout_s
        while True:
            with store.transaction(self.engine, write=False) as s:
                run = s.get(store.StoredRun, run_id)
            assert run is not None, run_id
            if run.status not in ("queued", "running") or time.monotonic() > deadline:
                return run
            time.sleep(0.05)

    # -- doing a run ----------------------------------------------------------------------

    def _launch(self, run: store.StoredRun, user: store.User) -> None:
        job = Job(
            id=run.id,
            kind=run.kind,
            las=tuple(run.las),
            by=user,
            time_limit_s=run.time_limit_s,
            params=dict(run.params),
        )
        with self._lock:
            self._jobs[job.id] = job
        self._ensure_beat()
        thread = threading.Thread(target=self._run, args=(job,), name=f"{job.kind}-run-{job.id}")
        thread.daemon = True
        thread.start()

    def _write(self, job: Job, **values: Any) -> bool:
        with self.writes.transaction(changes=False) as s:
            return store.write_run(s, job.id, self.owner, **values)

    def _run(self, job: Job) -> None:
        work = {"match": self._match, "family_finding": self._round, "scenarios": self._compare}
        try:
            try:
                outcome = work[job.kind](job)
            except comparisons.Stopped:
                return  # the service is stopping: close() marked the run interrupted
            except Exception as exc:  # noqa: BLE001 - a failed run reports, it does not crash
                self._failed(job, f"{type(exc).__name__}: {exc}"[:500])
                return
            self._done(job, outcome)
        except Exception:  # noqa: BLE001 - the database went away: the heartbeat stops
            log.exception("run %s: could not write its end", job.id)
        finally:
            with self._lock:
                self._jobs.pop(job.id, None)

    def _done(self, job: Job, outcome: Outcome) -> None:
        with self.writes.transaction(changes=False) as s:
            written = store.write_run(
                s,
                job.id,
                self.owner,
                status="done",
                progress=1.0,
                message=job.message,
                done=job.done,
                finished_at=store.utcnow(),
                result=outcome.result,
                summary=outcome.summary,
                report=outcome.report,
            )
            if written:
                store.record(
                    s, job.by, outcome.action, job.child_ids, job.id, outcome.detail, las=job.las
                )
        if not written:
            log.warning("run %s finished after it was marked interrupted", job.id)

    def _failed(self, job: Job, error: str) -> None:
        with self.writes.transaction(changes=False) as s:
            written = store.write_run(
                s, job.id, self.owner, status="failed", finished_at=store.utcnow(), error=error
            )
            if written and job.on_failure is not None:
                action, detail = job.on_failure
                store.record(s, job.by, action, job.child_ids, job.id, detail, las=job.las)

    def _running(self, job: Job, limit_s: float, **counts: Any) -> None:
        """The run starts its work: status running, with what it covers."""
        job.limit_s = limit_s
        job.clock = time.monotonic()
        self._write(
            job,
            status="running",
            started_at=store.utcnow(),
            child_ids=list(job.child_ids),
            total=job.total,
            message=job.message,
            **counts,
        )

    def _ensure_beat(self) -> None:
        with self._lock:
            if self._beat is None and not self._stop.is_set():
                self._beat = threading.Thread(target=self._beating, name="runs-beat", daemon=True)
                self._beat.start()

    def _beating(self) -> None:
        """Every `beat_s`: this process's runs' progress, message and heartbeat; every
        few beats, the runs of processes that stopped."""
        last_sweep = time.monotonic()
        while not self._stop.wait(self._beat_s):
            try:
                self._beat_once()
                if time.monotonic() - last_sweep >= min(self._stale_s / 3, 10.0):
                    last_sweep = time.monotonic()
                    self.sweep()
            except Exception:  # noqa: BLE001 - try again next beat
                log.exception("the runs' heartbeat could not be written")

    def _beat_once(self) -> None:
        with self._lock:
            jobs = list(self._jobs.values())
        if not jobs:
            return
        with self.writes.transaction(changes=False) as s:
            for job in jobs:
                store.write_run(
                    s,
                    job.id,
                    self.owner,
                    progress=job.progress(),
                    message=job.message,
                    done=job.done,
                )

    # -- the work of each kind ------------------------------------------------------------

    def _say(self, job: Job) -> Callable[[str], None]:
        def say(message: str) -> None:
            job.message = message

        return say

    def _match(self, job: Job) -> Outcome:
        with store.transaction(self.engine, write=False) as s:
            problem = store.build_problem(s, list(job.las))
        if job.params.get("wait_for_better"):
            problem = replace(problem, policy=replace(problem.policy, wait_for_better=True))
        job.child_ids = tuple(c.id for c in problem.children)
        limit_s = job.time_limit_s or problem.policy.time_limit_s
        self._running(job, limit_s, children=len(problem.children), carers=len(problem.carers))
        kwargs: dict[str, Any] = {"time_limit_s": limit_s, "progress": self._say(job)}
        if self._workers is not None:
            kwargs["workers"] = self._workers
        result = self._solve(problem, **kwargs)
        out = result.to_dict()
        children = len(problem.children)
        summary = {
            "status": out["status"],
            "placed": out["objective"]["placed"],
            "children": children,
            "gap": out["gap"],
        }
        detail = {"status": result.status, "placed": result.placed, "children": children}
        return Outcome(out, summary, "match.run", detail)

    def _round(self, job: Job) -> Outcome:
        """A family-finding round over the LAs' children with an open referral whose
        plan accepts adoption, and every adopter (the round keeps those of the LAs
        unless `beyond_region`)."""
        params = dict(job.params)
        seed = int(params.pop("seed", 0))
        policy = FamilyFindingPolicy(**params, home_las=frozenset(job.las))
        with store.transaction(self.engine, write=False) as s:
            problem = store.build_problem(s, list(job.las), carer_kinds=("adoption",))
            history = link_history(s, job.las)
        scoped = adoption_problem(problem, policy)
        job.child_ids = tuple(c.id for c in scoped.children)
        limit_s = job.time_limit_s or problem.policy.time_limit_s
        self._running(job, limit_s, children=len(scoped.children), carers=len(scoped.carers))
        round_ = round_with_history(
            problem,
            policy,
            history,
            time_limit_s=limit_s,
            seed=seed,
            workers=self._workers,
            progress=self._say(job),
        )
        out = round_.to_dict()
        summary = out["summary"]
        detail = {
            "status": summary["status"],
            "linked": summary["children_linked"],
            "children": summary["children"],
            "adopters": summary["adopters"],
            "declined": len(history.declined),
            "adopter_interest": len(history.adopter_interest),
            "finder_interest": len(history.finder_interest),
            "progressing": len(history.progressing),
        }
        return Outcome(out, summary, "family_finding.round", detail)

    def _compare(self, job: Job) -> Outcome:
        """A scenario comparison, in a child process once a slot is free. Its summary
        and differences become the result (and summary) and its report is kept; the
        folder is removed unless the service keeps comparisons (`scenario_dir`)."""
        replications = job.params["replications"]
        scenarios = comparisons.parse(job.params["texts"], replications).scenarios
        job.total = replications * len(scenarios)
        detail = {"scenarios": len(scenarios), "replications": replications}
        job.on_failure = ("scenario.compare", detail | {"status": "failed"})
        job.message = "waiting for another comparison to finish"
        while not self._slots.acquire(timeout=0.2):
            if self._stop.is_set():
                raise comparisons.Stopped("the service stopped before the comparison started")
        try:
            job.message = "starting the simulation"
            self._running(job, self._scenario_timeout_s)
            result, report = self._simulate(job, scenarios, replications)
        finally:
            self._slots.release()
        job.message = None
        outcome = Outcome(result, result, "scenario.compare", detail | {"status": "done"}, report)
        return outcome

    def _simulate(
        self, job: Job, scenarios: builtins.list[Any], replications: int
    ) -> tuple[dict[str, Any], str]:
        """The child process's outcomes and report, from a folder of its own."""
        if self._scenario_dir is None:
            folder = Path(tempfile.mkdtemp(prefix="placematch-comparison-"))
        else:
            folder = self._scenario_dir / job.id
            folder.mkdir(parents=True, exist_ok=True)

        def tick(done: int, total: int, what: str) -> None:
            job.done = done
            job.message = f"{done} of {total} replications done (last: {what})"

        def drawing() -> None:
            job.message = "drawing the report"

        mine: builtins.list[Any] = []

        def started(child: Any) -> None:
            mine.append(child)
            self._children.add(child)

        try:
            result = comparisons.compare(
                scenarios,
                replications,
                folder,
                tick=tick,
                drawing=drawing,
                stop=self._stop,
                started=started,
                timeout_s=self._scenario_timeout_s,
            )
            return result, (folder / "report" / "report.html").read_text("utf-8")
        finally:
            for child in mine:
                self._children.discard(child)
            if self._scenario_dir is None:
                shutil.rmtree(folder, ignore_errors=True)


__all__ = ["KINDS", "NAMES", "Job", "Outcome", "RunManager"]
