"""The family-finder's journey: the waiting children (weeks waited, priority), adopters
for a child (beyond the region when asked), children for an adopter, a round started
from the form and read (its links, the children without one and why, the region
report); bad input is an error summary; another LA's child or round is the same 404
page as an unknown one."""

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

PRIORITY_ORDER = {"First": 0, "Second": 1, "Third": 2}


def rows(page: Page, table: int = 0) -> list[dict[str, str]]:
    """A table's rows as the page shows them, by column heading."""
    t = page.locator("table").nth(table)
    heads = t.locator("thead th").all_inner_texts()
    out = []
    for row in t.locator("tbody tr").all():
        cells = row.locator("th, td").all_inner_texts()
        out.append(dict(zip(heads, (c.strip() for c in cells), strict=True)))
    return out


def test_the_waiting_children_first_priority_then_longest_waiting(signed_in: SignIn) -> None:
    page = signed_in("family_finder")
    page.get_by_role("navigation").get_by_role("link", name="Family-finding").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Family-finding")
    expect(page.get_by_text("Children waiting for adoption in Bradford")).to_be_visible()
    shown = rows(page)
    assert len(shown) == 25
    expect(page.get_by_role("navigation", name="Pages of results")).to_contain_text("Page 1 of")
    assert_accessible(page)
    screenshot(page, "family-finding")
    submit(page.get_by_role("link", name="Next"))
    shown += rows(page)
    keys = [(PRIORITY_ORDER[r["Priority"]], -int(r["Weeks waited"])) for r in shown]
    assert keys == sorted(keys)
    assert len({r["Child"] for r in shown}) == len(shown) == 50
    assert all(r["Why"] for r in shown)
    assert len({r["LA"] for r in shown}) > 1
    groups = sum("Brothers and sisters, together" in r["Child"] for r in shown)
    while page.get_by_role("link", name="Next").count():
        submit(page.get_by_role("link", name="Next"))
        groups += sum("Brothers and sisters, together" in r["Child"] for r in rows(page))
    assert groups  # brothers and sisters kept together are listed as one


