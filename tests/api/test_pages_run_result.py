"""How the batch run's page reads a result (api/pages/runs.py `overview`): the summary
by urgency, distance and home LA, the distance bands, and the filters on the groups."""

from __future__ import annotations

from typing import Any

import pytest

from api.pages.runs import BANDS, NOT_OPEN, band_of, overview, read_filters
from geo import KM_PER_MILE


def match(child: str, carer: str, km: float, score: float = 50.0) -> dict[str, Any]:
    return {"child": child, "carer": carer, "score": score, "distance_km": km, "reasons": []}


RESULT: dict[str, Any] = {
    "assignments": [
        match("E1", "H1", 1.0, 90),
        match("E2", "H2", 40.0, 80),
        match("U1", "H1", 9.0),
        match("P1", "H3", 20.0),
        match("GONE", "H1", 2.0),  # proposed and placed since: no open referral now
    ],
    "unplaced": [{"child": "P2", "reasons": ["No carer within 20 km"]}],
    "sibling_groups": [
        {"id": "G1", "policy": "must", "outcome": "together"},
        {"id": "G2", "policy": "should", "outcome": "split"},
    ],
}
FACTS: dict[str, Any] = {
    "children": {
        "E1": ("emergency", "Leeds"),
        "E2": ("emergency", "Bradford"),
        "U1": ("urgent", "Leeds"),
        "P1": ("planned", "Leeds"),
        "P2": ("planned", "Bradford"),
    },
    "carers": {"H1": "Leeds", "H2": "Leeds", "H3": "Wakefield"},
}
NONE = {"la": "", "urgency": "", "placed": ""}


def test_the_summary_counts_the_whole_run() -> None:
    s = overview(RESULT, FACTS, NONE)["summary"]
    assert (s["children"], s["placed"], s["unplaced"], s["placed_share"]) == (6, 5, 1, 83)
    by = {r["key"]: (r["total"], r["placed"], r["unplaced"], r["share"]) for r in s["by_urgency"]}
    assert by == {
        "emergency": (2, 2, 0, 100),
        "urgent": (1, 1, 0, 100),
        "planned": (2, 1, 1, 50),
        NOT_OPEN: (1, 1, 0, 100),
    }
    assert s["outcomes"] == {"together": 1, "split": 1, "unplaced": 0}
    assert s["mean_km"] == pytest.approx(72 / 5)
    assert (s["within"], s["within_share"]) == (4, 80)  # 40 km is over 20 miles
    assert (s["home_la"], s["home_la_share"]) == (2, 40)  # E1 and U1; GONE's LA unknown
    assert [b["count"] for b in s["bands"]] == [2, 1, 1, 1]
    assert [r["value"] for r in s["band_chart"]["rows"]] == [2, 1, 1, 1]
    longest = max(r["w"] for r in s["urgency_chart"]["rows"])
    assert longest == max(r["whole_w"] for r in s["urgency_chart"]["rows"])


def test_a_distance_falls_in_one_band() -> None:
    assert [band_of(km) for km in (0, 5 * KM_PER_MILE, 5 * KM_PER_MILE + 0.1, 500)] == [
        0,
        0,
        1,
        len(BANDS) - 1,
    ]


def test_the_groups_put_emergencies_first_and_follow_the_filters() -> None:
    view = overview(RESULT, FACTS, NONE)
    assert [g["key"] for g in view["match_groups"]] == ["emergency", "urgent", "planned", NOT_OPEN]
    assert [a["child"] for a in view["match_groups"][0]["rows"]] == ["E1", "E2"]  # best first
    assert [g["key"] for g in view["unplaced_groups"]] == ["planned"]

    leeds = overview(RESULT, FACTS, NONE | {"la": "Leeds"})
    assert [a["child"] for g in leeds["match_groups"] for a in g["rows"]] == ["E1", "U1", "P1"]
    assert leeds["unplaced_groups"] == []
    assert leeds["summary"] == view["summary"]  # the summary is the whole run's

    left = overview(RESULT, FACTS, NONE | {"placed": "unplaced", "urgency": "planned"})
    assert left["match_groups"] == [] and left["matches_shown"] == 0
    assert [x["child"] for g in left["unplaced_groups"] for x in g["rows"]] == ["P2"]


def test_a_bad_filter_is_an_error_and_left_out() -> None:
    filters, errors = read_filters(
        {"la": "Bradford", "urgency": "soon", "placed": "placed"}, ["Leeds"]
    )
    assert filters == {"la": "", "urgency": "", "placed": "placed"}
    assert [name for name, _ in errors] == ["la", "urgency"]
