"""The admin's pages in a browser: Users (a token shown once), Imports, Exceptions, the
audit log; axe on each; the 403 page for other roles; another LA's record is the same
404 page as an unknown id (and in-process in tests/api/test_admin_pages.py)."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect

from ssda903.read import COLUMNS
from tests.ssda903.helpers import EPISODES, HEADER, OC2, UASC, changed, csv_text
from tests.web.conftest import Served, SignIn, assert_accessible, screenshot, sign_in, submit


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

    submit(page.get_by_role("link", name="Back to users"))
    assert token not in page.content()
    asha = next(r for r in rows(page) if r["Name"] == "Asha Patel")
    assert asha["Role"] == "Placement officer" and asha["Status"] == "Active"

    submit(page.get_by_role("button", name="Revoke Asha Patel's token"))
    asha = next(r for r in rows(page) if r["Name"] == "Asha Patel")
    assert asha["Status"] == "Revoked"
    assert not signs_in(served, token)

    page.get_by_role("button", name="Reactivate Asha Patel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("User can sign in again")
    new = page.get_by_label("Token for Asha Patel").input_value()
    assert new != token and signs_in(served, new) and not signs_in(served, token)
    assert_accessible(page)
    submit(page.get_by_role("link", name="Back to users"))
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
    # Opening a child's page records each part it reads (the child, their referrals, their
    # group, …) as the API would: the child's read is among the newest entries.
    newest = rows(page)[:6]
    assert ("child.read", child) in [(r["Action"], r["Children"]) for r in newest]
    assert_accessible(page)
    screenshot(page, "audit")

    page.get_by_text("Filter the log").click()
    page.get_by_label("Action").fill("child.read")
    page.get_by_label("Child's case id").fill(child)
    page.get_by_label("User").select_option(label="Demo manager")
    page.get_by_role("button", name="Show entries").click()
    expect(page).to_have_url(re.compile(r"[?&]action=child\.read"))  # the filtered page
    expect(page.locator("tbody tr").first).to_be_visible()
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
    submit(page.get_by_role("link", name="Clear filters"))
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


def extract_files(folder: Path, **changes: list[dict[str, str]]) -> list[Path]:
    """The small Leeds extract of tests/ssda903 as CSV files named as the DfE names them."""
    base = {"header": HEADER, "episodes": EPISODES, "uasc": UASC, "oc2": OC2} | changes
    paths = []
    for name, rows_ in base.items():
        path = folder / f"{name}.csv"
        path.write_text(csv_text(rows_, COLUMNS[name]))
        paths.append(path)
    return paths


def test_an_admin_checks_an_extract_and_nothing_is_saved(signed_in: SignIn, tmp_path: Path) -> None:
    page = signed_in("admin")
    page.get_by_role("link", name="Imports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Imports")
    before = rows(page)
    assert_accessible(page)
    screenshot(page, "imports")

    files = extract_files(tmp_path, header=changed(HEADER, 2, ETHNIC="ZZZZ"))
    page.get_by_label("903 files").set_input_files(files)
    page.get_by_label("LA", exact=True).select_option("Leeds")
    page.get_by_label("The day it describes (optional)").fill("2024-03-31")
    page.get_by_label("Check only").check()
    page.get_by_role("button", name="Upload extract").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Extract checked")
    expect(page.get_by_text("Nothing was saved")).to_be_visible()
    report = page.locator(".summary-list")
    expect(report).to_contain_text("31 March 2024")
    expect(report).to_contain_text("header.csv, episodes.csv, uasc.csv, oc2.csv")
    expect(page.get_by_role("table", name="Rows by table")).to_contain_text("header")
    expect(page.get_by_role("table", name="What was found, by rule")).to_contain_text("ETHNIC")
    assert_accessible(page)

    submit(page.get_by_role("link", name="Back to imports"))
    assert rows(page) == before


def test_an_upload_without_files_or_with_a_wrong_file_is_an_error(
    signed_in: SignIn, tmp_path: Path
) -> None:
    page = signed_in("admin", "/imports")
    before = rows(page)
    page.get_by_role("button", name="Upload extract").click()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Choose the 903 CSV files or the XML return")
    assert_accessible(page)

    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    page.get_by_label("903 files").set_input_files(notes)
    page.get_by_label("LA", exact=True).select_option("Leeds")
    page.get_by_role("button", name="Upload extract").click()
    expect(page.get_by_role("alert")).to_contain_text("notes.txt is not a 903 table")
    expect(page.get_by_label("LA", exact=True)).to_have_value("Leeds")
    assert rows(page) == before
    assert_accessible(page)


def test_an_import_report_filters_its_issues_and_downloads_them(signed_in: SignIn) -> None:
    page = signed_in("admin", "/imports")
    first = rows(page)[0]["Import"]
    page.get_by_role("link", name=first).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first)
    count = page.locator("#issues-count")
    everything = count.inner_text()
    assert_accessible(page)
    screenshot(page, "import")

    page.get_by_label("Severity").select_option(label="Warnings (imported)")
    submit(page.get_by_role("button", name="Show issues"))
    shown = rows(page, "table:has(caption:text('Issues in file order'))")
    assert shown and {r["Severity"] for r in shown} == {"Warning"}
    assert count.inner_text() != everything or "error" not in everything
    assert_accessible(page)

    with page.expect_download() as downloading:
        page.get_by_role("link", name=re.compile("^Download CSV")).click()
    download = downloading.value
    assert download.suggested_filename.endswith("-issues.csv")
    lines = Path(download.path()).read_text().splitlines()
    assert len(lines) - 1 == int(count.inner_text().split()[0].replace(",", ""))
    assert all(",warning," in line for line in lines[1:])


def test_an_unknown_import_is_the_404_page(signed_in: SignIn) -> None:
    """Another LA's import gives this same page: tests/api/test_admin_pages.py (the demo
    has one LA, so no browser user can make another LA's import)."""
    page = signed_in("admin", "/imports/999999")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_text("it may belong to an LA you do not work for")).to_be_visible()
    assert_accessible(page)


def test_the_admin_pages_work_with_javascript_off(
    browser: Browser, served: Served, tmp_path: Path
) -> None:
    context = browser.new_context(base_url=served.base, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, served.tokens["admin"])
        page.get_by_role("link", name="Imports").click()
        page.get_by_label("903 files").set_input_files(extract_files(tmp_path))
        page.get_by_label("LA", exact=True).select_option("Leeds")
        page.get_by_label("Check only").check()
        page.get_by_role("button", name="Upload extract").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Extract checked")

        page.get_by_role("link", name="Users").click()
        page.get_by_label("Name").fill("Ben Okafor")
        page.get_by_label("Role").select_option(label="Sufficiency planner")
        page.get_by_role("button", name="Add user").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("User created")
        assert signs_in(served, page.get_by_label("Token for Ben Okafor").input_value())

        page.get_by_role("link", name="Audit log").click()
        page.get_by_text("Filter the log").click()
        page.get_by_label("Action").fill("user.")
        submit(page.get_by_role("button", name="Show entries"))
        assert rows(page)[0]["Action"] == "user.create"
    finally:
        context.close()
