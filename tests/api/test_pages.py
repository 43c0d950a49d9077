"""The pages in-process (the browser tests are tests/web): the one mechanism shared
with the JSON routes — same scope, same audit — and what a browser test cannot see."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

import store
from api.pages.common import REFRESH_ENV, refresh_ms, safe_next
from tests.api.conftest import Api

HTML = {"Accept": "text/html"}


def main_of(page: str) -> str:
    """The page's <main> only: the header's sign-out form carries a random CSRF token,
    which may contain any short id by chance."""
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def page_sign_in(client: TestClient, token: str) -> None:
    form = client.get("/sign-in", headers=HTML)
    check = re.search(r'name="sign_in_check" value="([^"]+)"', form.text)
    assert check, form.text
    signed = client.post(
        "/sign-in",
        data={"token": token, "next": "/referrals", "sign_in_check": check[1]},
        headers=HTML,
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text


@pytest.fixture
def browser(api: Api) -> Iterator[TestClient]:
    """A client holding the officer's session cookie (and no bearer token)."""
    page_sign_in(api.client, api.tokens["officer"])
    yield api.client


def test_the_json_routes_do_not_accept_the_session_cookie(api: Api, browser: TestClient) -> None:
    assert browser.get("/referrals", headers=HTML).status_code == 200
    assert browser.get("/referrals").status_code == 401
    assert browser.get("/referrals", headers={"Accept": "application/json"}).status_code == 401


def test_a_page_read_of_a_child_is_audited_as_the_api_read_is(
    api: Api, browser: TestClient
) -> None:
    assert browser.get("/children/C1", headers=HTML).status_code == 200
    assert api.get("/children/C1").status_code == 200
    reads = api.audit(action="child.read")
    assert [(e.user_id, e.child_ids, e.object_id) for e in reads] == [
        (api.users["officer"].id, ["C1"], "C1")
    ] * 2


def test_the_referrals_page_is_the_json_lists_service(api: Api, browser: TestClient) -> None:
    page = browser.get("/referrals", headers=HTML)
    listed = api.get("/referrals").json()["items"]
    shown = re.findall(r'href="/children/([^"]+)"', page.text)
    assert shown == [r["child_id"] for r in listed]
    lists = api.audit(action="referral.list")
    assert len(lists) == 2 and lists[0].child_ids == lists[1].child_ids


def test_another_las_child_is_the_unknown_ids_404_page(api: Api, browser: TestClient) -> None:
    elsewhere = browser.get("/children/B1", headers=HTML)
    unknown = browser.get("/children/NO-SUCH", headers=HTML)
    assert elsewhere.status_code == unknown.status_code == 404
    assert elsewhere.text == unknown.text
    assert "B1" not in main_of(elsewhere.text)


def test_the_cookie_is_secure_over_https(api: Api) -> None:
    client = TestClient(api.client.app, base_url="https://testserver")
    form = client.get("/sign-in", headers=HTML)
    assert "Secure" in form.headers["set-cookie"]
    check = re.search(r'name="sign_in_check" value="([^"]+)"', form.text)
    assert check
    signed = client.post(
        "/sign-in",
        data={"token": api.tokens["officer"], "sign_in_check": check[1]},
        headers=HTML,
        follow_redirects=False,
    )
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith("placematch_session=")
    assert all(f in cookie for f in ("HttpOnly", "Secure", "Path=/", "SameSite=lax"))


def test_signing_in_is_refused_without_the_forms_own_check(api: Api) -> None:
    """A form on another site cannot sign a browser in as someone else."""
    signed = api.client.post(
        "/sign-in", data={"token": api.tokens["officer"]}, headers=HTML, follow_redirects=False
    )
    assert signed.status_code == 403
    assert "placematch_session" not in signed.headers.get("set-cookie", "")


def test_bad_tokens_count_towards_the_same_limit_as_the_apis(api: Api) -> None:
    answer = api.client.get("/sign-in", headers=HTML)
    statuses = []
    for _ in range(21):
        check = re.search(r'name="sign_in_check" value="([^"]+)"', answer.text)
        assert check
        answer = api.client.post(
            "/sign-in", data={"token": "pm_bad", "sign_in_check": check[1]}, headers=HTML
        )
        statuses.append(answer.status_code)
    assert statuses == [422] * 20 + [429]
    assert "too many failed sign-ins" in answer.text
    assert api.get("/me", headers={"Authorization": "Bearer pm_bad"}).status_code == 429


def test_an_unsigned_page_goes_to_sign_in_and_an_unknown_page_is_a_404_page(api: Api) -> None:
    went = api.client.get("/referrals?urgency=urgent", headers=HTML, follow_redirects=False)
    assert went.status_code == 303
    assert went.headers["location"] == "/sign-in?next=%2Freferrals%3Furgency%3Durgent"
    posted = api.client.post("/sign-out", headers=HTML, follow_redirects=False)
    assert (posted.status_code, posted.headers["location"]) == (303, "/sign-in")
    missing = api.client.get("/no-such-page", headers=HTML)
    assert missing.status_code == 404 and "Page not found" in missing.text


@pytest.mark.parametrize(
    ("asked", "went"),
    [
        ("/referrals?page=2", "/referrals?page=2"),
        ("https://example.org/", "/"),
        ("//example.org", "/"),
        ("/\\example.org", "/"),
        ("/%0d%0aSet-Cookie:x", "/%0d%0aSet-Cookie:x"),
        ("/\nx", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_next_is_a_path_of_this_service_only(asked: str, went: str) -> None:
    assert safe_next(asked) == went


@pytest.mark.parametrize(
    ("setting", "ms"),
    [(None, 3000), ("1", 1000), (" 0.5 ", 500), ("soon", 3000), ("0", 3000), ("600", 3000)],
)
def test_progress_pages_reload_every_3_s_unless_the_service_says_otherwise(
    monkeypatch: pytest.MonkeyPatch, setting: str | None, ms: int
) -> None:
    """What `refresh.js` reads from a progress page: 3 s for users; a setting that is not
    a number, or would reload in a tight loop or never, is ignored."""
    if setting is None:
        monkeypatch.delenv(REFRESH_ENV, raising=False)
    else:
        monkeypatch.setenv(REFRESH_ENV, setting)
    assert refresh_ms() == ms


def test_a_revoked_users_sessions_are_deleted(api: Api, browser: TestClient) -> None:
    manager = api.users["manager"]
    officer = api.users["officer"]
    with store.transaction(api.engine) as s:
        store.deactivate_user(s, officer.id or 0, by=manager, las=manager.las)
    api.client.app.state.services.tokens.forget()  # type: ignore[attr-defined]
    went = browser.get("/referrals", headers=HTML, follow_redirects=False)
    assert went.status_code == 303
    with store.transaction(api.engine, write=False) as s:
        assert s.exec(select(store.WebSession)).all() == []
