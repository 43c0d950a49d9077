"""Background work kept in the database: batch match runs, family-finding rounds and
scenario comparisons (table `background_run`).

A run is a row from the moment it is asked for, so every process of the service reads
the same runs, and a finished one outlives a restart. The process doing a run (its
`owner`) writes its progress and `heartbeat_at` as it goes, and its end (result,
report or error) in one conditional UPDATE: only while the row is still queued or
running and still its own, so a run another process has meanwhile marked
`interrupted` stays so.

Rules the database keeps, across processes: one queued or running run per kind and LA
set (a partial unique index on `kind, la_key`); a run is restarted once at most
(`restarted_as` set by a conditional UPDATE). A run whose heartbeat stopped (its
process was killed or restarted) is marked `interrupted` by whichever process notices
first (`interrupt_stale`, one conditional UPDATE per run, each audited once), and may
be started again (`restart_run`) as a new run that names the one it replaces.

Another LA set's run is NotFound, exactly like an unknown id.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, Update, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import Session, col, func, select

from store.audit import record
from store.errors import Conflict, NotFound
from store.models import RUN_ACTIVE, RUN_KINDS, StoredRun, User, utcnow

#: What each kind is called in messages.
NAMES = {
    "match": "match run",
    "family_finding": "family-finding round",
    "scenarios": "scenario comparison",
}
#: The audit action for a run of each kind marked interrupted, and restarted.
INTERRUPTED = {
    "match": "match.run_interrupted",
    "family_finding": "family_finding.round_interrupted",
    "scenarios": "scenario.compare_interrupted",
}
#: Statuses from which a run may be started again.
RESTARTABLE: tuple[str, ...] = ("interrupted", "failed")
#: The columns a status answer does not need (the result may be megabytes). SQLModel
#: types a column attribute as its value; on the class it is the mapped attribute.
HEAVY = cast("tuple[QueryableAttribute[Any], ...]", (StoredRun.result, StoredRun.report))


def la_key(las: Iterable[str]) -> str:
    """The LA set as one bounded value (a user may have many LAs), for the index."""
    return hashlib.sha256("\n".join(sorted(set(las))).encode("utf-8")).hexdigest()


def _active(s: Session, kind: str, key: str) -> StoredRun | None:
    query = select(StoredRun).where(
        StoredRun.kind == kind, StoredRun.la_key == key, col(StoredRun.status).in_(RUN_ACTIVE)
    )
    return s.exec(query.options(*(defer(c) for c in HEAVY))).first()


def _busy(run: StoredRun) -> Conflict:
    return Conflict(f"{NAMES[run.kind]} {run.id} for these LAs is still {run.status}")


def start_run(
    s: Session,
    *,
    kind: str,
    las: Collection[str],
    by: User | None,
    owner: str,
    params: dict[str, Any] | None = None,
    time_limit_s: float | None = None,
    restarted_from: str | None = None,
) -> StoredRun:
    """A new queued run of `kind` over `las`, owned by `owner`; Conflict naming the
    one of that kind queued or running for the same LA set (the unique index decides
    when two processes start one at once)."""
    if kind not in RUN_KINDS:
        raise ValueError(f"unknown kind of run {kind!r}")
    key = la_key(las)
    running = _active(s, kind, key)
    if running is not None:
        raise _busy(running)
    run = StoredRun(
        id=uuid.uuid4().hex[:16],
        kind=kind,
        las=sorted(set(las)),
        la_key=key,
        user_id=by.id if by is not None else None,
        params=dict(params or {}),
        time_limit_s=time_limit_s,
        owner=owner,
        restarted_from=restarted_from,
    )
    try:
        with s.begin_nested():
            s.add(run)
            s.flush()
    except IntegrityError:
        running = _active(s, kind, key)
        if running is None:
            raise
        raise _busy(running) from None
    return run


def get_run(
    s: Session, run_id: str, kind: str, las: Collection[str], *, full: bool = False
) -> StoredRun:
    """A run of `kind` over LAs all within `las` (with its result and report when
    `full`), or NotFound: another LA set's run answers as an unknown id."""
    query = select(StoredRun).where(StoredRun.id == run_id)
    if not full:
        query = query.options(*(defer(c) for c in HEAVY))
    run = s.exec(query).first()
    if run is None or run.kind != kind or not set(run.las) <= set(las):
        raise NotFound(NAMES[kind], run_id)
    return run


def list_runs(
    s: Session, kind: str, las: Collection[str], *, offset: int = 0, limit: int = 50
) -> list[StoredRun]:
    """Runs of `kind` over LAs all within `las`, newest first (without results). The
    LA sets are compared on ids and LAs alone; only the page's rows are read whole."""
    mine = set(las)
    order = (col(StoredRun.created_at).desc(), col(StoredRun.id).desc())
    every = s.exec(
        select(StoredRun.id, StoredRun.las).where(StoredRun.kind == kind).order_by(*order)
    )
    ids = [run_id for run_id, run_las in every if set(run_las) <= mine][offset : offset + limit]
    query = select(StoredRun).where(col(StoredRun.id).in_(ids)).options(*(defer(c) for c in HEAVY))
    rows = {r.id: r for r in s.exec(query)}
    return [rows[i] for i in ids]


def count_active(s: Session, kind: str) -> int:
    """Runs of `kind` queued or running, over any LAs."""
    query = select(func.count()).where(
        StoredRun.kind == kind, col(StoredRun.status).in_(RUN_ACTIVE)
    )
    return int(s.exec(query).one())


