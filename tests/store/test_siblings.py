"""Sibling groups: read back as the core's SiblingGroup; one group per child."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

import store
from children import SiblingGroup
from tests.store.helpers import add_child


def test_create_read_update_delete(engine: Engine) -> None:
    for c in ("C1", "C2", "C3"):
        add_child(engine, c)
    with store.transaction(engine) as s:
        g = store.create_group(s, {"id": "G1", "children": ["C2", "C1"], "policy": "must"}, by=None)
        assert g == SiblingGroup("G1", ("C2", "C1"), "must")
    with store.transaction(engine) as s:
        g = store.update_group(s, "G1", children=["C1", "C2", "C3"], policy="should", by=None)
        assert store.get_group(s, "G1", las=["Leeds"]) == g
        assert store.group_of(s, "C3") == g
        assert store.list_groups(s, las=["Leeds"]) == [g]
        assert store.list_groups(s, las=["Bradford"]) == []
    with store.transaction(engine) as s:
        store.delete_group(s, "G1", by=None)
    with store.transaction(engine, write=False) as s:
        assert store.group_of(s, "C1") is None
        assert [e.action for e in store.list_audit(s, child_id="C3", action="sibling_group.")] == [
            "sibling_group.delete",
            "sibling_group.update",
        ]


def test_group_rules(engine: Engine) -> None:
    add_child(engine, "C1")
    add_child(engine, "C2", accepts=["residential"])
    add_child(engine, "C3")
    add_child(engine, "C4", la="Bradford", home="BD1")
    with store.transaction(engine) as s:
        store.create_group(s, {"id": "G1", "children": ["C1", "C3"], "policy": "should"}, by=None)
    with store.transaction(engine) as s:
        with pytest.raises(store.Conflict, match="already in sibling group G1"):
            store.create_group(
                s, {"id": "G2", "children": ["C2", "C3"], "policy": "apart"}, by=None
            )
        with pytest.raises(store.Invalid, match="no common placement kind"):
            store.update_group(s, "G1", children=["C1", "C2"], policy="must", by=None)
        with pytest.raises(store.Invalid) as info:
            store.create_group(
                s, {"id": "G3", "children": ["C2", "C4"], "policy": "apart"}, by=None, las=["Leeds"]
            )
        assert info.value.issues[0].field == "children[1]"
        with pytest.raises(store.Invalid):
            store.create_group(s, {"id": "G4", "children": ["C2"], "policy": "must"}, by=None)
        with pytest.raises(store.DuplicateId):
            store.create_group(
                s, {"id": "G1", "children": ["C2", "C4"], "policy": "apart"}, by=None
            )
