"""Fixtures for the store: a real SQLite file and a real PostgreSQL server.

`engine` is parametrised over both backends. Each test starts from an empty database built by
the migrations (with their audit triggers): on SQLite a copy of a file migrated once
per session, on PostgreSQL one database migrated once per session and emptied after
each test. Without PostgreSQL binaries the PostgreSQL cases are skipped,
except under CI (`CI` set), where that is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

import store
from store.models import User, metadata
from tests.store.helpers import make_user
from tests.store.postgres import Cluster, find_bin_dir

PG_DB = "placematch_test"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = store.make_engine(f"sqlite:///{path}")
    store.migrate(engine=engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        message = "PostgreSQL binaries (initdb, pg_ctl) not found on PATH or /usr/lib/postgresql"
        if os.environ.get("CI"):
            pytest.fail(message + " (required under CI)")
        pytest.skip(message)
    cluster = Cluster.start(bin_dir)
    try:
        engine = store.make_engine(cluster.create_database(PG_DB))
        store.migrate(engine=engine)
        engine.dispose()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_cleaner(pg_cluster: Cluster) -> Iterator[Engine]:
    engine = create_engine(pg_cluster.url(PG_DB), pool_size=1)
    yield engine
    engine.dispose()


def _empty_postgres(cleaner: Engine) -> None:
    """Delete every row after a test. Test-only: as superuser, with triggers off
    (session_replication_role), which also lets the append-only audit log be emptied."""
    tables = ", ".join(t.name for t in metadata.sorted_tables)
    with cleaner.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY"))


def _sqlite_url(template: Path, tmp_path: Path) -> str:
    path = tmp_path / "placematch.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty, migrated database on each backend: a fresh copy of a
    migrated file on SQLite; on PostgreSQL one migrated database emptied after each test."""
    if request.param == "sqlite":
        yield _sqlite_url(request.getfixturevalue("sqlite_template"), tmp_path)
        return
    cluster: Cluster = request.getfixturevalue("pg_cluster")
    cleaner: Engine = request.getfixturevalue("pg_cleaner")
    yield cluster.url(PG_DB)
    _empty_postgres(cleaner)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = store.make_engine(db_url, pool_size=60, max_overflow=10)
    yield engine
    engine.dispose()


@pytest.fixture
def backend(engine: Engine) -> str:
    return engine.dialect.name


@pytest.fixture
def officer(engine: Engine) -> User:
    """A Leeds placement officer."""
    return make_user(engine)


@pytest.fixture
def manager(engine: Engine) -> User:
    """A user who may authorise exceptions (admin), for Leeds."""
    return make_user(engine, "admin")
