"""Sign-in and boundaries: tokens, LAs, and what each role may see."""

from __future__ import annotations

from typing import Any

import pytest

import store
from tests.api.conftest import Api
from tests.store.helpers import add_child

CHILD_ENDPOINTS = [
    ("get", "/children"),
    ("get", "/children/C1"),
    ("get", "/referrals"),
    ("get", "/children/C1/matches"),
    ("get", "/sibling-groups/G1/matches"),
    ("get", "/proposals"),
    ("get", "/placements"),
    ("get", "/carers"),
]


def test_health_and_docs_need_no_token(api: Api) -> None:
    assert api.get("/health", as_=None).json() == {"status": "ok", "database": "ok"}
    assert api.get("/openapi.json", as_=None).status_code == 200
    assert "/children/{child_id}" in api.get("/docs", as_=None).text


@pytest.mark.parametrize(("method", "path"), [*CHILD_ENDPOINTS, ("get", "/stats")])
def test_no_token_is_401(api: Api, method: str, path: str) -> None:
    answer = getattr(api.client, method)(path)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"
    assert "detail" in answer.json()


@pytest.mark.parametrize(
    "header",
    ["Bearer pm_not-a-token", "Bearer ", "Basic dXNlcjpwdw==", "pm_raw", "Bearer " + "x" * 500],
)
def test_bad_token_is_401(api: Api, header: str) -> None:
    answer = api.client.get("/children/C1", headers={"Authorization": header})
    assert answer.status_code == 401
    assert api.audit(action="child.read") == []


def test_revoked_token_is_401(api: Api) -> None:
    revoked = api.post(f"/users/{api.users['officer'].id}/revoke", as_="manager")
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert api.get("/referrals", as_="officer").status_code == 401


def test_another_las_child_is_404_like_no_child(api: Api) -> None:
    theirs = api.get("/children/B1")
    nobody = api.get("/children/NOBODY")
    assert theirs.status_code == nobody.status_code == 404
    assert api.get("/children/B1/matches").status_code == 404
    assert api.patch("/children/B1", json={"age": 10}).status_code == 404
    assert (
        api.post(
            "/children/B1/referrals", json=dict(urgency="urgent", needed_by="2026-12-01")
        ).status_code
        == 404
    )
    assert api.get("/children/B1", as_="bradford").status_code == 200
    assert api.get("/children/B1", as_="finder").status_code == 200  # a regional user
    listed = {c["id"] for c in api.get("/children", params={"limit": 100}).json()["items"]}
    assert "B1" not in listed and "C1" in listed
    referred = {r["child_id"] for r in api.get("/referrals").json()["items"]}
    assert "B1" not in referred


def test_creating_a_child_in_another_la_is_403(api: Api) -> None:
    body = {
        "id": "X1",
        "la": "Bradford",
        "age": 4,
        "sex": "F",
        "home": "BD1",
        "accepts": ["foster"],
    }
    assert api.post("/children", json=body).status_code == 403
    assert api.post("/children", json=body, as_="bradford").status_code == 201


@pytest.mark.parametrize(("method", "path"), CHILD_ENDPOINTS)
def test_planners_never_see_named_children(api: Api, method: str, path: str) -> None:
    assert getattr(api, method)(path, as_="planner").status_code == 403


def test_planners_see_counts(api: Api) -> None:
    answer = api.get("/stats", as_="planner")
    assert answer.status_code == 200
    stats = answer.json()
    assert stats["las"] == ["Leeds"]
    assert stats["open_referrals"] == 5  # C1, C2, C3, S1, S2 (not C4, not Bradford's B1)
    assert {(c["la"], c["key"], c["count"]) for c in stats["referrals_by_la_urgency"]} == {
        ("Leeds", "urgent", 5)
    }
    kinds = {c["key"]: c for c in stats["referrals_by_kind"]}
    assert kinds["foster"]["count"] == 5 and kinds["foster"]["hidden"] is None
    assert sum(c["households"] for c in stats["carers"]) == 4  # Leeds households
    text = answer.text
    for child in ("C1", "C2", "C3", "S1", "S2", "autism"):
        assert child not in text


def test_planners_see_no_small_numbers(api: Api) -> None:
    """Tests that a planner sees counts of 1 to 4 children as "fewer than 5", with the
    cell that would give it away by subtraction from the total hidden too, while an
    officer (who reads the records anyway) sees every count."""
    add_child(api.engine, "C9")
    with store.transaction(api.engine) as s:
        store.update_referral(s, _referral_of(s, "C9"), {"urgency": "emergency"}, by=None)
    planner = api.get("/stats", as_="planner").json()
    cells = {c["key"]: (c["count"], c["hidden"]) for c in planner["referrals_by_la_urgency"]}
    assert cells == {"emergency": (None, "fewer than 5"), "urgent": (None, "suppressed")}
    assert planner["open_referrals"] == 6
    placed = api.get("/stats", as_="officer").json()
    cells = {c["key"]: (c["count"], c["hidden"]) for c in placed["referrals_by_la_urgency"]}
    assert cells == {"emergency": (1, None), "urgent": (5, None)}


def _referral_of(s: Any, child: str) -> int:
    return next(r.id for r in store.list_referrals(s, child_id=child, las=["Leeds"]))


def test_only_admins_read_the_audit_log_and_manage_users(api: Api) -> None:
    for who in ("officer", "planner", "finder"):
        assert api.get("/audit", as_=who).status_code == 403
        assert api.get("/users", as_=who).status_code == 403
    assert api.get("/audit", as_="manager").status_code == 200
    assert api.get("/me", as_="planner").json()["role"] == "planner"


def test_admin_creates_users_within_their_las(api: Api) -> None:
    body = {"name": "New officer", "role": "placement_officer", "las": ["Leeds"]}
    made = api.post("/users", json=body, as_="manager")
    assert made.status_code == 201
    token = made.json()["token"]
    assert (
        api.client.get("/me", headers={"Authorization": f"Bearer {token}"}).json()["name"]
        == "New officer"
    )
    assert api.post("/users", json=body | {"las": ["Bradford"]}, as_="manager").status_code == 403
    bad = api.post("/users", json=body | {"las": ["Atlantis"]}, as_="manager")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "body.las[0]"
    assert "token" not in str(api.get("/users", as_="manager").json())


def test_failed_sign_ins_are_limited_per_address(api: Api) -> None:
    """Tests that after 20 bad tokens in a minute an address gets 429 with Retry-After,
    even for a token it has not used yet, while a token it signed in with lately works."""
    assert api.get("/me", as_="officer").status_code == 200  # signed in: remembered
    bad = {"Authorization": "Bearer pm_guess"}
    answers = [api.client.get("/me", headers=bad).status_code for _ in range(21)]
    assert answers == [401] * 20 + [429]
    refused = api.client.get("/me", headers=bad)
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
    assert api.get("/me", as_="manager").status_code == 429  # not looked up: refused
    assert api.get("/me", as_="officer").status_code == 200
    assert "429" in api.get("/openapi.json", as_=None).json()["paths"]["/me"]["get"]["responses"]


def test_the_count_is_by_address_and_lapses() -> None:
    """Tests the counter alone: another address is not held back; failures older than
    the window no longer count."""
    from api.signin import FailedSignIns, TooManyFailures

    now = [0.0]
    count = FailedSignIns(allowed=2, window_s=60, clock=lambda: now[0])
    count.failed("10.0.0.1")
    count.failed("10.0.0.1")
    with pytest.raises(TooManyFailures):
        count.check("10.0.0.1")
    count.check("10.0.0.2")
    now[0] = 60.5
    count.check("10.0.0.1")
