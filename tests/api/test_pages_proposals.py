"""The proposal, placement and batch-run pages in-process: the same services as the JSON
routes, so the same audit entries and the same scope (tests/web has the browser tests)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import text

from api.websession import CSRF_FIELD
from tests.api.conftest import Api
from tests.api.test_pages import HTML, page_sign_in
from tests.api.test_runs import wait_done


def csrf(client: TestClient, path: str) -> str:
    found = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', client.get(path, headers=HTML).text)
    assert found
    return found[1]


def test_page_reads_of_a_proposal_and_placement_are_audited_as_the_api_reads_are(
    api: Api,
) -> None:
    made = api.post("/proposals", json={"household_id": "H1", "child_id": "C1"}).json()
    page_sign_in(api.client, api.tokens["officer"])
    assert api.client.get(f"/proposals/{made['id']}", headers=HTML).status_code == 200
    assert api.get(f"/proposals/{made['id']}").status_code == 200
    reads = api.audit(action="proposal.read")
    assert [(e.user_id, e.child_ids, e.object_id) for e in reads] == [
        (api.users["officer"].id, ["C1"], str(made["id"]))
    ] * 2

    token = csrf(api.client, f"/proposals/{made['id']}")
    confirmed = api.client.post(
        f"/proposals/{made['id']}/confirm",
        data={CSRF_FIELD: token},
        headers=HTML,
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    [placement] = api.get("/placements", params={"child_id": "C1"}).json()["items"]
    assert api.client.get(f"/placements/{placement['id']}", headers=HTML).status_code == 200
    assert api.get(f"/placements/{placement['id']}").status_code == 200
    reads = api.audit(action="placement.read")
    assert [(e.child_ids, e.object_id) for e in reads] == [(["C1"], str(placement["id"]))] * 2


def test_another_las_proposal_is_the_unknown_ids_404_page(api: Api) -> None:
    theirs = api.post("/proposals", as_="bradford", json={"household_id": "H9", "child_id": "B1"})
    assert theirs.status_code == 201, theirs.text
    page_sign_in(api.client, api.tokens["officer"])
    elsewhere = api.client.get(f"/proposals/{theirs.json()['id']}", headers=HTML)
    unknown = api.client.get("/proposals/999999", headers=HTML)
    assert elsewhere.status_code == unknown.status_code == 404
    assert elsewhere.text == unknown.text
    token = csrf(api.client, "/runs")
    declined = api.client.post(
        f"/proposals/{theirs.json()['id']}/decline",
        data={CSRF_FIELD: token, "reason": "x"},
        headers=HTML,
    )
    assert declined.status_code == 404 and declined.text == unknown.text
    assert api.get(f"/proposals/{theirs.json()['id']}", as_="bradford").json()["holding"]


def test_chosen_run_matches_become_proposals_through_the_propose_service(api: Api) -> None:
    run = api.post("/match-runs", json={"time_limit_s": 1}).json()
    assert wait_done(api, run["id"])["status"] == "done"
    assigned = {
        a["child"]: a["carer"]
        for a in api.get(f"/match-runs/{run['id']}/result").json()["assignments"]
    }
    others = sorted(c for c in assigned if c not in ("S1", "S2"))
    assert assigned["S1"] == assigned["S2"] and others
    taken = others[0]  # already has a live proposal: the run's match is refused by the store
    held = api.post("/proposals", json={"household_id": assigned[taken], "child_id": taken})
    assert held.status_code == 201, held.text
    page_sign_in(api.client, api.tokens["officer"])
    token = csrf(api.client, f"/runs/{run['id']}")
    chosen = [
        f"S1|{assigned['S1']}",
        f"S2|{assigned['S2']}",
        f"{taken}|{assigned[taken]}",
        f"{taken}|H-NOT-THE-RUNS",
    ]
    answer = api.client.post(
        f"/runs/{run['id']}/proposals",
        data={CSRF_FIELD: token, "assignment": chosen},
        headers=HTML,
    )
    assert answer.status_code == 200, answer.text
    rows = re.findall(r"<tr class=\"table__row\">(.*?)</tr>", answer.text, re.S)
    assert len(rows) == 3, rows  # the group once, the taken child, the forged pair
    assert "Proposed" in rows[0] and "S1" in rows[0]
    assert "Not proposed" in rows[1] and "live proposal" in rows[1], rows[1]
    assert "not one of this run" in rows[2]
    live = api.get("/proposals", params={"status": "proposed"}).json()["items"]
    groups = [p for p in live if p["group_id"]]
    assert len(groups) == 1 and sorted(groups[0]["children"]) == ["S1", "S2"]
    assert len([p for p in live if taken in p["children"]]) == 1  # no second hold
    nothing = api.client.post(
        f"/runs/{run['id']}/proposals", data={CSRF_FIELD: token}, headers=HTML
    )
    assert nothing.status_code == 422 and "Choose at least one match" in nothing.text


def test_a_refused_confirm_shows_why_on_the_proposals_page(api: Api) -> None:
    made = api.post("/proposals", json={"household_id": "H1", "child_id": "C1"}).json()
    assert api.post(f"/proposals/{made['id']}/decline", json={"reason": "withdrew"}).is_success
    page_sign_in(api.client, api.tokens["officer"])
    token = csrf(api.client, "/runs")
    again = api.client.post(
        f"/proposals/{made['id']}/confirm", data={CSRF_FIELD: token}, headers=HTML
    )
    assert again.status_code == 409
    assert "There is a problem" in again.text and "cannot be confirmed" in again.text
    assert f"Proposal {made['id']}" in again.text
    assert api.get("/placements", params={"child_id": "C1"}).json()["items"] == []
    assert 'id="confirm"' in again.text  # the error summary's link has its target


def test_a_place_taken_before_confirming_says_so_and_offers_the_next_match(api: Api) -> None:
    """Tests that confirming a proposal whose household's place went to someone else
    meanwhile (409) says so in words, confirms nothing, and offers the child's next best
    household by id with a link to propose it, as proposing does on its 409."""
    first = api.post("/proposals", json={"household_id": "H3", "child_id": "C1"}).json()
    second = api.post("/proposals", json={"household_id": "H3", "child_id": "C2"}).json()
    with api.engine.begin() as conn:  # the place lost behind the service's back
        conn.execute(text("UPDATE household SET vacancies = 1 WHERE id = 'H3'"))
    assert api.post(f"/proposals/{first['id']}/confirm").status_code == 200
    page_sign_in(api.client, api.tokens["officer"])
    path = f"/proposals/{second['id']}"
    taken = api.client.post(
        f"{path}/confirm", data={CSRF_FIELD: csrf(api.client, path)}, headers=HTML
    )
    assert taken.status_code == 409
    assert "The place is not free" in taken.text
    assert "Household H3 has no free place now" in taken.text
    ranked = api.get("/children/C2/matches").json()["matches"]
    best = next(m["carer"] for m in ranked if m["carer"] != "H3")
    assert f"The next best match is household {best}," in taken.text
    assert f'href="/children/C2/propose/{best}">Propose household {best} instead' in taken.text
    assert 'href="/children/C2/matches"' in taken.text
    assert api.get(path).json()["status"] == "proposed"  # nothing confirmed
    assert not api.get("/placements", params={"child_id": "C2"}).json()["items"]
