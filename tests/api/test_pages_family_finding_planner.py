"""The family-finder's and planner's pages in-process (the browser tests are
tests/web/test_family_finding.py and test_planner.py): the same scope and audit as
the JSON routes, the waiting list's scope and order, counts only for a planner."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import Api, open_api
from tests.api.test_family_finding import load, region, waiting
from tests.api.test_pages import HTML, page_sign_in

__all__ = ["region"]  # the module's fixture, reused


@pytest.fixture
def ff(sqlite_engine: Any, region: dict[str, Any]) -> Iterator[Api]:
    load(sqlite_engine, region)
    yield from open_api(sqlite_engine)


def signed(api: Api, who: str) -> TestClient:
    page_sign_in(api.client, api.tokens[who])
    return api.client


def test_the_waiting_list_is_the_agencys_children_audited(ff: Api, region: dict[str, Any]) -> None:
    client = signed(ff, "finder")
    page = client.get("/family-finding", headers=HTML)
    assert page.status_code == 200
    shown = set(re.findall(r'href="/family-finding/children/([^"]+)"', page.text))
    assert shown == set(waiting(region, {"Leeds", "Bradford"}))
    [entry] = ff.audit(action="family_finding.waiting")
    assert entry.user_id == ff.users["finder"].id
    assert set(entry.child_ids) == shown


def test_a_page_search_is_audited_as_the_api_search_is(ff: Api, region: dict[str, Any]) -> None:
    child = waiting(region, {"Leeds"})[0]
    client = signed(ff, "finder")
    assert client.get(f"/family-finding/children/{child}", headers=HTML).status_code == 200
    assert ff.get(f"/family-finding/children/{child}/adopters", as_="finder").status_code == 200
    entries = ff.audit(action="family_finding.search_child")
    assert len(entries) == 2
    assert entries[0].child_ids == entries[1].child_ids
    assert entries[0].object_id == entries[1].object_id == child


def test_another_las_child_is_the_unknown_ids_404(ff: Api, region: dict[str, Any]) -> None:
    elsewhere = next(c for c in waiting(region, {"Kirklees", "Wakefield", "Calderdale"}))
    client = signed(ff, "finder")
    other = client.get(f"/family-finding/children/{elsewhere}", headers=HTML)
    unknown = client.get("/family-finding/children/NO-SUCH", headers=HTML)
    assert other.status_code == unknown.status_code == 404
    assert other.text == unknown.text
    assert not ff.audit(action="family_finding.search_child")


def test_the_family_finding_pages_are_for_family_finders(ff: Api) -> None:
    for who in ("officer", "planner"):
        client = signed(ff, who)
        assert client.get("/family-finding", headers=HTML).status_code == 403
    assert not ff.audit(action="family_finding.waiting")


def test_a_planner_sees_no_child_on_their_pages(ff: Api) -> None:
    client = signed(ff, "planner")
    for path in ("/what-ifs", "/baseline"):
        page = client.get(path, headers=HTML)
        assert page.status_code == 200, path
        assert not re.search(r"\b(C\d|S\d|B1|A-\d+)\b", page.text), path
    assert client.get("/children/C1", headers=HTML).status_code == 403
    assert not ff.audit(action="child.read")
