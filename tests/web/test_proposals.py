"""Proposals and placements (journey 4): the list, a proposal's page (the child, the
household, the hold, the note on the child's views, confirm, decline with a reason, a
refused proposal's broken rules in words), a placement's page and ending it; bad form
input is the error summary; another LA's proposal or placement is the same 404 page as
an unknown id. Proposals are arranged through the API (as another screen would make
them); what is asserted is read from the pages."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect

from api.websession import CSRF_FIELD
from tests.web.conftest import Served, SignIn, assert_accessible, screenshot, sign_in, submit


def open_referrals(api: httpx.Client) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = api.get(
        "/referrals", params={"status": "open", "limit": 500}
    ).json()["items"]
    return [r for r in items if not r.get("proposal")]


def make_proposal(api: httpx.Client, *, last: bool = False) -> dict[str, Any]:
    """A held proposal for a child with an open referral and no live proposal, with
    the child's best match (from the end of the list when `last`)."""
    referrals = open_referrals(api)
    for r in reversed(referrals) if last else referrals:
        matches = api.get(f"/children/{r['child_id']}/matches").json()
        for m in matches.get("matches", [])[:3]:
            answer = api.post(
                "/proposals",
                json={"household_id": m["carer"], "child_id": r["child_id"], "hold_hours": 48},
            )
            if answer.status_code == 201:
                proposal: dict[str, Any] = answer.json()
                return proposal
    raise AssertionError("no child could be proposed")


def make_refused(api: httpx.Client) -> dict[str, Any]:
    """A refused proposal: a near miss whose one failed rule is not the vacancy."""
    for r in reversed(open_referrals(api)):
        matches = api.get(f"/children/{r['child_id']}/matches").json()
        for miss in matches.get("near_misses", []):
            if miss["failed_rule"] == "vacancy":
                continue
            answer = api.post(
                "/proposals", json={"household_id": miss["carer"], "child_id": r["child_id"]}
            )
            assert answer.status_code == 422, answer.text
            refused = api.get(
                "/proposals", params={"status": "refused", "child_id": r["child_id"]}
            ).json()["items"]
            return {**refused[0], "miss": miss}
    raise AssertionError("no near miss to refuse")


def summary_value(page: Page, key: str) -> str:
    row = page.locator(".summary-list__row").filter(
        has=page.locator(".summary-list__key").get_by_text(key, exact=True)
    )
    return row.locator(".summary-list__value").inner_text().strip()


def test_confirm_a_proposal_then_end_the_placement(signed_in: SignIn, served: Served) -> None:
    with served.api("placement_officer") as api:
        made = make_proposal(api)
    child = made["children"][0]
    page = signed_in("placement_officer")
    page.get_by_role("link", name="Proposals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Proposals")
    # Other tests on the same server may have proposed for this child before: the row is
    # the one linking this proposal.
    link = page.get_by_role("link", name=f"Proposal {made['id']}", exact=True)
    row = page.locator("tbody tr").filter(has=link)
    expect(row).to_contain_text(child)
    expect(row).to_contain_text("Held")
    expect(row).to_contain_text(made["household_id"])
    assert_accessible(page)
    row.get_by_role("link", name=f"Proposal {made['id']}").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Proposal {made['id']}")
    assert summary_value(page, "Status") == "Held"
    assert summary_value(page, "Child or children") == child
    assert summary_value(page, "Household") == made["household_id"]
    assert summary_value(page, "Hold").startswith("Held until ")
    assert_accessible(page)
    screenshot(page, "proposal")

    page.get_by_label("Your note").fill("Near her school, as she asked; a quiet home.")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_role("status")).to_contain_text("Your note on the child's views is saved")
    expect(page.get_by_label("Your note")).to_have_value(
        "Near her school, as she asked; a quiet home."
    )

    page.get_by_role("button", name="Confirm placement").click()
    expect(page.get_by_role("status")).to_contain_text("The proposal is confirmed")
    assert summary_value(page, "Status") == "Confirmed"
    assert page.get_by_role("button", name="Confirm placement").count() == 0
    assert_accessible(page)
    page.get_by_role("link", name=f"{child} from").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Placement ")
    assert summary_value(page, "Ended") == "Current placement"
    assert summary_value(page, "Household") == made["household_id"]
    assert_accessible(page)
    page.get_by_role("button", name="End placement").click()  # no reason
    expect(page).to_have_title(f"Error: {page.title().removeprefix('Error: ')}")
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        "Enter why the placement ended"
    )
    assert summary_value(page, "Ended") == "Current placement"  # nothing written
    assert_accessible(page)
    page.get_by_label("Why the placement is ending").fill("Returned home to her mother")
    page.get_by_role("button", name="End placement").click()
    expect(page.get_by_role("status")).to_contain_text("The household's place is free again")
    assert summary_value(page, "Why it ended") == "Returned home to her mother"
    assert summary_value(page, "Ended") != "Current placement"
    assert page.get_by_role("button", name="End placement").count() == 0
    assert_accessible(page)


