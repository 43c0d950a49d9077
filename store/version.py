"""A data version: one number that changes whenever a matching problem's inputs change.

Building a problem from the records (`problem_dict`) takes a fifth of a second for a
region; the API keeps the built problem in memory and asks `data_version(session)`, one
indexed read, whether it is still current. The number lives in the database (table
`data_version`), so it holds across processes (several API workers, the CLI).

Nobody has to remember to bump it: a session that wrote any table other than the audit
log and the users (through the ORM, or an ORM `update`/`delete` statement) bumps it
when it commits, as its last statement. Last, so that a transaction holding the
counter's row lock never waits for another lock, and no deadlock can form around it.
A rolled-back transaction bumps nothing. Reading the version before the records it
guards (in the same transaction on SQLite; in order on PostgreSQL) means a reader may
keep data newer than its version, never older.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session

#: Tables whose changes do not alter any matching problem.
UNVERSIONED: frozenset[str] = frozenset(
    {"audit", "audit_child", "user_account", "data_version", "background_run"}
)
_DIRTY = "placematch_data_changed"

_BUMP = text(
    "INSERT INTO data_version (id, version) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET version = data_version.version + 1"
)


def data_version(session: Session) -> int:
    """The number of committed changes to the problem's inputs (0 on a new database)."""
    value = session.execute(text("SELECT version FROM data_version WHERE id = 1")).scalar()
    return int(value or 0)


def _table_of(obj: Any) -> str | None:
    table = getattr(type(obj), "__table__", None)
    return getattr(table, "name", None)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: Any) -> None:
    for obj in (*session.new, *session.dirty, *session.deleted):
        if _table_of(obj) not in UNVERSIONED:
            session.info[_DIRTY] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _orm_execute(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) not in UNVERSIONED:
            state.session.info[_DIRTY] = True


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    session.flush()  # so the bump below is the transaction's last statement
    if session.info.pop(_DIRTY, False):
        session.execute(_BUMP)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_DIRTY, None)
