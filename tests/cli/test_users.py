"""`placematch users`: a real database file, real exit codes. In this process, but for
creating a user, which runs `python -m cli` (tests/cli/helpers.py)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import store
from tests.cli.helpers import run as run_here
from tests.cli.helpers import run_process


def run(*args: str, db: Path, cwd: Path, process: bool = False) -> subprocess.CompletedProcess[str]:
    env = {"DATABASE_URL": f"sqlite:///{db}"}
    return (run_process if process else run_here)("users", *args, cwd=cwd, env=env)


def test_create_prints_a_working_token_once(tmp_path: Path) -> None:
    db = tmp_path / "pm.db"
    done = run(
        "create", "--name", "Ann Example", "--role", "family_finder",
        "--la", "Leeds", "--la", "Bradford", db=db, cwd=tmp_path, process=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    assert token.startswith("pm_") and "\n" not in token
    assert "shown only now" in done.stderr
    engine = store.make_engine(f"sqlite:///{db}")
    with store.transaction(engine, write=False) as s:
        user = store.authenticate(s, token)
        assert (user.name, user.role, user.las) == (
            "Ann Example",
            "family_finder",
            ["Leeds", "Bradford"],
        )
    engine.dispose()
    assert token not in db.read_bytes().decode("latin-1")
    listed = run("list", db=db, cwd=tmp_path)
    assert (
        listed.returncode == 0 and "family_finder" in listed.stdout and token not in listed.stdout
    )
    assert run("revoke", str(user.id), db=db, cwd=tmp_path).returncode == 0
    assert run("revoke", "99", db=db, cwd=tmp_path).returncode == 4


def test_bad_role_or_la_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "pm.db"
    done = run("create", "--name", "Bob", "--role", "boss", "--la", "Atlantis", db=db, cwd=tmp_path)
    assert done.returncode == 2
    assert "'boss' is not a role" in done.stderr and "'Atlantis' is not a known LA" in done.stderr
    assert not db.exists()
    assert run("create", "--name", "Bob", "--role", "admin", db=db, cwd=tmp_path).returncode == 2
    assert not db.exists()


def test_reactivate_prints_a_new_token_and_the_old_one_stays_dead(tmp_path: Path) -> None:
    """Tests that `users reactivate` gives a revoked user a fresh token once, the revoked
    token still refused, and refuses an active user (2) or an unknown id (4)."""
    db = tmp_path / "pm.db"
    made = run("create", "--name", "Ann", "--role", "admin", "--la", "Leeds", db=db, cwd=tmp_path)
    old = made.stdout.strip()
    engine = store.make_engine(f"sqlite:///{db}")
    with store.transaction(engine, write=False) as s:
        user_id = store.authenticate(s, old).id
    assert run("reactivate", str(user_id), db=db, cwd=tmp_path).returncode == 2  # active
    assert run("revoke", str(user_id), db=db, cwd=tmp_path).returncode == 0
    done = run("reactivate", str(user_id), db=db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    new = done.stdout.strip()
    assert new.startswith("pm_") and new != old and "shown only now" in done.stderr
    with store.transaction(engine, write=False) as s:
        assert store.authenticate(s, new).id == user_id
        with pytest.raises(store.Unauthenticated):
            store.authenticate(s, old)
        actions = [e.action for e in store.list_audit(s, object_id=str(user_id))]
    engine.dispose()
    assert actions == ["user.reactivate", "user.deactivate", "user.create"]
    assert run("reactivate", "99", db=db, cwd=tmp_path).returncode == 4
