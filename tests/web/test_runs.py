"""Batch runs (journey 5): start a run over my LAs' open referrals from the form, watch
its progress (Refresh), read the result (placed by urgency, sibling groups, each
unplaced child with the reasons), and turn chosen matches into proposals in one step;
bad input is the error summary; another LA's run is the same 404 page as an unknown id."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import (
    Served,
    SignIn,
    assert_accessible,
    follow_refresh,
    screenshot,
    sign_in,
    wait_until_ended,
)


def test_start_a_run_read_its_result_and_propose_chosen_matches(signed_in: SignIn) -> None:
    page = signed_in("placement_officer")
    page.get_by_role("link", name="Batch runs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Batch runs")
    assert_accessible(page)

    page.get_by_label("Time limit in seconds (optional)").fill("a minute")
    page.get_by_role("button", name="Start a run").click()
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        "Enter a time limit from 0.5 to 120 seconds, or leave it empty"
    )
    expect(page.get_by_label("Time limit in seconds (optional)")).to_have_value("a minute")
    assert_accessible(page)

    page.get_by_label("Time limit in seconds (optional)").fill("1")
    page.get_by_role("button", name="Start a run").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Batch run ")
    run_url = page.url
    assert_accessible(page)  # while it goes, or done
    wait_until_ended(page)
    expect(page.locator(".summary-list__row").filter(has_text="Status")).to_contain_text("Finished")
    read_the_result(page)
    assert_accessible(page)
    screenshot(page, "batch-run")
    select_all_in_a_group(page)
    filter_the_result(page)
    page.goto(run_url)

    page.get_by_role("button", name="Propose chosen matches").click()
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        "Choose at least one match to propose"
    )
    assert_accessible(page)

    # One match from each of two urgency groups, proposed in one step.
    groups = page.locator("details.run-group")
    assert groups.count() >= 2
    picked = []
    for k in range(2):
        group = groups.nth(k)
        if group.get_attribute("open") is None:
            group.locator(":scope > summary").click()
        row = group.locator("tbody tr").first
        child = row.locator("th").inner_text().strip()
        household = row.locator("td").nth(2).inner_text().split("(")[0].strip()
        page.get_by_label(f"Propose {household} for {child}").check()
        picked.append((child, household))
    page.get_by_role("button", name="Propose chosen matches").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposals from the batch run")
    outcomes = page.locator("tbody tr")
    assert outcomes.count() >= 1
    for _child, household in picked:
        row = outcomes.filter(has_text=household).first
        assert any(
            word in row.inner_text() for word in ("Proposed", "Refused", "Place taken", "Not")
        ), row.inner_text()
    texts = outcomes.all_inner_texts()
    assert any("Proposed" in t for t in texts), texts
    assert_accessible(page)
    outcomes.get_by_role("link", name="Proposal").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Proposal ")
    expect(page.locator(".summary-list")).to_contain_text("Held")
    page.goto(run_url)
    expect(page.get_by_role("heading", name="Placed by urgency")).to_be_visible()


def numbers(texts: list[str]) -> list[int]:
    return [int(t.strip().replace(",", "")) for t in texts]


def read_the_result(page: Page) -> None:
    """The summary first, then placed by urgency (a chart and its table), distance, and
    the matches in groups by urgency, emergencies first, each with its own box labels."""
    summary = page.locator(".summary-list").nth(1)
    for said in ("Children matched", "Not matched", "Brothers and sisters", "Within 20 miles"):
        expect(summary).to_contain_text(said)
    expect(summary).to_contain_text("In their home LA")
    matched = summary.locator(".summary-list__row").filter(has_text="Children matched")
    placed, children = (int(n) for n in re.findall(r"\d+", matched.inner_text())[:2])
    assert 0 < placed <= children

    expect(page.get_by_role("heading", name="Placed by urgency")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("by urgency"))).to_be_visible()
    table = page.get_by_role("table", name="Children matched and not matched, by urgency")
    urgencies = table.locator("tbody th").all_inner_texts()
    assert urgencies[:3] == ["Emergency", "Urgent", "Planned"], urgencies
    totals = numbers(table.locator("tbody td:nth-child(2)").all_inner_texts())
    matched_by = numbers(table.locator("tbody td:nth-child(3)").all_inner_texts())
    unmatched_by = numbers(table.locator("tbody td:nth-child(5)").all_inner_texts())
    assert [m + u for m, u in zip(matched_by, unmatched_by, strict=True)] == totals
    assert sum(matched_by) == placed and sum(totals) == children
    expect(page.get_by_role("img", name=re.compile("by distance from home"))).to_be_visible()

    # Groups: emergencies first and open, the others closed until opened.
    groups = page.locator("details.run-group")
    labels = [
        t.split(":")[0] for t in page.locator("details.run-group > summary").all_inner_texts()
    ]
    order = ["Emergency", "Urgent", "Planned", "No open referral now"]
    assert labels == sorted(labels, key=order.index), labels
    shown = [
        int(re.findall(r"(\d+) match", t)[0])
        for t in page.locator("details.run-group > summary").all_inner_texts()
    ]
    assert sum(shown) == placed
    assert groups.first.get_attribute("open") is not None
    unmatched = page.locator("details.unplaced-group summary").all_inner_texts()
    assert sum(int(re.findall(r"(\d+) child", t)[0]) for t in unmatched) == children - placed


def select_all_in_a_group(page: Page) -> None:
    """Select all in a group (our script) ticks its boxes, and Clear all clears them."""
    last = page.locator("details.run-group").last
    if last.get_attribute("open") is None:
        last.locator(":scope > summary").click()
    select = last.get_by_role("button", name=re.compile("^Select all"))
    select.click()
    boxes = last.get_by_role("checkbox")
    assert all(b.is_checked() for b in boxes.all())
    last.get_by_role("button", name=re.compile("^Clear all")).click()
    assert not any(b.is_checked() for b in boxes.all())


def filter_the_result(page: Page) -> None:
    """The filters narrow the lists: urgent matches only, then urgent children not
    matched only; a bad value in the address is the error summary."""
    page.get_by_label("Urgency", exact=True).select_option("Urgent")
    page.get_by_label("Matched or not").select_option("Matched")
    page.get_by_role("button", name="Show children").click()
    expect(page).to_have_url(re.compile(r"urgency=urgent"))
    groups = page.locator("details.run-group")
    expect(groups).to_have_count(1)
    expect(page.locator("details.run-group > summary")).to_contain_text("Urgent:")
    expect(page.get_by_role("heading", name=re.compile("not matched"))).to_have_count(0)
    assert_accessible(page)
    page.get_by_label("Matched or not").select_option("Not matched")
    page.get_by_role("button", name="Show children").click()
    expect(page.locator("details.run-group")).to_have_count(0)
    unmatched = page.locator("details.unplaced-group summary").all_inner_texts()
    assert all(t.startswith("Urgent:") for t in unmatched), unmatched
    assert_accessible(page)
    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator("details.run-group").first).to_be_visible()
    page.goto(page.url + "?placed=maybe")
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        "Choose matched or not matched from the list"
    )


def test_with_javascript_off_chosen_matches_are_proposed_from_any_group(
    browser: Browser, served: Served
) -> None:
    """The result's form works with JavaScript switched off: no Select all buttons
    (they are our script's), each box ticked on its own, in any group."""
    with served.api("placement_officer") as officer:
        started = officer.post("/match-runs", json={"time_limit_s": 1})
        assert started.status_code == 202, started.text
        run = started.json()["id"]
    context = browser.new_context(base_url=served.base, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, served.tokens["placement_officer"], f"/runs/{run}")
        follow_refresh(page)
        groups = page.locator("details.run-group")
        expect(page.get_by_role("button", name=re.compile("^Select all"))).to_have_count(0)
        group = groups.last
        group.locator(":scope > summary").click()
        row = group.locator("tbody tr").first
        child = row.locator("th").inner_text().strip()
        household = row.locator("td").nth(2).inner_text().split("(")[0].strip()
        page.get_by_label(f"Propose {household} for {child}").check()
        page.get_by_role("button", name="Propose chosen matches").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Proposals from the batch run")
        expect(page.locator("tbody tr").first).to_contain_text(household)
        # (axe runs as a script, so it is run on these pages with JavaScript on, above)
    finally:
        context.close()


def test_another_las_run_is_the_same_404_page_as_an_unknown_one(
    signed_in: SignIn, served: Served
) -> None:
    with served.api("family_finder") as finder:
        started = finder.post("/match-runs", json={"las": ["Bradford"], "time_limit_s": 0.5})
        assert started.status_code == 202, started.text
        theirs = started.json()["id"]
    page = signed_in("placement_officer", start=None)
    seen = set()
    for run in (theirs, "no-such-run"):
        opened = page.goto(f"/runs/{run}")
        assert opened is not None and opened.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        seen.add(page.locator("main").inner_text())
    assert len(seen) == 1
    assert_accessible(page)
    page.goto("/runs")
    expect(page.get_by_role("link", name=f"Run {theirs}")).to_have_count(0)
