"""The Referrals page (journey 1): the open referrals of the officer's LAs, most urgent
and soonest needed first, filters, finding a child by case id, pages; the same 404 page
for another LA's child as for an unknown id; the keyboard alone."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Served, SignIn, assert_accessible, screenshot, sign_in, submit

URGENCY_ORDER = {"Emergency": 0, "Urgent": 1, "Planned": 2}


def rows(page: Page) -> list[dict[str, str]]:
    """The table's rows as the page shows them, by column heading."""
    heads = page.locator("table thead th").all_inner_texts()
    out = []
    for row in page.locator("table tbody tr").all():
        cells = row.locator("th, td").all_inner_texts()
        out.append(dict(zip(heads, (c.strip() for c in cells), strict=True)))
    return out


def needed_by(text: str) -> datetime:
    return datetime.strptime(text.removesuffix("Overdue").strip(), "%d %B %Y")


def test_the_list_is_most_urgent_then_soonest_needed(signed_in: SignIn) -> None:
    page = signed_in("placement_officer")
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")
    shown = rows(page)
    assert len(shown) == 25
    keys = [(URGENCY_ORDER[r["Urgency"]], needed_by(r["Needed by"])) for r in shown]
    assert keys == sorted(keys)
    assert {r["LA"] for r in shown} == {"Leeds"}
    assert all(r["Waited"] for r in shown)
    expect(page.get_by_role("link", name=shown[0]["Child"])).to_have_attribute(
        "href", f"/children/{shown[0]['Child']}"
    )
    assert_accessible(page)
    screenshot(page, "referrals")


def waited_days(text: str) -> tuple[int, int]:
    """The days a "Waited" cell can mean: Today, 3 days, 5 weeks (5 to 6 weeks less a day)."""
    if text == "Today":
        return 0, 0
    n, unit = text.split()
    return (int(n), int(n)) if unit.startswith("day") else (7 * int(n), 7 * int(n) + 6)


def test_the_demos_referrals_were_made_before_they_are_needed(signed_in: SignIn) -> None:
    """The demo is dated as of the day it was prepared: an emergency referred in the last
    few days and needed now, a planned move referred weeks ahead of its date."""
    today = date.today()
    page = signed_in("placement_officer", "/referrals?urgency=emergency")
    emergencies = rows(page)
    assert emergencies
    for r in emergencies:
        assert abs((needed_by(r["Needed by"]).date() - today).days) <= 1, r
        assert waited_days(r["Waited"])[1] <= 4, r
    page.goto("/referrals?urgency=planned")
    planned = rows(page)
    assert planned and all("Overdue" not in r["Needed by"] for r in planned)
    waits = [waited_days(r["Waited"]) for r in planned]
    assert len(set(waits)) > 1 and max(w[0] for w in waits) >= 14
    for r, (least, _) in zip(planned, waits, strict=True):
        referred = today - timedelta(days=least)
        assert needed_by(r["Needed by"]).date() > referred, r


def test_filters_narrow_the_list(signed_in: SignIn) -> None:
    page = signed_in("placement_officer")
    everything = page.get_by_role("heading", level=2).first.inner_text()
    page.get_by_text("Filter referrals").click()
    page.get_by_label("Urgency").select_option(label="Urgent")
    page.get_by_label("Age", exact=True).select_option(label="10 to 15")
    submit(page.get_by_role("button", name="Show referrals"))
    shown = rows(page)
    assert shown and {r["Urgency"] for r in shown} == {"Urgent"}
    assert all(10 <= int(r["Age"]) <= 15 for r in shown)
    assert page.get_by_role("heading", level=2).first.inner_text() != everything
    expect(page.get_by_label("Urgency")).to_have_value("urgent")
    assert_accessible(page)
    page.get_by_label("Urgency").select_option(label="Any")
    page.get_by_label("Age", exact=True).select_option(label="Any")
    page.get_by_label("Need").select_option(label="Autism")
    submit(page.get_by_role("button", name="Show referrals"))
    shown = rows(page)
    assert shown and all("autism" in r["Needs"] for r in shown)
    page.get_by_role("link", name="Clear filters").click()
    expect(page.get_by_role("heading", level=2).first).to_have_text(everything)


