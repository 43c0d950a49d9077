"""Background runs in the database (store/runs.py), on SQLite and PostgreSQL: one
active run per kind and LA set even when many sessions start one at once, the LA
boundary, conditional writes by the owner, stale runs interrupted and audited once,
restarts."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, update

import store
from store.models import StoredRun, User


def start(engine: Engine, by: User | None, las: list[str], kind: str = "match", **kw: object):
    with store.transaction(engine) as s:
        return store.start_run(s, kind=kind, las=las, by=by, owner="me", **kw)


def age(engine: Engine, run_id: str, seconds: float) -> None:
    """Make a run's heartbeat `seconds` old, as if its process had stopped then."""
    with store.transaction(engine) as s:
        s.execute(
            update(StoredRun)
            .where(StoredRun.id == run_id)
            .values(heartbeat_at=store.utcnow() - timedelta(seconds=seconds))
        )


def status(engine: Engine, run_id: str) -> StoredRun:
    with store.transaction(engine, write=False) as s:
        run = s.get(StoredRun, run_id)
        assert run is not None
        return run


def test_one_active_run_per_kind_and_la_set(engine: Engine, officer: User) -> None:
    """Tests that a second run of a kind over the same LAs (in any order) is refused
    while the first is queued or running, and allowed for another kind or LA set, or
    once the first has ended."""
    first = start(engine, officer, ["Leeds", "Bradford"])
    with pytest.raises(store.Conflict, match=first.id):
        start(engine, officer, ["Bradford", "Leeds"])
    start(engine, officer, ["Leeds", "Bradford"], kind="family_finding")
    start(engine, officer, ["Leeds"])
    with store.transaction(engine) as s:
        assert store.write_run(s, first.id, "me", status="done", progress=1.0)
    assert start(engine, officer, ["Leeds", "Bradford"]).id != first.id


