"""The audit log: ids only, searchable, and append-only in the database itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

import store
from store.models import User


def test_record_and_search(engine: Engine, officer: User) -> None:
    with store.transaction(engine) as s:
        store.record(s, officer, "child.read", ["C1"], "C1")
        store.record(s, officer, "match.rank", ["C1", "C2"], "C1", {"top": 20})
        store.record(s, None, "proposal.expire", ["C2"], 7)
    with store.transaction(engine, write=False) as s:
        assert [e.action for e in store.list_audit(s, child_id="C1")] == [
            "match.rank",
            "child.read",
        ]
        assert [e.action for e in store.list_audit(s, child_id="C2")] == [
            "proposal.expire",
            "match.rank",
        ]
        assert len(store.list_audit(s, user_id=officer.id)) == 2  # user.create is by nobody
        assert [e.object_id for e in store.list_audit(s, action="proposal.")] == ["7"]
        newest = store.list_audit(s, limit=1)
        assert newest[0].action == "proposal.expire" and newest[0].user_id is None
        page2 = store.list_audit(s, before_id=newest[0].id, limit=2)
        assert [e.action for e in page2] == ["match.rank", "child.read"]
        now = store.utcnow()
        assert store.list_audit(s, since=now + timedelta(minutes=1)) == []
        assert len(store.list_audit(s, until=now + timedelta(minutes=1))) == 4


@pytest.mark.parametrize(
    "detail",
    [
        {"note": "Jane Smith is autistic"},
        {"needs": ["autism", "lives with Gran"]},
        {"nested": {"a": 1}},
        {"Bad Key": 1},
    ],
)
def test_details_hold_ids_only(engine: Engine, detail: dict) -> None:
    with store.transaction(engine) as s, pytest.raises(store.Invalid):
        store.record(s, None, "child.read", ["C1"], "C1", detail)


def test_bad_action_refused(engine: Engine) -> None:
    with store.transaction(engine) as s, pytest.raises(store.Invalid):
        store.record(s, None, "Read the child!", ["C1"])


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit SET action = 'child.create'",
        "DELETE FROM audit",
        "UPDATE audit_child SET child_id = 'C9'",
        "DELETE FROM audit_child",
        "UPDATE audit_child SET la = 'Bradford'",
        "UPDATE audit_la SET la = 'Bradford'",
        "DELETE FROM audit_la",
    ],
)
def test_database_refuses_to_change_the_log(engine: Engine, statement: str) -> None:
    with store.transaction(engine) as s:
        store.record(s, None, "child.read", ["C1"], "C1", las=["Leeds"])
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    with store.transaction(engine, write=False) as s:
        (entry,) = store.list_audit(s, child_id="C1")
        assert entry.action == "child.read"


def test_truncate_refused_on_postgresql(engine: Engine, backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE audit CASCADE"))
