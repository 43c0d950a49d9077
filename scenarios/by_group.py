"""Who gains and who loses: paired differences from the baseline, group by group.

A region can gain on average while one group of children loses: older teenagers placed
further away, disabled children waiting longer. So every outcome measured by group
(`scenarios.outcomes.rows`' `groups` table: ethnicity, sex, age band, disability and
whatever dimension is added there) is compared as the totals are: each scenario minus
the baseline, replication by replication (the same children arrive in both, common
random numbers), then the mean and its 95% interval (`outcomes.interval`).

Each difference is judged by the metric's direction in `outcomes.METRICS`: `better` or
`worse` when the interval excludes zero, else `no clear difference`. A group too small
to judge (fewer than `SMALL_GROUP` children referred in a replication, on average) is
shown but not judged: a few children make intervals that mean little either way, and
saying "no clear difference" about them would hide that we cannot tell. `worse_off`
lists every judged loss, so a report says it first.

Nothing here names a dimension or a metric: new ones in `outcomes` flow through.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from scenarios.outcomes import DIMENSIONS, METRICS, interval

BETTER = "better"
WORSE = "worse"
UNCLEAR = "no clear difference"
TOO_SMALL = "too few children to judge"
NOT_JUDGED = "not judged"

#: The per-group metric that counts the children in the group (`child_outcomes`).
SIZE_METRIC = "referred"
#: Assumption: below 10 children referred in a replication on average, a group's shares
#: move by 10 points with one child, and its interval over 20 replications says more
#: about chance than about matching; such a group is flagged, not judged.
SMALL_GROUP = 10.0

Key = tuple[str, str, str]  # dimension, group, metric


def judge(metric: str, row: dict[str, Any]) -> str:
    """`better` or `worse` when the 95% interval of a paired difference (at least two
    replications) excludes zero, by the metric's direction in METRICS; `not judged` for
    a metric with no direction (demand, or one METRICS does not know)."""
    higher_is_better = METRICS.get(metric, ("", None))[1]
    if higher_is_better is None:
        return NOT_JUDGED
    low, high = row.get("low", math.nan), row.get("high", math.nan)
    if row.get("n", 0) < 2 or math.isnan(low) or math.isnan(high) or low <= 0 <= high:
        return UNCLEAR
    return BETTER if (low > 0) == higher_is_better else WORSE


def _by_scenario(
    groups: Iterable[dict[str, Any]],
) -> tuple[dict[str, dict[Key, dict[int, float]]], dict[str, set[int]]]:
    """scenario -> (dimension, group, metric) -> replication -> value; and each
    scenario's replications (a group absent from one had no child in it)."""
    values: dict[str, dict[Key, dict[int, float]]] = defaultdict(lambda: defaultdict(dict))
    replications: dict[str, set[int]] = defaultdict(set)
    for r in groups:
        key = (r["dimension"], r["group"], r["metric"])
        values[r["scenario"]][key][r["replication"]] = float(r["value"])
        replications[r["scenario"]].add(r["replication"])
    return values, replications


def _children(
    values: dict[Key, dict[int, float]], replications: set[int], dimension: str, group: str
) -> float:
    """Children referred in the group per replication, on average (none in a replication
    where the group does not appear); NaN when the rows do not count them."""
    counts = values.get((dimension, group, SIZE_METRIC))
    if counts is None or not replications:
        return math.nan
    return sum(counts.values()) / len(replications)


def _order(keys: Iterable[Key]) -> list[Key]:
    """Dimensions as outcomes lists them (others after), groups as they came, metrics in
    METRICS' order (others after)."""
    dims = {d: i for i, d in enumerate(DIMENSIONS)}
    metrics = {m: i for i, m in enumerate(METRICS)}
    seen: dict[tuple[str, str], int] = {}
    for d, g, _m in keys:
        seen.setdefault((d, g), len(seen))
    return sorted(
        set(keys),
        key=lambda k: (
            dims.get(k[0], len(dims)),
            k[0],
            seen[k[:2]],
            metrics.get(k[2], len(metrics)),
            k[2],
        ),
    )


def group_differences(groups: Sequence[dict[str, Any]], baseline: str) -> list[dict[str, Any]]:
    """Each other scenario minus the baseline, per dimension, group and metric, paired by
    replication: mean, low, high, n (replications paired), `children` (the smaller of the
    two scenarios' children in the group per replication) and `verdict`."""
    values, replications = _by_scenario(groups)
    base = values.get(baseline, {})
    out = []
    for scenario in sorted(set(values) - {baseline}):
        other = values[scenario]
        for dimension, group, metric in _order(set(base) & set(other)):
            if metric == SIZE_METRIC:
                continue
            a, b = base[(dimension, group, metric)], other[(dimension, group, metric)]
            paired = [b[r] - a[r] for r in sorted(set(a) & set(b))]
            row = interval(paired)
            sizes = [
                _children(base, replications[baseline], dimension, group),
                _children(other, replications[scenario], dimension, group),
            ]
            children = min((n for n in sizes if not math.isnan(n)), default=math.nan)
            small = not math.isnan(children) and children < SMALL_GROUP
            verdict = judge(metric, row)
            if small and verdict != NOT_JUDGED:
                verdict = TOO_SMALL
            out.append(
                {
                    "scenario": scenario,
                    "baseline": baseline,
                    "dimension": dimension,
                    "group": group,
                    "metric": metric,
                    "children": children,
                    "verdict": verdict,
                }
                | row
            )
    return out


def worse_off(differences: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every (scenario, dimension, group, metric) judged worse than the baseline, in the
    order given: what a report says before anything else."""
    return [r for r in differences if r["verdict"] == WORSE]


def small_groups(differences: Iterable[dict[str, Any]]) -> list[tuple[str, str, float]]:
    """(dimension, group, children per replication) of every group too small to judge."""
    seen: dict[tuple[str, str], float] = {}
    for r in differences:
        if r["verdict"] == TOO_SMALL:
            seen.setdefault((r["dimension"], r["group"]), r["children"])
    return [(d, g, n) for (d, g), n in seen.items()]


__all__ = [
    "BETTER",
    "NOT_JUDGED",
    "SMALL_GROUP",
    "TOO_SMALL",
    "UNCLEAR",
    "WORSE",
    "group_differences",
    "judge",
    "small_groups",
    "worse_off",
]
