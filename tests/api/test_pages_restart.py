"""A failed or interrupted background job started again from its page: the batch run,
the family-finding round and the what-if comparison each say why they stopped and have
a "Start again" button (POST, CSRF) calling the restart service the JSON route calls, with
its roles, scope and audit; the new job names the one it replaces."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import store
from api.websession import CSRF_FIELD
from tests.api import test_scenarios
from tests.api.conftest import Api, open_api
from tests.api.test_family_finding import load, region
from tests.api.test_pages import HTML, page_sign_in
from tests.api.test_pages_proposals import csrf

__all__ = ["region"]  # the module's fixture, reused


def interrupted(api: Api, kind: str, by: str, las: list[str], params: dict[str, Any]) -> str:
    """A job of `kind` whose process stopped before it finished (as after a restart)."""
    with store.transaction(api.engine) as s:
        old = store.start_run(
            s, kind=kind, las=las, by=api.users[by], owner="gone", params=params, time_limit_s=1
        )
        store.interrupt_owned(s, "gone", "the service stopped before it finished")
    return old.id


def post(client: TestClient, path: str, token: str) -> Any:
    return client.post(path, data={CSRF_FIELD: token}, headers=HTML, follow_redirects=False)


def test_an_interrupted_batch_run_starts_again_from_its_page(api: Api) -> None:
    old = interrupted(api, "match", "officer", ["Leeds"], {})
    page_sign_in(api.client, api.tokens["bradford"])
    token = csrf(api.client, "/runs")
    theirs = post(api.client, f"/runs/{old}/restart", token)
    unknown = post(api.client, "/runs/0123456789abcdef/restart", token)
    assert theirs.status_code == unknown.status_code == 404 and theirs.text == unknown.text
    assert not api.audit(action="match.run_restart")

    page_sign_in(api.client, api.tokens["officer"])
    shown = api.client.get(f"/runs/{old}", headers=HTML).text
    assert "Why the run stopped" in shown and "the service stopped before it finished" in shown
    assert ">Start again</button>" in shown
    again = post(api.client, f"/runs/{old}/restart", csrf(api.client, f"/runs/{old}"))
    assert again.status_code == 303
    new = again.headers["location"].removeprefix("/runs/")
    assert api.get(f"/match-runs/{new}").json()["restarted_from"] == old
    [entry] = api.audit(action="match.run_restart")
    assert entry.object_id == new and entry.detail["restarts"] == old
    shown = api.client.get(f"/runs/{old}", headers=HTML).text
    assert f'href="/runs/{new}"' in shown and ">Start again</button>" not in shown
    twice = post(api.client, f"/runs/{old}/restart", csrf(api.client, f"/runs/{old}"))
    assert twice.status_code == 409 and "was restarted already" in twice.text
    assert "There is a problem" in twice.text
    assert len(api.audit(action="match.run_restart")) == 1


def test_the_start_again_form_needs_its_csrf_token(api: Api) -> None:
    old = interrupted(api, "match", "officer", ["Leeds"], {})
    page_sign_in(api.client, api.tokens["officer"])
    forged = post(api.client, f"/runs/{old}/restart", "not-the-token")
    assert forged.status_code == 403
    assert api.get(f"/match-runs/{old}").json()["restarted_as"] is None


@pytest.fixture
def ff(sqlite_engine: Any, region: dict[str, Any]) -> Iterator[Api]:
    load(sqlite_engine, region)
    yield from open_api(sqlite_engine)


def test_an_interrupted_round_starts_again_with_the_same_policy(ff: Api) -> None:
    policy = {
        "seed": 0,
        "long_wait_weeks": 78,
        "wait_weeks": 26,
        "few_families": 3,
        "priority": "waiting",
        "beyond_region": False,
    }
    old = interrupted(ff, "family_finding", "finder", ["Leeds", "Bradford"], policy)
    path = f"/family-finding/rounds/{old}"
    page_sign_in(ff.client, ff.tokens["officer"])
    assert post(ff.client, f"{path}/restart", csrf(ff.client, "/runs")).status_code == 403
    page_sign_in(ff.client, ff.tokens["finder"])
    shown = ff.client.get(path, headers=HTML).text
    assert "Why the round stopped" in shown and "the service stopped" in shown
    again = post(ff.client, f"{path}/restart", csrf(ff.client, path))
    assert again.status_code == 303
    new = again.headers["location"].removeprefix("/family-finding/rounds/")
    got = ff.get(f"/family-finding/rounds/{new}", as_="finder").json()
    assert got["restarted_from"] == old and got["policy"] == policy
    [entry] = ff.audit(action="family_finding.round_restart")
    assert entry.object_id == new and entry.detail["restarts"] == old
    assert f'href="/family-finding/rounds/{new}"' in ff.client.get(path, headers=HTML).text


def test_a_failed_comparison_starts_again_with_the_same_scenarios(api: Api) -> None:
    api.client.app.state.services.runs._scenario_timeout_s = 0.5  # type: ignore[attr-defined]
    body = {"scenarios": [test_scenarios.BASE, test_scenarios.TEENS], "replications": 1}
    started = api.post("/scenarios/comparisons", as_="planner", json=body)
    assert started.status_code == 202, started.text
    old = started.json()["id"]
    failed = test_scenarios.wait_done(api, old)
    assert failed["status"] == "failed"
    page_sign_in(api.client, api.tokens["planner"])
    path = f"/what-ifs/{old}"
    shown = api.client.get(path, headers=HTML).text
    assert "Why the comparison stopped" in shown and "stopped after" in shown
    again = post(api.client, f"{path}/restart", csrf(api.client, path))
    assert again.status_code == 303
    new = again.headers["location"].removeprefix("/what-ifs/")
    got = api.get(f"/scenarios/comparisons/{new}", as_="planner").json()
    assert got["restarted_from"] == old and got["scenarios"] == failed["scenarios"]
    assert got["replications"] == 1
    [entry] = api.audit(action="scenario.compare_restart")
    assert entry.object_id == new and entry.detail["restarts"] == old
    test_scenarios.wait_done(api, new)  # not left running past the test
