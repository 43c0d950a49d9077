"""Matches for a child or a sibling group (journey 3) and proposing from a match
(journey 4's first step): best first with score, distances and reasons; near misses with
the rule and whether an exception may be asked for; the map with its list; a proposal
made through the form; a bad value, a refused match and a taken place each said in
words; another LA's child is the unknown id's 404."""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import Served, SignIn, assert_accessible, screenshot, sign_in
from tests.web.test_referrals import focus_on


def table_rows(page: Page, caption: str) -> list[dict[str, str]]:
    """The rows of the table with `caption`, by column heading, as shown."""
    table = page.locator("table", has=page.locator("caption", has_text=caption))
    heads = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    out = []
    for row in table.locator("tbody tr").all():
        cells = row.locator("th, td").all_inner_texts()
        out.append(dict(zip(heads, (c.strip() for c in cells), strict=True)))
    return out


def open_referrals(api: httpx.Client) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.get(
        "/referrals", params={"status": "open", "limit": 500}
    ).json()["items"]
    return found


def child_with(served: Served, want: str) -> tuple[str, dict[str, Any]]:
    """A referred Leeds child with no live proposal whose ranking has `want`
    ("matches", "near" — a near miss on a rule other than the vacancy — or "both"),
    and the ranking as the JSON route gives it."""
    with served.api("placement_officer") as api:
        for r in open_referrals(api):
            if r["proposal"]:
                continue
            got = api.get(f"/children/{r['child_id']}/matches")
            if got.status_code != 200:
                continue
            ranking: dict[str, Any] = got.json()
            near = [n for n in ranking["near_misses"] if n["failed_rule"] != "vacancy"]
            if want in ("matches", "both") and not ranking["matches"]:
                continue
            if want in ("near", "both") and not near:
                continue
            return r["child_id"], ranking
    raise AssertionError(f"the demo has no referred child with {want}")


def test_matches_best_first_with_reasons_near_misses_and_map(
    signed_in: SignIn, served: Served
) -> None:
    child_id, ranking = child_with(served, "both")
    page = signed_in("placement_officer", f"/children/{child_id}")
    page.get_by_role("link", name="See matches").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Matches for child {child_id}")

    shown = table_rows(page, "Matching households, best first")
    assert [r["Household"].split()[0] for r in shown] == [m["carer"] for m in ranking["matches"]]
    assert [r["Rank"] for r in shown] == [str(i) for i in range(1, len(shown) + 1)]
    first, best = shown[0], ranking["matches"][0]
    assert first["Score"] == f"{best['score']:.1f}"
    assert first["From home"] == f"{best['distance_km']:.1f} km"
    assert first["From school"].endswith("km") or first["From school"] == "No school recorded"
    assert best["reasons"][0][1:] in first["Why"]

    near = table_rows(page, "Households failing one hard rule, closest first")
    assert [r["Household"].split()[0] for r in near] == [n["carer"] for n in ranking["near_misses"]]
    for row, miss in zip(near, ranking["near_misses"], strict=True):
        assert "_" not in row["Rule it fails"]  # in words, not codes
        if miss["failed_rule"] != "skills":
            assert miss["detail"] in row["Rule it fails"]
        if miss["exception_allowed"]:  # an officer may ask, from the row
            assert row["Exception"].startswith("Ask for an exception")
        else:
            assert row["Exception"] == "Not allowed"

    drawing = page.get_by_role("img", name="Map of home, school and the matched households")
    expect(drawing).to_be_visible()
    key = page.locator("figcaption").get_by_role("listitem")
    expect(key.filter(has_text=f"Home of {child_id}")).to_have_count(1)
    expect(key.filter(has_text=f"1. {best['carer']}")).to_have_count(1)
    districts = {r["Household"].split("(")[1] for r in shown if "(" in r["Household"]}
    assert drawing.locator("circle").count() == len(districts)  # one marker per district
    if len(best["reasons"]) > 3:
        more = page.get_by_text("more reason", exact=False).first
        expect(page.get_by_text(best["reasons"][-1][1:]).first).to_be_hidden()
        more.click()
        expect(page.get_by_text(best["reasons"][-1][1:]).first).to_be_visible()
    assert_accessible(page)
    screenshot(page, "matches")


