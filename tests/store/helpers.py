"""Small builders for store tests: a child, a household, a user, each in one call."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

import store
from store.models import User
from tests.conftest import carer, child


def make_user(
    engine: Engine, role: str = "placement_officer", las: list[str] | None = None
) -> User:
    with store.transaction(engine) as s:
        user, _ = store.create_user(s, f"{role} user", role, las or ["Leeds"])
    return user


def child_data(id: str = "C1", **overrides: Any) -> dict[str, Any]:
    """A child record in the problem format's shape (tests/conftest.child, no referral)."""
    data = child(id, **overrides)
    data.pop("urgency", None)
    data.pop("needed_by", None)
    return data


def household_data(id: str = "H1", **overrides: Any) -> dict[str, Any]:
    return carer(id, **overrides)


REFERRAL = {"urgency": "urgent", "needed_by": "2026-11-25"}


def add_child(engine: Engine, id: str = "C1", referral: bool = True, **overrides: Any) -> str:
    """A child (with an open referral unless told otherwise); its id."""
    with store.transaction(engine) as s:
        store.create_child(s, child_data(id, **overrides), by=None)
        if referral:
            store.open_referral(s, id, REFERRAL, by=None)
    return id


def add_household(engine: Engine, id: str = "H1", **overrides: Any) -> str:
    with store.transaction(engine) as s:
        store.create_household(s, household_data(id, **overrides), by=None)
    return id


@contextmanager
def fresh_sqlite(template: Path) -> Iterator[Engine]:
    """A migrated SQLite file of its own, copied from the session's template: one per
    hypothesis example (a function-scoped fixture would be shared by every example)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "placematch.db"
        shutil.copyfile(template, path)
        engine = store.make_engine(f"sqlite:///{path}")
        try:
            yield engine
        finally:
            engine.dispose()
