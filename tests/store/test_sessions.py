"""Web sessions: kept hashed, ended when idle, at their absolute end, on sign-out and
when their user is revoked."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlmodel import select

import store
from store.sessions import ABSOLUTE, IDLE, TOUCH_EVERY, hash_session_id


def officer(engine: Engine) -> store.User:
    with store.transaction(engine) as s:
        user, _token = store.create_user(s, "An officer", "placement_officer", ["Leeds"])
    return user


def test_a_session_is_kept_only_as_its_hash_and_finds_its_user(engine: Engine) -> None:
    user = officer(engine)
    with store.transaction(engine) as s:
        session_id, row = store.create_session(s, user)
    assert row.id_hash == hash_session_id(session_id) != session_id
    with store.transaction(engine, write=False) as s:
        found, who = store.find_session(s, session_id)
        assert who.id == user.id and found.csrf_secret == row.csrf_secret
        assert s.get(store.WebSession, session_id) is None
        with pytest.raises(store.Unauthenticated):
            store.find_session(s, session_id + "x")


def test_a_session_ends_when_idle_and_at_its_absolute_end(engine: Engine) -> None:
    user = officer(engine)
    with store.transaction(engine) as s:
        session_id, row = store.create_session(s, user)
    start = row.created_at
    with store.transaction(engine) as s:
        store.find_session(s, session_id, now=start + IDLE - TOUCH_EVERY)
        with pytest.raises(store.Unauthenticated):
            store.find_session(s, session_id, now=start + IDLE)
        # used every few hours, it still ends at its absolute end
        for hours in range(0, 12, 4):
            store.touch_session(s, row.id_hash, now=start + ABSOLUTE * hours / 12)
        store.find_session(s, session_id, now=start + ABSOLUTE - TOUCH_EVERY)
        with pytest.raises(store.Unauthenticated):
            store.find_session(s, session_id, now=start + ABSOLUTE)


def test_sign_out_and_revoking_end_sessions(engine: Engine) -> None:
    user = officer(engine)
    with store.transaction(engine) as s:
        first, _ = store.create_session(s, user)
        second, _ = store.create_session(s, user)
        store.end_session(s, first)
    with store.transaction(engine) as s:
        with pytest.raises(store.Unauthenticated):
            store.find_session(s, first)
        store.find_session(s, second)
        store.deactivate_user(s, user.id or 0, by=None)
    with store.transaction(engine) as s:
        with pytest.raises(store.Unauthenticated):
            store.find_session(s, second)
        assert s.exec(select(store.WebSession)).all() == []