def _owned(run_id: str, owner: str) -> Update:
    return update(StoredRun).where(
        col(StoredRun.id) == run_id,
        col(StoredRun.owner) == owner,
        col(StoredRun.status).in_(RUN_ACTIVE),
    )


def write_run(s: Session, run_id: str, owner: str, **values: Any) -> bool:
    """Write `values` (progress, message, status, result...) to a run `owner` is
    doing, with a heartbeat; False if it is no longer queued or running or no longer
    `owner`'s (another process marked it interrupted): then nothing is written."""
    values.setdefault("heartbeat_at", utcnow())
    return bool(_rows_changed(s, _owned(run_id, owner).values(**values)))


def _rows_changed(s: Session, statement: Update) -> int:
    """How many rows an UPDATE changed: 0 when a concurrent writer got there first."""
    # An UPDATE's result is a CursorResult; Session.execute is typed as a plain Result.
    return cast("CursorResult[Any]", s.execute(statement)).rowcount


def _interrupt(s: Session, run: StoredRun, reason: str, query: Update) -> bool:
    detail = {"was": run.status, "progress": round(run.progress, 3)}  # before the UPDATE
    changed = _rows_changed(
        s, query.values(status="interrupted", finished_at=utcnow(), error=reason)
    )
    if changed:
        record(s, None, INTERRUPTED[run.kind], run.child_ids, run.id, detail, las=run.las)
    return bool(changed)


def _candidates(s: Session, *conditions: Any) -> list[StoredRun]:
    query = select(StoredRun).where(col(StoredRun.status).in_(RUN_ACTIVE), *conditions)
    return list(s.exec(query.options(*(defer(c) for c in HEAVY))))


def active_runs(s: Session) -> list[StoredRun]:
    """Every queued or running run (without results): a handful at most."""
    return _candidates(s)


def stale_runs(s: Session, older_than: datetime) -> list[StoredRun]:
    """Queued or running runs whose heartbeat is older than `older_than`."""
    return _candidates(s, col(StoredRun.heartbeat_at) < older_than)


def interrupt_stale(s: Session, older_than: datetime) -> list[str]:
    """Mark `interrupted` (audited) each queued or running run whose heartbeat is
    older than `older_than`: the process doing it stopped. Each is marked by one
    conditional UPDATE, so of several processes noticing at once one marks and audits
    it. The ids marked."""
    marked = []
    for run in stale_runs(s, older_than):
        query = update(StoredRun).where(
            col(StoredRun.id) == run.id,
            col(StoredRun.status).in_(RUN_ACTIVE),
            col(StoredRun.heartbeat_at) < older_than,
        )
        since = (utcnow() - as_utc(run.heartbeat_at)).total_seconds()
        reason = f"the process running it stopped (no sign of it for {since:.0f} s)"
        if _interrupt(s, run, reason, query):
            marked.append(run.id)
    return marked


def interrupt_owned(s: Session, owner: str, reason: str) -> list[str]:
    """Mark `interrupted` (audited) the queued and running runs `owner` is doing: the
    service is stopping and they will not finish. The ids marked."""
    marked = []
    for run in _candidates(s, col(StoredRun.owner) == owner):
        if _interrupt(s, run, reason, _owned(run.id, owner)):
            marked.append(run.id)
    return marked


def restart_run(
    s: Session, run_id: str, kind: str, las: Collection[str], *, by: User | None, owner: str
) -> tuple[StoredRun, StoredRun]:
    """Start an interrupted or failed run again: a new run with the same kind, LAs,
    params and time limit, naming the one it replaces (`restarted_from`; the old one
    gets `restarted_as`). NotFound as `get_run`; Conflict if the run is not
    interrupted or failed, was restarted already, or one of its kind is active for its
    LAs. The old run and the new."""
    old = get_run(s, run_id, kind, las)
    name = NAMES[kind]
    if old.status not in RESTARTABLE:
        raise Conflict(
            f"{name} {old.id} is {old.status}: only an interrupted or failed run restarts"
        )
    if old.restarted_as is not None:
        raise Conflict(f"{name} {old.id} was restarted already as {old.restarted_as}")
    new = start_run(
        s,
        kind=kind,
        las=old.las,
        by=by,
        owner=owner,
        params=old.params,
        time_limit_s=old.time_limit_s,
        restarted_from=old.id,
    )
    linked = _rows_changed(
        s,
        update(StoredRun)
        .where(col(StoredRun.id) == old.id, col(StoredRun.restarted_as).is_(None))
        .values(restarted_as=new.id),
    )
    if not linked:  # another request restarted it first; the caller's transaction rolls back
        raise Conflict(f"{name} {old.id} was restarted already")
    old.restarted_as = new.id
    return old, new


def save_report(s: Session, run_id: str, html: str) -> None:
    """Keep a finished run's report drawn on first request (if none is kept yet)."""
    s.execute(
        update(StoredRun)
        .where(col(StoredRun.id) == run_id, col(StoredRun.report).is_(None))
        .values(report=html)
    )


def as_utc(moment: datetime) -> datetime:
    """A time read back from the database as aware UTC (SQLite gives it naive)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)


def stale_before(seconds: float) -> datetime:
    """The heartbeat older than which a run's process is taken to have stopped."""
    return utcnow() - timedelta(seconds=seconds)
