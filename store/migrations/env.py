"""Alembic environment: the store's metadata; a given engine, or one made from the URL.

Run through `store.migrate(url)`; SQLite gets batch mode so later migrations can alter
tables.
"""

from alembic import context
from sqlalchemy import Engine

import store.models  # noqa: F401  (registers the tables)
from store.db import make_engine
from store.models import metadata

config = context.config


def run_migrations_online() -> None:
    engine: Engine | None = config.attributes.get("engine")
    own = engine is None
    if engine is None:
        engine = make_engine(config.attributes.get("url"))
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=metadata,
                render_as_batch=connection.dialect.name == "sqlite",
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
    finally:
        if own:
            engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; use store.migrate(url)")
run_migrations_online()
