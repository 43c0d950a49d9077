"""Alembic environment: the store's metadata; a given engine, or one made from the URL.

Run through `store.migrate(url)`; SQLite gets batch mode so later migrations can alter
tables. Batch mode rebuilds a table (copy, drop, rename), and SQLite refuses to drop a
table other rows refer to while foreign keys are enforced, a setting it ignores inside a
transaction: so on SQLite they are off while the migrations run, every reference is
checked before the commit (`PRAGMA foreign_key_check`), and they are on again after.
"""

import contextlib
from collections.abc import Iterator

from alembic import context
from sqlalchemy import Connection, Engine

import store.models  # noqa: F401  (registers the tables)
from store.db import make_engine
from store.models import metadata

config = context.config


@contextlib.contextmanager
def _foreign_keys_checked_at_end(connection: Connection) -> Iterator[None]:
    """On SQLite: foreign keys off for the migrations (set on the driver's connection,
    before any transaction begins), and on again afterwards, whatever happens."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw = connection.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys = ON")


def _check_references(connection: Connection) -> None:
    """Refuse to commit migrations that left a reference to a missing row (SQLite)."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migration left broken references: {broken[:5]}")


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    own = engine is None
    if engine is None:
        engine = make_engine(config.attributes.get("url"))
    try:
        with engine.connect() as connection, _foreign_keys_checked_at_end(connection):
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
                _check_references(connection)
            connection.commit()
    finally:
        if own:
            engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; use store.migrate(url)")
run_migrations_online()
