"""Batch runs (journey 5): start a run over my LAs' open referrals from the form, watch
its progress (Refresh), read the result (placed by urgency, sibling groups, each
unplaced child with the reasons), and turn chosen matches into proposals in one step;
bad input is the error summary; another LA's run is the same 404 page as an unknown id."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.web.conftest import Served, SignIn, assert_accessible, screenshot


def wait_until_finished(page: Page, seconds: float = 120) -> None:
    """Wait while the run's page refreshes itself (its own script, every few seconds)
    until its status says Finished (without JavaScript, its Refresh link does it)."""
    status = page.locator(".summary-list__row").filter(has_text="Status")
    ended = re.compile("Finished|Failed|Interrupted")
    expect(status).to_contain_text(ended, timeout=seconds * 1000)
    expect(status).to_contain_text("Finished")


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
    wait_until_finished(page)
    expect(page.get_by_role("heading", name="Placed by urgency")).to_be_visible()
    urgencies = page.locator("table").first.locator("tbody th").all_inner_texts()
    assert urgencies and set(urgencies) <= {"Emergency", "Urgent", "Planned"}
    expect(page.get_by_role("heading", name="Children not matched")).to_be_visible()
    matches = page.locator("form table tbody tr")
    assert matches.count() > 2
    # most urgent first
    order = {"Emergency": 0, "Urgent": 1, "Planned": 2}
    shown = [order.get(t.strip(), 3) for t in matches.locator("td:nth-child(3)").all_inner_texts()]
    assert shown == sorted(shown)
    assert_accessible(page)
    screenshot(page, "batch-run")

    page.get_by_role("button", name="Propose chosen matches").click()
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        "Choose at least one match to propose"
    )
    assert_accessible(page)

    picked = []
    for row in matches.all()[:2]:
        child = row.locator("th").inner_text().strip()
        household = row.locator("td").nth(2).inner_text().strip()
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


def test_another_las_run_is_the_same_404_page_as_an_unknown_one(
    signed_in: SignIn, served: Served
) -> None:
    with served.api("family_finder") as finder:
        started = finder.post("/match-runs", json={"las": ["Bradford"], "time_limit_s": 0.5})
        assert started.status_code == 202, started.text
        theirs = started.json()["id"]
    page = signed_in("placement_officer")
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
