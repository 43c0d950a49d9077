"""Outcomes of simulated years: per replication, then over replications with intervals.

Everything is kept as plain rows (lists of dicts) in long form, so the same rows go to
Parquet, to the report and to the API:

- totals: one value per (scenario, replication, metric);
- weekly: one row per (scenario, replication, week);
- groups: the same outcomes by ethnicity group, sex, age band and disability;
- blocking: for children who went to the emergency fallback, the rule that shut them
  out of every local home (or `vacancy`: homes that fit were full).

Intervals are 95% t-intervals over replications. A comparison is paired: replication r
of every scenario saw the same children arrive (common random numbers), so the
difference is taken replication by replication before averaging, which removes most of
the noise two independent runs would show.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from scenarios.calibration import TARGETS
from scenarios.simulate import TWENTY_MILES_KM, Record, Run, simulate
from scenarios.spec import Scenario

#: What each total means, in the order reports show them, and whether higher is better
#: (None: not a judgement — how many children were referred is demand, not an outcome).
METRICS: dict[str, tuple[str, bool | None]] = {
    "share_home_la": ("placed in their home LA", True),
    "share_within_20_miles": ("placed within 20 miles of home", True),
    "share_fallback": ("sent to the emergency fallback (out of area)", False),
    "siblings_together": ("sibling groups kept together", True),
    "residential_mean": ("children in residential care (weekly mean)", False),
    "wait_mean_weeks": ("mean wait, weeks", False),
    "wait_p90_weeks": ("90th-percentile wait, weeks", False),
    "late_mean_days": ("days waiting past the date needed (mean)", False),
    "unplaced_child_days": ("unplaced child-days", False),
    "weekly_cost_mean": ("weekly cost, £ (mean)", False),
    "annual_cost": ("annual cost, £", False),
    "unplanned_endings": ("placements that broke down, as a share of children referred", False),
    "held_back": ("held back at least once for a better home (wait policy)", None),
    "referred": ("children referred", None),
}
DIMENSIONS = ("ethnicity", "sex", "age_band", "disability", "uasc")
#: The totals that are shares of children (or of sibling groups): shown as percentages.
SHARE_METRICS = frozenset(
    {
        "share_home_la",
        "share_within_20_miles",
        "share_fallback",
        "siblings_together",
        "unplanned_endings",
        "held_back",
    }
)


def _wait(r: Record, horizon: int) -> int:
    """Weeks from referral to a placement (the fallback counts); still waiting at the
    end: the weeks waited so far."""
    return (r.placed if r.placed is not None else horizon) - r.arrived


def _late(r: Record, horizon: int) -> int:
    """Days from the date the placement was needed to the week it was made (the
    fallback counts; still waiting: to the end), 0 when placed in time. A planned
    referral placed a week after arriving but a month before its date is not late."""
    placed = r.placed if r.placed is not None else horizon
    return max(0, (placed - r.arrived) * 7 - r.needed_in_days)


def _share(n: int, d: int) -> float:
    return n / d if d else float("nan")


def _p90(values: Sequence[float]) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return float(ordered[min(len(ordered) - 1, math.ceil(0.9 * len(ordered)) - 1)])


def child_outcomes(records: Sequence[Record], horizon: int) -> dict[str, float]:
    n = len(records)
    waits = [_wait(r, horizon) for r in records]
    return {
        "share_home_la": _share(sum(r.local and r.home_la for r in records), n),
        "share_within_20_miles": _share(
            sum(1 for r in records if r.local and r.km is not None and r.km <= TWENTY_MILES_KM),
            n,
        ),
        "share_fallback": _share(sum(r.kind == "fallback" for r in records), n),
        "wait_mean_weeks": statistics.fmean(waits) if waits else float("nan"),
        "wait_p90_weeks": _p90(waits),
        "late_mean_days": statistics.fmean(_late(r, horizon) for r in records)
        if records
        else float("nan"),
        "unplanned_endings": _share(sum(r.unplanned_endings for r in records), n),
        "held_back": _share(sum(r.held_back_weeks > 0 for r in records), n),
        "referred": float(n),
    }


def run_totals(run: Run, horizon: int) -> dict[str, float]:
    """The totals of one replication."""
    out = child_outcomes(run.children, horizon)
    groups = [g for g in run.groups if g["policy"] in ("must", "should")]
    out["siblings_together"] = _share(sum(g["together"] for g in groups), len(groups))
    weeks = run.weeks
    out["residential_mean"] = statistics.fmean(w["residential"] for w in weeks)
    out["unplaced_child_days"] = float(sum(w["unplaced_child_days"] for w in weeks))
    out["weekly_cost_mean"] = statistics.fmean(w["weekly_cost"] for w in weeks)
    out["annual_cost"] = out["weekly_cost_mean"] * 52
    return out


def _group_key(r: Record, dimension: str) -> str:
    if dimension == "disability":
        return "disabled" if r.disabled else "not disabled"
    if dimension == "uasc":
        return "UASC" if r.uasc else "not UASC"
    if dimension == "sex":
        return {"F": "girls", "M": "boys"}.get(r.sex, "not recorded")
    return str(getattr(r, dimension))


def rows(run: Run, horizon: int) -> dict[str, list[dict[str, Any]]]:
    """One replication as rows of the four tables."""
    key = {"scenario": run.scenario, "replication": run.replication}
    totals = [key | {"metric": m, "value": v} for m, v in run_totals(run, horizon).items()]
    weekly = [key | w for w in run.weeks]
    groups = []
    for dim in DIMENSIONS:
        by: dict[str, list[Record]] = defaultdict(list)
        for r in run.children:
            by[_group_key(r, dim)].append(r)
        for name, members in by.items():
            for metric, value in child_outcomes(members, horizon).items():
                groups.append(
                    key | {"dimension": dim, "group": name, "metric": metric, "value": value}
                )
    blocked = Counter(r.blocked_by for r in run.children if r.blocked_by)
    blocking = [key | {"rule": rule, "children": n} for rule, n in blocked.items()]
    timing = [key | {"seconds": run.seconds}]
    return {
        "totals": totals,
        "weekly": weekly,
        "groups": groups,
        "blocking": blocking,
        "timing": timing,
    }


def calibration_levels(run: Run) -> dict[str, float]:
    """The levels scenarios/calibration.py's TARGETS name, for one replication: shares of
    the children placed in the measured year (the fallback counts as out of the LA and
    beyond 20 miles), sibling groups kept together, and the weekly mean share of
    simulated placements that are in children's homes (the fallback counts as one)."""
    placed = [r for r in run.children if r.kind is not None]
    near = sum(1 for r in placed if r.local and r.km is not None and r.km <= TWENTY_MILES_KM)
    groups = [g for g in run.groups if g["policy"] in ("must", "should")]
    homes = [_share(w["residential"], w["placements"]) for w in run.weeks]
    return {
        "within_20_miles": _share(near, len(placed)),
        "siblings_together": _share(sum(g["together"] for g in groups), len(groups)),
        "childrens_homes": statistics.fmean(homes) if homes else float("nan"),
        "home_la": _share(sum(r.local and r.home_la for r in placed), len(placed)),
    }


