"""Paired differences by group (scenarios/by_group.py), checked by hand on small rows:
pairing by replication, intervals from outcomes.interval, better or worse by each
metric's direction, small groups flagged rather than judged, and nothing hard-coded
about which dimensions or metrics there are."""

from __future__ import annotations

from typing import Any

import pytest

from scenarios.by_group import (
    BETTER,
    NOT_JUDGED,
    SMALL_GROUP,
    TOO_SMALL,
    UNCLEAR,
    WORSE,
    group_differences,
    judge,
    small_groups,
    worse_off,
)
from scenarios.outcomes import interval


def rows(
    scenario: str, dimension: str, group: str, metric: str, values: dict[int, float]
) -> list[dict[str, Any]]:
    return [
        {
            "scenario": scenario,
            "replication": r,
            "dimension": dimension,
            "group": group,
            "metric": metric,
            "value": v,
        }
        for r, v in values.items()
    ]


def sized(scenario: str, dimension: str, group: str, children: float) -> list[dict[str, Any]]:
    """The group's `referred` rows: `children` in each of replications 0, 1 and 2."""
    return rows(scenario, dimension, group, "referred", dict.fromkeys(range(3), children))


def one(diffs: list[dict[str, Any]], group: str, metric: str) -> dict[str, Any]:
    (row,) = [r for r in diffs if r["group"] == group and r["metric"] == metric]
    return row


def test_differences_are_paired_by_replication_not_by_order() -> None:
    """Tests that each replication is subtracted from the same replication of the
    baseline (rows in any order; a replication only one side has is left out), and that
    the interval is outcomes.interval of the paired differences."""
    practice = {0: 0.20, 1: 0.50, 2: 0.80, 3: 0.9}
    product = {2: 0.92, 0: 0.31, 1: 0.60}  # +0.12, +0.11, +0.10; no replication 3
    groups = rows("product", "sex", "girls", "share_within_20_miles", product)
    groups += rows("practice", "sex", "girls", "share_within_20_miles", practice)
    groups += sized("practice", "sex", "girls", 50) + sized("product", "sex", "girls", 50)
    row = one(group_differences(groups, "practice"), "girls", "share_within_20_miles")
    expected = interval([0.31 - 0.20, 0.60 - 0.50, 0.92 - 0.80])
    assert row["n"] == 3
    assert row["mean"] == pytest.approx(expected["mean"]) == pytest.approx(0.11)
    assert row["low"] == pytest.approx(expected["low"])
    assert row["high"] == pytest.approx(expected["high"])
    # unpaired, the two sets of means overlap; paired, the gain is clear
    assert row["verdict"] == BETTER and row["scenario"] == "product"
    assert row["baseline"] == "practice"


@pytest.mark.parametrize(
    ("metric", "change", "verdict"),
    [
        ("share_within_20_miles", +0.1, BETTER),
        ("share_within_20_miles", -0.1, WORSE),
        ("share_fallback", +0.1, WORSE),
        ("share_fallback", -0.1, BETTER),
        ("wait_mean_weeks", -0.1, BETTER),
        ("wait_mean_weeks", +0.1, WORSE),
    ],
)
def test_better_or_worse_follows_the_metrics_direction(
    metric: str, change: float, verdict: str
) -> None:
    """Tests that a clear difference is better or worse by METRICS' 'higher is better'
    flag: more children near home is better, more sent to the fallback is worse."""
    base = {0: 0.3, 1: 0.4, 2: 0.5}
    groups = rows("practice", "age_band", "16-17", metric, base)
    groups += rows(
        "product", "age_band", "16-17", metric, {r: v + change + r / 1000 for r, v in base.items()}
    )
    groups += sized("practice", "age_band", "16-17", 40) + sized("product", "age_band", "16-17", 40)
    diffs = group_differences(groups, "practice")
    assert one(diffs, "16-17", metric)["verdict"] == verdict
    assert [r["metric"] for r in worse_off(diffs)] == ([metric] if verdict == WORSE else [])


def test_an_interval_that_spans_zero_is_no_clear_difference() -> None:
    """Tests that a difference whose interval includes zero is not judged either way,
    nor is one from a single replication."""
    groups = rows("practice", "sex", "boys", "share_home_la", {0: 0.5, 1: 0.5, 2: 0.5})
    groups += rows("product", "sex", "boys", "share_home_la", {0: 0.6, 1: 0.4, 2: 0.55})
    assert one(group_differences(groups, "practice"), "boys", "share_home_la")["verdict"] == UNCLEAR
    assert judge("share_home_la", {"mean": 0.1, "low": 0.1, "high": 0.1, "n": 1}) == UNCLEAR
    assert judge("share_home_la", {"mean": 0.1, "low": 0.05, "high": 0.15, "n": 2}) == BETTER


