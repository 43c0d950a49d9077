"""Audit entries for reads, written by group commit.

Every read of a child (a ranked match, a child's page and its parts) must be in the
audit log before its answer leaves. Writing each entry in its own transaction makes the
busiest pages queue on the database's write lock, so one thread writes all pending
entries of the process together, in one transaction, and each request waits for the
commit that holds its entry (the way databases commit their own log). An entry refused
by the store fails only its own request.

`WriteLock` keeps the service's writers from contending for SQLite's lock: SQLite makes
a writer that finds the database locked sleep and retry with growing pauses (up to
100 ms), which under load is the whole latency. Queueing instead on a lock of our own
(a thread lock, and an exclusive `flock` on a file beside the database, so several
API worker processes queue too) wakes the next writer the moment the last one commits.
PostgreSQL has row locks and needs none. The lock also counts the writes that may have
changed records (`generation`), so the process's problem cache knows to look again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import threading
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

import store

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: the thread lock alone
    fcntl = None  # type: ignore[assignment]  # the module or None, checked before use

#: Most entries committed together.
BATCH = 500


class WriteLock:
    """One writer at a time across the service's processes, on SQLite only."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: Write transactions this process has finished that may have changed records.
        self.generation = 0
        sqlite = engine.dialect.name == "sqlite"
        self._lock = threading.Lock() if sqlite else None
        database = engine.url.database if sqlite else None
        self._path = (
            f"{database}-writers.lock"
            if fcntl is not None and database and database != ":memory:"
            else None
        )
        self._fd: int | None = None

    @contextlib.contextmanager
    def _held(self) -> Iterator[None]:
        if self._lock is None:
            yield
            return
        with self._lock:
            if self._path is None:
                yield
                return
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def transaction(self, *, changes: bool = True) -> Iterator[Session]:
        """`store.transaction(engine)` under the write lock. `changes=False` for one that
        writes only the audit log (the problem cache need not look again)."""
        try:
            with self._held(), store.transaction(self.engine) as s:
                yield s
        finally:
            if changes:
                self.generation += 1


@dataclass(frozen=True)
class _Entry:
    user: store.User | None
    action: str
    child_ids: tuple[str, ...]
    object_id: str | int | None
    detail: dict[str, Any] | None
    done: Future[None]


class AuditWriter:
    """Writes audit entries in batches from one background thread."""

    def __init__(self, writes: WriteLock) -> None:
        self.writes = writes
        self._queue: queue.SimpleQueue[_Entry | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(
        self,
        user: store.User | None,
        action: str,
        child_ids: Iterable[str] = (),
        object_id: str | int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> Future[None]:
        """Queue an entry; the future resolves once it is committed (or fails)."""
        self._ensure_thread()
        entry = _Entry(user, action, tuple(child_ids), object_id, detail, Future())
        self._queue.put(entry)
        return entry.done

    async def record(
        self,
        user: store.User | None,
        action: str,
        child_ids: Iterable[str] = (),
        object_id: str | int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Queue an entry and wait until it is committed."""
        await asyncio.wrap_future(self.submit(user, action, child_ids, object_id, detail))

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def _ensure_thread(self) -> None:
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(
                        target=self._run, name="audit-writer", daemon=True
                    )
                    self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            try:
                self._write(batch)
            except Exception as exc:  # noqa: BLE001 - never leave a request waiting
                for e in batch:
                    if not e.done.done():
                        e.done.set_exception(exc)
            if stop:
                return

    def _write(self, batch: list[_Entry]) -> None:
        good: list[_Entry] = []
        rows = []
        for e in batch:
            try:
                rows.append(
                    store.entry_values(e.user, e.action, e.child_ids, e.object_id, e.detail)
                )
                good.append(e)
            except store.StoreError as exc:  # a bad entry fails its own request only
                e.done.set_exception(exc)
        if not rows:
            return
        try:
            with self.writes.transaction(changes=False) as s:
                store.record_many(s, rows)
        except Exception as exc:  # noqa: BLE001 - the commit failed: every entry fails
            for e in good:
                e.done.set_exception(exc)
            return
        for e in good:
            e.done.set_result(None)