def test_a_sibling_groups_matches(signed_in: SignIn, served: Served) -> None:
    with served.api("placement_officer") as api:
        groups = api.get("/sibling-groups", params={"limit": 500}).json()["items"]
        referred = {r["child_id"] for r in open_referrals(api)}
    group = next(g for g in groups if referred & set(g["children"]))
    member = sorted(referred & set(group["children"]))[0]
    page = signed_in("placement_officer", f"/children/{member}")
    page.get_by_role("link", name="Matches for the whole group").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Matches for sibling group {group['id']}"
    )
    expect(page.get_by_role("link", name=f"child {member}", exact=True)).to_be_visible()
    policy = {"must": "Must be placed together", "should": "Should be placed together"}
    if group["policy"] in policy:
        expect(page.get_by_text(policy[group["policy"]])).to_be_visible()
    assert_accessible(page)


def test_propose_from_a_match_row(signed_in: SignIn, served: Served) -> None:
    child_id, ranking = child_with(served, "matches")
    household = ranking["matches"][0]["carer"]
    page = signed_in("placement_officer", f"/children/{child_id}/matches")
    page.get_by_role("link", name=f"Propose household {household}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Propose household {household}")
    assert_accessible(page)

    page.get_by_label("How many hours to hold the place").fill("soon")
    page.get_by_role("button", name="Propose and hold the place").click()
    expect(page).to_have_title(
        f"Error: Propose household {household} for child {child_id} – placematch"
    )
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        "Enter how many hours to hold the place, as a number"
    )
    assert_accessible(page)
    with served.api("placement_officer") as api:
        before = api.get("/proposals", params={"child_id": child_id}).json()["items"]
    assert not [p for p in before if p["status"] == "proposed"]  # nothing half-written

    page.get_by_label("How many hours to hold the place").fill("24")
    page.get_by_label("How this match meets the child's views").fill(
        "near her school, as she asked"
    )
    page.get_by_role("button", name="Propose and hold the place").click()
    page.wait_for_url("**/proposals/*")
    proposal_id = int(page.url.rsplit("/", 1)[1])
    with served.api("placement_officer") as api:
        made = api.get(f"/proposals/{proposal_id}").json()
        api.post(f"/proposals/{proposal_id}/decline", json={"reason": "test over"})
    assert made["child_id"] == child_id and made["household_id"] == household
    assert made["status"] == "proposed" and made["views_note"] == "near her school, as she asked"


def test_a_match_that_breaks_a_rule_is_refused_in_words(signed_in: SignIn, served: Served) -> None:
    child_id, ranking = child_with(served, "near")
    miss = next(n for n in ranking["near_misses"] if n["failed_rule"] != "vacancy")
    page = signed_in("placement_officer", f"/children/{child_id}/propose/{miss['carer']}")
    page.get_by_role("button", name="Propose and hold the place").click()
    refused = page.get_by_role("alert")
    expect(refused.get_by_role("heading")).to_have_text("This match breaks 1 hard rule")
    expect(refused).to_contain_text(f"(child {child_id})")
    assert "_" not in refused.inner_text()
    if miss["failed_rule"] != "skills":
        expect(refused).to_contain_text(miss["detail"])
    expect(refused).to_contain_text(
        "An exception may be asked for."
        if miss["exception_allowed"]
        else "No exception is possible."
    )
    assert_accessible(page)
    screenshot(page, "propose-refused")
    with served.api("placement_officer") as api:
        kept = api.get("/proposals", params={"child_id": child_id, "status": "refused"}).json()
    assert any(p["household_id"] == miss["carer"] for p in kept["items"])


