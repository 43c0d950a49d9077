"""The admin's pages in-process (the browser tests are tests/web/test_admin.py): the
same services as the JSON routes, so the same scope — another LA's record is the same
404 page as an unknown id — and the same audit; a form without its CSRF token changes
nothing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import store
from ssda903.read import COLUMNS, OTHER_COLUMNS
from tests.api.conftest import Api
from tests.api.test_pages import HTML, main_of, page_sign_in
from tests.ssda903.helpers import EPISODES, HEADER, UASC, csv_text


@pytest.fixture
def admin(api: Api) -> Iterator[TestClient]:
    """A client holding the Leeds admin's session cookie (and no bearer token)."""
    page_sign_in(api.client, api.tokens["manager"])
    yield api.client


def csrf(client: TestClient, path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get(path, headers=HTML).text)
    assert found, path
    return found[1]


def not_found_text(text: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", text)


def test_another_las_user_is_the_same_404_page_as_an_unknown_one(
    api: Api, admin: TestClient
) -> None:
    token = csrf(admin, "/users")
    bradford = api.users["bradford"].id
    for action in ("revoke", "reactivate"):
        other = admin.post(f"/users/{bradford}/{action}", data={"csrf_token": token}, headers=HTML)
        unknown = admin.post(f"/users/999999/{action}", data={"csrf_token": token}, headers=HTML)
        assert other.status_code == unknown.status_code == 404
        assert not_found_text(other.text) == not_found_text(unknown.text)
    assert signs_in(api, "bradford")
    listed = admin.get("/users", headers=HTML).text
    assert "bradford user" not in listed and "officer user" in listed


def signs_in(api: Api, who: str) -> bool:
    return bool(api.get("/me", as_=who).status_code == 200)


def test_a_revoke_without_the_csrf_token_changes_nothing(api: Api, admin: TestClient) -> None:
    officer = api.users["officer"].id
    refused = admin.post(f"/users/{officer}/revoke", data={}, headers=HTML)
    assert refused.status_code == 403
    assert signs_in(api, "officer")


def test_a_user_made_on_the_page_is_the_json_routes_user_and_audited(
    api: Api, admin: TestClient
) -> None:
    token = csrf(admin, "/users")
    made = admin.post(
        "/users",
        data={"csrf_token": token, "name": "Page user", "role": "planner", "las": "Leeds"},
        headers=HTML,
    )
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    shown = re.search(r'value="(pm_[^"]+)"', made.text)
    assert shown
    me = api.client.get("/me", headers={"Authorization": f"Bearer {shown[1]}"}).json()
    assert (me["name"], me["role"], me["las"]) == ("Page user", "planner", ["Leeds"])
    entries = api.audit(action="user.create")
    assert (api.users["manager"].id, str(me["id"])) in [(e.user_id, e.object_id) for e in entries]


def test_bad_user_input_is_an_error_summary_and_nothing_is_made(
    api: Api, admin: TestClient
) -> None:
    token = csrf(admin, "/users")
    with store.transaction(api.engine, write=False) as s:
        before = len(store.list_users(s, las=None, offset=0, limit=1000))
    for data in (
        {"name": "", "role": "planner", "las": "Leeds"},
        {"name": "X", "role": "king", "las": "Leeds"},
        {"name": "X", "role": "planner", "las": "Bradford"},
        {"name": "X", "role": "planner"},
        {"name": "X" * 201, "role": "planner", "las": "Leeds"},
    ):
        answer = admin.post("/users", data={"csrf_token": token, **data}, headers=HTML)
        assert answer.status_code == 422, data
        assert "There is a problem" in answer.text
    with store.transaction(api.engine, write=False) as s:
        assert len(store.list_users(s, las=None, offset=0, limit=1000)) == before


def test_the_admin_pages_are_for_admins_only(api: Api) -> None:
    page_sign_in(api.client, api.tokens["officer"])
    assert api.client.get("/users", headers=HTML).status_code == 403


def test_the_audit_page_shows_only_the_admins_las_as_the_json_route_does(
    api: Api, admin: TestClient
) -> None:
    assert api.get("/children/B1", as_="bradford").status_code == 200
    assert api.get("/children/C1").status_code == 200
    page = admin.get("/audit", headers=HTML)
    assert page.status_code == 200
    assert ">C1<" in page.text and "B1" not in main_of(page.text)
    other = admin.get("/audit?child_id=B1", headers=HTML)
    unknown = admin.get("/audit?child_id=NOPE", headers=HTML)
    assert other.status_code == unknown.status_code == 200
    assert "No entries matching" in other.text and "No entries matching" in unknown.text
    reads = api.audit(action="audit.read")
    assert [e.user_id for e in reads] == [api.users["manager"].id] * 3


def test_a_bad_audit_filter_is_a_422_page(admin: TestClient) -> None:
    for query in ("action=DROP%20TABLE", "since=2026-13-01", "user_id=abc", "before_id=-1"):
        answer = admin.get(f"/audit?{query}", headers=HTML)
        assert answer.status_code == 422, query
        assert "There is a problem" in answer.text


def upload_form(admin: TestClient, la: str = "Leeds", **form: str) -> Any:
    token = csrf(admin, "/imports")
    files = [
        ("files", (f"{name}.csv", csv_text(rows, COLUMNS[name]).encode(), "text/csv"))
        for name, rows in {"header": HEADER, "episodes": EPISODES, "uasc": UASC}.items()
    ]
    data = {"csrf_token": token, "la": la, "as_of": "2024-03-31"} | form
    return admin.post(
        "/imports/ssda903", files=files, data=data, headers=HTML, follow_redirects=False
    )


def test_an_upload_on_the_page_is_the_json_routes_import_and_audited(
    api: Api, admin: TestClient
) -> None:
    checked = upload_form(admin, check="yes")
    assert checked.status_code == 200 and "Nothing was saved" in checked.text
    assert api.get("/imports").json()["items"] == []
    done = upload_form(admin)
    assert done.status_code == 303
    import_id = int(done.headers["location"].rsplit("/", 1)[1])
    listed = api.get("/imports").json()["items"]
    assert [i["id"] for i in listed] == [import_id] and listed[0]["by"] == api.users["manager"].id
    assert len(api.audit(action="child.import")) == 1
    report = admin.get(f"/imports/{import_id}", headers=HTML)
    assert report.status_code == 200 and f"Import {import_id}" in report.text
    reads = api.audit(action="import.read", object_id=str(import_id))
    assert reads and {e.user_id for e in reads} == {api.users["manager"].id}
    csv_page = admin.get(f"/imports/{import_id}/issues.csv", headers=HTML)
    csv_api = api.get(f"/imports/{import_id}/issues.csv", as_="manager")
    assert csv_page.status_code == 200 and csv_page.text == csv_api.text


def test_another_las_import_is_the_same_404_page_as_an_unknown_one(
    api: Api, admin: TestClient
) -> None:
    base = {"header": HEADER, "episodes": EPISODES, "uasc": UASC}
    files = [
        ("files", (f"{name}.csv", csv_text(rows, COLUMNS[name]).encode(), "text/csv"))
        for name, rows in base.items()
    ]
    made = api.post(
        "/imports/ssda903",
        as_="bradford",
        files=files,
        data={"la": "Bradford", "as_of": "2024-03-31"},
    )
    assert made.status_code == 201, made.text
    theirs = made.json()["id"]
    for path in ("/imports/{}", "/imports/{}/issues.csv"):
        other = admin.get(path.format(theirs), headers=HTML)
        unknown = admin.get(path.format(999999), headers=HTML)
        assert other.status_code == unknown.status_code == 404
        assert not_found_text(other.text) == not_found_text(unknown.text)
    assert f"/imports/{theirs}" not in admin.get("/imports", headers=HTML).text
    assert upload_form(admin, la="Bradford").status_code == 422


def test_bad_issue_filters_are_a_422_page(api: Api, admin: TestClient) -> None:
    import_id = int(upload_form(admin).headers["location"].rsplit("/", 1)[1])
    for query in ("severity=fatal", "rule=nope", "table=nope", "page=x"):
        answer = admin.get(f"/imports/{import_id}?{query}", headers=HTML)
        assert answer.status_code == 422, query
        assert "There is a problem" in answer.text


def test_an_upload_over_the_limit_is_a_page_for_a_browser_and_json_for_a_client(
    api: Api, admin: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLACEMATCH_MAX_IMPORT_MB", "0.001")
    page = upload_form(admin)
    assert page.status_code == 413 and page.headers["content-type"].startswith("text/html")
    assert "The files are too large" in page.text and "0.001 MB" in page.text
    files = [("files", ("header.csv", b"x" * 5000, "text/csv"))]
    client = api.post("/imports/ssda903", as_="manager", files=files, data={"la": "Leeds"})
    assert client.status_code == 413 and "over the limit" in client.json()["detail"]
    assert api.get("/imports").json()["items"] == []


def test_the_import_page_says_which_rows_the_dfe_would_reject_and_what_was_not_used(
    admin: TestClient,
) -> None:
    """Tests that the page tells the data officer how many rows the DfE's validator would
    reject (kept by the import) and which of the return's tables were read and not used."""
    episodes = [dict(EPISODES[0], RNE="P"), *EPISODES[1:]]  # DfE rule 357: not a new period
    reviews = [{"CHILD": "101", "DOB": "01/06/2012", "REVIEW": "01/09/2023", "REVIEW_CODE": "PN1"}]
    tables = {"header": HEADER, "episodes": episodes, "uasc": UASC}
    files = [
        ("files", (f"{name}.csv", csv_text(rows, COLUMNS[name]).encode(), "text/csv"))
        for name, rows in tables.items()
    ]
    files.append(
        ("files", ("reviews.csv", csv_text(reviews, OTHER_COLUMNS["reviews"]).encode(), "text/csv"))
    )
    data = {"csrf_token": csrf(admin, "/imports"), "la": "Leeds", "as_of": "2024-03-31"}
    done = admin.post(
        "/imports/ssda903", files=files, data=data, headers=HTML, follow_redirects=False
    )
    assert done.status_code == 303, done.text
    page = admin.get(done.headers["location"], headers=HTML).text
    assert "Rows the DfE&#39;s validator would reject" in page or (
        "Rows the DfE's validator would reject" in page
    )
    assert re.search(r"\d+ of the warnings name a DfE rule\. This import kept those rows", page)
    assert "Tables read, not used" in page and "reviews (1 row)" in page
