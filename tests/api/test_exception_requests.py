"""Exception requests over HTTP: an officer asks, an admin authorises (the proposal is
made) or refuses; roles by the one mechanism (403), another LA's request a 404 like an
unknown id, every change audited with the children."""

from __future__ import annotations

from typing import Any

import store
from tests.api.conftest import Api

REASON = "her brother lives there; she is three years over the range"


def ask(api: Api, household: str = "H2", as_: str = "officer", **body: Any) -> Any:
    """By default C1 (9) with H2 (under-6s only): the age_range rule is the one failed."""
    sent = {"household_id": household, "child_id": "C1", "rule": "age_range", "reason": REASON}
    return api.post("/exception-requests", as_=as_, json=sent | body)


def add_user(api: Api, name: str, role: str, las: list[str]) -> None:
    with store.transaction(api.engine) as s:
        api.users[name], api.tokens[name] = store.create_user(s, f"{name} user", role, las)


def test_an_officer_asks_and_an_admin_authorises(both_api: Api) -> None:
    api = both_api
    asked = ask(api, hold_hours=24)
    assert asked.status_code == 201, asked.text
    r = asked.json()
    assert (r["state"], r["children"], r["rule"], r["hold_hours"]) == (
        "pending",
        ["C1"],
        "age_range",
        24,
    )
    assert r["rule_summary"].startswith("The child's age is within")
    assert r["asked_by_name"] == "officer user" and r["proposal_id"] is None
    listed = api.get("/exception-requests?state=pending", as_="manager").json()["items"]
    assert [i["id"] for i in listed] == [r["id"]]
    done = api.post(f"/exception-requests/{r['id']}/authorise", as_="manager")
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "authorised" and done.json()["decided_by_name"] == "manager user"
    proposal = api.get(f"/proposals/{done.json()['proposal_id']}").json()
    assert proposal["status"] == "proposed" and proposal["holding"]
    assert proposal["exception"] == {
        "rule": "age_range",
        "reason": REASON,
        "authorised_by": api.users["manager"].id,
    }
    seen = api.get(f"/exception-requests/{r['id']}").json()
    assert seen["state"] == "authorised" and seen["proposal_id"] == proposal["id"]
    assert api.get("/exception-requests?child_id=C1").json()["items"][0]["id"] == r["id"]
    for action in ("exception.ask", "exception.authorise", "exception.read", "exception.list"):
        assert api.audit(action=action)[0].child_ids == ["C1"], action
    assert "brother" not in str(api.audit(action="exception.ask")[0].detail)
    again = api.post(f"/exception-requests/{r['id']}/authorise", as_="manager")
    assert again.status_code == 409


def test_asking_is_refused_naming_the_field(api: Api) -> None:
    def field(answer: Any) -> str:
        assert answer.status_code == 422, answer.text
        return str(answer.json()["errors"][0]["field"])

    assert field(ask(api, "H1")) == "body.rule"  # C1 fits H1: no rule to set aside
    also = ask(api, child_id="C3")  # C3 also needs autism skills H2 lacks
    assert field(also) == "body.rule" and "skills" in also.json()["detail"]
    api.patch("/children/C2", json={"avoid": ["Leeds"]})
    never = ask(api, "H1", child_id="C2", rule="avoid_area")
    assert field(never) == "body.rule" and "never set aside" in never.json()["detail"]
    assert field(ask(api, reason="")) == "body.reason"
    assert field(ask(api, hold_hours=0)) == "body.hold_hours"
    assert field(ask(api, child_id=None)) == "body.child_id"
    assert ask(api, as_="planner").status_code == 403
    assert ask(api, as_="finder").status_code == 403
    assert ask(api, as_="bradford").status_code == 404
    assert ask(api, child_id="C4").status_code == 409  # no open referral
    assert api.audit(action="exception.ask") == []
    assert ask(api).status_code == 201
    assert ask(api, reason="asked twice").status_code == 409
    full = ask(api, "H4", rule="vacancy")  # H4 has no free place
    assert full.status_code == 201, full.text


