"""The family-finder's links and interest in the browser: interest recorded from a
child's page (bad input is an error summary naming the field) and seen on the adopter's
page, a link checked, proposed, then declined with a reason (an error summary without
one), the links page by state; axe on every new page; another LA's link is the same
404 page as an unknown one."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.web.conftest import Served, SignIn, assert_accessible, submit


def a_child_and_adopter(served: Served, leeds: bool) -> tuple[str, str]:
    """A waiting child (of Leeds, or not) with an adopter who could take them alone."""
    with served.api("family_finder") as finder:
        waiting = finder.get("/children", params={"limit": 1000}).json()["items"]
        for child in waiting:
            if (child["la"] == "Leeds") != leeds or "adoption" not in child["accepts"]:
                continue
            found = finder.get(
                f"/family-finding/children/{child['id']}/adopters",
                params={"together": "false", "top": 5},
            )
            if found.status_code == 200 and found.json()["in_region"]["matches"]:
                return child["id"], found.json()["in_region"]["matches"][-1]["carer"]
    raise AssertionError("no waiting child with an adopter")


def test_interest_then_a_link_proposed_and_declined(signed_in: SignIn, served: Served) -> None:
    child, adopter = a_child_and_adopter(served, leeds=True)
    page = signed_in("family_finder", f"/family-finding/children/{child}")
    expect(page.get_by_role("heading", name="Interest", exact=True)).to_be_visible()
    submit(page.get_by_role("link", name="Record interest"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Record interest")
    expect(page.get_by_label("Child's id")).to_have_value(child)
    assert_accessible(page)
    page.get_by_label("Adopter's household id").fill(adopter)
    submit(page.get_by_role("button", name="Record interest"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Choose whose interest this is")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#side")
    assert_accessible(page)
    page.get_by_label("Whose interest").select_option("adopter")
    page.get_by_label("Note (optional)").fill("They asked about her after the profile day")
    submit(page.get_by_role("button", name="Record interest"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Adopters for {child}")
    expect(page.get_by_role("cell", name="They asked about her")).to_be_visible()
    assert_accessible(page)

    page.goto(f"/family-finding/adopters?household_id={adopter}")
    expect(page.get_by_role("cell", name="They asked about her")).to_be_visible()

    page.goto(f"/family-finding/links/new?adopter={adopter}&children={child}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Check the link")
    assert_accessible(page)
    submit(page.get_by_role("button", name="Propose the link"))
    expect(page.get_by_role("status")).to_contain_text("The link is proposed")
    expect(page.locator(".tag", has_text="Proposed")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Move the link to").select_option("declined")
    submit(page.get_by_role("button", name="Save"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Choose why the link is declined")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#reason")
    assert_accessible(page)
    page.get_by_label("Move the link to").select_option("declined")
    page.get_by_label("If declined, why").select_option("needs_not_met")
    submit(page.get_by_role("button", name="Save"))
    expect(page.get_by_role("status")).to_contain_text("The link is now: declined")
    expect(page.get_by_text("The adopters cannot meet the child's needs")).to_be_visible()

    page.goto("/family-finding")
    submit(page.get_by_role("main").get_by_role("link", name="Links", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Links")
    declined = page.get_by_role("heading", name="Declined")
    expect(declined).not_to_have_text("Declined (0)")
    assert_accessible(page)


def test_another_las_link_is_the_same_404_page(signed_in: SignIn, served: Served) -> None:
    child, adopter = a_child_and_adopter(served, leeds=False)
    with served.api("family_finder") as finder:
        made = finder.post(
            "/family-finding/links", json={"adopter": adopter, "children": [child]}
        ).json()
    page = signed_in("admin", start=None)  # a family-finder too, of Leeds only
    seen = []
    for path in (f"/family-finding/links/{made['id']}", "/family-finding/links/999999"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        seen.append(page.locator("main").inner_text())
    assert len(set(seen)) == 1 and child not in seen[0]
    page.goto("/family-finding/links")
    expect(page.get_by_role("heading", level=1)).to_have_text("Links")
    expect(page.get_by_text(child)).to_have_count(0)
    assert_accessible(page)