def test_a_filter_value_not_offered_is_an_error_not_a_crash(signed_in: SignIn) -> None:
    page = signed_in("placement_officer", "/referrals?urgency=whenever&la=Bradford")
    expect(page).to_have_title("Error: Referrals – placematch")
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link")).to_have_text(
        ["Choose an urgency from the list", "Choose one of your LAs from the list"]
    )
    assert {r["LA"] for r in rows(page)} == {"Leeds"}  # never widened to another LA
    assert_accessible(page)


def test_find_a_child_by_case_id(signed_in: SignIn) -> None:
    page = signed_in("placement_officer")
    third = rows(page)[2]["Child"]
    page.get_by_label("Find a child by case id").fill(third)
    submit(page.get_by_role("button", name="Show referrals"))
    assert [r["Child"] for r in rows(page)] == [third]
    page.get_by_label("Find a child by case id").fill("C-NO-SUCH")
    page.get_by_role("button", name="Show referrals").click()
    expect(page.get_by_text("There is no open referral for a child with case id")).to_be_visible()


def test_pages_of_referrals(signed_in: SignIn) -> None:
    page = signed_in("placement_officer")
    first = [r["Child"] for r in rows(page)]
    pages = page.get_by_role("navigation", name="Pages of results")
    expect(pages).to_contain_text("Page 1 of")
    page.get_by_role("link", name="Next").click()
    expect(pages).to_contain_text("Page 2 of")
    second = [r["Child"] for r in rows(page)]
    assert second and not set(first) & set(second)
    submit(page.get_by_role("link", name="Previous"))
    assert [r["Child"] for r in rows(page)] == first


def test_another_las_child_is_the_same_404_page_as_an_unknown_one(
    signed_in: SignIn, served: Served
) -> None:
    with served.api("family_finder") as finder:
        everyone = finder.get("/children", params={"limit": 1000}).json()["items"]
    elsewhere = next(c["id"] for c in everyone if c["la"] != "Leeds")
    page = signed_in("placement_officer", start=None)
    seen = []
    for child in (elsewhere, "C-NO-SUCH-CHILD"):
        answer = page.goto(f"/children/{child}")
        assert answer is not None and answer.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        seen.append(page.locator("main").inner_text())
    assert seen[0] == seen[1]
    assert elsewhere not in seen[0]
    assert_accessible(page)


def test_a_leeds_childs_page_opens_from_the_list(signed_in: SignIn) -> None:
    page = signed_in("placement_officer")
    child = rows(page)[0]["Child"]
    page.get_by_role("link", name=child).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Child {child}")
    assert_accessible(page)


def test_a_planner_never_sees_the_referrals(signed_in: SignIn) -> None:
    page = signed_in("planner", "/what-ifs")
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="Referrals")).to_have_count(0)  # their pages only
    answer = page.goto("/referrals")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot open this page")
    assert page.locator("table").count() == 0


def focus_on(page: Page, what: str, presses: int = 40) -> None:
    """Press Tab until the focused element's accessible text includes `what`."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        label = page.evaluate(
            "() => { const e = document.activeElement;"
            " const l = e.labels && e.labels[0] ? e.labels[0].innerText : '';"
            " return (l + ' ' + (e.innerText || '') + ' ' + (e.value || '')).trim(); }"
        )
        if what in label:
            return
    raise AssertionError(f"Tab never reached {what!r}")


def test_sign_in_and_filter_with_the_keyboard_alone(page: Page, served: Served) -> None:
    page.goto("/")
    focus_on(page, "Your token")
    page.keyboard.type(served.tokens["placement_officer"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")
    focus_on(page, "Filter referrals")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Urgency")).to_be_visible()
    focus_on(page, "Urgency")
    page.keyboard.type("Emergency")
    focus_on(page, "Show referrals")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Urgency")).to_have_value("emergency")
    assert {r["Urgency"] for r in rows(page)} == {"Emergency"}
    focus_on(page, rows(page)[0]["Child"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Child ")


def test_sign_in_and_filter_with_javascript_off(browser: Browser, served: Served) -> None:
    context = browser.new_context(base_url=served.base, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, served.tokens["placement_officer"])
        expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")
        page.get_by_text("Filter referrals").click()
        page.get_by_label("Urgency").select_option(label="Planned")
        submit(page.get_by_role("button", name="Show referrals"))
        assert {r["Urgency"] for r in rows(page)} == {"Planned"}
        page.get_by_role("button", name="Sign out").click()
        expect(page.get_by_text("You have signed out.")).to_be_visible()
    finally:
        context.close()
