"""Children's records within an LA boundary: another LA's child is simply not there."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

import store
from store.models import User
from tests.store.helpers import add_child, add_household, child_data, make_user


def test_create_read_update_list(engine: Engine, officer: User) -> None:
    add_household(engine, "H1")
    with store.transaction(engine) as s:
        store.create_child(s, child_data("C1", siblings_placed_with=["H1"]), by=officer)
        store.create_child(s, child_data("C2", age=4), by=officer)
    with store.transaction(engine) as s:
        child = store.update_child(s, "C2", {"needs": ["autism"], "age": 5}, by=officer)
        assert child.needs == ["autism"] and child.age == 5
    with store.transaction(engine, write=False) as s:
        assert [c.id for c in store.list_children(s, las=["Leeds"])] == ["C1", "C2"]
        assert [c.id for c in store.list_children(s, las=["Leeds"], offset=1)] == ["C2"]
        c1 = store.get_child(s, "C1", las=["Leeds"])
        assert store.child_to_dict(c1)["siblings_placed_with"] == ["H1"]
        updates = store.list_audit(s, action="child.update")
        assert updates[0].child_ids == ["C2"] and updates[0].detail == {"fields": ["age", "needs"]}


def test_another_las_child_is_not_found(engine: Engine) -> None:
    add_child(engine, "C1", la="Bradford", home="BD1")
    with store.transaction(engine) as s:
        with pytest.raises(store.NotFound):
            store.get_child(s, "C1", las=["Leeds"])
        with pytest.raises(store.NotFound):
            store.update_child(s, "C1", {"age": 3}, by=None, las=["Leeds"])
        assert store.list_children(s, las=["Leeds"]) == []
        assert store.get_child(s, "C1", las=["Leeds", "Bradford"]).la == "Bradford"


def test_cannot_create_or_move_a_child_outside_ones_las(engine: Engine) -> None:
    user = make_user(engine, las=["Leeds"])
    add_child(engine, "C1")
    with store.transaction(engine) as s:
        with pytest.raises(store.Forbidden):
            store.create_child(s, child_data("C2", la="Bradford"), by=user, las=user.las)
        with pytest.raises(store.Forbidden):
            store.update_child(s, "C1", {"la": "Bradford"}, by=user, las=user.las)


def test_duplicate_and_bad_values(engine: Engine) -> None:
    add_child(engine, "C1")
    with store.transaction(engine) as s:
        with pytest.raises(store.DuplicateId):
            store.create_child(s, child_data("C1"), by=None)
        with pytest.raises(store.Invalid) as info:
            store.create_child(s, child_data("C2", wishes={"carers": ["H404"]}), by=None)
        assert info.value.issues[0].field == "wishes.carers[0]"
        with pytest.raises(store.Invalid) as info:
            store.update_child(s, "C1", {"id": "C9"}, by=None)
        with pytest.raises(store.Invalid) as info:
            store.update_child(s, "C1", {"ethnicity": "XXXX"}, by=None)
        assert info.value.issues[0].field == "ethnicity"
