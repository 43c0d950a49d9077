"""A big SSDA903 import written in chunks, each its own transaction (issue 13).

An LA's whole extract in one transaction held the database's write lock for as long as
it took (50,000 children: about 50 s, every other writer waiting). Here each chunk of
children (store.ssda903.CHUNK) commits on its own, and the slow part of each, checking
the records against the problem format, runs before the write lock is taken. What
stays true (docs/ssda903.md, "Into the store"):

- a child, their care record and the audit entry naming them commit together;
- the import row says `writing` until the last chunk is in and `done` after; a process
  that dies leaves it `writing`, and the next import of the LA marks it `interrupted`;
- care records of children who left care go only when the whole extract is written;
- running the same extract again completes it: children are created or updated by id;
- imports of one LA queue for the whole import (PostgreSQL: a session advisory lock;
  SQLite: a file lock beside the database), so no two interleave their chunks.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import AbstractContextManager

from sqlalchemy import Engine, text
from sqlmodel import Session

from ssda903 import Import
from store.children import in_scope
from store.db import read_session, transaction
from store.errors import Forbidden
from store.models import User
from store.ssda903_write import (
    CHUNK,
    Saved,
    Tally,
    begin_import,
    chunks,
    finish_import,
    la_lock_key,
    prepare,
    write_children,
)

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: the thread lock alone
    fcntl = None  # type: ignore[assignment]  # the module or None, checked before use

Transaction = Callable[[], AbstractContextManager[Session]]

_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def import_in_chunks(
    engine: Engine,
    imported: Import,
    *,
    by: User | None,
    las: Collection[str] | None = None,
    files: Iterable[str] = (),
    transaction_: Transaction | None = None,
    size: int = CHUNK,
    id_prefix: str | None = None,
) -> Saved:
    """Write an import chunk by chunk (see the module docstring). `transaction_` opens
    one write transaction (default `store.transaction(engine)`; the API passes its
    WriteLock's). Raises Forbidden, before anything is written, for another LA."""
    if not in_scope(imported.la, las):
        raise Forbidden(f"LA {imported.la!r} is not one of yours")
    begin = transaction_ or (lambda: transaction(engine))
    with la_import_lock(engine, imported.la):
        with begin() as s:
            run_id = begin_import(s, imported, by=by, las=las, files=files)
        tally = Tally()
        for number, kids in enumerate(chunks(imported.children, size), start=1):
            with read_session(engine) as s:  # no lock: the costly checks
                ready = prepare(s, kids, imported.as_of)
            with begin() as s:
                write_children(
                    s, run_id, imported, kids, tally, by=by, las=las, number=number, prepared=ready
                )
        with begin() as s:
            return finish_import(s, run_id, imported, tally, by=by, las=las, id_prefix=id_prefix)


@contextlib.contextmanager
def la_import_lock(engine: Engine, la: str) -> Iterator[None]:
    """Held while one import of `la` runs, across its transactions; released when the
    process dies too (a PostgreSQL session lock ends with its connection, a file lock
    with its process)."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": la_lock_key(la)})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": la_lock_key(la)})
                conn.commit()
        return
    with _thread_lock(la), _file_lock(engine, la):
        yield


def _thread_lock(la: str) -> threading.Lock:
    with _THREAD_LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(la, threading.Lock())


@contextlib.contextmanager
def _file_lock(engine: Engine, la: str) -> Iterator[None]:
    """An exclusive lock on a file beside the SQLite database, one per LA, so imports
    of an LA in several processes (API workers, the CLI) queue."""
    database = engine.url.database
    if fcntl is None or not database or database == ":memory:":
        yield
        return
    key = hashlib.sha256(la.encode()).hexdigest()[:12]
    fd = os.open(f"{database}-import-{key}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