def test_a_place_taken_meanwhile_says_so_and_offers_the_next(
    signed_in: SignIn, served: Served
) -> None:
    with served.api("placement_officer") as api:
        found = None
        for r in open_referrals(api):
            if r["proposal"]:
                continue
            ranking = api.get(f"/children/{r['child_id']}/matches").json()
            for m in ranking.get("matches", [])[:5]:
                carer = api.get(f"/carers/{m['carer']}").json()
                if carer.get("vacancies") != 1 or len(ranking["matches"]) < 2:
                    continue
                others = api.get(f"/carers/{m['carer']}/matches").json()["matches"]
                other = next((o["child"] for o in others if o["child"] != r["child_id"]), None)
                if other:
                    found = (r["child_id"], m["carer"], other)
                    break
            if found:
                break
        assert found, "the demo has a one-place household two children could take"
        child_id, household, other = found
        page = signed_in("placement_officer", f"/children/{child_id}/propose/{household}")
        taken = api.post(
            "/proposals", json={"child_id": other, "household_id": household, "hold_hours": 1}
        )
        assert taken.status_code == 201, taken.text
        page.get_by_role("button", name="Propose and hold the place").click()
        banner = page.get_by_role("alert")
        expect(banner.get_by_role("heading")).to_have_text("The place is not free")
        expect(banner).to_contain_text(f"Household {household} has no free place now")
        assert_accessible(page)
        page.get_by_role("link", name="instead").click()
        expect(page.get_by_role("heading", level=1)).not_to_have_text(
            f"Propose household {household}"
        )
        api.post(f"/proposals/{taken.json()['id']}/decline", json={"reason": "test over"})


def test_another_las_child_is_the_unknown_ids_404(signed_in: SignIn, served: Served) -> None:
    with served.api("family_finder") as finder:
        everyone = finder.get("/children", params={"limit": 1000}).json()["items"]
    elsewhere = next(c["id"] for c in everyone if c["la"] != "Leeds")
    page = signed_in("placement_officer", start=None)
    for path in ("/children/{}/matches", "/children/{}/propose/H-0001"):
        seen = []
        for child in (elsewhere, "C-NO-SUCH-CHILD"):
            answer = page.goto(path.format(child))
            assert answer is not None and answer.status == 404
            seen.append(page.locator("main").inner_text())
        assert seen[0] == seen[1] and elsewhere not in seen[0]
    assert_accessible(page)


def decline(served: Served, url: str) -> dict[str, Any]:
    """The proposal the page went to (checked through the API), then declined so the
    place is free again for the other tests."""
    proposal_id = int(url.rsplit("/", 1)[1])
    with served.api("placement_officer") as api:
        made: dict[str, Any] = api.get(f"/proposals/{proposal_id}").json()
        api.post(f"/proposals/{proposal_id}/decline", json={"reason": "test over"})
    return made


def test_child_to_matches_to_a_proposal_with_the_keyboard_alone(
    signed_in: SignIn, served: Served
) -> None:
    child_id, ranking = child_with(served, "matches")
    household = ranking["matches"][0]["carer"]
    page = signed_in("placement_officer", f"/children/{child_id}")
    focus_on(page, "See matches")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Matches for child {child_id}")
    focus_on(page, "Propose", presses=200)  # the first row's link: the best match
    assert page.evaluate("() => document.activeElement.getAttribute('href')").endswith(household)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Propose household {household}")
    focus_on(page, "How many hours")
    page.keyboard.press("Control+A")
    page.keyboard.type("12")
    focus_on(page, "How this match meets")
    page.keyboard.type("close to his brother")
    focus_on(page, "Propose and hold the place")
    page.keyboard.press("Enter")
    page.wait_for_url("**/proposals/*")
    made = decline(served, page.url)
    assert (made["child_id"], made["household_id"]) == (child_id, household)
    assert made["views_note"] == "close to his brother"


def test_propose_with_javascript_off(browser: Browser, served: Served) -> None:
    child_id, ranking = child_with(served, "matches")
    household = ranking["matches"][0]["carer"]
    context = browser.new_context(base_url=served.base, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in(page, served.tokens["placement_officer"], f"/children/{child_id}")
        page.get_by_role("link", name="See matches").click()
        page.get_by_role("link", name=f"Propose household {household}").click()
        page.get_by_label("How many hours to hold the place").fill("")
        page.get_by_role("button", name="Propose and hold the place").click()
        expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
            "Enter how many hours to hold the place, as a number"
        )
        page.get_by_label("How many hours to hold the place").fill("6")
        page.get_by_role("button", name="Propose and hold the place").click()
        page.wait_for_url("**/proposals/*")
        made = decline(served, page.url)
        assert (made["child_id"], made["household_id"]) == (child_id, household)
    finally:
        context.close()