def calibrate(scenario: Scenario, replications: int) -> dict[str, dict[str, float]]:
    """Each calibration target's simulated level over replications (mean and 95%
    interval), for a scenario run serially (the officer year: on-arrival.yaml)."""
    levels = [calibration_levels(simulate(scenario, r)) for r in range(replications)]
    return {name: interval([lv[name] for lv in levels]) for name in TARGETS}


# -- over replications -----------------------------------------------------------------

_T975 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    12: 2.179,
    15: 2.131,
    20: 2.086,
    25: 2.060,
    30: 2.042,
}


def t975(df: int) -> float:
    """The 97.5% point of Student's t (a table; 1.96 beyond 30 degrees of freedom)."""
    if df <= 0:
        return float("nan")
    if df > 30:
        return 1.96
    return _T975.get(df) or _T975[min(k for k in _T975 if k >= df)]


def interval(values: Sequence[float]) -> dict[str, float]:
    """Mean and 95% interval over replications (NaN-free values only)."""
    clean = [v for v in values if not math.isnan(v)]
    if not clean:
        return {"mean": float("nan"), "low": float("nan"), "high": float("nan"), "n": 0}
    mean = statistics.fmean(clean)
    if len(clean) < 2:
        return {"mean": mean, "low": mean, "high": mean, "n": len(clean)}
    half = t975(len(clean) - 1) * statistics.stdev(clean) / math.sqrt(len(clean))
    return {"mean": mean, "low": mean - half, "high": mean + half, "n": len(clean)}


def _by(rows_: Iterable[dict[str, Any]], *keys: str) -> dict[tuple[Any, ...], dict[int, float]]:
    out: dict[tuple[Any, ...], dict[int, float]] = defaultdict(dict)
    for r in rows_:
        out[tuple(r[k] for k in keys)][r["replication"]] = r["value"]
    return out


def summary(totals: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per scenario and metric: mean and 95% interval over replications."""
    out = []
    for (scenario, metric), values in _by(totals, "scenario", "metric").items():
        out.append({"scenario": scenario, "metric": metric} | interval(list(values.values())))
    return out


def differences(totals: Sequence[dict[str, Any]], baseline: str) -> list[dict[str, Any]]:
    """Each other scenario minus the baseline, metric by metric, paired by replication."""
    by = _by(totals, "scenario", "metric")
    scenarios = sorted({s for s, _ in by} - {baseline})
    out = []
    for scenario in scenarios:
        for metric in METRICS:
            a, b = by.get((baseline, metric), {}), by.get((scenario, metric), {})
            paired = [b[r] - a[r] for r in sorted(set(a) & set(b))]
            out.append(
                {"scenario": scenario, "baseline": baseline, "metric": metric} | interval(paired)
            )
    return out


def weekly_bands(weekly: Sequence[dict[str, Any]], column: str) -> list[dict[str, Any]]:
    """Per scenario and week: the mean of a weekly column and its interval."""
    by: dict[tuple[str, int], list[float]] = defaultdict(list)
    for r in weekly:
        by[(r["scenario"], r["week"])].append(float(r[column]))
    return [
        {"scenario": s, "week": w, "column": column} | interval(v)
        for (s, w), v in sorted(by.items())
    ]
