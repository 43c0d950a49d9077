"""A child's page, the matches pages and the propose form in-process (the browser tests
are tests/web/test_child.py and test_matches.py): the same scope, audit and service as
the JSON routes, and what a browser test cannot see."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Api
from tests.api.test_pages import HTML, main_of, page_sign_in
from tests.store.helpers import add_child


@pytest.fixture
def browser(api: Api) -> Iterator[TestClient]:
    """A client holding the officer's session cookie (and no bearer token)."""
    page_sign_in(api.client, api.tokens["officer"])
    yield api.client


def csrf(page: str) -> dict[str, str]:
    found = re.search(r'name="(csrf[^"]*)" value="([^"]+)"', page)
    assert found, page
    return {found[1]: found[2]}


def test_every_page_of_another_las_child_or_group_is_the_unknown_ids_404(
    api: Api, browser: TestClient
) -> None:
    add_child(api.engine, "B2", la="Bradford", home="BD1")
    made = api.post(
        "/sibling-groups",
        as_="bradford",
        json={"id": "GB", "children": ["B1", "B2"], "policy": "must"},
    )
    assert made.status_code == 201, made.text
    for mine, unknown in (
        ("/children/B1", "/children/NO-SUCH"),
        ("/children/B1/matches", "/children/NO-SUCH/matches"),
        ("/children/B1/propose/H1", "/children/NO-SUCH/propose/H1"),
        ("/sibling-groups/GB/matches", "/sibling-groups/NO-SUCH/matches"),
        ("/sibling-groups/GB/propose/H1", "/sibling-groups/NO-SUCH/propose/H1"),
    ):
        elsewhere, nothing = browser.get(mine, headers=HTML), browser.get(unknown, headers=HTML)
        assert elsewhere.status_code == nothing.status_code == 404, mine
        assert elsewhere.text == nothing.text
        assert "B1" not in main_of(elsewhere.text) and "GB" not in main_of(elsewhere.text)


def test_the_matches_page_is_the_json_rankings_service_and_audit(
    api: Api, browser: TestClient
) -> None:
    page = browser.get("/children/C1/matches", headers=HTML)
    assert page.status_code == 200
    ranking = api.get("/children/C1/matches").json()
    shown = re.findall(r'href="/children/C1/propose/([^"]+)"', page.text)
    assert shown == [m["carer"] for m in ranking["matches"]]
    ranks = api.audit(action="match.rank")
    assert [(e.child_ids, e.object_id) for e in ranks] == [(["C1"], "C1")] * 2


def test_the_childs_page_reads_are_audited_as_the_apis(api: Api, browser: TestClient) -> None:
    assert browser.get("/children/S1", headers=HTML).status_code == 200
    assert [e.child_ids for e in api.audit(action="child.read")] == [["S1"]]
    assert [e.child_ids for e in api.audit(action="sibling_group.read")] == [["S1", "S2"]]
    assert [e.child_ids for e in api.audit(action="referral.list")] == [["S1"]]


def test_a_planner_never_sees_a_child_or_their_matches(api: Api) -> None:
    page_sign_in(api.client, api.tokens["planner"])
    for path in ("/children/C1", "/children/C1/matches", "/children/C1/propose/H1"):
        answer = api.client.get(path, headers=HTML)
        assert answer.status_code == 403, path
        assert "C1" not in main_of(answer.text)
    assert api.audit(action="match.rank") == []


def test_proposing_needs_the_forms_csrf_and_writes_nothing_on_a_bad_value(
    api: Api, browser: TestClient
) -> None:
    form = browser.get("/children/C1/propose/H1", headers=HTML)
    data = {"hold_hours": "24", "views_note": ""}
    refused = browser.post("/children/C1/propose/H1", data=data, headers=HTML)
    assert refused.status_code == 403
    bad = browser.post(
        "/children/C1/propose/H1",
        data={**data, "hold_hours": "0", **csrf(form.text)},
        headers=HTML,
    )
    assert bad.status_code == 422
    assert "Hold the place for between 1 and 720 hours" in bad.text
    assert api.get("/proposals").json()["items"] == []
    good = browser.post(
        "/children/C1/propose/H1",
        data={**data, "views_note": "near school", **csrf(form.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert good.status_code == 303
    made = api.get("/proposals").json()["items"]
    assert [(p["child_id"], p["household_id"], p["views_note"]) for p in made] == [
        ("C1", "H1", "near school")
    ]
    assert good.headers["location"] == f"/proposals/{made[0]['id']}"


def test_a_group_is_proposed_as_a_group(api: Api, browser: TestClient) -> None:
    form = browser.get("/sibling-groups/G1/propose/H3", headers=HTML)
    assert form.status_code == 200
    sent = browser.post(
        "/sibling-groups/G1/propose/H3",
        data={"hold_hours": "48", "views_note": "", **csrf(form.text)},
        headers=HTML,
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    made = api.get("/proposals").json()["items"]
    assert [(p["group_id"], sorted(p["children"])) for p in made] == [("G1", ["S1", "S2"])]


def test_the_childs_page_shows_the_family_finders_notes(api: Api, browser: TestClient) -> None:
    child = {
        "id": "A1",
        "la": "Leeds",
        "age": 3,
        "sex": "F",
        "home": "LS9",
        "accepts": ["adoption"],
        "adoption": {"waiting_since": "2026-03-01", "notes": "a calm family with time for her"},
    }
    assert api.post("/children", json=child).status_code == 201
    page = browser.get("/children/A1", headers=HTML)
    assert page.status_code == 200
    assert "What the child needs from a family" in page.text
    assert "a calm family with time for her" in page.text
    assert "Adopter" in page.text  # the kind accepted, in words


def about_the_child(page: str) -> dict[str, str]:
    """The 'About the child' summary list, key -> value, as the page's HTML has it."""
    section = page.split("About the child</h2>", 1)[1].split("</dl>", 1)[0]
    keys = re.findall(r'<dt class="summary-list__key">\s*(.*?)\s*</dt>', section, re.S)
    values = re.findall(r'<dd class="summary-list__value">\s*(.*?)\s*</dd>', section, re.S)
    return dict(zip(keys, values, strict=True))


def test_the_childs_page_says_who_the_child_is(api: Api, browser: TestClient) -> None:
    add_child(
        api.engine,
        "C9",
        sex="F",
        date_of_birth="2015-03-04",
        age=11,
        ethnicity="APKN",
        religion="muslim",
        languages=["en", "ur"],
    )
    about = about_the_child(browser.get("/children/C9", headers=HTML).text)
    assert about["Sex"] == "Female"
    assert about["Date of birth"] == "4 March 2015"
    assert about["Ethnicity"] == "Asian (APKN)"
    assert about["Religion"] == "Muslim"
    assert about["Languages"] == "English, Urdu"
    unknown = about_the_child(browser.get("/children/C1", headers=HTML).text)
    assert unknown["Sex"] in {"Female", "Male", "Not known"}
    assert unknown["Date of birth"] == "Not recorded"
