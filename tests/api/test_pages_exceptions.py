"""The exception pages in-process, with plain form posts (as with JavaScript off): the
ask form's error summary, an admin's authorise and refuse, roles (the 403 page), another
LA's request as the unknown id's 404 page in every route, and audit as the API's."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

import store
from api.websession import CSRF_FIELD
from tests.api.conftest import Api
from tests.api.test_pages import HTML, page_sign_in
from tests.api.test_pages_proposals import csrf

ASK = "/children/C1/exception/H2"  # C1 (9) and H2 (under-6s): the age_range rule


def post(client: TestClient, path: str, token: str, **data: str) -> Any:
    return client.post(path, data={CSRF_FIELD: token, **data}, headers=HTML, follow_redirects=False)


def ask_on_page(api: Api, reason: str = "her brother lives there") -> int:
    page_sign_in(api.client, api.tokens["officer"])
    token = csrf(api.client, f"{ASK}?rule=age_range")
    sent = post(api.client, ASK, token, rule="age_range", reason=reason, hold_hours="24")
    assert sent.status_code == 303, sent.text
    found = re.fullmatch(r"/exceptions/(\d+)\?saved=asked", sent.headers["location"])
    assert found
    return int(found[1])


def test_the_ask_form_shows_each_error_and_writes_nothing(api: Api) -> None:
    page_sign_in(api.client, api.tokens["officer"])
    form = api.client.get(f"{ASK}?rule=age_range", headers=HTML)
    assert form.status_code == 200
    assert "The child&#39;s age is within" in form.text or "age is within" in form.text
    token = csrf(api.client, f"{ASK}?rule=age_range")
    bad = api.client.post(
        ASK,
        data={CSRF_FIELD: token, "rule": "age_range", "reason": " ", "hold_hours": "lots"},
        headers=HTML,
    )
    assert bad.status_code == 422
    assert "There is a problem" in bad.text
    assert 'href="#reason">Enter why this match should go ahead' in bad.text
    assert 'href="#hold_hours">Enter how many hours' in bad.text
    assert 'id="reason-error"' in bad.text and "lots" in bad.text
    fits = api.client.post(
        "/children/C1/exception/H1",
        data={CSRF_FIELD: token, "rule": "age_range", "reason": "x", "hold_hours": "48"},
        headers=HTML,
    )
    assert fits.status_code == 422 and 'href="#rule">This match does not fail' in fits.text
    never = api.client.get("/children/C1/exception/H2?rule=avoid_area", headers=HTML)
    assert never.status_code == 404
    assert api.audit(action="exception.ask") == []


def test_ask_then_authorise_on_the_pages(api: Api) -> None:
    rid = ask_on_page(api)
    shown = api.client.get(f"/exceptions/{rid}", headers=HTML)
    assert "Waiting for an admin" in shown.text and "Authorise exception" not in shown.text
    child = api.client.get("/children/C1", headers=HTML).text
    assert f'href="/exceptions/{rid}"' in child and "Waiting for an admin" in child
    page_sign_in(api.client, api.tokens["manager"])
    listed = api.client.get("/exceptions?state=pending", headers=HTML)
    assert f"Request {rid}" in listed.text and "Waiting less than an hour" in listed.text
    token = csrf(api.client, f"/exceptions/{rid}")
    done = post(api.client, f"/exceptions/{rid}/authorise", token)
    assert done.status_code == 303
    page = api.client.get(f"/exceptions/{rid}", headers=HTML).text
    found = re.search(r'href="/proposals/(\d+)">See proposal', page)
    assert found and "Authorised" in page
    proposal = api.get(f"/proposals/{found[1]}").json()
    assert proposal["exception"]["authorised_by"] == api.users["manager"].id
    reads = api.audit(action="exception.read")
    assert {tuple(e.child_ids) for e in reads} == {("C1",)}


def test_refuse_needs_a_reason_on_the_page(api: Api) -> None:
    rid = ask_on_page(api)
    page_sign_in(api.client, api.tokens["manager"])
    token = csrf(api.client, f"/exceptions/{rid}")
    blank = api.client.post(
        f"/exceptions/{rid}/refuse", data={CSRF_FIELD: token, "reason": ""}, headers=HTML
    )
    assert blank.status_code == 422
    assert 'href="#reason">Enter why the exception is refused' in blank.text
    refused = post(api.client, f"/exceptions/{rid}/refuse", token, reason="too wide a gap")
    assert refused.status_code == 303
    assert api.get(f"/exception-requests/{rid}").json()["state"] == "refused"


def test_roles_and_another_las_request(api: Api) -> None:
    rid = ask_on_page(api)
    token = csrf(api.client, f"/exceptions/{rid}")
    assert post(api.client, f"/exceptions/{rid}/authorise", token).status_code == 403
    for who in ("planner", "finder"):
        page_sign_in(api.client, api.tokens[who])
        assert api.client.get("/exceptions", headers=HTML).status_code == 403
        assert api.client.get(f"/exceptions/{rid}", headers=HTML).status_code == 403
    with store.transaction(api.engine) as s:
        _, other_admin = store.create_user(s, "bradford admin", "admin", ["Bradford"])
    for token_of in (api.tokens["bradford"], other_admin):
        page_sign_in(api.client, token_of)
        unknown = api.client.get("/exceptions/999999", headers=HTML)
        elsewhere = api.client.get(f"/exceptions/{rid}", headers=HTML)
        assert elsewhere.status_code == unknown.status_code == 404
        assert elsewhere.text == unknown.text
        token = csrf(api.client, "/exceptions")
        paths = ["withdraw"] + (["authorise", "refuse"] if token_of == other_admin else [])
        for tail in paths:
            sent = post(api.client, f"/exceptions/{rid}/{tail}", token, reason="no")
            missing = post(api.client, f"/exceptions/999999/{tail}", token, reason="no")
            assert sent.status_code == missing.status_code == 404, tail
            assert sent.text == missing.text
        assert f"Request {rid}" not in api.client.get("/exceptions", headers=HTML).text
    assert api.get(f"/exception-requests/{rid}").json()["state"] == "pending"
