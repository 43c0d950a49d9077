"""The store's database fixtures (SQLite and a throwaway PostgreSQL), for the soak's
invariants (a conftest cannot import another's plugins)."""

from tests.store import conftest as store_fixtures

sqlite_template = store_fixtures.sqlite_template
pg_cluster = store_fixtures.pg_cluster
pg_cleaner = store_fixtures.pg_cleaner
db_url = store_fixtures.db_url
engine = store_fixtures.engine