def test_small_groups_are_flagged_not_judged() -> None:
    """Tests that a group with fewer than SMALL_GROUP children a replication on average
    is 'too few children to judge' even when its interval excludes zero, and is not
    listed as worse off; a replication without the group counts as none."""
    worse = {0: 0.5, 1: 0.6, 2: 0.7}
    groups: list[dict[str, Any]] = []
    for name, children in (("tiny", SMALL_GROUP - 1), ("big", SMALL_GROUP)):
        groups += rows("practice", "ethnicity", name, "share_home_la", worse)
        groups += rows(
            "product", "ethnicity", name, "share_home_la", {r: v - 0.1 for r, v in worse.items()}
        )
        groups += sized("practice", "ethnicity", name, children)
        groups += sized("product", "ethnicity", name, children)
    # present in replications 0 and 1 only, 13 children each: 26 / 3 < 10 a replication
    groups += rows("practice", "ethnicity", "sometimes", "share_home_la", {0: 0.5, 1: 0.6})
    groups += rows("product", "ethnicity", "sometimes", "share_home_la", {0: 0.4, 1: 0.5})
    groups += rows("practice", "ethnicity", "sometimes", "referred", {0: 13, 1: 13})
    groups += rows("product", "ethnicity", "sometimes", "referred", {0: 13, 1: 13})
    diffs = group_differences(groups, "practice")
    assert one(diffs, "tiny", "share_home_la")["verdict"] == TOO_SMALL
    assert one(diffs, "big", "share_home_la")["verdict"] == WORSE
    assert one(diffs, "sometimes", "share_home_la")["children"] == pytest.approx(26 / 3)
    assert one(diffs, "sometimes", "share_home_la")["verdict"] == TOO_SMALL
    assert [r["group"] for r in worse_off(diffs)] == ["big"]
    assert {g for _d, g, _n in small_groups(diffs)} == {"tiny", "sometimes"}


def test_new_dimensions_and_metrics_flow_through() -> None:
    """Tests that a dimension or metric by_group has never heard of (part A's `uasc`, a
    metric outside METRICS) is compared too; a metric without a direction is not judged,
    and the group count itself is not a difference."""
    groups = rows("practice", "uasc", "UASC", "share_home_la", {0: 0.5, 1: 0.6, 2: 0.7})
    groups += rows("product", "uasc", "UASC", "share_home_la", {0: 0.3, 1: 0.4, 2: 0.5})
    groups += rows("practice", "uasc", "UASC", "mystery", {0: 1, 1: 2, 2: 3})
    groups += rows("product", "uasc", "UASC", "mystery", {0: 9, 1: 9, 2: 9})
    groups += sized("practice", "uasc", "UASC", 30) + sized("product", "uasc", "UASC", 30)
    diffs = group_differences(groups, "practice")
    assert {r["metric"] for r in diffs} == {"share_home_la", "mystery"}
    assert one(diffs, "UASC", "share_home_la")["verdict"] == WORSE
    assert one(diffs, "UASC", "mystery")["verdict"] == NOT_JUDGED
    assert worse_off(diffs)[0]["dimension"] == "uasc"


def test_a_group_counted_on_one_side_only_takes_that_count() -> None:
    """Tests that the group's size comes from whichever side counts its children (in
    either order), and that a group nobody counts is judged, not flagged."""
    for counted in ("practice", "product"):
        groups = rows("practice", "sex", "girls", "share_home_la", {0: 0.5, 1: 0.6, 2: 0.7})
        groups += rows("product", "sex", "girls", "share_home_la", {0: 0.6, 1: 0.7, 2: 0.8})
        groups += sized(counted, "sex", "girls", 4)
        row = one(group_differences(groups, "practice"), "girls", "share_home_la")
        assert row["children"] == 4 and row["verdict"] == TOO_SMALL
    groups = rows("practice", "sex", "girls", "share_home_la", {0: 0.5, 1: 0.6, 2: 0.7})
    groups += rows("product", "sex", "girls", "share_home_la", {0: 0.6, 1: 0.7, 2: 0.8})
    assert one(group_differences(groups, "practice"), "girls", "share_home_la")["verdict"] == BETTER
