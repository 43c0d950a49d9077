"""An SSDA903 import written chunk by chunk (issue 13), on SQLite and PostgreSQL: each
chunk its own transaction with its children, care records and audit entry; the import's
state; an import cut short leaves whole children and removes nothing; running the same
extract again completes it; imports of one LA still queue."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import select

import ssda903
import store
import store.ssda903 as store_903
from store.models import AuditEntry, CareRecord, ChildRecord, ImportRun
from store.ssda903_chunks import import_in_chunks
from tests.ssda903.helpers import EPISODES, changed, extract, imported
from tests.store.test_ssda903 import LINKS


def _rows(engine: Engine, table: Any) -> list[Any]:
    with store.read_session(engine) as s:
        return list(s.exec(select(table)))


def _entries(engine: Engine, action: str) -> list[AuditEntry]:
    with store.read_session(engine) as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == action)))


def test_each_chunk_commits_its_children_care_records_and_audit_entry(engine: Engine) -> None:
    """Tests that a chunk of one child writes that child with their care record and one
    `child.import` entry naming them, and that the finished import is `done`."""
    saved = import_in_chunks(engine, imported(), by=None, size=1)
    assert saved.run.state == "done" and saved.run.finished_at is not None
    entries = _entries(engine, "child.import")
    assert sorted(e.child_ids[0] for e in entries) == ["Leeds-101", "Leeds-102", "Leeds-103"]
    assert {e.detail["chunk"] for e in entries} == {1, 2, 3}
    assert all(e.object_id == str(saved.run.id) for e in entries)
    [run] = _rows(engine, ImportRun)
    assert (run.state, run.children, run.created, run.skipped) == ("done", 3, 3, 0)
    assert len(_rows(engine, CareRecord)) == 3
    [finish] = _entries(engine, "import.finish")
    assert finish.detail["created"] == 3 and finish.child_ids == []


def test_an_import_cut_short_leaves_whole_children_and_is_completed_by_running_it_again(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests that a failure in the second chunk leaves the first chunk's child whole (record,
    care record, audit entry), the import `writing`, and the care record of a child who
    left care in place (removal waits for the whole extract); the same extract again
    completes the import and marks the first `interrupted`."""
    import_in_chunks(engine, imported(), by=None)
    left = imported(extract(episodes=changed(EPISODES, 2, DEC="01/03/2024", REC="E13")))
    real = store_903.write_children

    def dies_on_chunk_2(*args: Any, **kwargs: Any) -> None:
        if kwargs["number"] == 2:
            raise RuntimeError("the process was killed")
        real(*args, **kwargs)

    monkeypatch.setattr("store.ssda903_chunks.write_children", dies_on_chunk_2)
    with pytest.raises(RuntimeError):
        import_in_chunks(engine, left, by=None, size=1)
    runs = sorted(_rows(engine, ImportRun), key=lambda r: r.id)
    assert [r.state for r in runs] == ["done", "writing"]
    cut = runs[1]
    assert (cut.created, cut.unchanged) == (0, 1)
    care = {c.child_id: c.import_id for c in _rows(engine, CareRecord)}
    assert care == {"Leeds-101": cut.id, "Leeds-102": runs[0].id, "Leeds-103": runs[0].id}

    monkeypatch.setattr("store.ssda903_chunks.write_children", real)
    again = import_in_chunks(engine, left, by=None, size=1)
    states = {r.id: r.state for r in _rows(engine, ImportRun)}
    assert states == {runs[0].id: "done", cut.id: "interrupted", again.run.id: "done"}
    assert again.no_longer_looked_after == ["Leeds-103"]
    assert {c.child_id for c in _rows(engine, CareRecord)} == {"Leeds-101", "Leeds-102"}
    assert len(_rows(engine, ChildRecord)) == 3
    assert [e.object_id for e in _entries(engine, "import.interrupted")] == [str(cut.id)]


def test_a_record_changed_after_it_was_checked_is_checked_again_when_written(
    engine: Engine,
) -> None:
    """Tests that a child edited by someone between `prepare` (outside the write lock) and
    the chunk's write keeps the edit: the stale prepared record is not written."""
    first = imported()
    import_in_chunks(engine, first, by=None)
    again = imported()
    kids = again.children
    with store.read_session(engine) as s:
        ready = store_903.prepare(s, kids, again.as_of)
    with store.transaction(engine) as s:  # an officer adds a need meanwhile
        store.update_child(s, "Leeds-101", {"needs": ["autism"]}, by=None)
    with store.transaction(engine) as s:
        run_id = store_903.begin_import(s, again, by=None)
        store_903.write_children(s, run_id, again, kids, store_903.Tally(), by=None, prepared=ready)
    with store.read_session(engine) as s:
        assert s.get(ChildRecord, "Leeds-101").needs == ["autism"]


def test_the_care_record_keeps_the_sdq_score(engine: Engine) -> None:
    """Tests that the OC2 SDQ score reaches the care record (the baseline reads it)."""
    import_in_chunks(engine, imported(), by=None)
    care = {c.child_id: c for c in _rows(engine, CareRecord)}
    assert care["Leeds-101"].sdq_score == 12 and care["Leeds-102"].sdq_score is None


def test_chunked_imports_of_one_la_queue_and_all_succeed(engine: Engine) -> None:
    """Tests that six chunked imports of one LA at once never interleave: one creates the
    children, the others find them, and each finishes `done`."""
    from tests.store.test_concurrency import race

    imp = imported(siblings=ssda903.parse_siblings(LINKS))
    outcomes = race(6, lambda i: import_in_chunks(engine, imp, by=None, size=1))
    assert outcomes == {"ok": 6}
    runs = _rows(engine, ImportRun)
    assert sorted(r.created for r in runs) == [0, 0, 0, 0, 0, 3]
    assert {r.state for r in runs} == {"done"}
    assert len(_rows(engine, ChildRecord)) == 3 and len(_rows(engine, CareRecord)) == 3
