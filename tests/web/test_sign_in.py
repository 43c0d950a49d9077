"""Signing in and out in a real browser: the token form, the session cookie, where the
user lands, a revoked user's session, CSRF and the Content-Security-Policy."""

from __future__ import annotations

import time

from playwright.sync_api import BrowserContext, Page, expect

from api.headers import WEB_POLICY
from tests.web.conftest import Served, SignIn, assert_accessible, sign_in


def test_an_officer_signs_in_lands_on_referrals_and_signs_out(page: Page, served: Served) -> None:
    page.goto("/")
    expect(page).to_have_title("Sign in – placematch")
    assert_accessible(page)
    sign_in(page, served.tokens["placement_officer"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")
    expect(page).to_have_title("Referrals – placematch")
    expect(page.get_by_role("banner")).to_contain_text("Demo officer")
    expect(page.get_by_role("banner")).to_contain_text("Placement officer")
    menu = page.get_by_role("navigation", name="Menu").get_by_role("link")
    expect(menu.first).to_have_text("Referrals")  # first; other pages' links follow
    expect(menu.filter(has_text="Proposals")).to_have_count(1)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto("/referrals")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to placematch")


def test_a_wrong_token_shows_the_error_summary_and_the_fields_message(
    page: Page, served: Served
) -> None:
    sign_in(page, "pm_not-a-real-token")
    expect(page).to_have_title("Error: Sign in – placematch")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link")).to_have_text(
        "The token is not right, or it has been revoked. Check you pasted all of it."
    )
    expect(page.locator("#token-error")).to_contain_text("The token is not right")
    expect(summary).to_be_focused()
    assert_accessible(page)
    summary.get_by_role("link").click()
    expect(page.get_by_label("Your token")).to_be_focused()
    assert page.context.cookies() == [] or all(
        c["name"] != "placematch_session" for c in page.context.cookies()
    )


def test_an_empty_token_is_asked_for(page: Page) -> None:
    page.goto("/sign-in")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#token-error")).to_contain_text("Enter your token")


def test_the_session_cookie_is_httponly_lax_for_the_whole_site_and_ends(
    context: BrowserContext, page: Page, served: Served
) -> None:
    sign_in(page, served.tokens["placement_officer"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")
    (cookie,) = [c for c in context.cookies() if c["name"] == "placematch_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert not cookie["secure"]  # plain http on loopback; https sets Secure (test_pages.py)
    assert 11.9 * 3600 < cookie["expires"] - time.time() <= 12 * 3600
    assert page.evaluate("document.cookie") == ""  # no script can read it


def test_sign_in_returns_to_the_page_asked_for(page: Page, served: Served) -> None:
    page.goto("/referrals?urgency=urgent")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to placematch")
    sign_in_here(page, served.tokens["placement_officer"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")
    assert page.url == f"{served.base}/referrals?urgency=urgent"
    expect(page.get_by_label("Urgency")).to_have_value("urgent")


def sign_in_here(page: Page, token: str) -> None:
    page.get_by_label("Your token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def test_next_goes_to_this_service_only(page: Page, served: Served) -> None:
    for elsewhere in ("https://example.org/", "//example.org/x", "/\\example.org", "javascript:1"):
        page.goto(f"/sign-in?next={elsewhere}")
        sign_in_here(page, served.tokens["placement_officer"])
        expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")
        assert page.url.startswith(served.base + "/"), (elsewhere, page.url)
        page.get_by_role("button", name="Sign out").click()


def test_a_revoked_users_session_stops_working(page: Page, served: Served) -> None:
    admin = served.api("admin")
    made = admin.post(
        "/users",
        json={"name": "Short-lived officer", "role": "placement_officer", "las": ["Leeds"]},
    )
    assert made.status_code == 201, made.text
    sign_in(page, made.json()["token"])
    expect(page.get_by_role("banner")).to_contain_text("Short-lived officer")
    revoked = admin.post(f"/users/{made.json()['user']['id']}/revoke")
    assert revoked.status_code == 200, revoked.text
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to placematch")


def test_a_form_without_the_sessions_csrf_token_is_refused(
    signed_in: SignIn, context: BrowserContext, served: Served
) -> None:
    page = signed_in("placement_officer")
    # Another site's form cannot know the token: sign-out posted with a wrong one.
    page.locator("input[name=csrf_token]").evaluate("input => { input.value = 'forged'; }")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot open this page")
    expect(page.get_by_text("This form was not sent from a page of this service")).to_be_visible()
    assert_accessible(page)
    answer = context.request.post(
        "/sign-out", form={}, headers={"Accept": "text/html"}, max_redirects=0
    )
    assert answer.status == 403
    page.goto("/referrals")  # still signed in: neither post ended the session
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")


def test_pages_send_the_content_security_policy_and_break_none_of_it(
    signed_in: SignIn, served: Served
) -> None:
    page = signed_in("placement_officer", start=None)  # the policy watched from the first page
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    answer = page.goto("/referrals")
    assert answer is not None
    assert answer.headers["content-security-policy"] == WEB_POLICY
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["cache-control"] == "no-store"
    assert page.locator("[style]").count() == 0
    assert page.evaluate("getComputedStyle(document.querySelector('.header')).backgroundColor") == (
        "rgb(11, 12, 12)"
    )  # the stylesheet loaded under the policy
    assert refused == []