def test_adopters_for_a_child_then_beyond_the_region(signed_in: SignIn) -> None:
    page = signed_in("family_finder", "/family-finding")
    child = next(
        r["Child"] for r in rows(page) if int(r["Adopters who could"]) > 0 and "," not in r["Child"]
    )
    page.get_by_role("link", name=child, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Adopters for {child}")
    expect(page.get_by_role("heading", name="Adopters in your LAs")).to_be_visible()
    first = rows(page)
    assert first and all(r["Adopter"].startswith("AD-") for r in first)
    scores = [float(r["Score"]) for r in first]
    assert scores == sorted(scores, reverse=True)
    expect(page.get_by_role("heading", name="Adopters beyond the region")).to_have_count(0)
    assert_accessible(page)
    page.get_by_label("Also search beyond the region").check()
    page.get_by_role("button", name="Search again").click()
    expect(page.get_by_role("heading", name="Adopters beyond the region")).to_be_visible()
    expect(page.get_by_label("Also search beyond the region")).to_be_checked()
    assert_accessible(page)
    page.get_by_role("link", name="Back to family-finding").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Family-finding")


def test_children_for_an_adopter_and_bad_ids(signed_in: SignIn) -> None:
    page = signed_in("family_finder", "/family-finding")
    page.get_by_role("button", name="Find children").click()
    expect(page).to_have_title("Error: Children for an adopter – placematch")
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        ["Enter the adopter's household id, for example AD-0027"]
    )
    assert_accessible(page)
    page.get_by_label("Adopter's household id").fill("AD-NO-SUCH")
    page.get_by_role("button", name="Find children").click()
    expect(page.get_by_role("alert")).to_contain_text("There is no adopter with household id")
    page.get_by_label("Adopter's household id").fill("AD-0027")
    page.get_by_role("button", name="Find children").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Children for adopter AD-0027")
    shown = rows(page)
    assert shown and all(r["Child"] and float(r["Score"]) > 0 for r in shown)
    assert_accessible(page)
    page.get_by_role("link", name=shown[0]["Child"]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Adopters for {shown[0]['Child']}")


def test_start_a_round_and_read_it(signed_in: SignIn) -> None:
    page = signed_in("family_finder", "/family-finding")
    page.get_by_label("First priority from this many weeks waiting").fill("lots")
    page.get_by_role("button", name="Start round").click()
    expect(page).to_have_title("Error: Family-finding – placematch")
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        ["The weeks for first priority must be a whole number, 0 to 1040"]
    )
    assert_accessible(page)
    page.get_by_label("First priority from this many weeks waiting").fill("20")
    page.get_by_label("Second priority from this many weeks waiting").fill("30")
    page.get_by_role("button", name="Start round").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "The weeks for second priority must be at most those for first"
    )
    page.get_by_label("First priority from this many weeks waiting").fill("78")
    page.get_by_label("Second priority from this many weeks waiting").fill("26")
    page.get_by_label("Whom the round puts first").select_option(label="Longest waiting first")
    page.get_by_label("Include adopters beyond the region").check()
    page.get_by_role("button", name="Start round").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Family-finding round")
    wait_until_ended(page)
    expect(page.locator(".summary-list").first).to_contain_text("Finished")
    expect(page.locator(".summary-list").first).to_contain_text("Longest waiting first")
    expect(page.locator(".summary-list").first).to_contain_text("beyond the region")
    links = rows(page)
    assert links and all(r["Adopter"] and r["Why"] for r in links)
    expect(page.get_by_role("heading", name="without a link")).to_be_visible()
    expect(page.get_by_text("Why there is no link:").first).to_be_visible()
    assert_accessible(page)
    round_page = page.url
    # A shortlist's adopter is one click from a link to check (issue 18).
    expect(page.get_by_role("heading", name="Shortlists: whom to approach")).to_be_visible()
    submit(page.get_by_role("link", name=re.compile(r"^Propose a link of ")).first)
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the link")
    expect(page.get_by_text("From the shortlist of")).to_be_visible()
    expect(page.get_by_label("Adopter's household id")).not_to_have_value("")
    page.goto(round_page)
    submit(page.get_by_role("link", name="Read the region report"))
    expect(page.locator("h1")).to_be_visible()
    assert page.locator("img").count() > 0
    assert_accessible(page)
    page.goto(round_page)
    page.get_by_role("link", name="Back to family-finding").click()
    expect(page.get_by_role("table").nth(1)).to_contain_text("Finished")


def test_another_las_child_or_round_is_the_same_404_page(signed_in: SignIn, served: Served) -> None:
    with served.api("family_finder") as finder:
        waiting = finder.get("/children", params={"limit": 1000}).json()["items"]
        elsewhere = next(c["id"] for c in waiting if c["la"] != "Leeds")
        started = finder.post("/family-finding/rounds", json={"time_limit_s": 1}).json()["id"]
    page = signed_in("admin", start=None)  # a family-finder too, of Leeds only
    seen = []
    for path in (
        f"/family-finding/children/{elsewhere}",
        "/family-finding/children/C-NO-SUCH-CHILD",
        f"/family-finding/rounds/{started}",
        "/family-finding/rounds/0000000000000000",
    ):
        answer = page.goto(path)
        assert answer is not None and answer.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        seen.append(page.locator("main").inner_text())
    assert len(set(seen)) == 1
    assert elsewhere not in seen[0] and started not in seen[0]
    assert_accessible(page)


def test_a_planner_may_not_open_family_finding(signed_in: SignIn) -> None:
    page = signed_in("planner", "/what-ifs")
    expect(page.get_by_role("navigation").get_by_role("link", name="Family-finding")).to_have_count(
        0
    )
    answer = page.goto("/family-finding")
    assert answer is not None and answer.status == 403
