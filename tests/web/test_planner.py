"""The sufficiency planner's journey: the baseline from the 903 import with its plots, a
what-if built in the form (and one pasted as YAML) compared with the baseline while the
page shows its progress, the results and the report; bad input is an error summary and
starts nothing; another LA's comparison is the same 404 page as an unknown one; and a
planner sees counts only, never a child's id or record."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.web.conftest import (
    Served,
    SignIn,
    assert_accessible,
    screenshot,
    submit,
    wait_until_ended,
)
from tests.web.test_family_finding import rows

#: How the demo's child ids look (C-0015, A-0008): never on a planner's page.
CHILD_ID = re.compile(r"\b[A-Z]{1,2}-\d{3,}\b")


def no_child_named(page: Page) -> None:
    text = page.locator("body").inner_text()
    assert not CHILD_ID.search(text), CHILD_ID.search(text)


def test_the_baseline_with_its_plots_counts_only(signed_in: SignIn) -> None:
    page = signed_in("planner", "/what-ifs")  # (its first page is the baseline: drawn once)
    page.get_by_role("navigation").get_by_role("link", name="Baseline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Baseline")
    expect(page.get_by_text("no figure shows 1 to 4 children")).to_be_visible()
    expect(page.get_by_role("table").first).to_contain_text("Children looked after in Leeds")
    by_type = rows(page, 1)
    assert any(r["Children"] == "fewer than 5" for r in by_type)
    plots = page.get_by_role("img")
    expect(plots).to_have_count(2)
    expect(plots.first).to_have_attribute("alt", re.compile("placement type"))
    assert all(
        page.evaluate("i => i.complete && i.naturalWidth > 100", p.element_handle())
        for p in plots.all()
    )
    no_child_named(page)
    assert_accessible(page)
    screenshot(page, "baseline")
    page.get_by_label("LA").select_option("Bradford")
    page.get_by_role("button", name="Show baseline").click()
    expect(page.get_by_text("Bradford has no 903 import yet.")).to_be_visible()
    assert_accessible(page)


def comparisons_listed(page: Page) -> int:
    """The rows of the what-ifs page's "Recent comparisons" table (none: no table)."""
    return (
        page.get_by_role("table", name="Recent comparisons, newest first")
        .locator("tbody tr")
        .count()
    )


def test_a_what_if_from_the_form_compared_with_the_baseline(signed_in: SignIn) -> None:
    page = signed_in("planner", "/what-ifs")  # not the baseline's plots first
    page.get_by_role("navigation").get_by_role("link", name="What-ifs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What-ifs")
    assert_accessible(page)
    before = comparisons_listed(page)  # other tests on this server may have made some
    # Nothing said to change: an error, and nothing started.
    page.get_by_role("button", name="Compare with the baseline").click()
    expect(page).to_have_title("Error: What-ifs – placematch")
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        ["Say what changes: households to recruit, homes to close or demand"]
    )
    page.get_by_label("Households to recruit").fill("many")
    page.get_by_label("Change in referrals, per cent").fill("1000")
    page.get_by_role("button", name="Compare with the baseline").click()
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        [
            "Households to recruit must be a whole number from 1 to 10,000",
            "The change in referrals must be a whole number, -90 to 500",
        ]
    )
    expect(page.get_by_label("Households to recruit")).to_have_value("many")
    assert_accessible(page)
    assert comparisons_listed(page) == before  # bad input started nothing
    page.get_by_label("Name of the what-if").fill("20 more foster carers in Leeds")
    page.get_by_label("Households to recruit").fill("20")
    page.get_by_label("Kind", exact=True).select_option(label="Foster carers")
    page.get_by_label("LA", exact=True).select_option("Leeds")
    page.get_by_label("From week").fill("1")
    page.get_by_label("Change in referrals, per cent").fill("10")
    page.get_by_label("Weeks to simulate").fill("4")
    page.get_by_label("Replications").fill("1")
    page.get_by_role("button", name="Compare with the baseline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What-if comparison")
    expect(page.locator(".summary-list")).to_contain_text("20 more foster carers in Leeds")
    wait_until_ended(page, seconds=180)
    expect(page.locator(".summary-list")).to_contain_text("Finished")
    shown = rows(page)
    outcomes = {r["Outcome"] for r in shown}
    assert "Placed in their home LA" in outcomes
    assert all(r["Verdict"] for r in shown)
    no_child_named(page)
    assert_accessible(page)
    screenshot(page, "what-if-comparison")
    submit(page.get_by_role("link", name="Read the comparison report"))
    assert page.locator("img").count() > 0
    no_child_named(page)
    assert_accessible(page)
    page.go_back()
    page.get_by_role("link", name="Back to what-ifs").click()
    expect(page.get_by_role("table")).to_contain_text("20 more foster carers in Leeds")


def test_a_pasted_scenario_with_a_fault_names_it(signed_in: SignIn) -> None:
    page = signed_in("planner", "/what-ifs")
    page.get_by_text("Or paste a scenario as YAML").click()
    page.get_by_label("Scenario (YAML)").fill(
        "base: baseline.yaml\nname: more under-5s\ndemand:\n  age_multiplier: {'0': lots}\n"
    )
    page.get_by_role("button", name="Compare with the baseline").click()
    expect(page).to_have_title("Error: What-ifs – placematch")
    expect(page.get_by_role("alert")).to_contain_text("lots")
    expect(page.get_by_label("Scenario (YAML)")).to_have_value(re.compile("more under-5s"))
    assert_accessible(page)


#: A comparison the test only needs to exist: small and quick (a week of a small region,
#: matched on arrival) so that it does not keep this server's one comparison slot, and a
#: core, from the tests that wait for theirs.
SMALL_BASELINE = (
    "base: baseline.yaml\nhorizon_weeks: 1\nmatching: on_arrival\n"
    "population: {children: 100, households: 50}\n"
)


def test_another_las_comparison_is_the_same_404_page(signed_in: SignIn, served: Served) -> None:
    with served.api("planner") as planner:
        started = planner.post(
            "/scenarios/comparisons",
            json={
                "scenarios": [SMALL_BASELINE, SMALL_BASELINE + "name: other\n"],
                "replications": 1,
            },
        )
        assert started.status_code == 202, started.text
    page = signed_in("admin", start=None)  # of Leeds only: not all the planner's LAs
    seen = []
    for path in (f"/what-ifs/{started.json()['id']}", "/what-ifs/0000000000000000"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        seen.append(page.locator("main").inner_text())
    assert seen[0] == seen[1]
    assert_accessible(page)


def test_a_planner_never_opens_a_childs_record(signed_in: SignIn, served: Served) -> None:
    with served.api("family_finder") as finder:
        child = finder.get("/children", params={"limit": 1}).json()["items"][0]["id"]
    page = signed_in("planner", "/what-ifs")
    for path in (f"/children/{child}", "/referrals", f"/family-finding/children/{child}"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 403, path
        assert child not in page.locator("body").inner_text()
    expect(page.get_by_role("navigation").get_by_role("link")).to_have_text(
        ["Baseline", "What-ifs"]
    )
