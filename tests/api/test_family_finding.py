"""Family-finding over HTTP: adoption fields on records, search both ways, rounds in the
background with their region report; family-finders and admins only, their LAs only,
every read audited."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

import api.runs
import store
from api.schemas.family_finding import RoundIn
from synth import WEST_YORKSHIRE
from synth.adoption import generate_adoption_region
from tests.api.conftest import Api, fill, open_api

#: The finder's agency (tests/api/conftest.PEOPLE): Leeds and Bradford.
AGENCY = {"Leeds", "Bradford"}
PLAN = {
    "waiting_since": "2025-03-01",
    "placement_order_date": "2025-05-14",
    "uncertainties": ["developmental_uncertainty"],
    "contact": ["letterbox"],
    "notes": "needs a calm family",
}
APPROVAL = {
    "approved_on": "2025-01-10",
    "agency": "One Adoption West Yorkshire",
    "uncertainties": ["developmental_uncertainty"],
    "contact": ["letterbox"],
}


@pytest.fixture(scope="module")
def region() -> dict[str, Any]:
    """30 children waiting across West Yorkshire (19 in Leeds and Bradford), 16
    adopters, 2 of them beyond it."""
    return generate_adoption_region(30, 16, seed=2)


def load(engine: Engine, region: dict[str, Any]) -> None:
    with store.transaction(engine) as s:
        store.load_problem(s, region, by=None)
    fill(engine)  # the small world: foster children C1..., foster households H1...


@pytest.fixture
def ff(sqlite_engine: Engine, region: dict[str, Any]) -> Iterator[Api]:
    load(sqlite_engine, region)
    yield from open_api(sqlite_engine)


@pytest.fixture
def ff_both(engine: Engine, region: dict[str, Any]) -> Iterator[Api]:
    """The same, on SQLite and on PostgreSQL."""
    load(engine, region)
    yield from open_api(engine)


def by_id(region: dict[str, Any], part: str) -> dict[str, dict[str, Any]]:
    return {e["id"]: e for e in region[part]}


def waiting(region: dict[str, Any], las: set[str]) -> list[str]:
    return [c["id"] for c in region["children"] if c["la"] in las]


def test_records_take_and_give_adoption_fields(both_api: Api) -> None:
    api = both_api
    kid = {"id": "A1", "la": "Leeds", "age": 2, "sex": "F", "home": "LS9"}
    made = api.post(
        "/children", as_="finder", json=kid | {"accepts": ["adoption"], "adoption": PLAN}
    )
    assert made.status_code == 201, made.text
    assert made.json()["adoption"] == PLAN | {
        "early_permanence": False,
        "min_distance_km": None,
        "need_levels": {},
    }
    assert api.get("/children/C1").json()["adoption"] is None
    changed = api.patch(
        "/children/A1", as_="finder", json={"adoption": {"waiting_since": "2025-04-01"}}
    )
    assert changed.json()["adoption"]["waiting_since"] == "2025-04-01"
    assert changed.json()["adoption"]["notes"] == ""
    dropped = api.patch(
        "/children/A1", as_="finder", json={"adoption": None, "accepts": ["foster"]}
    )
    assert dropped.status_code == 200 and dropped.json()["adoption"] is None

    wrong = api.post("/children", json=kid | {"id": "A2", "accepts": ["foster"], "adoption": PLAN})
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.json()["errors"]] == ["body.adoption"]
    bad = api.post(
        "/children",
        json=kid | {"id": "A3", "accepts": ["adoption"], "adoption": PLAN | {"contact": ["phone"]}},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "body.adoption.contact[0]"

    home = {
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
    }
    made = api.post("/carers", json=home | {"adopter": APPROVAL})
    assert made.status_code == 201, made.text
    assert made.json()["adopter"] == APPROVAL | {
        "region": "",
        "early_permanence": False,
        "needs": {},
    }
    assert api.get("/carers/H1").json()["adopter"] is None
    wrong = api.post("/carers", json=home | {"id": "P2", "kind": "foster", "adopter": APPROVAL})
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.json()["errors"]] == ["body.adopter"]
    assert api.patch("/carers/P1", json={"kind": "foster"}).status_code == 422
    cleared = api.patch("/carers/P1", json={"adopter": None})
    assert cleared.status_code == 200 and cleared.json()["adopter"] is None


def test_adopters_for_a_child(ff: Api, region: dict[str, Any]) -> None:
    children, carers = by_id(region, "children"), by_id(region, "carers")
    alone = next(
        c
        for c in waiting(region, AGENCY)
        if not any(c in g["children"] for g in region["sibling_groups"])
    )
    got = ff.get(f"/family-finding/children/{alone}/adopters", as_="finder")
    assert got.status_code == 200, got.text
    found = got.json()
    assert found["subject"] == alone and found["beyond"] is None
    named = [m["carer"] for m in found["in_region"]["matches"] + found["in_region"]["near_misses"]]
    assert named and all(carers[h]["la"] in AGENCY for h in named)

    wide = ff.get(
        f"/family-finding/children/{alone}/adopters",
        as_="finder",
        params={"beyond_region": True, "top": 50, "near_misses": 50},
    ).json()
    assert wide["in_region"] == found["in_region"]
    beyond = [m["carer"] for m in wide["beyond"]["matches"] + wide["beyond"]["near_misses"]]
    assert beyond and all(carers[h]["la"] not in AGENCY for h in beyond)

    [entry, _] = ff.audit(action="family_finding.search_child")
    assert entry.child_ids == [alone] and entry.object_id == alone
    assert entry.detail["eligible_beyond"] == wide["beyond"]["eligible_count"]

    group = next(
        g
        for g in region["sibling_groups"]
        if g["policy"] == "must" and children[g["children"][0]]["la"] in AGENCY
    )
    sister = group["children"][0]
    together = ff.get(f"/family-finding/children/{sister}/adopters", as_="finder").json()
    assert together["subject"] == group["id"]
    assert together["in_region"]["children"] == group["children"]
    apart = ff.get(
        f"/family-finding/children/{sister}/adopters", as_="finder", params={"together": False}
    ).json()
    assert apart["subject"] == sister and apart["in_region"]["children"] == [sister]
    assert ff.audit(action="family_finding.search_child")[1].child_ids == group["children"]


def test_children_for_an_adopter(ff: Api, region: dict[str, Any]) -> None:
    children = by_id(region, "children")
    adopter = max(region["carers"], key=lambda h: h["max_age"])["id"]
    got = ff.get(f"/family-finding/adopters/{adopter}/children", as_="finder")
    assert got.status_code == 200, got.text
    found = got.json()
    assert found["subject"] == adopter and found["beyond"] is None
    part = found["in_region"]
    named = [m["child"] for m in part["matches"] + part["near_misses"]]
    assert named and all(children[c]["la"] in AGENCY for c in named)  # never C1...: foster
    [entry] = ff.audit(action="family_finding.search_adopter")
    assert entry.child_ids == named and entry.object_id == adopter
    assert entry.detail == {"top": 20, "eligible": part["eligible_count"]}
    # An admin of Leeds alone sees Leeds' children only.
    leeds = ff.get(f"/family-finding/adopters/{adopter}/children", as_="manager").json()
    shown = [m["child"] for m in leeds["in_region"]["matches"] + leeds["in_region"]["near_misses"]]
    assert all(children[c]["la"] == "Leeds" for c in shown)


def test_roles_scoping_and_errors(ff: Api, region: dict[str, Any]) -> None:
    child = waiting(region, {"Leeds"})[0]
    elsewhere = waiting(region, set(WEST_YORKSHIRE) - AGENCY)[0]
    adopter = region["carers"][0]["id"]
    paths = [
        f"/family-finding/children/{child}/adopters",
        f"/family-finding/adopters/{adopter}/children",
        "/family-finding/rounds",
        "/family-finding/rounds/nope",
        "/family-finding/rounds/nope/report",
    ]
    for role in ("officer", "planner"):
        for path in paths:
            assert ff.get(path, as_=role).status_code == 403, (role, path)
        assert ff.post("/family-finding/rounds", as_=role, json={}).status_code == 403
    for path in paths[:3]:
        assert ff.get(path, as_="manager").status_code == 200, path
    assert ff.get(path, as_=None).status_code == 401

    def status(path: str, as_: str = "finder") -> tuple[int, str]:
        got = ff.get(path, as_=as_)
        return got.status_code, got.json()["detail"]

    assert status(f"/family-finding/children/{elsewhere}/adopters")[0] == 404  # another LA's
    bradford = waiting(region, {"Bradford"})[0]
    assert status(f"/family-finding/children/{bradford}/adopters", as_="manager")[0] == 404
    assert status("/family-finding/children/NOBODY/adopters")[0] == 404
    code, detail = status("/family-finding/children/C1/adopters")
    assert code == 409 and "does not accept adoption" in detail
    assert status("/family-finding/children/C4/adopters") == (409, "child C4 has no open referral")
    assert status("/family-finding/adopters/H1/children") == (404, "no adopter 'H1'")
    assert status("/family-finding/adopters/NOBODY/children")[0] == 404
    bad = ff.get(f"/family-finding/children/{child}/adopters", as_="finder", params={"top": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.top"
    # The admin's three searches and list are audited; none of the refused requests.
    assert {e.user_id for e in ff.audit(action="family_finding.")} == {ff.users["manager"].id}


def wait_done(api: Api, round_id: str, as_: str = "finder", timeout_s: float = 60) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        got = api.get(f"/family-finding/rounds/{round_id}", as_=as_).json()
        if got["status"] in ("done", "failed"):
            return got
        time.sleep(0.05)
    raise AssertionError(f"round {round_id} still {got['status']}")


def test_a_round_over_http(ff_both: Api, region: dict[str, Any]) -> None:
    ff = ff_both
    children, carers = by_id(region, "children"), by_id(region, "carers")
    started = ff.post("/family-finding/rounds", as_="finder", json={"time_limit_s": 2, "seed": 1})
    assert started.status_code == 202, started.text
    run = started.json()
    assert run["status"] in ("queued", "running") and run["las"] == ["Bradford", "Leeds"]
    assert run["policy"] == {
        "seed": 1,
        "long_wait_weeks": 78,
        "wait_weeks": 26,
        "few_families": 3,
        "priority": "waiting_and_hardest",
        "beyond_region": False,
    }
    done = wait_done(ff, run["id"])
    assert done["status"] == "done", done
    ours = waiting(region, AGENCY)
    assert done["children"] == len(ours)  # not the foster children, not other LAs'
    assert done["adopters"] == sum(h["la"] in AGENCY for h in region["carers"])
    result = done["round"]
    assert result["summary"] == done["summary"]
    assert result["summary"]["children_linked"] > 0
    for link in result["links"]:
        assert all(children[c]["la"] in AGENCY for c in link["children"])
        assert carers[link["adopter"]]["la"] in AGENCY  # not beyond the region
    linked = [c for link in result["links"] for c in link["children"]]
    assert len(linked) == len(set(linked)) == result["summary"]["children_linked"]
    assert sorted(linked + [c for u in result["unlinked"] for c in u["children"]]) == sorted(ours)
    assert [r["id"] for r in ff.get("/family-finding/rounds", as_="finder").json()["items"]] == [
        run["id"]
    ]
    assert ff.get("/match-runs", as_="finder").json()["items"] == []  # rounds are not match runs
    assert ff.get(f"/match-runs/{run['id']}", as_="finder").status_code == 404

    report = ff.get(f"/family-finding/rounds/{run['id']}/report", as_="finder")
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/html")
    assert "<html" in report.text.lower() and "data:image/png;base64," in report.text

    [begun] = ff.audit(action="family_finding.round_start")
    assert begun.object_id == run["id"] and begun.detail["priority"] == "waiting_and_hardest"
    [finished] = ff.audit(action="family_finding.round")
    assert sorted(finished.child_ids) == sorted(ours)
    assert finished.detail["linked"] == result["summary"]["children_linked"]
    assert ff.audit(action="family_finding.round_read")[0].object_id == run["id"]
    assert len(ff.audit(action="family_finding.round_report")) == 1

    # Another LA set's round is not yours: the Leeds admin is told it does not exist.
    assert ff.get(f"/family-finding/rounds/{run['id']}", as_="manager").status_code == 404
    assert ff.get(f"/family-finding/rounds/{run['id']}/report", as_="manager").status_code == 404


def test_round_requests_checked(ff: Api) -> None:
    def refused(body: dict[str, Any]) -> list[str]:
        got = ff.post("/family-finding/rounds", as_="finder", json=body)
        assert got.status_code == 422, got.text
        return [e["field"] for e in got.json()["errors"]]

    assert refused({"wait_weeks": 80}) == ["body.wait_weeks"]  # above long_wait_weeks
    assert refused({"priority": "youngest"}) == ["body.priority"]
    assert refused({"time_limit_s": 0}) == ["body.time_limit_s"]
    assert refused({"few_families": "3"}) == ["body.few_families"]
    assert refused({"las": ["Leeds"]}) == ["body.las"]
    assert ff.audit(action="family_finding.") == []


@pytest.fixture
def held(
    sqlite_engine: Engine, region: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Api, threading.Event]]:
    """The app with rounds that wait until the test lets them go."""
    release = threading.Event()
    real = api.runs.run_round

    def slow(*args: Any, **kw: Any) -> Any:
        release.wait(30)
        return real(*args, **kw)

    monkeypatch.setattr(api.runs, "run_round", slow)
    load(sqlite_engine, region)
    try:
        yield from ((a, release) for a in open_api(sqlite_engine))
    finally:
        release.set()


def test_one_round_at_a_time_and_nothing_before_it_is_done(
    held: tuple[Api, threading.Event],
) -> None:
    ff, release = held
    first = ff.post("/family-finding/rounds", as_="finder", json={"time_limit_s": 1}).json()
    again = ff.post("/family-finding/rounds", as_="finder", json={})
    assert again.status_code == 409 and first["id"] in again.json()["detail"]
    waiting_now = ff.get(f"/family-finding/rounds/{first['id']}", as_="finder").json()
    assert waiting_now["status"] in ("queued", "running") and waiting_now["round"] is None
    report = ff.get(f"/family-finding/rounds/{first['id']}/report", as_="finder")
    assert report.status_code == 409 and report.headers["content-type"] == "application/json"
    assert ff.post("/match-runs", as_="finder", json={"time_limit_s": 1}).status_code == 202
    assert ff.post("/family-finding/rounds", as_="manager", json={}).status_code == 202
    release.set()
    assert wait_done(ff, first["id"])["status"] == "done"
    assert ff.post("/family-finding/rounds", as_="finder", json={}).status_code == 202


def test_an_interrupted_round_restarts(ff: Api) -> None:
    """Tests that a round its process stopped doing restarts with the same policy, seed
    and time limit, as a new round naming it, for the agency's family-finder only."""
    policy = RoundIn(seed=4, priority="waiting").model_dump(exclude={"time_limit_s"})
    with store.transaction(ff.engine) as s:
        old = store.start_run(
            s,
            kind="family_finding",
            las=["Leeds", "Bradford"],
            by=ff.users["finder"],
            owner="gone",
            params=policy,
            time_limit_s=1,
        )
        store.interrupt_owned(s, "gone", "the service stopped before it finished")
    path = f"/family-finding/rounds/{old.id}"
    assert ff.get(path, as_="finder").json()["status"] == "interrupted"
    report = ff.get(f"{path}/report", as_="finder")
    assert report.status_code == 409 and "interrupted" in report.json()["detail"]
    assert ff.post(f"{path}/restart", as_="manager").status_code == 404  # Leeds only
    assert ff.post(f"{path}/restart", as_="officer").status_code == 403
    started = ff.post(f"{path}/restart", as_="finder")
    assert started.status_code == 202, started.text
    new = started.json()
    assert new["restarted_from"] == old.id and new["policy"] == policy
    done = wait_done(ff, new["id"])
    assert done["status"] == "done" and done["round"]["policy"]["priority"] == "waiting"
    assert ff.get(path, as_="finder").json()["restarted_as"] == new["id"]
    [entry] = ff.audit(action="family_finding.round_restart")
    assert entry.object_id == new["id"] and entry.detail["restarts"] == old.id
