"""Asking for an exception and an admin deciding it (journey 4, and the admin's
"exceptions waiting for authorisation"), in a browser: the officer asks from a near miss
on the matches page, the admin authorises it on /exceptions, the officer sees the
proposal on the child's page; a refusal with JavaScript off; axe on each new page."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Served, assert_accessible, screenshot, sign_in, submit
from tests.web.test_matches import open_referrals, table_rows


def near_miss_to_ask(served: Served) -> tuple[str, dict[str, Any]]:
    """A referred child with no live proposal and a near miss whose rule may be set
    aside (not the vacancy) with no request pending for it; the child and the miss."""
    with served.api("placement_officer") as api:
        for r in open_referrals(api):
            if r["proposal"]:
                continue
            got = api.get(f"/children/{r['child_id']}/matches")
            if got.status_code != 200:
                continue
            pending = api.get(
                "/exception-requests", params={"child_id": r["child_id"], "state": "pending"}
            ).json()["items"]
            asked = {(p["household_id"], p["rule"]) for p in pending}
            for n in got.json()["near_misses"]:
                rule = n["failed_rule"]
                if n["exception_allowed"] and rule != "vacancy" and (n["carer"], rule) not in asked:
                    return r["child_id"], n
    raise AssertionError("the demo has no near miss an exception may be asked for")


def ask_from_matches(
    page: Page, child_id: str, miss: dict[str, Any], reason: str, *, axe: bool = True
) -> str:
    """On the child's matches page, ask for the near miss's exception (axe on the form
    and its error state, unless JavaScript is off: axe runs as a script); the request's
    page address."""
    page.goto(f"/children/{child_id}")
    page.get_by_role("link", name="See matches").click()
    page.get_by_role("link", name=f"Ask for an exception for household {miss['carer']}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ask for an exception")
    if axe:
        assert_accessible(page)
    page.get_by_role("button", name="Ask for the exception").click()  # no reason yet
    expect(page.get_by_role("alert")).to_contain_text("Enter why this match should go ahead")
    if axe:
        assert_accessible(page)
    page.get_by_label("Why this match should go ahead").fill(reason)
    page.get_by_label("How many hours to hold the place once authorised").fill("24")
    page.get_by_role("button", name="Ask for the exception").click()
    expect(page.get_by_role("status")).to_contain_text("Your request is sent")
    return page.url.split("?")[0]


def summary_value(page: Page, key: str) -> str:
    row = page.locator(".summary-list__row", has=page.locator("dt", has_text=key))
    return row.locator("dd").inner_text().strip()


def test_an_officer_asks_an_admin_authorises_the_officer_sees_the_proposal(
    page: Page, served: Served
) -> None:
    """Two people at one browser, each signing in and out through the form (not the
    shared sessions of `signed_in`: signing out ends the session it is in)."""
    child_id, miss = near_miss_to_ask(served)
    reason = f"Household {miss['carer']} already cares for the child's brother"
    sign_in(page, served.tokens["placement_officer"])
    request_url = ask_from_matches(page, child_id, miss, reason)
    request_id = request_url.rsplit("/", 1)[1]
    assert summary_value(page, "State") == "Waiting for an admin"
    assert summary_value(page, "Reason") == reason
    assert "_" not in summary_value(page, "Rule to set aside")
    expect(page.get_by_role("button", name="Authorise exception")).to_have_count(0)
    assert_accessible(page)
    page.goto(f"/children/{child_id}")
    asked = table_rows(page, "Requests to set aside a hard rule for this child")
    assert {"Request": f"Request {request_id}", "State": "Waiting for an admin"}.items() <= {
        k: v for k, v in asked[0].items() if k in ("Request", "State")
    }.items()
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, served.tokens["admin"])
    page.get_by_role("link", name="Exceptions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Exceptions")
    page.get_by_label("State").select_option(label="Waiting for an admin")
    submit(page.get_by_role("button", name="Show requests"))
    listed = {r["Request"]: r for r in table_rows(page, "Exception requests")}
    row = listed[f"Request {request_id}"]
    assert row["Household"] == miss["carer"] and row["Reason"] == reason
    assert row["Asked by"] and "Unknown" not in row["Asked by"]
    assert "Waiting" in row["State"]
    assert_accessible(page)
    screenshot(page, "exceptions")
    submit(page.get_by_role("link", name=f"Request {request_id}"))
    assert_accessible(page)
    page.get_by_role("button", name="Refuse exception").click()  # a refusal needs a reason
    expect(page.get_by_role("alert")).to_contain_text("Enter why the exception is refused")
    assert_accessible(page)
    page.get_by_role("button", name="Authorise exception").click()
    expect(page.get_by_role("status")).to_contain_text("The exception is authorised")
    assert summary_value(page, "State") == "Authorised"
    proposal_link = page.get_by_role("link", name="See proposal")
    proposal_text = proposal_link.inner_text()  # "See proposal N"
    assert_accessible(page)
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, served.tokens["placement_officer"], f"/children/{child_id}")
    asked = table_rows(page, "Requests to set aside a hard rule for this child")
    mine = next(r for r in asked if r["Request"] == f"Request {request_id}")
    proposal_id = proposal_text.rsplit(" ", 1)[1]
    assert mine["State"] == f"Authorised Proposal {proposal_id}"
    page.get_by_role("link", name=f"Proposal {proposal_id}").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Proposal {proposal_id}")
    assert summary_value(page, "Status") == "Held"
    assert summary_value(page, "Exception").endswith("authorised")


def test_an_admin_refuses_with_a_reason_javascript_off(browser: Browser, served: Served) -> None:
    child_id, miss = near_miss_to_ask(served)
    context = browser.new_context(base_url=served.base, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, served.tokens["placement_officer"])
        request_url = ask_from_matches(
            page, child_id, miss, "The child asked to live near Gran", axe=False
        )
        page.get_by_role("button", name="Sign out").click()
        sign_in(page, served.tokens["admin"], request_url)
        page.get_by_role("button", name="Refuse exception").click()
        expect(page.get_by_role("alert")).to_contain_text("Enter why the exception is refused")
        page.get_by_label("Reason for refusing").fill("Gran's area is outside the range we allow")
        page.get_by_role("button", name="Refuse exception").click()
        expect(page.get_by_role("status")).to_contain_text("The request is refused")
        assert summary_value(page, "State") == "Refused"
        assert summary_value(page, "Reason refused").startswith("Gran's area")
        expect(page.get_by_role("button", name="Authorise exception")).to_have_count(0)
    finally:
        context.close()