def test_only_an_admin_decides(api: Api) -> None:
    r = ask(api).json()
    for who in ("officer", "finder", "planner", "bradford"):
        assert api.post(f"/exception-requests/{r['id']}/authorise", as_=who).status_code == 403
        refused = api.post(f"/exception-requests/{r['id']}/refuse", as_=who, json={"reason": "no"})
        assert refused.status_code == 403
    for who in ("finder", "planner"):
        assert api.get("/exception-requests", as_=who).status_code == 403
        assert api.get(f"/exception-requests/{r['id']}", as_=who).status_code == 403
        assert api.post(f"/exception-requests/{r['id']}/withdraw", as_=who).status_code == 403
    blank = api.post(f"/exception-requests/{r['id']}/refuse", as_="manager", json={"reason": ""})
    assert blank.status_code == 422
    done = api.post(
        f"/exception-requests/{r['id']}/refuse",
        as_="manager",
        json={"reason": "the age gap with the other children is too wide"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["state"] == "refused"
    assert done.json()["refusal_reason"].startswith("the age gap")
    assert api.post(f"/exception-requests/{r['id']}/authorise", as_="manager").status_code == 409
    assert api.get("/proposals?child_id=C1").json()["items"] == []
    assert api.audit(action="exception.refuse")[0].child_ids == ["C1"]


def test_withdraw_by_the_asker_or_an_admin(api: Api) -> None:
    add_user(api, "colleague", "placement_officer", ["Leeds"])
    r = ask(api).json()
    assert api.post(f"/exception-requests/{r['id']}/withdraw", as_="colleague").status_code == 403
    done = api.post(f"/exception-requests/{r['id']}/withdraw")
    assert done.status_code == 200 and done.json()["state"] == "withdrawn"
    assert api.post(f"/exception-requests/{r['id']}/withdraw").status_code == 409
    r2 = ask(api).json()
    by_admin = api.post(f"/exception-requests/{r2['id']}/withdraw", as_="manager")
    assert by_admin.status_code == 200 and by_admin.json()["state"] == "withdrawn"
    assert [e.child_ids for e in api.audit(action="exception.withdraw")] == [["C1"], ["C1"]]


def test_another_las_request_is_not_found_like_an_unknown_id(api: Api) -> None:
    add_user(api, "bradford_admin", "admin", ["Bradford"])
    r = ask(api).json()
    unknown = 99_999
    for who in ("bradford", "bradford_admin"):
        assert api.get("/exception-requests", as_=who).json()["items"] == []
        calls: list[tuple[str, str, dict[str, str] | None]] = [
            ("get", "", None),
            ("post", "/withdraw", None),
        ]
        if who == "bradford_admin":
            calls += [("post", "/authorise", None), ("post", "/refuse", {"reason": "no"})]
        for method, tail, body in calls:
            answers = []
            for rid in (r["id"], unknown):
                kw: dict[str, Any] = {"json": body} if body else {}
                answer = getattr(api, method)(f"/exception-requests/{rid}{tail}", as_=who, **kw)
                answers.append(answer)
            assert [a.status_code for a in answers] == [404, 404], (who, tail)
            assert answers[0].json()["detail"].replace(str(r["id"]), "N") == answers[1].json()[
                "detail"
            ].replace(str(unknown), "N")
    assert api.get(f"/exception-requests/{r['id']}").json()["state"] == "pending"


def test_authorise_when_the_place_has_gone_leaves_it_pending(both_api: Api) -> None:
    api = both_api
    r = ask(api).json()
    assert api.patch("/carers/H2", json={"vacancies": 0}).status_code == 200
    taken = api.post(f"/exception-requests/{r['id']}/authorise", as_="manager")
    assert taken.status_code == 409, taken.text
    assert api.get(f"/exception-requests/{r['id']}").json()["state"] == "pending"
    assert api.get("/proposals?child_id=C1").json()["items"] == []
    assert api.audit(action="exception.authorise") == []
    assert api.audit(action="proposal.create") == []


def test_authorise_when_the_match_now_breaks_another_rule(api: Api) -> None:
    r = ask(api).json()
    assert api.patch("/children/C1", json={"needs": ["autism"]}).status_code == 200
    broken = api.post(f"/exception-requests/{r['id']}/authorise", as_="manager")
    assert broken.status_code == 422, broken.text
    assert {b["rule"] for b in broken.json()["rules"]} == {"skills"}
    assert api.get(f"/exception-requests/{r['id']}").json()["state"] == "pending"
    assert api.audit(action="proposal.") == []
