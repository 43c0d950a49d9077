"""Users and tokens: made once, shown once, kept hashed, checked in constant time."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

import store


def test_token_authenticates_its_user_and_is_stored_hashed(engine: Engine) -> None:
    with store.transaction(engine) as s:
        user, token = store.create_user(s, "Ann Officer", "family_finder", ["Leeds", "Bradford"])
    assert token.startswith("pm_") and len(token) > 40
    with store.transaction(engine, write=False) as s:
        found = store.authenticate(s, token)
        assert (found.id, found.role, found.las) == (
            user.id,
            "family_finder",
            ["Leeds", "Bradford"],
        )
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM user_account")).scalar_one()
    assert token not in stored and stored == store.users.hash_token(token)


@pytest.mark.parametrize("token", ["", "pm_wrong", "x" * 500])
def test_unknown_token_is_refused(engine: Engine, token: str) -> None:
    with store.transaction(engine) as s:
        store.create_user(s, "Ann", "admin", ["Leeds"])
    with store.transaction(engine, write=False) as s, pytest.raises(store.Unauthenticated):
        store.authenticate(s, token)


def test_deactivated_user_cannot_sign_in(engine: Engine) -> None:
    with store.transaction(engine) as s:
        user, token = store.create_user(s, "Ann", "admin", ["Leeds"])
    with store.transaction(engine) as s:
        store.deactivate_user(s, user.id, by=None)
    with store.transaction(engine, write=False) as s, pytest.raises(store.Unauthenticated):
        store.authenticate(s, token)


def test_bad_role_and_unknown_la_are_named_and_nothing_is_written(engine: Engine) -> None:
    with store.transaction(engine) as s, pytest.raises(store.Invalid) as info:
        store.create_user(s, "", "boss", ["Leeds", "Atlantis"])
    fields = {i.field for i in info.value.issues}
    assert fields == {"name", "role", "las[1]"}
    with store.transaction(engine, write=False) as s:
        assert store.list_users(s) == []


def test_a_user_needs_an_la(engine: Engine) -> None:
    with store.transaction(engine) as s, pytest.raises(store.Invalid, match="at least one LA"):
        store.create_user(s, "Ann", "planner", [])


def test_user_creation_is_audited_without_the_name(engine: Engine) -> None:
    with store.transaction(engine) as s:
        user, _ = store.create_user(s, "Ann Secret-Name", "planner", ["Leeds"])
    with store.transaction(engine, write=False) as s:
        (entry,) = store.list_audit(s, action="user.create")
    assert entry.object_id == str(user.id) and entry.detail == {"role": "planner"}
    assert "Secret" not in repr(entry)


def test_only_admins_authorise_exceptions(engine: Engine) -> None:
    with store.transaction(engine) as s:
        roles = {r: store.create_user(s, r, r, ["Leeds"])[0] for r in store.ROLES}
    assert {r for r, u in roles.items() if store.can_authorise_exceptions(u)} == {"admin"}
