"""Engine, transactions and migrations on a real SQLite file and a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

import store
from store.db import database_url
from store.models import metadata
from tests.store.helpers import add_child, add_household, child_data


def test_database_url_default_env_and_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert database_url() == "sqlite:///placematch.db"
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db:5432/pm")
    assert database_url() == "postgresql+psycopg://u:p@db:5432/pm"
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/pm")
    assert database_url() == "postgresql+psycopg://u@db/pm"
    assert database_url("sqlite:////x.db") == "sqlite:////x.db"


def test_sqlite_files_are_private(tmp_path: Path) -> None:
    """Tests that the database file, its -wal and -shm files and the writers' lock file
    are readable by their owner only (0600), and that an older file left 0644 is
    tightened on the next start."""
    from api.auditlog import WriteLock

    path = tmp_path / "private.db"
    engine = store.make_engine(f"sqlite:///{path}")
    store.migrate(engine=engine)
    with WriteLock(engine).transaction() as s:
        selected = s.exec(text("SELECT 1")).one()
    assert selected == (1,)
    with engine.connect() as conn:  # an open connection keeps -wal and -shm there
        conn.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar()
        files = [path, *(tmp_path / f"private.db-{e}" for e in ("wal", "shm", "writers.lock"))]
        assert {f.name: oct(f.stat().st_mode & 0o777) for f in files} == {
            f.name: "0o600" for f in files
        }
    engine.dispose()
    path.chmod(0o644)
    store.make_engine(f"sqlite:///{path}").dispose()
    assert path.stat().st_mode & 0o777 == 0o600


def test_sqlite_file_made_from_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Zero set-up: the default URL makes ./placematch.db and migrating twice is a no-op."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    store.migrate()
    store.migrate()
    engine = store.make_engine()
    assert (tmp_path / "placematch.db").exists()
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_migration_matches_the_models(engine: Engine) -> None:
    """Autogenerate finds nothing to do: the migrations build exactly the models' schema."""
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_every_table_is_migrated(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


def test_transaction_is_all_or_nothing(engine: Engine) -> None:
    with pytest.raises(RuntimeError), store.transaction(engine) as s:
        store.create_child(s, child_data("C1"), by=None)
        store.create_child(s, child_data("C2"), by=None)
        raise RuntimeError("boom")
    with store.transaction(engine, write=False) as s:
        assert store.list_children(s) == []
        assert store.list_audit(s) == []


def test_database_refuses_a_negative_vacancy_count(engine: Engine) -> None:
    add_household(engine, "H1", vacancies=0)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE household SET vacancies = -1 WHERE id = 'H1'"))


def test_database_allows_one_open_referral_per_child(engine: Engine) -> None:
    add_child(engine, "C1")
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO referral (child_id, urgency, needed_by, status, opened_at) "
                "VALUES ('C1', 'urgent', '2026-11-25', 'open', '2026-11-22 10:00:00')"
            )
        )


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO referral (child_id, urgency, needed_by, status, opened_at) "
                "VALUES ('nobody', 'urgent', '2026-11-25', 'open', '2026-11-22 10:00:00')"
            )
        )


def test_migrations_go_down_and_up_again(db_url: str) -> None:
    """The first migration's downgrade removes everything (triggers included)."""
    from alembic import command

    engine = store.make_engine(db_url)
    config = store.db.alembic_config(engine=engine)
    command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(config, "head")
    assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    with pytest.raises(Exception, match="append-only"), store.transaction(engine) as s:
        store.record(s, None, "child.read", ["C1"])
        s.exec(text("DELETE FROM audit"))
    engine.dispose()
