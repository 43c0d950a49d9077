"""What the services share: times as aware UTC, a background run's record, the audit
entry of a read, a unit of reads (`reading`), the built problem of the user's LAs, and
why a child or group is not in it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, NoReturn

from sqlmodel import Session

import store
from api.cache import Snapshot
from api.deps import Services


def aware(moment: datetime | None) -> datetime | None:
    """Times from the database as aware UTC (SQLite may hand back naive ones)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def run_record(run: store.StoredRun) -> dict[str, Any]:
    """A background run's status as every kind answers it (api/runs.py; each kind's
    service adds its own fields). Progress is 1 once it finished (done or failed), else as the
    process doing it last wrote it."""
    return {
        "id": run.id,
        "status": run.status,
        "las": list(run.las),
        "created_at": aware(run.created_at),
        "started_at": aware(run.started_at),
        "finished_at": aware(run.finished_at),
        "progress": 1.0 if run.status in ("done", "failed") else run.progress,
        "message": run.message,
        "children": run.children,
        "carers": run.carers,
        "summary": run.summary,
        "error": run.error,
        "restarted_from": run.restarted_from,
        "restarted_as": run.restarted_as,
    }


def audit(
    svc: Services,
    user: store.User,
    action: str,
    child_ids: Iterable[str] = (),
    object_id: str | int | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record a read: the entry is committed (with others pending, by the grouped
    writer, api/auditlog.py) before this returns, so before the answer leaves."""
    svc.audit.submit(user, action, child_ids, object_id, detail).result()


class Reading:
    """One unit of reads: a read transaction (never the write lock) and the audit
    entries of what was read, recorded together when the unit ends.

    A service reads through `reading(svc, within)`; a page that calls several services
    passes one unit to all of them (`within=`), so the page reads in one transaction
    and its entries are committed together: the same entries as each service alone
    would write, one wait for the grouped writer instead of one commit each."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        bind = svc.engine.execution_options(placematch_write=False)
        self.session = Session(bind, expire_on_commit=False)
        self._entries: list[tuple[store.User, str, tuple[str, ...], str | int | None, Any]] = []

    def audit(
        self,
        user: store.User,
        action: str,
        child_ids: Iterable[str] = (),
        object_id: str | int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """An entry for what was read, recorded when the unit ends (none if it fails)."""
        self._entries.append((user, action, tuple(child_ids), object_id, detail))

    def expire_holds(self) -> None:
        """Mark lapsed holds expired (`store.expire_holds`) before proposals are read."""
        self._keep_books(store.lapsed_holds, store.expire_holds)

    def lapse_requests(self) -> None:
        """Mark lapsed the exception requests whose child's referral has closed
        (`store.lapse_requests`) before requests are read."""
        self._keep_books(store.lapsing_requests, store.lapse_requests)

    def _keep_books(
        self, due: Callable[[Session], Sequence[int]], mark: Callable[[Session], object]
    ) -> None:
        """Bookkeeping a read must see first: a write transaction only when `due` finds
        something to mark, and then the reads that follow start again, so they see it."""
        if not due(self.session):
            return
        with self.svc.writes.transaction() as s:
            mark(s)
        # End the read transaction and forget what it loaded: the next read starts afresh.
        self.session.commit()
        self.session.expire_all()

    def close(self) -> None:
        """End the unit after an error: the read transaction, and no entry recorded."""
        self._entries.clear()
        self.session.close()

    def finish(self) -> list[Future[None]]:
        """End the read transaction and hand the entries to the grouped writer
        (api/auditlog.py): each future resolves once its entry is committed (or fails)."""
        self.session.commit()
        self.session.close()
        waiting = [self.svc.audit.submit(*entry) for entry in self._entries]
        self._entries.clear()
        return waiting


@contextmanager
def reading(svc: Services, within: Reading | None = None) -> Iterator[Reading]:
    """A unit of reads (`Reading`): `within`, when the caller has one open (its end
    records the entries), else a new one whose entries are committed when the block
    ends without an error, before the caller answers. An error ends it with nothing
    recorded, as a failed read transaction records nothing."""
    if within is not None:
        yield within
        return
    unit = Reading(svc)
    try:
        yield unit
    except BaseException:
        unit.close()
        raise
    for done in unit.finish():
        done.result()


async def recorded(waiting: Iterable[Future[None]]) -> None:
    """Wait, without holding the event loop, until each entry is committed."""
    for done in waiting:
        await asyncio.wrap_future(done)


def absent(svc: Services, user: store.User, subject: str, kind: str = "child") -> NoReturn:
    """Why a child or group is not in the caller's problem: 404 (none within your LAs)
    or 409 (no open referral, or an age by their date of birth that matching cannot
    take)."""
    with store.read_session(svc.engine) as s:
        if kind == "group":
            store.get_group(s, subject, las=user.las)
            raise store.Conflict(
                f"sibling group {subject} has fewer than two members with an open referral"
            )
        child = store.get_child(s, subject, las=user.las)
        why = store.out_of_age_range(child, store.utcnow().date())
    raise store.Conflict(why or f"child {subject} has no open referral")


def current_problem(svc: Services, user: store.User) -> Snapshot:
    """The built problem of the user's LAs: the cached one if current, else checked or
    rebuilt (api/cache.py)."""
    return svc.cache.fresh(user.las) or svc.cache.snapshot(user.las)
