"""Expected places over HTTP (issue 19): a household's places coming free later are
kept by the store, read back as sent, and a planned referral's ranked matches say when
one of them is likely to give a clearly better home before the date needed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import jsonschema

import store
from api.websession import CSRF_FIELD
from matching.problem import schema
from tests.api.conftest import Api
from tests.api.test_admin_pages import csrf
from tests.api.test_pages import HTML
from tests.api.test_pages_family_finding_planner import signed
from tests.api.test_records import CARER
from tests.api.test_runs import wait_done
from tests.store.helpers import add_child


def test_expected_places_kept_read_back_and_advised(api: Api) -> None:
    """Tests the whole path: POST a household with no free place today and one coming
    free in ten days; it reads back as sent; a planned child whose need no household
    meets today hears of it, in JSON and on the matches page; PATCH to an empty list and
    the advice is gone from both."""
    today = date.today()
    coming = {"from": (today + timedelta(days=10)).isoformat(), "places": 1, "why": "approval"}
    soon = CARER | {
        "id": "H-SOON",
        "vacancies": 0,
        "places": 0,
        "skills": ["complex_health"],
        "expected_places": [coming],
    }
    made = api.post("/carers", json=soon)
    assert made.status_code == 201, made.text
    assert made.json()["expected_places"] == [coming]
    assert api.get("/carers/H-SOON").json()["expected_places"] == [coming]
    bad = api.post("/carers", json=soon | {"id": "H-BAD", "expected_places": [{"from": "x"}]})
    assert bad.status_code == 422
    assert "body.expected_places[0].from" in {e["field"] for e in bad.json()["errors"]}

    add_child(api.engine, "C9", referral=False, needs=["complex_health"])
    with store.transaction(api.engine) as s:
        needed = (today + timedelta(days=30)).isoformat()
        store.open_referral(s, "C9", {"urgency": "planned", "needed_by": needed}, by=None)
    ranked = api.get("/children/C9/matches").json()
    assert ranked["matches"] == []
    advice = ranked["better_soon"]
    assert advice["carer"] == "H-SOON" and advice["why"] == "approval"
    assert advice["free_from"] == coming["from"] and advice["best_now"] is None

    page = signed(api, "officer").get("/children/C9/matches", headers=HTML)
    assert page.status_code == 200
    assert "A clearly better home is likely before the date needed" in page.text
    assert f"H-SOON is expected to be approved on {coming['from']}, in 10 days" in page.text
    assert "no household could take this child today" in page.text

    cleared = api.patch("/carers/H-SOON", json={"expected_places": []})
    assert cleared.status_code == 200, cleared.text
    assert api.get("/children/C9/matches").json().get("better_soon") is None
    page = api.client.get("/children/C9/matches", headers=HTML)
    assert page.status_code == 200 and "A clearly better home" not in page.text


def test_a_batch_run_with_the_wait_policy_holds_back_and_shows_it(api: Api) -> None:
    """Tests the wait policy over HTTP: a planned child whom no household takes today,
    with a household coming free ten days before the date needed, is held back by a run
    started with `wait_for_better` (the result's JSON, valid under the contract, and one
    line on the run page), and left unplaced by a run without it (`held_back` null)."""
    coming = _a_child_worth_waiting_for(api)
    run_id, held = _run(api, {"time_limit_s": 2, "wait_for_better": True})
    jsonschema.validate(held, schema("result"))
    assert [(h["child"], h["carer"], h["why"]) for h in held["held_back"]] == [
        ("C9", "H-SOON", "approval")
    ]
    assert "C9" not in {u["child"] for u in held["unplaced"]}
    _, plain = _run(api, {"time_limit_s": 2})
    assert plain["held_back"] is None
    assert "C9" in {u["child"] for u in plain["unplaced"]}

    page = signed(api, "officer").get(f"/runs/{run_id}", headers=HTML)
    assert page.status_code == 200
    assert "1 child held back for a better home" in page.text
    assert f"H-SOON expected free from {coming['from']} (approval)" in page.text


def test_another_las_held_back_run_is_the_unknown_runs_404(api: Api) -> None:
    """A run holding Leeds's child back is, to Bradford's officer, exactly an unknown
    run: the same 404 in JSON and on the page, and the held-back child named nowhere."""
    _a_child_worth_waiting_for(api)
    run_id, held = _run(api, {"time_limit_s": 2, "wait_for_better": True})
    assert held["held_back"]
    for path in (f"/match-runs/{run_id}/result", f"/match-runs/{run_id}"):
        theirs = api.get(path, as_="bradford")
        unknown = api.get(path.replace(run_id, "0" * len(run_id)), as_="bradford")
        assert theirs.status_code == unknown.status_code == 404
        assert theirs.text.replace(run_id, "0" * len(run_id)) == unknown.text  # names the id asked
    bradford = signed(api, "bradford")
    page = bradford.get(f"/runs/{run_id}", headers=HTML)
    nothing = bradford.get(f"/runs/{'0' * len(run_id)}", headers=HTML)
    assert page.status_code == nothing.status_code == 404 and page.text == nothing.text
    assert "C9" not in page.text and "held back" not in page.text


def _run(api: Api, body: dict[str, object]) -> tuple[str, dict[str, Any]]:
    """A run started with `body`, waited for: its id and its result."""
    run = api.post("/match-runs", json=body)
    assert run.status_code == 202, run.text
    assert wait_done(api, run.json()["id"])["status"] == "done"
    result: dict[str, Any] = api.get(f"/match-runs/{run.json()['id']}/result").json()
    return run.json()["id"], result


def test_a_run_started_from_the_page_may_hold_back(api: Api) -> None:
    """Tests the run page's checkbox: a run started with it ticked holds the child back."""
    _a_child_worth_waiting_for(api)
    officer = signed(api, "officer")
    token = csrf(officer, "/runs")
    started = officer.post(
        "/runs",
        data={CSRF_FIELD: token, "time_limit": "2", "wait_for_better": "yes"},
        headers=HTML,
        follow_redirects=False,
    )
    assert started.status_code == 303, started.text
    run_id = started.headers["location"].rsplit("/", 1)[-1]
    assert wait_done(api, run_id)["status"] == "done"
    result = api.get(f"/match-runs/{run_id}/result").json()
    assert [h["child"] for h in result["held_back"]] == ["C9"]


def _a_child_worth_waiting_for(api: Api) -> dict[str, Any]:
    """A household with no free place today and one approval expected in ten days, and
    a planned child, needed in thirty days, whose need only it meets: the expected place."""
    today = date.today()
    coming = {"from": (today + timedelta(days=10)).isoformat(), "places": 1, "why": "approval"}
    soon = CARER | {"id": "H-SOON", "vacancies": 0, "places": 0, "skills": ["complex_health"]}
    made = api.post("/carers", json=soon | {"expected_places": [coming]})
    assert made.status_code == 201, made.text
    add_child(api.engine, "C9", referral=False, needs=["complex_health"])
    with store.transaction(api.engine) as s:
        needed = (today + timedelta(days=30)).isoformat()
        store.open_referral(s, "C9", {"urgency": "planned", "needed_by": needed}, by=None)
    return coming
