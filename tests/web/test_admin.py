"""The admin's pages in a browser: Users (a token shown once), Imports, Exceptions, the
audit log; axe on each; the 403 page for other roles; another LA's record is the same
404 page as an unknown id (and in-process in tests/api/test_admin_pages.py)."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import Page, expect

from tests.web.conftest import Served, SignIn, assert_accessible, screenshot


def rows(page: Page, table: str = "table") -> list[dict[str, str]]:
    """A table's rows as the page shows them, by column heading."""
    heads = [h.strip() for h in page.locator(f"{table} thead th").all_inner_texts()]
    out = []
    for row in page.locator(f"{table} tbody tr").all():
        cells = row.locator("th, td").all_inner_texts()
        out.append(dict(zip(heads, (c.strip() for c in cells), strict=True)))
    return out


def signs_in(served: Served, token: str) -> bool:
    with httpx.Client(base_url=served.base) as client:
        answer = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    return answer.status_code == 200


def test_an_admin_adds_a_user_and_sees_the_token_once(signed_in: SignIn, served: Served) -> None:
    page = signed_in("admin")
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    assert {"Demo manager", "Demo officer"} <= {r["Name"] for r in rows(page)}
    assert_accessible(page)
    screenshot(page, "users")

    page.get_by_label("Name").fill("Asha Patel")
    page.get_by_label("Role").select_option(label="Placement officer")
    page.get_by_role("button", name="Add user").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("User created")
    expect(page.get_by_text("This is the only time the token is shown")).to_be_visible()
    token = page.get_by_label("Token for Asha Patel").input_value()
    assert token.startswith("pm_") and signs_in(served, token)
    assert_accessible(page)

    page.get_by_role("link", name="Back to users").click()
    assert token not in page.content()
    asha = next(r for r in rows(page) if r["Name"] == "Asha Patel")
    assert asha["Role"] == "Placement officer" and asha["Status"] == "Active"

    page.get_by_role("button", name="Revoke Asha Patel's token").click()
    asha = next(r for r in rows(page) if r["Name"] == "Asha Patel")
    assert asha["Status"] == "Revoked"
    assert not signs_in(served, token)

    page.get_by_role("button", name="Reactivate Asha Patel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("User can sign in again")
    new = page.get_by_label("Token for Asha Patel").input_value()
    assert new != token and signs_in(served, new) and not signs_in(served, token)
    assert_accessible(page)
    page.get_by_role("link", name="Back to users").click()
    assert new not in page.content()


def test_a_user_without_a_name_or_la_is_an_error_and_nothing_is_made(
    signed_in: SignIn, served: Served
) -> None:
    page = signed_in("admin", "/users")
    before = len(rows(page))
    page.get_by_label("Leeds").uncheck()
    page.get_by_role("button", name="Add user").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter the person's name")
    expect(summary).to_contain_text("Choose what the person does")
    expect(summary).to_contain_text("Choose at least one LA")
    expect(page).to_have_title(re.compile("^Error: "))
    summary.get_by_role("link", name="Enter the person's name").click()
    expect(page.get_by_label("Name")).to_be_focused()
    assert len(rows(page)) == before
    assert_accessible(page)


def test_other_roles_get_the_403_page(signed_in: SignIn) -> None:
    page = signed_in("placement_officer")
    expect(page.get_by_role("link", name="Users")).to_have_count(0)
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/users")
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot open this page")
    assert_accessible(page)


def test_the_audit_log_filters_by_action_child_and_date(signed_in: SignIn) -> None:
    page = signed_in("admin", "/referrals")
    child = rows(page)[0]["Child"]
    page.get_by_role("link", name=child).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(child)
    page.get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit log")
    newest = rows(page)
    assert (newest[0]["Action"], newest[0]["Children"]) == ("child.read", child)
    assert_accessible(page)
    screenshot(page, "audit")

    page.get_by_text("Filter the log").click()
    page.get_by_label("Action").fill("child.read")
    page.get_by_label("Child's case id").fill(child)
    page.get_by_label("User").select_option(label="Demo manager")
    page.get_by_role("button", name="Show entries").click()
    shown = rows(page)
    assert shown and all(
        r["Action"] == "child.read" and r["Children"] == child and r["Who"] == "Demo manager"
        for r in shown
    )
    expect(page.get_by_label("Action")).to_have_value("child.read")
    assert_accessible(page)

    page.get_by_label("From").fill("2001-01-01")
    page.get_by_label("To").fill("2001-01-02")
    page.get_by_role("button", name="Show entries").click()
    expect(page.get_by_role("heading", name="No entries matching")).to_be_visible()
    page.get_by_role("link", name="Clear filters").click()
    assert len(rows(page)) > 1


def test_a_bad_audit_filter_is_an_error_not_a_failure(signed_in: SignIn) -> None:
    page = signed_in("admin", "/audit")
    page.get_by_text("Filter the log").click()
    page.get_by_label("Action").fill("Child Read!")
    page.get_by_label("From").fill("2026-12-06")
    page.get_by_label("To").fill("2026-12-01")
    page.get_by_role("button", name="Show entries").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter an action such as child.read")
    expect(summary).to_contain_text("The to date must be the same as or after the from date")
    assert_accessible(page)
