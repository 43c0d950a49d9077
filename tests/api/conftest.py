"""Fixtures for the API: the app over a real database, signed-in users, a small world.

The databases are the store's fixtures (tests/store/conftest.py): `sqlite_engine` is a
fresh copy of a migrated SQLite file; `engine` runs a test on SQLite and on a throwaway
PostgreSQL server. `world` fills one with a few Leeds children, a Bradford child, a
sibling group and some carer households, and signs in one user per role; `api` is a
real HTTP client (FastAPI's TestClient) on the app over that database.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

import store
from api import create_app
from tests.store import conftest as store_fixtures
from tests.store.helpers import REFERRAL, add_child, add_household

# The store's database fixtures, reused (a conftest cannot import another's plugins).
sqlite_template = store_fixtures.sqlite_template
pg_cluster = store_fixtures.pg_cluster
pg_cleaner = store_fixtures.pg_cleaner
db_url = store_fixtures.db_url
engine = store_fixtures.engine

#: Who signs in: name -> (role, LAs).
PEOPLE: dict[str, tuple[str, list[str]]] = {
    "officer": ("placement_officer", ["Leeds"]),
    "manager": ("admin", ["Leeds"]),
    "planner": ("planner", ["Leeds"]),
    "finder": ("family_finder", ["Leeds", "Bradford"]),
    "bradford": ("placement_officer", ["Bradford"]),
}


@dataclass
class Api:
    """A client on the app, signed in as whoever a call names (`as_="officer"`)."""

    client: TestClient
    engine: Engine
    tokens: dict[str, str]
    users: dict[str, store.User] = field(default_factory=dict)

    def headers(self, as_: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[as_]}"} if as_ else {}

    def get(self, path: str, as_: str | None = "officer", **kw: Any) -> Any:
        headers = self.headers(as_) | kw.pop("headers", {})
        return self.client.get(path, headers=headers, **kw)

    def post(self, path: str, as_: str | None = "officer", **kw: Any) -> Any:
        headers = self.headers(as_) | kw.pop("headers", {})
        return self.client.post(path, headers=headers, **kw)

    def patch(self, path: str, as_: str | None = "officer", **kw: Any) -> Any:
        headers = self.headers(as_) | kw.pop("headers", {})
        return self.client.patch(path, headers=headers, **kw)

    def put(self, path: str, as_: str | None = "officer", **kw: Any) -> Any:
        headers = self.headers(as_) | kw.pop("headers", {})
        return self.client.put(path, headers=headers, **kw)

    def audit(self, **filters: Any) -> list[store.AuditEntry]:
        with store.transaction(self.engine, write=False) as s:
            return store.list_audit(s, limit=1000, **filters)


def sign_in(engine: Engine) -> tuple[dict[str, str], dict[str, store.User]]:
    tokens, users = {}, {}
    with store.transaction(engine) as s:
        for name, (role, las) in PEOPLE.items():
            users[name], tokens[name] = store.create_user(s, f"{name} user", role, las)
    return tokens, users


def fill(engine: Engine) -> None:
    """Leeds children C1 (girl, 9), C2 (boy, 7), C3 (girl, 12, autistic) with open
    referrals, C4 without; siblings S1 (6) and S2 (8) who must live together; Bradford's
    B1. Households: H1 takes any child 0-17 (one place), H2 only under-6s, H3 has two
    places, H4 has no free place, H9 is in Bradford."""
    add_child(engine, "C1")
    add_child(engine, "C2", age=7, sex="M")
    add_child(engine, "C3", age=12, needs=["autism"])
    add_child(engine, "C4", referral=False)
    add_child(engine, "S1", age=6)
    add_child(engine, "S2", age=8, sex="M")
    add_child(engine, "B1", la="Bradford", home="BD1")
    add_household(engine, "H1")
    add_household(engine, "H2", max_age=5)
    add_household(engine, "H3", vacancies=2)
    add_household(engine, "H4", vacancies=0, places=1)
    add_household(engine, "H9", la="Bradford", location="BD3")
    with store.transaction(engine) as s:
        store.create_group(s, {"id": "G1", "children": ["S1", "S2"], "policy": "must"}, by=None)


def open_api(engine: Engine, **app_kwargs: Any) -> Iterator[Api]:
    tokens, users = sign_in(engine)
    app = create_app(engine, migrate=False, solver_workers=1, **app_kwargs)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(client, engine, tokens, users)


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, migrated SQLite file."""
    fresh = store.make_engine(store_fixtures._sqlite_url(sqlite_template, tmp_path))
    yield fresh
    fresh.dispose()


@pytest.fixture
def api(sqlite_engine: Engine) -> Iterator[Api]:
    """The app over SQLite, with the small world."""
    fill(sqlite_engine)
    yield from open_api(sqlite_engine)


@pytest.fixture
def both_api(engine: Engine) -> Iterator[Api]:
    """The app with the small world, on SQLite and on PostgreSQL."""
    fill(engine)
    yield from open_api(engine)


__all__ = ["REFERRAL", "Api", "fill", "open_api", "sign_in"]