def test_decline_needs_a_reason(signed_in: SignIn, served: Served) -> None:
    with served.api("placement_officer") as api:
        made = make_proposal(api, last=True)
    page = signed_in("placement_officer", f"/proposals/{made['id']}")
    page.get_by_role("button", name="Decline proposal").click()
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        "Enter why the proposal is declined"
    )
    assert page.title().startswith("Error: ")
    assert summary_value(page, "Status") == "Held"  # nothing written
    assert_accessible(page)
    page.get_by_role("alert").get_by_role("link").click()
    expect(page.get_by_label("Reason for declining")).to_be_focused()
    page.get_by_label("Reason for declining").fill("The carer withdrew after meeting")
    page.get_by_role("button", name="Decline proposal").click()
    expect(page.get_by_role("status")).to_contain_text("The proposal is declined")
    assert summary_value(page, "Status") == "Declined"
    assert summary_value(page, "Reason declined") == "The carer withdrew after meeting"
    assert summary_value(page, "Hold") == "Not held"
    assert page.get_by_role("button", name="Confirm placement").count() == 0
    assert_accessible(page)
    page.get_by_role("link", name="Back to proposals").click()
    page.get_by_label("Status").select_option(label="Declined")
    page.get_by_role("button", name="Show proposals").click()
    expect(page.get_by_role("link", name=f"Proposal {made['id']}")).to_be_visible()
    assert set(page.locator("tbody tr td .tag").all_inner_texts()) == {"Declined"}


def test_a_refused_proposal_names_the_broken_rule_in_words(
    signed_in: SignIn, served: Served
) -> None:
    with served.api("placement_officer") as api:
        refused = make_refused(api)
        words = {r["id"]: r for r in api.get("/rules").json()["items"]}
    miss = refused["miss"]
    page = signed_in("placement_officer", "/proposals?status=refused")
    submit(page.get_by_role("link", name=f"Proposal {refused['id']}"))
    assert summary_value(page, "Status") == "Refused"
    expect(page.get_by_role("heading", name="Why it was refused")).to_be_visible()
    reasons = page.locator("main ul.list li").all_inner_texts()
    summary = words[miss["failed_rule"]]["summary"]
    assert any(summary[:1].upper() + summary[1:] in r for r in reasons), reasons
    assert any(miss["detail"] in r for r in reasons), reasons
    may = "An admin may authorise an exception" if miss["exception_allowed"] else "cannot be set"
    assert any(may in r for r in reasons), reasons
    assert page.get_by_role("button", name="Confirm placement").count() == 0
    assert_accessible(page)


def test_a_bad_status_filter_is_an_error_not_a_crash(signed_in: SignIn) -> None:
    page = signed_in("placement_officer", "/proposals?status=whatever")
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        "Choose a status from the list"
    )
    assert_accessible(page)


def test_another_las_proposal_and_placement_are_the_same_404_as_unknown_ones(
    signed_in: SignIn, served: Served
) -> None:
    with served.api("family_finder") as finder:
        referrals = finder.get("/referrals", params={"status": "open", "limit": 500}).json()
        elsewhere = [r for r in referrals["items"] if r["child"]["la"] != "Leeds"]
        theirs = None
        for r in elsewhere:
            for m in finder.get(f"/children/{r['child_id']}/matches").json()["matches"][:3]:
                answer = finder.post(
                    "/proposals", json={"household_id": m["carer"], "child_id": r["child_id"]}
                )
                if answer.status_code == 201:
                    theirs = answer.json()
                    break
            if theirs:
                break
        assert theirs is not None
        confirmed = finder.post(f"/proposals/{theirs['id']}/confirm").json()
        placement = confirmed["placements"][0]["id"]
    page = signed_in("placement_officer", start=None)
    for path in (
        f"/proposals/{theirs['id']}",
        "/proposals/999999",
        f"/placements/{placement}",
        "/placements/999999",
    ):
        opened = page.goto(path)
        assert opened is not None and opened.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        assert theirs["children"][0] not in page.locator("main").inner_text()
    seen = set()
    for path in (f"/proposals/{theirs['id']}", "/proposals/999999"):
        page.goto(path)
        seen.add(page.locator("main").inner_text())
    assert len(seen) == 1
    assert_accessible(page)
    # ending another LA's placement is the same 404 page, and ends nothing
    page.goto("/runs")
    token = page.locator(f"input[name={CSRF_FIELD}]").first.get_attribute("value")
    refused = page.request.post(
        f"/placements/{placement}/end",
        form={CSRF_FIELD: token or "", "reason": "not mine to end"},
        headers={"Accept": "text/html"},
    )
    assert refused.status == 404 and "Page not found" in refused.text()
    with served.api("family_finder") as finder:
        assert finder.get(f"/placements/{placement}").json()["ended_on"] is None


def test_decline_with_javascript_off(browser: Browser, served: Served) -> None:
    with served.api("placement_officer") as api:
        made = make_proposal(api, last=True)
    context = browser.new_context(base_url=served.base, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, served.tokens["placement_officer"])
        page.get_by_role("link", name="Proposals").click()
        page.get_by_role("link", name=f"Proposal {made['id']}").click()
        page.get_by_role("button", name="Decline proposal").click()
        expect(page.get_by_role("alert")).to_contain_text("Enter why the proposal is declined")
        page.get_by_label("Reason for declining").fill("The child's social worker advised against")
        page.get_by_role("button", name="Decline proposal").click()
        expect(page.get_by_role("status")).to_contain_text("The proposal is declined")
        assert summary_value(page, "Status") == "Declined"
    finally:
        context.close()
