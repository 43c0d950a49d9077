"""Issue 18's adoption fields over HTTP: a child's minimum distance from the birth home
and graded needs, an adopter's graded capacity — created, read, changed, and refused
by name (a 422, nothing half written)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api

KID = {"id": "A1", "la": "Leeds", "age": 2, "sex": "F", "home": "LS9", "accepts": ["adoption"]}
PLAN = {
    "waiting_since": "2025-03-01",
    "min_distance_km": 30,
    "need_levels": {"learning_disability": "medium"},
}
HOME = {
    "id": "P1",
    "la": "Leeds",
    "kind": "adoption",
    "provider": "in_house",
    "location": "LS12",
    "min_age": 0,
    "max_age": 4,
    "vacancies": 1,
    "available_from": "2025-01-10",
    "weekly_cost": 0,
    "skills": ["autism"],
}
APPROVAL = {"approved_on": "2025-01-10", "needs": {"learning_disability": "low"}}


def fields(answer: Any) -> list[str]:
    assert answer.status_code == 422, answer.text
    return [e["field"] for e in answer.json()["errors"]]


def test_the_plan_and_the_approval_carry_the_new_fields(both_api: Api) -> None:
    """Tests create, read and update of a minimum distance, need levels and an
    adopter's graded needs, and that an old-style plan reads as no minimum, no levels."""
    api = both_api
    kid = KID | {"needs": ["learning_disability"], "adoption": PLAN}
    made = api.post("/children", as_="finder", json=kid)
    assert made.status_code == 201, made.text
    plan = made.json()["adoption"]
    assert (plan["min_distance_km"], plan["need_levels"]) == (30, {"learning_disability": "medium"})
    assert api.get("/children/A1", as_="finder").json() == made.json()
    changed = api.patch(
        "/children/A1",
        as_="finder",
        json={"adoption": {"waiting_since": "2025-03-01", "min_distance_km": 0}},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["adoption"]["min_distance_km"] == 0
    assert changed.json()["adoption"]["need_levels"] == {}
    old = api.post("/children", as_="finder", json=KID | {"id": "A2", "adoption": PLAN | {}})
    assert old.status_code == 422  # a level for a need the child does not have
    plain = api.post(
        "/children",
        as_="finder",
        json=KID | {"id": "A2", "adoption": {"waiting_since": "2025-03-01"}},
    )
    assert plain.json()["adoption"]["min_distance_km"] is None
    assert plain.json()["adoption"]["need_levels"] == {}

    made = api.post("/carers", json=HOME | {"adopter": APPROVAL})
    assert made.status_code == 201, made.text
    assert made.json()["adopter"]["needs"] == {"learning_disability": "low"}
    assert api.get("/carers/P1").json() == made.json()
    regraded = api.patch(
        "/carers/P1", json={"adopter": APPROVAL | {"needs": {"complex_health": "high"}}}
    )
    assert regraded.json()["adopter"]["needs"] == {"complex_health": "high"}


@pytest.mark.parametrize(
    ("plan", "needs", "field"),
    [
        ({"min_distance_km": -5}, ["autism"], "body.adoption.min_distance_km"),
        ({"min_distance_km": "far"}, ["autism"], "body.adoption.min_distance_km"),
        ({"need_levels": {"autism": "severe"}}, ["autism"], "body.adoption.need_levels.autism"),
        ({"need_levels": {"flying": "low"}}, ["autism"], "body.adoption.need_levels.flying"),
        ({"need_levels": {"complex_health": "low"}}, ["autism"],
         "body.adoption.need_levels.complex_health"),
    ],
)  # fmt: skip
def test_bad_plan_values_are_named(
    api: Api, plan: dict[str, Any], needs: list[str], field: str
) -> None:
    """Tests that each bad value is a 422 naming its field, and nothing is written."""
    body = KID | {"needs": needs, "adoption": {"waiting_since": "2025-03-01"} | plan}
    assert any(f.startswith(field) for f in fields(api.post("/children", as_="finder", json=body)))
    assert api.get("/children/A1", as_="finder").status_code == 404


def test_dropping_a_graded_need_without_its_level_is_refused(api: Api) -> None:
    """Tests that a change leaving a level for a need the child no longer has is a 422
    naming the level, and the record keeps its need."""
    kid = KID | {"needs": ["learning_disability"], "adoption": PLAN}
    assert api.post("/children", as_="finder", json=kid).status_code == 201
    answer = api.patch("/children/A1", as_="finder", json={"needs": []})
    assert fields(answer) == ["body.adoption.need_levels.learning_disability"]
    assert api.get("/children/A1", as_="finder").json()["needs"] == ["learning_disability"]


@pytest.mark.parametrize(
    ("approval", "field"),
    [
        ({"needs": {"autism": "some"}}, "body.adopter.needs.autism"),
        ({"needs": ["autism"]}, "body.adopter.needs"),
        ({"needs": {"juggling": "low"}}, "body.adopter.needs.juggling"),
    ],
)
def test_bad_graded_needs_are_named(api: Api, approval: dict[str, Any], field: str) -> None:
    body = HOME | {"adopter": {"approved_on": "2025-01-10"} | approval}
    assert any(f.startswith(field) for f in fields(api.post("/carers", json=body)))
    assert api.get("/carers/P1").status_code == 404


def test_another_las_plan_is_not_found_as_an_unknown_one(api: Api) -> None:
    """Tests that changing the plan of a Leeds child, as someone of Bradford only,
    reads exactly as for an id that does not exist, and changes nothing."""
    assert api.post("/children", as_="finder", json=KID | {"adoption": PLAN}).status_code == 422
    made = api.post(
        "/children", as_="finder", json=KID | {"adoption": {"waiting_since": "2025-03-01"}}
    )
    assert made.status_code == 201, made.text
    body = {"adoption": {"waiting_since": "2025-03-01", "min_distance_km": 10}}
    other = api.patch("/children/A1", as_="bradford", json=body)
    unknown = api.patch("/children/NOBODY", as_="bradford", json=body)
    assert other.status_code == unknown.status_code == 404
    assert other.json()["detail"].replace("A1", "?") == unknown.json()["detail"].replace(
        "NOBODY", "?"
    )
    assert api.get("/children/A1", as_="finder").json()["adoption"]["min_distance_km"] is None
