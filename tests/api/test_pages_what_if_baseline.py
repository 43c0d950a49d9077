"""A planner's what-if is compared with the baseline the /baseline page shows: their
LAs' 903 import when there is one (the same population in both scenarios), else the
shipped baseline; the what-ifs page and the comparison page say which was used."""

from __future__ import annotations

from typing import Any

from api.websession import CSRF_FIELD
from tests.api import test_scenarios
from tests.api.conftest import Api
from tests.api.test_imports import upload
from tests.api.test_pages import HTML, page_sign_in
from tests.api.test_pages_proposals import csrf

FORM = {
    "name": "5 more foster carers",
    "recruit_count": "5",
    "recruit_kind": "foster",
    "recruit_la": "Leeds",
    "recruit_week": "1",
    "horizon_weeks": "2",
    "replications": "1",
}


def start_what_if(api: Api) -> tuple[str, dict[str, Any]]:
    """A what-if started from the form as the planner; its id and the comparison (JSON)
    once it stops. What it compares is kept when it starts, so it is stopped early (a
    simulation of the region takes half a minute)."""
    api.client.app.state.services.runs._scenario_timeout_s = 0.5  # type: ignore[attr-defined]
    page_sign_in(api.client, api.tokens["planner"])
    sent = api.client.post(
        "/what-ifs",
        data=FORM | {CSRF_FIELD: csrf(api.client, "/what-ifs")},
        headers=HTML,
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    comparison_id = sent.headers["location"].removeprefix("/what-ifs/")
    return comparison_id, test_scenarios.wait_done(api, comparison_id)


def test_with_a_903_import_the_what_if_starts_from_the_las_own_baseline(api: Api) -> None:
    assert upload(api).status_code == 201
    own = api.get("/baseline/scenario", as_="planner").json()
    page_sign_in(api.client, api.tokens["planner"])
    form = api.client.get("/what-ifs", headers=HTML).text
    assert "The baseline is your LAs' own, from the 903 import of Leeds" in form
    assert "3 children" not in form  # a planner sees no count of 1 to 4 children

    comparison_id, done = start_what_if(api)
    baseline, what_if = done["scenarios"]
    assert baseline["name"] == own["name"] == "Leeds from the 903"
    assert baseline["base"] is None and baseline["las"] == ["Leeds"]
    assert baseline["horizon_weeks"] == what_if["horizon_weeks"] == 2
    # the what-if is the same baseline with the form's change: same LAs, same population
    assert what_if["name"] == FORM["name"] and what_if["base"] is None
    assert (what_if["las"], what_if["children"], what_if["households"]) == (
        baseline["las"],
        baseline["children"],
        baseline["households"],
    )
    shown = api.client.get(f"/what-ifs/{comparison_id}", headers=HTML).text
    assert "Your LAs&#39; own baseline, from the 903 import of Leeds" in shown


def test_without_an_import_the_what_if_starts_from_the_shipped_baseline(api: Api) -> None:
    assert api.get("/baseline", as_="planner").status_code == 404  # nothing imported
    page_sign_in(api.client, api.tokens["planner"])
    form = api.client.get("/what-ifs", headers=HTML).text
    assert "None of your LAs has a 903 import yet" in form
    assert "5,000 children looked after, 2,450 carer households" in form

    comparison_id, done = start_what_if(api)
    baseline, what_if = done["scenarios"]
    assert baseline["base"] == what_if["base"] == "baseline.yaml"
    assert baseline["children"] == 5000 and baseline["las"] == [
        "Bradford",
        "Calderdale",
        "Kirklees",
        "Leeds",
        "Wakefield",
    ]
    shown = api.client.get(f"/what-ifs/{comparison_id}", headers=HTML).text
    assert "The baseline placematch ships (no 903 import)" in shown
