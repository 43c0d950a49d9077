"""Children, carers, referrals and sibling groups over HTTP: create, read, change, list,
each field checked against the problem format's vocabularies (a 422 names it)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api

CHILD = {
    "id": "C-0301",
    "la": "Leeds",
    "age": 9,
    "sex": "F",
    "home": "LS9",
    "school": "LS9",
    "school_must_stay": True,
    "accepts": ["foster", "kinship"],
    "needs": ["emotional_behavioural"],
    "flags": ["no_pets"],
    "wishes": {"areas": ["LS8"], "carers": ["H1"]},
}
CARER = {
    "id": "H-0901",
    "la": "Leeds",
    "kind": "foster",
    "provider": "in_house",
    "location": "LS12",
    "min_age": 0,
    "max_age": 17,
    "places": 2,
    "vacancies": 1,
    "available_from": "2026-11-20",
    "skills": ["autism"],
    "weekly_cost": 520,
}


def fields(answer: Any) -> list[str]:
    assert answer.status_code == 422, answer.text
    return [e["field"] for e in answer.json()["errors"]]


def test_child_created_read_changed_and_listed(api: Api) -> None:
    made = api.post("/children", json=CHILD)
    assert made.status_code == 201, made.text
    child = made.json()
    assert child["school"] == "LS9" and child["wishes"] == {"areas": ["LS8"], "carers": ["H1"]}
    assert child["ethnicity"] == "NOBT" and child["languages"] == ["en"]
    assert api.get("/children/C-0301").json() == child
    changed = api.patch(
        "/children/C-0301",
        json={"needs": ["autism", "therapeutic"], "school": None, "school_must_stay": False},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["needs"] == ["autism", "therapeutic"] and changed.json()["school"] is None
    assert api.post("/children", json=CHILD).status_code == 409  # the id is taken
    page1 = api.get("/children", params={"limit": 3}).json()
    page2 = api.get("/children", params={"limit": 3, "offset": page1["next_offset"]}).json()
    ids = [c["id"] for c in page1["items"] + page2["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 6 and page1["next_offset"] == 3


def test_age_from_date_of_birth(api: Api) -> None:
    body = {k: v for k, v in CHILD.items() if k != "age"} | {"date_of_birth": "2016-01-01"}
    made = api.post("/children", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["age"] >= 10
    missing = {k: v for k, v in CHILD.items() if k != "age"} | {"id": "X2"}
    assert fields(api.post("/children", json=missing)) == ["body.age"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"needs": ["flying"]}, "body.needs[0]"),
        ({"needs": ["autism", "autism"]}, "body.needs"),
        ({"flags": ["quiet"]}, "body.flags[0]"),
        ({"accepts": []}, "body.accepts"),
        ({"accepts": ["boarding_school"]}, "body.accepts[0]"),
        ({"sex": "X"}, "body.sex"),
        ({"age": 26}, "body.age"),
        ({"age": "9"}, "body.age"),
        ({"age": 9.5}, "body.age"),
        ({"ethnicity": "ZZZZ"}, "body.ethnicity"),
        ({"languages": ["English"]}, "body.languages[0]"),
        ({"home": "ZZ99"}, "body.home"),
        ({"home": "?"}, "body.home"),
        ({"la": "Atlantis"}, "body.la"),
        ({"school": "NOWHERE1"}, "body.school"),
        ({"avoid": ["Neverland"]}, "body.avoid[0]"),
        ({"wishes": {"areas": ["LS8", "QQ1"]}}, "body.wishes.areas[1]"),
        ({"wishes": {"carers": ["H-NONE"]}}, "body.wishes.carers[0]"),
        ({"max_distance_km": 0}, "body.max_distance_km"),
        ({"id": "has space"}, "body.id"),
        ({"id": "nul\u0000"}, "body.id"),
        ({"religion": "none\u0000"}, "body.religion"),
        ({"favourite_colour": "blue"}, "body.favourite_colour"),
        ({"school_must_stay": "yes"}, "body.school_must_stay"),
        ({"date_of_birth": 20160101}, "body.date_of_birth"),
        ({"date_of_birth": "2016-13-45"}, "body.date_of_birth"),
    ],
)
def test_bad_child_fields_are_named(api: Api, change: dict[str, Any], field: str) -> None:
    answer = api.post("/children", json=CHILD | change)
    assert field in fields(answer)
    assert api.get("/children/C-0301").status_code == 404  # nothing half written


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("not json", "body"),
        ([1, 2], "body"),
        (None, "body"),
    ],
)
def test_bodies_that_are_not_objects(api: Api, body: Any, field: str) -> None:
    if isinstance(body, str):
        answer = api.post("/children", content=body, headers={"content-type": "application/json"})
    else:
        answer = api.post("/children", json=body)
    assert any(f.startswith(field) for f in fields(answer))


def test_bad_query_values_are_named(api: Api) -> None:
    assert fields(api.get("/children", params={"limit": 0})) == ["query.limit"]
    assert fields(api.get("/children", params={"limit": 5000})) == ["query.limit"]
    assert fields(api.get("/children", params={"offset": -1})) == ["query.offset"]
    assert fields(api.get("/children", params={"offset": 2**40})) == ["query.offset"]
    assert fields(api.get("/referrals", params={"status": "lost"})) == ["query.status"]
    assert fields(api.get("/children/C1/matches", params={"top": 0})) == ["query.top"]
    assert fields(api.get("/referrals/0")) == ["path.referral_id"]
    assert fields(api.get("/referrals/99999999999999999999")) == ["path.referral_id"]
    assert api.get("/children/C%00").status_code == 422
    assert api.get("/proposals/123456").status_code == 404


def test_carers_created_changed_and_checked(api: Api) -> None:
    made = api.post("/carers", json=CARER)
    assert made.status_code == 201, made.text
    assert made.json()["places"] == 2 and made.json()["vacancies"] == 1
    assert api.get("/carers/H-0901").json() == made.json()
    changed = api.patch("/carers/H-0901", json={"vacancies": 2})
    assert changed.status_code == 200 and changed.json()["vacancies"] == 2
    assert fields(api.patch("/carers/H-0901", json={"vacancies": 3})) == ["body.vacancies"]
    assert fields(api.post("/carers", json=CARER | {"id": "H2x", "skills": ["juggling"]})) == [
        "body.skills[0]"
    ]
    assert "body.min_age" in fields(
        api.post("/carers", json=CARER | {"id": "H3x", "min_age": 9, "max_age": 4})
    )
    assert fields(api.post("/carers", json=CARER | {"id": "H4x", "weekly_cost": -1})) == [
        "body.weekly_cost"
    ]
    assert fields(api.post("/carers", json=CARER | {"id": "H5x", "kind": "hotel"})) == ["body.kind"]
    listed = api.get("/carers", params={"with_vacancy": True, "la": "Leeds"}).json()["items"]
    assert "H4" not in {h["id"] for h in listed} and "H1" in {h["id"] for h in listed}
    assert api.get("/carers/NOPE").status_code == 404


def test_referral_with_the_childs_views(api: Api) -> None:
    views = {
        "urgency": "emergency",
        "needed_by": "2026-11-24",
        "views_where": "near my school",
        "views_who": "with my brother",
        "views_matters": "my dog",
    }
    opened = api.post("/children/C4/referrals", json=views)
    assert opened.status_code == 201, opened.text
    referral = opened.json()
    assert referral["status"] == "open" and referral["views_who"] == "with my brother"
    assert api.post("/children/C4/referrals", json=views).status_code == 409
    listed = api.get("/referrals").json()["items"]
    assert listed[0]["child_id"] == "C4"  # the emergency comes first
    changed = api.patch(
        f"/referrals/{referral['id']}", json={"views_matters": None, "urgency": "urgent"}
    )
    assert changed.status_code == 200
    assert changed.json()["views_matters"] is None and changed.json()["urgency"] == "urgent"
    assert fields(api.patch(f"/referrals/{referral['id']}", json={"urgency": "whenever"})) == [
        "body.urgency"
    ]
    assert fields(api.post("/children/C4/referrals", json={"urgency": "urgent"})) == [
        "body.needed_by"
    ]
    closed = api.post(f"/referrals/{referral['id']}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert api.get(f"/referrals/{referral['id']}").json()["status"] == "closed"
    assert api.get(f"/referrals/{referral['id']}", as_="bradford").status_code == 404


def test_sibling_groups(api: Api) -> None:
    assert api.get("/sibling-groups/G1").json() == {
        "id": "G1",
        "children": ["S1", "S2"],
        "policy": "must",
    }
    made = api.post(
        "/sibling-groups", json={"id": "G2", "children": ["C1", "C2"], "policy": "should"}
    )
    assert made.status_code == 201, made.text
    assert (
        api.post(
            "/sibling-groups", json={"id": "G3", "children": ["C1", "C3"], "policy": "apart"}
        ).status_code
        == 409
    )
    assert "body.children" in fields(
        api.post("/sibling-groups", json={"id": "G4", "children": ["C3"], "policy": "must"})
    )
    assert "body.children[1]" in fields(
        api.post("/sibling-groups", json={"id": "G5", "children": ["C3", "B1"], "policy": "must"})
    )
    changed = api.patch("/sibling-groups/G2", json={"policy": "apart"})
    assert changed.json()["policy"] == "apart"
    assert {g["id"] for g in api.get("/sibling-groups").json()["items"]} == {"G1", "G2"}
    first = api.get("/sibling-groups", params={"limit": 1}).json()
    assert [g["id"] for g in first["items"]] == ["G1"] and first["next_offset"] == 1
    rest = api.get("/sibling-groups", params={"offset": 1}).json()
    assert [g["id"] for g in rest["items"]] == ["G2"] and rest["next_offset"] is None
    assert api.get("/sibling-groups/G1", as_="bradford").status_code == 404


def test_reads_and_changes_are_audited_with_ids_only(api: Api) -> None:
    api.get("/children/C1")
    api.get("/children", params={"limit": 2})
    api.patch("/children/C1", json={"needs": ["autism"]})
    api.get("/referrals")
    read = api.audit(action="child.read")
    assert [(e.child_ids, e.object_id, e.user_id) for e in read] == [
        (["C1"], "C1", api.users["officer"].id)
    ]
    assert api.audit(action="child.list")[0].child_ids == ["C1", "C2"]
    update = api.audit(action="child.update")[0]
    assert update.detail == {"fields": ["needs"]}
    assert set(api.audit(action="referral.list")[0].child_ids) == {"C1", "C2", "C3", "S1", "S2"}
    log = api.get("/audit", as_="manager", params={"child_id": "C1"}).json()["items"]
    assert {e["action"] for e in log} >= {
        "child.read",
        "child.list",
        "child.update",
        "referral.list",
    }
    text = str(log)
    for secret in ("autism", "officer user", "Leeds", "LS9"):
        assert secret not in text


@pytest.mark.parametrize("written", ["%201", "1%20", "+1", "1_0", "%D9%A1", "01x"])
def test_a_number_in_a_path_is_digits_only(api: Api, written: str) -> None:
    """Tests that `/referrals/%201` (" 1") is a 422 naming the path, not referral 1."""
    assert api.get("/referrals/1").status_code == 200
    assert fields(api.get(f"/referrals/{written}")) == ["path.referral_id"]
    assert fields(api.get("/children", params={"offset": " 1"})) == ["query.offset"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/children", CHILD | {"date_of_birth": "9999-12-31"}, "body.date_of_birth"),
        ("/children", CHILD | {"date_of_birth": "0001-01-01"}, "body.date_of_birth"),
        ("/carers", CARER | {"available_from": "0001-01-01"}, "body.available_from"),
        ("/carers", CARER | {"available_from": "9999-12-31"}, "body.available_from"),
        ("/children/C4/referrals", {"urgency": "urgent", "needed_by": "9999-12-31"},
         "body.needed_by"),
        ("/children/C4/referrals", {"urgency": "urgent", "needed_by": "0001-01-01"},
         "body.needed_by"),
    ],
)  # fmt: skip
def test_implausible_dates_are_refused_by_name(
    api: Api, path: str, body: dict[str, Any], field: str
) -> None:
    """Tests that dates far in the past or future are a 422 naming the field and range."""
    answer = api.post(path, json=body)
    assert fields(answer) == [field]
    assert "not a plausible" in answer.json()["errors"][0]["message"]


def test_adoption_dates_are_plausible(api: Api) -> None:
    """Tests the adoption plan's and the adopter's dates."""
    plan = {"waiting_since": "9999-01-01", "placement_order_date": "0001-01-01"}
    child = CHILD | {"accepts": ["adoption"], "adoption": plan}
    assert fields(api.post("/children", json=child)) == [
        "body.adoption.waiting_since",
        "body.adoption.placement_order_date",
    ]
    adopter = CARER | {"kind": "adoption", "adopter": {"approved_on": "1900-01-01"}}
    assert fields(api.post("/carers", json=adopter)) == ["body.adopter.approved_on"]


def test_siblings_placed_with_says_it_wants_households(api: Api) -> None:
    """Tests that a sibling's id sent as `siblings_placed_with` is refused with a message
    saying the field lists households, not "unknown carer"."""
    answer = api.post("/children", json=CHILD | {"siblings_placed_with": ["S1"]})
    assert fields(answer) == ["body.siblings_placed_with[0]"]
    message = answer.json()["errors"][0]["message"]
    assert "households where a brother or sister already lives" in message
