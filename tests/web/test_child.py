"""A child's page (journey 2): needs and flags in words, areas, the placement plan,
brothers and sisters with the group's policy, the child's views, where they live now
by the 903 import, and the history of proposals; another LA's child is the unknown
id's 404 page; a planner never sees it."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page, expect

import vocab
from tests.web.conftest import Served, SignIn, assert_accessible, screenshot


def summary(page: Page, heading: str) -> dict[str, str]:
    """The summary list under the level-2 `heading`, key -> value as shown."""
    section = page.locator(f'h2:text-is("{heading}") + dl')
    keys = section.locator("dt").all_inner_texts()
    values = section.locator("dd").all_inner_texts()
    return dict(zip(keys, (v.strip() for v in values), strict=True))


def referred_in_group(served: Served) -> tuple[dict[str, Any], dict[str, Any]]:
    """A referred Leeds child in a sibling group, and the group."""
    with served.api("placement_officer") as api:
        groups = api.get("/sibling-groups", params={"limit": 500}).json()["items"]
        open_ = api.get("/referrals", params={"status": "open", "limit": 500}).json()["items"]
    referred = {r["child_id"]: r for r in open_}
    for g in groups:
        for c in g["children"]:
            if c in referred:
                return referred[c], g
    raise AssertionError("the demo has no referred child in a sibling group")


def test_a_childs_page_shows_the_plan_views_and_family(signed_in: SignIn, served: Served) -> None:
    referral, group = referred_in_group(served)
    child_id = referral["child_id"]
    with served.api("placement_officer") as api:
        child = api.get(f"/children/{child_id}").json()
    page = signed_in("placement_officer")
    page.get_by_label("Find a child by case id").fill(child_id)
    page.get_by_role("button", name="Show referrals").click()
    page.get_by_role("link", name=child_id, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Child {child_id}")

    about = summary(page, "About the child")
    assert about["Age"] == str(child["age"])
    assert about["Sex"] == {"F": "Female", "M": "Male", "U": "Not known"}[child["sex"]]
    assert about["Languages"].startswith(vocab.LANGUAGE_NAMES[child["languages"][0]])
    assert about["Home area"] == child["home"]
    for need in child["needs"]:
        assert vocab.NEED_LABELS[need].lower() in about["Needs"].lower()
    assert "_" not in about["Needs"] and "_" not in about["What the home must be"]

    plan = summary(page, "Placement plan")
    assert plan["Urgency"] == referral["urgency"].capitalize()
    assert plan["Needed by"]
    assert "_" not in plan["Kinds of placement"]

    family = page.locator("h2:text-is('Brothers and sisters') ~ p").first
    expect(family).to_contain_text(group["id"])
    expect(family).to_contain_text(
        {
            "must": "Must be placed together",
            "should": "Should be placed together",
            "apart": "To be placed apart",
        }[group["policy"]]
    )
    views = summary(page, "The child's own views")
    assert views["Where they want to live"] == (referral["views_where"] or "Not recorded")
    assert_accessible(page)
    screenshot(page, "child")

    brother = next(c for c in group["children"] if c != child_id)
    page.get_by_role("link", name=f"Child {brother}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Child {brother}")
    expect(page.get_by_role("link", name=f"Child {child_id}")).to_be_visible()


def test_a_proposal_shows_in_the_childs_history(signed_in: SignIn, served: Served) -> None:
    with served.api("placement_officer") as api:
        open_ = api.get("/referrals", params={"status": "open", "limit": 500}).json()["items"]
        made = None
        for r in open_:
            if r["proposal"]:
                continue
            ranked = api.get(f"/children/{r['child_id']}/matches", params={"top": 1})
            if ranked.status_code == 200 and ranked.json()["matches"]:
                household = ranked.json()["matches"][0]["carer"]
                made = api.post(
                    "/proposals",
                    json={"child_id": r["child_id"], "household_id": household, "hold_hours": 1},
                )
                if made.status_code == 201:
                    break
        assert made is not None and made.status_code == 201, made and made.text
        proposal = made.json()
        api.post(f"/proposals/{proposal['id']}/decline", json={"reason": "the family said no"})
    page = signed_in("placement_officer", f"/children/{proposal['child_id']}")
    row = page.locator("tr", has=page.get_by_role("link", name=f"Proposal {proposal['id']}"))
    expect(row).to_contain_text(proposal["household_id"])
    expect(row).to_contain_text("Declined")
    expect(row).to_contain_text("the family said no")
    assert_accessible(page)


def test_the_903_record_shows_where_the_child_lives_now(signed_in: SignIn, served: Served) -> None:
    with served.api("placement_officer") as api:
        kids = api.get("/children", params={"limit": 1000}).json()["items"]
        care = None
        for c in kids:
            got = api.get(f"/children/{c['id']}/care-record")
            if got.status_code == 200:
                care = got.json()
                break
    assert care is not None, "the demo imports Leeds's 903 extract"
    page = signed_in("placement_officer", f"/children/{care['child_id']}")
    now = summary(page, "Where the child lives now")
    assert now["Area"] == (care["outcode"] or "Not known")
    assert now["Placed since"]
    expect(page.get_by_text("From the LA's 903 return.")).to_be_visible()
    assert_accessible(page)


def everyone(served: Served) -> list[dict[str, Any]]:
    with served.api("family_finder") as finder:
        found: list[dict[str, Any]] = finder.get("/children", params={"limit": 1000}).json()[
            "items"
        ]
    return found


def test_a_planner_never_sees_a_childs_page(signed_in: SignIn, served: Served) -> None:
    mine = next(c["id"] for c in everyone(served) if c["la"] == "Leeds")
    page = signed_in("planner", "/what-ifs")
    answer = page.goto(f"/children/{mine}")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot open this page")
    assert mine not in page.locator("main").inner_text()
    assert_accessible(page)


def test_another_las_child_is_the_unknown_ids_404(signed_in: SignIn, served: Served) -> None:
    elsewhere = next(c["id"] for c in everyone(served) if c["la"] != "Leeds")
    page = signed_in("placement_officer", start=None)
    seen = []
    for child in (elsewhere, "C-NO-SUCH-CHILD"):
        answer = page.goto(f"/children/{child}")
        assert answer is not None and answer.status == 404
        seen.append(page.locator("main").inner_text())
    assert seen[0] == seen[1] and elsewhere not in seen[0]
