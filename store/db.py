"""Engine, sessions, transactions and migrations.

SQLite file by default (`placematch.db` in the working directory, no set-up);
PostgreSQL when `DATABASE_URL` says so (`postgresql://...`, driven by psycopg 3).

Repository functions never commit: the caller wraps one unit of work in
`transaction(engine)`, which commits at the end or rolls everything back on any error,
so a multi-row write is never half done. Each writing function is also atomic on its
own (`@atomic`, a savepoint): if it raises, its partial writes are undone even when the
caller catches the error and carries on (e.g. to turn it into an HTTP answer).

On SQLite a write transaction starts with `BEGIN IMMEDIATE`: writers queue for the
database lock up front (waiting up to the busy timeout) instead of failing when a read
turns into a write.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

DEFAULT_URL = "sqlite:///placematch.db"
MIGRATIONS = Path(__file__).parent / "migrations"
#: How long an SQLite writer waits for the lock before giving up (seconds).
SQLITE_BUSY_TIMEOUT_S = 30.0


def database_url(url: str | None = None) -> str:
    """The database to use: `url`, else `DATABASE_URL`, else ./placematch.db.

    `postgres://` and `postgresql://` URLs are given the psycopg 3 driver.
    """
    url = url or os.environ.get("DATABASE_URL") or DEFAULT_URL
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine for `database_url(url)`, set up for this store (see module docstring).

    Extra keyword arguments go to `sqlalchemy.create_engine` (e.g. `pool_size`).
    """
    url = database_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        kwargs.setdefault("pool_pre_ping", True)
        return create_engine(url, **kwargs)
    private_file(make_url(url).database)
    connect_args = kwargs.pop("connect_args", {})
    connect_args.setdefault("check_same_thread", False)
    connect_args.setdefault("timeout", SQLITE_BUSY_TIMEOUT_S)
    engine = create_engine(url, connect_args=connect_args, **kwargs)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def private_file(database: str | None) -> None:
    """Create the SQLite file readable by its owner only (0600), before SQLite creates
    it 0644; SQLite gives its -wal and -shm files the database file's mode. A file left
    readable by others (made before this rule) is tightened the same way."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        os.close(os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        for path in (database, *(f"{database}-{end}" for end in ("wal", "shm", "writers.lock"))):
            try:
                if os.stat(path).st_mode & 0o077:
                    os.chmod(path, 0o600)
            except (FileNotFoundError, PermissionError):
                pass  # not there yet, or not ours to change (then the owner's choice)
    except FileNotFoundError:
        pass  # its folder does not exist: SQLite will say so when it connects


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN (pysqlite's own implicit BEGIN cannot
    # say IMMEDIATE); enforce foreign keys; WAL lets readers run beside one writer.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
    if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    immediate = connection.get_execution_options().get("placematch_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


P = ParamSpec("P")
R = TypeVar("R")


def atomic(fn: Callable[Concatenate[Session, P], R]) -> Callable[Concatenate[Session, P], R]:
    """Run a repository function inside a savepoint: all of its writes or none."""

    @functools.wraps(fn)
    def wrapper(session: Session, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with session.begin_nested():
            return fn(session, *args, **kwargs)

    return wrapper


@contextmanager
def transaction(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One unit of work: commit when the block ends, roll back everything on error.

    `write=False` for a read-only block (on SQLite it then does not take the write lock).
    Objects stay readable after the commit.
    """
    bind = engine.execution_options(placematch_write=write)
    with Session(bind, expire_on_commit=False) as session, session.begin():
        yield session


def read_session(engine: Engine) -> Session:
    """A session for reads (e.g. a FastAPI dependency); close it when done."""
    return Session(engine, expire_on_commit=False)


def alembic_config(url: str | None = None, engine: Engine | None = None) -> Config:
    """Alembic's configuration for the migrations kept in store/migrations."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["url"] = database_url(url)
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


def migrate(url: str | None = None, *, engine: Engine | None = None) -> None:
    """Bring the database up to the newest schema (alembic upgrade head).

    Safe to call on every start of the API or CLI: an up-to-date database is left alone.
    """
    command.upgrade(alembic_config(url, engine), "head")
