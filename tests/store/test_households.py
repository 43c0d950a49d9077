"""Households: checked like a problem's carers, with approved places beside vacancies."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

import store
from tests.store.helpers import add_child, add_household, household_data


def test_create_update_list(engine: Engine) -> None:
    add_child(engine, "C1")
    with store.transaction(engine) as s:
        store.create_household(s, household_data("H1", vacancies=1, places=3), by=None)
        store.create_household(
            s, household_data("H2", kind="kinship", connected_children=["C1"]), by=None
        )
        store.create_household(s, household_data("H3", la="Bradford", location="BD1"), by=None)
    with store.transaction(engine) as s:
        h = store.update_household(s, "H1", {"vacancies": 3, "skills": ["autism"]}, by=None)
        assert (h.vacancies, h.places, h.skills) == (3, 3, ["autism"])
        assert store.household_to_dict(h)["places"] == 3
    with store.transaction(engine, write=False) as s:
        assert [h.id for h in store.list_households(s, las=["Leeds"])] == ["H1", "H2"]
        assert [h.id for h in store.list_households(s, kind="kinship")] == ["H2"]
        assert store.free_places(s, "H1") == 3
        (entry,) = store.list_audit(s, action="household.create", limit=1)
        assert entry.object_id == "H3"


def test_bad_households(engine: Engine) -> None:
    add_household(engine, "H1")
    with store.transaction(engine) as s:
        with pytest.raises(store.DuplicateId):
            store.create_household(s, household_data("H1"), by=None)
        with pytest.raises(store.Invalid) as info:
            store.create_household(
                s, household_data("H2", kind="kinship", connected_children=["C404"]), by=None
            )
        assert info.value.issues[0].field == "connected_children[0]"
        with pytest.raises(store.Invalid) as info:
            store.update_household(s, "H1", {"vacancies": 5}, by=None)
        assert info.value.issues[0].field == "vacancies"
        with pytest.raises(store.NotFound):
            store.get_household(s, "H404")