def test_many_sessions_starting_at_once_one_wins(engine: Engine, officer: User) -> None:
    """Tests that of 20 sessions (each its own connection) starting a run over the same
    LAs at once, exactly one does: the unique index decides, not a read before."""
    barrier = threading.Barrier(20)
    outcomes: list[str] = []
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        try:
            start(engine, officer, ["Leeds"])
            got = "started"
        except store.Conflict:
            got = "conflict"
        with lock:
            outcomes.append(got)

    threads = [threading.Thread(target=one) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["conflict"] * 19 + ["started"]


def test_another_la_sets_run_is_not_found(engine: Engine, officer: User) -> None:
    """Tests that a run over LAs not all the caller's, or of another kind, answers
    exactly as an unknown id, and that lists show only runs over the caller's LAs."""
    regional = start(engine, officer, ["Leeds", "Bradford"])
    leeds = start(engine, officer, ["Leeds"])
    with store.transaction(engine, write=False) as s:
        assert store.get_run(s, regional.id, "match", ["Bradford", "Leeds", "York"]).id
        for run_id, kind in ((regional.id, "match"), (leeds.id, "family_finding")):
            with pytest.raises(store.NotFound) as theirs:
                store.get_run(s, run_id, kind, ["Leeds"] if kind == "match" else ["Leeds", "X"])
            with pytest.raises(store.NotFound) as unknown:
                store.get_run(s, "nope", kind, ["Leeds"])
            assert str(theirs.value).replace(run_id, "?") == str(unknown.value).replace("nope", "?")
        assert [r.id for r in store.list_runs(s, "match", ["Leeds"])] == [leeds.id]
        mine = store.list_runs(s, "match", ["Leeds", "Bradford"])
        assert [r.id for r in mine] == [leeds.id, regional.id]
        assert [r.id for r in store.list_runs(s, "match", ["Leeds", "Bradford"], offset=1)] == [
            regional.id
        ]


def test_stale_runs_are_interrupted_once_and_audited(engine: Engine, officer: User) -> None:
    """Tests that a queued or running run whose heartbeat is old is marked interrupted,
    with one audit entry however often it is swept, that a fresh one is left alone, and
    that its owner can no longer write to it."""
    old = start(engine, officer, ["Leeds"])
    fresh = start(engine, officer, ["Bradford"])
    with store.transaction(engine) as s:
        assert store.write_run(s, old.id, "me", status="running", child_ids=["C1"])
    age(engine, old.id, 120)
    for _ in range(2):
        with store.transaction(engine) as s:
            marked = store.interrupt_stale(s, store.stale_before(30))
        assert marked in ([old.id], [])
    gone = status(engine, old.id)
    assert gone.status == "interrupted" and "stopped" in (gone.error or "")
    assert gone.finished_at is not None
    assert status(engine, fresh.id).status == "queued"
    with store.transaction(engine, write=False) as s:
        [entry] = store.list_audit(s, action="match.run_interrupted")
    assert entry.object_id == old.id and entry.child_ids == ["C1"]
    assert entry.detail == {"was": "running", "progress": 0.0}
    with store.transaction(engine) as s:  # the owner, late: nothing is written
        assert not store.write_run(s, old.id, "me", status="done", progress=1.0)
    assert status(engine, old.id).status == "interrupted"


def test_a_stopping_owner_interrupts_its_own(engine: Engine, officer: User) -> None:
    """Tests that a process stopping marks its own unfinished runs interrupted, not
    another process's."""
    mine = start(engine, officer, ["Leeds"])
    with store.transaction(engine) as s:
        theirs = store.start_run(s, kind="match", las=["Bradford"], by=officer, owner="them")
    with store.transaction(engine) as s:
        assert store.interrupt_owned(s, "me", "the service stopped") == [mine.id]
    assert status(engine, mine.id).status == "interrupted"
    assert status(engine, theirs.id).status == "queued"


def test_restart(engine: Engine, officer: User) -> None:
    """Tests that an interrupted run restarts as a new run with its LAs, params and time
    limit, the two naming each other; and that a done, active or already restarted run,
    or another LA set's, does not restart."""
    params = {"seed": 3, "priority": "waiting"}
    old = start(engine, officer, ["Leeds"], kind="family_finding", params=params, time_limit_s=2)
    with store.transaction(engine) as s, pytest.raises(store.Conflict, match="is queued"):
        store.restart_run(s, old.id, "family_finding", ["Leeds"], by=officer, owner="me")
    with store.transaction(engine) as s:
        store.interrupt_owned(s, "me", "the service stopped")
    with store.transaction(engine) as s, pytest.raises(store.NotFound):
        store.restart_run(s, old.id, "family_finding", ["Bradford"], by=officer, owner="x")
    with store.transaction(engine) as s:
        was, new = store.restart_run(s, old.id, "family_finding", ["Leeds"], by=officer, owner="b")
    assert was.restarted_as == new.id and new.restarted_from == old.id
    assert (new.las, new.params, new.time_limit_s) == (["Leeds"], params, 2)
    assert (new.status, new.owner, new.user_id) == ("queued", "b", officer.id)
    assert status(engine, old.id).restarted_as == new.id
    with store.transaction(engine) as s:
        store.write_run(s, new.id, "b", status="failed", error="x")
    again = pytest.raises(store.Conflict, match=f"restarted already as {new.id}")
    with store.transaction(engine) as s, again:
        store.restart_run(s, old.id, "family_finding", ["Leeds"], by=officer, owner="c")
    with store.transaction(engine) as s:  # a failed run restarts too
        assert store.restart_run(s, new.id, "family_finding", ["Leeds"], by=None, owner="c")


def test_a_report_is_kept_once(engine: Engine, officer: User) -> None:
    run = start(engine, officer, ["Leeds"], kind="family_finding")
    with store.transaction(engine) as s:
        store.save_report(s, run.id, "<html>first</html>")
        store.save_report(s, run.id, "<html>second</html>")
    with store.transaction(engine, write=False) as s:
        assert store.get_run(s, run.id, "family_finding", ["Leeds"], full=True).report == (
            "<html>first</html>"
        )


def test_runs_do_not_change_the_data_version(engine: Engine, officer: User) -> None:
    """Tests that writing runs (a heartbeat a second) leaves the problem cache's data
    version alone: a run is not an input of any matching problem."""
    with store.transaction(engine, write=False) as s:
        before = store.data_version(s)
    run = start(engine, officer, ["Leeds"])
    with store.transaction(engine) as s:
        store.write_run(s, run.id, "me", progress=0.5)
    with store.transaction(engine, write=False) as s:
        assert store.data_version(s) == before
