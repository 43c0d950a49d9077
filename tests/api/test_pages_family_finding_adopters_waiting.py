"""Adopters waiting since approval (issue 18), as a page and a JSON list: the agency's
own adopters only, longest waiting first, audited; and the adopter -> children search
with each child's wait and priority."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from tests.api.conftest import Api, open_api
from tests.api.test_family_finding import AGENCY, by_id, load, region, wait_done
from tests.api.test_pages import HTML
from tests.api.test_pages_family_finding_planner import signed

__all__ = ["region"]  # the module's fixture, reused

PAGE = "/family-finding/waiting-adopters"
LIST = "/family-finding/waiting-adopters"


@pytest.fixture
def ff(sqlite_engine: Any, region: dict[str, Any]) -> Iterator[Api]:
    load(sqlite_engine, region)
    yield from open_api(sqlite_engine)


def adopters_of(region: dict[str, Any], las: set[str]) -> list[dict[str, Any]]:
    """The region's adopters of `las`, longest since approval first."""
    mine = [h for h in region["carers"] if h["kind"] == "adoption" and h["la"] in las]
    return sorted(mine, key=lambda h: (h["adopter"]["approved_on"], h["id"]))


def test_the_page_lists_the_agencys_adopters_longest_waiting_first(
    ff: Api, region: dict[str, Any]
) -> None:
    client = signed(ff, "finder")
    page = client.get(PAGE, headers=HTML)
    assert page.status_code == 200, page.text
    shown = re.findall(r'href="/family-finding/adopters\?household_id=([^"]+)"', page.text)
    expected = adopters_of(region, AGENCY)
    assert expected and len(expected) < len(region["carers"])
    assert [h["id"] for h in expected] == sorted(
        shown, key=lambda a: (by_id(region, "carers")[a]["adopter"]["approved_on"], a)
    )
    assert set(shown) == {h["id"] for h in expected}
    [entry] = ff.audit(action="family_finding.waiting_adopters")
    assert entry.user_id == ff.users["finder"].id and entry.child_ids == []
    assert entry.detail == {"adopters": shown, "offset": 0}


def test_another_las_adopters_are_never_listed(ff: Api, region: dict[str, Any]) -> None:
    """An admin of Leeds alone sees Leeds' adopters: Bradford's are the finder's, not theirs."""
    leeds = ff.get(LIST, as_="manager", params={"limit": 500}).json()["items"]
    assert {a["adopter"] for a in leeds} == {h["id"] for h in adopters_of(region, {"Leeds"})}
    assert all(a["la"] == "Leeds" for a in leeds)
    finder = ff.get(LIST, as_="finder", params={"limit": 500}).json()["items"]
    assert {a["la"] for a in finder} <= AGENCY and len(finder) > len(leeds)
    client = signed(ff, "manager")
    page = client.get(PAGE, headers=HTML).text
    for h in adopters_of(region, {"Bradford"}):
        assert h["id"] not in page


def test_the_list_is_for_family_finders_and_bad_paging_is_a_422(ff: Api) -> None:
    for who in ("officer", "planner"):
        assert ff.get(LIST, as_=who).status_code == 403
        assert signed(ff, who).get(PAGE, headers=HTML).status_code == 403
    assert ff.get(LIST, as_=None).status_code == 401
    bad = ff.get(LIST, as_="finder", params={"limit": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.limit"
    assert not ff.audit(action="family_finding.waiting_adopters")


def test_each_adopter_has_weeks_since_approval_and_a_referral_date(
    ff: Api, region: dict[str, Any]
) -> None:
    """Weeks since approval counted to the service's date (the store's, today)."""
    items = ff.get(LIST, as_="finder", params={"limit": 500}).json()["items"]
    approvals = by_id(region, "carers")
    for a in items:
        approved = date.fromisoformat(a["approved_on"])
        assert a["approved_on"] == approvals[a["adopter"]]["adopter"]["approved_on"]
        due = date.fromisoformat(a["referral_due"])
        assert 89 <= (due - approved).days <= 92  # three months
        if a["referral_overdue"]:
            assert a["weeks_since_approval"] >= 12
        else:
            assert a["weeks_since_approval"] <= 14
        assert a["linked_with"] is None and a["children_possible"] >= 0
    weeks = [a["weeks_since_approval"] for a in items]
    assert weeks == sorted(weeks, reverse=True)


def test_the_children_search_carries_each_childs_wait_and_priority(
    ff: Api, region: dict[str, Any]
) -> None:
    adopter = max(adopters_of(region, AGENCY), key=lambda h: h["max_age"])["id"]
    found = ff.get(f"/family-finding/adopters/{adopter}/children", as_="finder").json()
    rows = found["in_region"]["matches"] + found["in_region"]["near_misses"]
    assert rows
    for r in rows:
        assert r["priority"] in ("first", "second", "third") and r["why_priority"]
        assert r["weeks_waiting"] >= 0
    page = signed(ff, "finder").get(
        "/family-finding/adopters", params={"household_id": adopter}, headers=HTML
    )
    assert page.status_code == 200 and "Weeks waited" in page.text


def test_the_round_page_shows_the_no_option_directions(ff: Api) -> None:
    started = ff.post("/family-finding/rounds", as_="finder", json={"time_limit_s": 2, "seed": 1})
    run = wait_done(ff, started.json()["id"])
    assert run["status"] == "done", run
    result = run["round"]
    assert "adopters_waiting" in result and result["adopters_waiting"]
    page = signed(ff, "finder").get(f"/family-finding/rounds/{run['id']}", headers=HTML).text
    none = [u for u in result["unlinked"] if u["no_option"]]
    for u in none:
        assert u["no_option"]["widest_search"]["says"] in page
    if none:
        assert "Register referral" in page
    split = [u for u in result["unlinked"] if u["together_or_apart_assessment"]]
    assert ("Together-or-apart assessment needed" in page) == bool(split)
    for u in result["unlinked"]:
        for c, a in u["siblings"].items():
            assert (f"{c} linked with {a}" if a else f"{c} not linked") in page


def test_an_adopter_in_an_open_link_is_not_overdue(ff: Api, region: dict[str, Any]) -> None:
    """Tests that an adopter linked with a child (any state but declined) is being
    actively considered: the list names the link and the referral is not overdue; once
    the link is declined they are overdue again. Without the store's open links, the
    adopter stays overdue and this fails."""
    items = ff.get(LIST, as_="finder", params={"limit": 500}).json()["items"]
    adopter = next(a["adopter"] for a in items if a["referral_overdue"])
    child = next(
        c["id"]
        for c in region["children"]
        if c["la"] == "Leeds" and "adoption" in c["accepts"] and c.get("adoption")
    )
    made = ff.post(
        "/family-finding/links", as_="finder", json={"adopter": adopter, "children": [child]}
    )
    assert made.status_code == 201, made.text
    items = ff.get(LIST, as_="finder", params={"limit": 500}).json()["items"]
    (mine,) = [a for a in items if a["adopter"] == adopter]
    assert mine["linked_with"] == f"proposed: {child}" and not mine["referral_overdue"]
    page = signed(ff, "finder").get(PAGE, headers=HTML, params={"page": 1}).text
    assert f"proposed: {child}" in page
    link_id = made.json()["id"]
    ff.post(
        f"/family-finding/links/{link_id}/state",
        as_="finder",
        json={"state": "declined", "reason": "adopters_declined"},
    )
    items = ff.get(LIST, as_="finder", params={"limit": 500}).json()["items"]
    (mine,) = [a for a in items if a["adopter"] == adopter]
    assert mine["linked_with"] is None and mine["referral_overdue"]
