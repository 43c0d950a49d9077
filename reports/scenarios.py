"""The scenario comparison report: plots (PNG) and one self-contained HTML page.

Reads the scenarios as run and the tables of `scenarios.runner.run_scenarios` (or
`load_results`, so a report is redrawn from stored results without simulating again).
The first scenario is the baseline: every other is compared with it replication by
replication (common random numbers, `scenarios.outcomes.differences`).

Plots are drawn on `matplotlib.figure.Figure` objects, not through pyplot, so a report
can be drawn in a worker thread (the API's background comparisons) while pyplot is busy
elsewhere; each figure belongs to one call.
"""

from __future__ import annotations

import html
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from reports.common import STYLE, empty_png, img, png, write_pngs
from scenarios.outcomes import (
    DIMENSIONS,
    METRICS,
    SHARE_METRICS,
    differences,
    interval,
    summary,
    weekly_bands,
)
from scenarios.spec import AGE_BANDS, Scenario

Tables = dict[str, list[dict[str, Any]]]

BLUE, ORANGE, GREEN, PURPLE, RED, TEAL, GREY = (
    "#1f5f8b",
    "#d9822b",
    "#2f855a",
    "#6b46c1",
    "#c53030",
    "#2c7a7b",
    "#9aa5b1",
)
COLOURS = (BLUE, ORANGE, GREEN, PURPLE, RED, TEAL)

#: How each metric reads: shares as %, money as £, weeks to one decimal, counts whole.
SHARES = SHARE_METRICS
MONEY = frozenset({"weekly_cost_mean", "annual_cost"})
WEEKS = frozenset({"wait_mean_weeks", "wait_p90_weeks"})
COUNTS = frozenset({"unplaced_child_days", "referred"})
#: Demand, not an outcome: a difference is shown (higher, lower) but never judged.
NEUTRAL = frozenset({"referred"})

#: The weekly columns drawn over time, with their panel titles.
OVER_TIME: tuple[tuple[str, str], ...] = (
    ("waiting", "children waiting at the end of the week"),
    ("fallback", "children sent to the emergency fallback that week"),
    ("residential", "children in residential care"),
    ("weekly_cost", "weekly cost of placements, £"),
)
GROUP_METRICS: tuple[tuple[str, str], ...] = (
    ("share_home_la", "% placed in their home LA"),
    ("share_fallback", "% sent to the emergency fallback"),
)
GROUP_ORDER: dict[str, tuple[str, ...]] = {
    "sex": ("girls", "boys", "not recorded"),
    "age_band": AGE_BANDS,
    "disability": ("disabled", "not disabled"),
}
DIMENSION_TITLES = {
    "ethnicity": "ethnicity",
    "sex": "sex",
    "age_band": "age band at referral",
    "disability": "disability",
}
#: Extra page style: verdicts on differences.
MARKS = ".better{background:#c6f6d5} .worse{background:#fed7d7} .num{white-space:nowrap}"


# -- numbers as text ---------------------------------------------------------------------


def _nan(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt(metric: str, value: float | None) -> str:
    """A metric's value as a planner reads it: 62.1%, £1,234,567, 3.4 (weeks), 1,234."""
    if _nan(value):
        return "–"
    assert value is not None
    if metric in SHARES:
        return f"{100 * value:.1f}%"
    if metric in MONEY:
        return f"£{value:,.0f}"
    if metric in WEEKS:
        return f"{value:.1f}"
    if metric in COUNTS:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def fmt_diff(metric: str, value: float | None) -> str:
    """A difference, signed: +3.1 pp (percentage points), -£12,345, +0.4, +1,200; a
    difference too small to show is ±0."""
    if _nan(value):
        return "–"
    assert value is not None
    size = abs(value)
    if metric in SHARES:
        text = f"{100 * size:.1f} pp"
    elif metric in MONEY:
        text = f"£{size:,.0f}"
    elif metric in WEEKS:
        text = f"{size:.1f}"
    elif metric in COUNTS:
        text = f"{size:,.0f}"
    else:
        text = f"{size:,.1f}"
    return ("+" if value > 0 else "-") + text if shows_anything(text) else "±" + text


def shows_anything(text: str) -> bool:
    """Whether a formatted number shows anything but zeros."""
    return any(ch in "123456789" for ch in text)


def verdict(metric: str, row: dict[str, Any]) -> str:
    """'better' or 'worse' when the 95% interval of a difference excludes zero (with at
    least two replications), 'higher' or 'lower' for a metric that is not judged
    (NEUTRAL), else '' (within noise)."""
    low, high = row.get("low"), row.get("high")
    if row.get("n", 0) < 2 or low is None or high is None or _nan(low) or _nan(high):
        return ""
    if low <= 0 <= high:
        return ""
    up = low > 0
    if metric in NEUTRAL:
        return "higher" if up else "lower"
    return "better" if up == METRICS[metric][1] else "worse"


# -- the tables behind the report --------------------------------------------------------


def _names(scenarios: Sequence[Scenario]) -> list[str]:
    return [s.name for s in scenarios]


def _replications(tables: Tables, scenario: str) -> int:
    return len({r["replication"] for r in tables["timing"] if r["scenario"] == scenario})


def summary_by(tables: Tables) -> dict[tuple[str, str], dict[str, Any]]:
    """(scenario, metric) -> mean, low, high, n over replications."""
    return {(r["scenario"], r["metric"]): r for r in summary(tables["totals"])}


def differences_by(
    scenarios: Sequence[Scenario], tables: Tables
) -> dict[tuple[str, str], dict[str, Any]]:
    """(scenario, metric) -> the paired difference from the baseline (the first)."""
    if len(scenarios) < 2:
        return {}
    rows = differences(tables["totals"], scenarios[0].name)
    return {(r["scenario"], r["metric"]): r for r in rows}


def _per_year(tables: Tables, scenario: Scenario, share: str | None = None) -> dict[int, float]:
    """Per replication: children a year with a share's outcome (share × referred, scaled
    to 52 weeks), or the referred children a year."""
    by: dict[int, dict[str, float]] = defaultdict(dict)
    for r in tables["totals"]:
        if r["scenario"] == scenario.name:
            by[r["replication"]][r["metric"]] = r["value"]
    scale = 52 / scenario.horizon_weeks
    out = {}
    for rep, values in by.items():
        if "referred" not in values or (share is not None and share not in values):
            continue
        count = values["referred"] * (values[share] if share else 1.0)
        if not math.isnan(count):
            out[rep] = count * scale
    return out


def paired_per_year(
    tables: Tables, baseline: Scenario, other: Scenario, share: str
) -> dict[str, float]:
    """The difference in children a year with an outcome (other minus baseline), paired
    by replication, with its 95% interval."""
    a, b = _per_year(tables, baseline, share), _per_year(tables, other, share)
    return interval([b[r] - a[r] for r in sorted(set(a) & set(b))])


def blocking_means(scenarios: Sequence[Scenario], tables: Tables) -> dict[str, dict[str, float]]:
    """rule -> scenario -> children a replication sent to the fallback because of it
    (a replication without the rule counts as none)."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in tables["blocking"]:
        sums[r["rule"]][r["scenario"]] += r["children"]
    out: dict[str, dict[str, float]] = {}
    for rule, by in sums.items():
        out[rule] = {
            s.name: by.get(s.name, 0.0) / max(1, _replications(tables, s.name)) for s in scenarios
        }
    return dict(sorted(out.items(), key=lambda kv: -sum(kv[1].values())))


def group_intervals(tables: Tables) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    """(scenario, dimension, group, metric) -> mean and interval over replications."""
    by: dict[tuple[str, str, str, str], list[float]] = defaultdict(list)
    for r in tables["groups"]:
        by[(r["scenario"], r["dimension"], r["group"], r["metric"])].append(r["value"])
    return {k: interval(v) for k, v in by.items()}


def _groups_in_order(dimension: str, groups: set[str]) -> list[str]:
    known = GROUP_ORDER.get(dimension, ())
    return [g for g in known if g in groups] + sorted(groups - set(known))


def _short(name: str, width: int = 28) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


# -- plots --------------------------------------------------------------------------------


def _colour(i: int) -> str:
    return COLOURS[i % len(COLOURS)]


def chart_over_time(scenarios: Sequence[Scenario], tables: Tables) -> bytes:
    """Weekly means with their 95% bands, per scenario: children waiting, sent to the
    fallback, in residential care, and the weekly cost."""
    fig = Figure(layout="constrained", figsize=(13, 7.5))
    axes = fig.subplots(2, 2, sharex=True).ravel()
    for ax, (column, title) in zip(axes, OVER_TIME, strict=True):
        bands = weekly_bands(tables["weekly"], column)
        for i, s in enumerate(scenarios):
            rows = [b for b in bands if b["scenario"] == s.name]
            weeks = [b["week"] for b in rows]
            ax.plot(weeks, [b["mean"] for b in rows], color=_colour(i), label=_short(s.name))
            ax.fill_between(
                weeks,
                [b["low"] for b in rows],
                [b["high"] for b in rows],
                color=_colour(i),
                alpha=0.2,
                linewidth=0,
            )
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        if column == "weekly_cost":
            ax.yaxis.set_major_formatter(lambda v, _pos: f"£{v:,.0f}")
    for ax in axes[2:]:
        ax.set_xlabel("week")
    axes[0].legend(fontsize=8)
    fig.suptitle("Over time: weekly mean and 95% interval over replications", fontsize=11)
    return png(fig)


def chart_differences(scenarios: Sequence[Scenario], tables: Tables) -> bytes:
    """A forest plot: each metric's paired difference from the baseline with its 95%
    interval, one row per scenario, a zero line; green better, red worse beyond noise."""
    if len(scenarios) < 2:
        return empty_png("one scenario: nothing to compare with the baseline")
    fig = Figure(
        layout="constrained", figsize=(9, 1.0 + len(METRICS) * (0.35 + 0.3 * (len(scenarios) - 1)))
    )
    diffs = differences_by(scenarios, tables)
    others = list(scenarios[1:])
    axes = fig.subplots(len(METRICS), 1)
    for ax, (metric, (label, _higher)) in zip(axes, METRICS.items(), strict=True):
        scale = 100.0 if metric in SHARES else 1.0
        for k, s in enumerate(others):
            row = diffs.get((s.name, metric))
            if row is None or _nan(row["mean"]):
                continue
            mark = verdict(metric, row)
            colour = {"better": GREEN, "worse": RED}.get(mark, GREY if mark == "" else BLUE)
            mean, low, high = (scale * row[x] for x in ("mean", "low", "high"))
            ax.errorbar(
                [mean],
                [k],
                xerr=[[mean - low], [high - mean]],
                fmt="o",
                color=colour,
                capsize=3,
            )
        ax.axvline(0, color="#4a5568", linewidth=1)
        ax.set_yticks(range(len(others)), [_short(s.name) for s in others], fontsize=8)
        ax.set_ylim(-0.6, len(others) - 0.4)
        ax.invert_yaxis()
        ax.tick_params(axis="x", labelsize=8)
        where = " (percentage points)" if metric in SHARES else ""
        ax.set_title(f"{label}{where}", fontsize=9, loc="left")
        if metric in MONEY:
            ax.xaxis.set_major_formatter(lambda v, _pos: f"£{v:,.0f}")
        ax.grid(axis="x", alpha=0.3)
    fig.suptitle(
        f"Differences from '{_short(scenarios[0].name, 40)}' with 95% intervals "
        "(green better, red worse beyond noise)",
        fontsize=11,
    )
    return png(fig)


def chart_blocking(scenarios: Sequence[Scenario], tables: Tables) -> bytes:
    """For children sent to the emergency fallback: the hard rule that shut them out of
    every local home (or `vacancy`: homes that fit were full), children per replication."""
    means = blocking_means(scenarios, tables)
    if not means:
        return empty_png("no child was sent to the emergency fallback")
    fig = Figure(layout="constrained", figsize=(9, 1.4 + 0.35 * len(means) * len(scenarios) / 1.5))
    ax = fig.subplots()
    rules = list(means)
    height = 0.8 / len(scenarios)
    for i, s in enumerate(scenarios):
        ys = [k + (i - (len(scenarios) - 1) / 2) * height for k in range(len(rules))]
        ax.barh(
            ys, [means[r][s.name] for r in rules], height, color=_colour(i), label=_short(s.name)
        )
    ax.set_yticks(range(len(rules)), rules)
    ax.invert_yaxis()
    ax.set_xlabel("children sent to the fallback, mean per replication")
    ax.set_title("What shut children out of every local home", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8)
    return png(fig)


def chart_groups(scenarios: Sequence[Scenario], tables: Tables) -> bytes:
    """Share placed in the home LA and share sent to the fallback, by ethnicity, sex,
    age band and disability, per scenario (means with 95% intervals)."""
    stats = group_intervals(tables)
    groups = {d: _groups_in_order(d, {k[2] for k in stats if k[1] == d}) for d in DIMENSIONS}
    if not stats:
        return empty_png("no child was referred")
    tallest = max(len(g) for g in groups.values())
    tall = 2.0 + 2 * 0.32 * max(1, tallest) * len(scenarios) / 1.5
    fig = Figure(layout="constrained", figsize=(16, min(20.0, tall)))
    axes = fig.subplots(len(GROUP_METRICS), len(DIMENSIONS), squeeze=False)
    height = 0.8 / len(scenarios)
    for row, (metric, label) in enumerate(GROUP_METRICS):
        for col, dim in enumerate(DIMENSIONS):
            ax = axes[row][col]
            names = groups[dim]
            for i, s in enumerate(scenarios):
                ys: list[float] = []
                xs: list[float] = []
                errs: list[list[float]] = [[], []]
                for k, g in enumerate(names):
                    st = stats.get((s.name, dim, g, metric))
                    if st is None or _nan(st["mean"]):
                        continue
                    ys.append(k + (i - (len(scenarios) - 1) / 2) * height)
                    xs.append(100 * st["mean"])
                    errs[0].append(100 * (st["mean"] - st["low"]))
                    errs[1].append(100 * (st["high"] - st["mean"]))
                ax.barh(
                    ys,
                    xs,
                    height,
                    xerr=errs,
                    color=_colour(i),
                    label=_short(s.name),
                    error_kw={"elinewidth": 0.8, "capsize": 1.5},
                )
            base = [stats.get((scenarios[0].name, dim, g, "referred")) for g in names]
            labels = [
                g if b is None or _nan(b["mean"]) else f"{g} ({b['mean']:,.0f})"
                for g, b in zip(names, base, strict=True)
            ]
            ax.set_yticks(range(len(names)), labels, fontsize=8)
            ax.invert_yaxis()
            ax.set_xlim(0, 100)
            ax.tick_params(axis="x", labelsize=8)
            ax.grid(axis="x", alpha=0.3)
            if row == 0:
                ax.set_title(DIMENSION_TITLES.get(dim, dim), fontsize=10)
            if col == 0:
                ax.set_ylabel(label, fontsize=9)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=min(6, len(labels)), fontsize=8)
    fig.suptitle(
        "Who is placed near home and who is sent away: means with 95% intervals "
        "(in brackets, children referred in a replication of the baseline)",
        fontsize=11,
    )
    return png(fig)


CHARTS: dict[str, Callable[[Sequence[Scenario], Tables], bytes]] = {
    "over-time.png": chart_over_time,
    "differences.png": chart_differences,
    "blocking.png": chart_blocking,
    "groups.png": chart_groups,
}


def charts(scenarios: Sequence[Scenario], tables: Tables) -> dict[str, bytes]:
    """Every plot of the report, by file name."""
    return {name: draw(scenarios, tables) for name, draw in CHARTS.items()}


# -- the page -----------------------------------------------------------------------------

Cell = str | tuple[str, str]  # text, or (text, CSS class)


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> str:
    """A table of texts (escaped here), each cell optionally with a class."""

    def td(c: Cell) -> str:
        text, cls = (c, "") if isinstance(c, str) else c
        attr = f' class="{html.escape(cls)}"' if cls else ""
        return f"<td{attr}>{html.escape(text)}</td>"

    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(td(c) for c in r) + "</tr>" for r in rows)
    return f"<h3>{html.escape(title)}</h3><table><tr>{head}</tr>{body}</table>"


def clipped(metric: str, low: float, high: float) -> tuple[float, float]:
    """A mean's interval within what the metric can be: no measure is below zero, no
    share above 100%."""
    return max(0.0, low), (min(1.0, high) if metric in SHARES else high)


def _span(metric: str, row: dict[str, Any], diff: bool = False) -> str:
    """'mean (low to high)'. A mean's interval is clipped to what the metric can be (a
    share within 0–100%, nothing below zero); a difference's is not."""
    f = fmt_diff if diff else fmt
    text = f(metric, row["mean"])
    low, high = row["low"], row["high"]
    if row.get("n", 0) < 2 or _nan(low) or low == high:
        return text
    if not diff:
        low, high = clipped(metric, low, high)
    if f(metric, low) == f(metric, high):
        return text
    return text + f" ({f(metric, low)} to {f(metric, high)})"


def summary_rows(scenarios: Sequence[Scenario], tables: Tables) -> list[list[Cell]]:
    by = summary_by(tables)
    out: list[list[Cell]] = []
    for metric, (label, _higher) in METRICS.items():
        cells: list[Cell] = [label]
        for s in scenarios:
            row = by.get((s.name, metric))
            cells.append(("–" if row is None else _span(metric, row), "num"))
        out.append(cells)
    return out


def difference_rows(scenarios: Sequence[Scenario], tables: Tables) -> list[list[Cell]]:
    diffs = differences_by(scenarios, tables)
    out: list[list[Cell]] = []
    for metric, (label, higher) in METRICS.items():
        better = "–" if metric in NEUTRAL else ("higher" if higher else "lower")
        cells: list[Cell] = [label, better]
        for s in scenarios[1:]:
            row = diffs.get((s.name, metric))
            if row is None:
                cells.append("–")
                continue
            mark = verdict(metric, row)
            text = _span(metric, row, diff=True) + (f" {mark}" if mark else "")
            cells.append((text, f"num {mark}".strip()))
        out.append(cells)
    return out


def _change(
    row: dict[str, Any],
    words: tuple[str, str],
    show: Callable[[float], str],
    said: tuple[str, str],
) -> str:
    """A paired difference in words with its interval: `said` is the phrase for a
    change ('{amount} {word} ...', with `amount` and `word` filled in) and for none."""
    more, less = words
    mean, low, high, n = row["mean"], row["low"], row["high"], row["n"]
    if _nan(mean):
        return said[1] + " (no data)"
    if not shows_anything(show(abs(mean))):
        text = said[1]
    else:
        amount = show(abs(mean))
        noun = "child" if amount == "1" else "children"
        text = said[0].format(amount=amount, word=more if mean > 0 else less, children=noun)
    if n < 2:
        return f"{text} (one replication: no interval)"
    if not (shows_anything(show(abs(low))) or shows_anything(show(abs(high)))):
        return text
    if low > 0:
        return f"{text} (95% interval {show(low)} to {show(high)} {more})"
    if high < 0:
        return f"{text} (95% interval {show(-high)} to {show(-low)} {less})"
    return f"{text} (95% interval {show(-low)} {less} to {show(high)} {more}: could be chance)"


def lead(scenarios: Sequence[Scenario], tables: Tables) -> list[str]:
    """One plain-English sentence per scenario compared with the baseline: children a
    year placed within 20 miles and sent to the fallback, the annual cost, the wait."""
    if len(scenarios) < 2:
        return []
    base = scenarios[0]
    diffs = differences_by(scenarios, tables)
    count = lambda v: f"{round(v):,}"  # noqa: E731
    money = lambda v: f"£{v:,.0f}"  # noqa: E731
    weeks = lambda v: f"{v:.1f} weeks"  # noqa: E731
    out = []
    for s in scenarios[1:]:
        near = _change(
            paired_per_year(tables, base, s, "share_within_20_miles"),
            ("more", "fewer"),
            count,
            (
                "places {amount} {word} {children} within 20 miles of home a year",
                "places as many children within 20 miles of home",
            ),
        )
        away = _change(
            paired_per_year(tables, base, s, "share_fallback"),
            ("more", "fewer"),
            count,
            (
                "sends {amount} {word} {children} a year to the emergency fallback out of area",
                "sends as many to the emergency fallback",
            ),
        )
        cost = _change(
            diffs[(s.name, "annual_cost")],
            ("more", "less"),
            money,
            ("costs {amount} {word} a year", "costs the same"),
        )
        wait = _change(
            diffs[(s.name, "wait_mean_weeks")],
            ("longer", "shorter"),
            weeks,
            ("children wait {amount} {word} on average", "children wait as long on average"),
        )
        out.append(f"Compared with '{base.name}', '{s.name}' {near}, {away} and {cost}; {wait}.")
    return out


def facts_rows(scenarios: Sequence[Scenario], tables: Tables) -> list[list[Cell]]:
    out: list[list[Cell]] = []
    for s in scenarios:
        seconds = [r["seconds"] for r in tables["timing"] if r["scenario"] == s.name]
        median = f"{statistics.median(seconds):.1f}" if seconds else "–"
        out.append(
            [
                s.name,
                s.description or "–",
                str(_replications(tables, s.name)),
                str(s.horizon_weeks),
                f"{s.children:,} children, {s.households:,} households; {', '.join(s.las)}",
                f"{s.yearly_referrals:,.0f}",
                s.matching.replace("_", " "),
                median,
            ]
        )
    return out


def _scaled(scenarios: Sequence[Scenario]) -> str:
    weeks = sorted({s.horizon_weeks for s in scenarios})
    if weeks == [52]:
        return ""
    span = " or ".join(map(str, weeks))
    return f" Children a year are scaled to 52 weeks from runs of {span} weeks."


def render_html(
    scenarios: Sequence[Scenario], tables: Tables, pngs: dict[str, bytes] | None = None
) -> str:
    """One self-contained page: what was compared, the lead, the summary and the
    differences with their intervals, and the plots (embedded)."""
    pngs = pngs or charts(scenarios, tables)
    names = _names(scenarios)
    title = "Scenario comparison: " + ", ".join(names)
    e = html.escape
    parts = [f"<h1>{e(title)}</h1>"]
    sentences = lead(scenarios, tables)
    if sentences:
        parts += [f"<p>{e(x)}</p>" for x in sentences]
    else:
        parts.append("<p>One scenario: nothing to compare it with.</p>")
    parts.append(
        "<p class=note>The first scenario is the baseline. Every figure is a mean over "
        "replications with its 95% interval; differences are paired replication by "
        "replication (each replication of every scenario sees the same children "
        "arrive), and <span class=better>better</span> or <span class=worse>worse</span> "
        "marks a difference whose interval excludes zero. Shares are of the children "
        "referred during the run; costs include the children already placed at the "
        f"start.{_scaled(scenarios)}</p>"
    )
    parts.append("<h2>Figures</h2>")
    parts.append(
        _table(
            "What was run",
            [
                "scenario",
                "what changes",
                "replications",
                "weeks",
                "starting population",
                "referrals a year",
                "matching",
                "median seconds a replication",
            ],
            facts_rows(scenarios, tables),
        )
    )
    parts.append(_table("Outcomes", ["measure", *names], summary_rows(scenarios, tables)))
    if len(scenarios) > 1:
        parts.append(
            _table(
                f"Differences from '{names[0]}' (95% interval)",
                ["measure", "better when", *names[1:]],
                difference_rows(scenarios, tables),
            )
        )
    parts += [
        "<h2>Differences</h2>",
        img(pngs["differences.png"], "differences from the baseline with 95% intervals"),
        "<h2>Over time</h2>",
        img(pngs["over-time.png"], "weekly outcomes over time"),
        "<h2>Why children were sent out of area</h2>",
        "<p class=note>For each child sent to the emergency fallback, the hard rule that "
        "shut them out of every local home; <i>vacancy</i>: homes that fit them were "
        "full. This says what to recruit.</p>",
        img(pngs["blocking.png"], "the rules that blocked children sent out of area"),
        "<h2>Who is placed near home</h2>",
        img(pngs["groups.png"], "outcomes by ethnicity, sex, age band and disability"),
    ]
    body = "\n".join(parts)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{e(title)}</title><style>{STYLE}{MARKS}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def write_report(scenarios: Sequence[Scenario], tables: Tables, out_dir: Path) -> list[Path]:
    """report.html and the PNGs, written to `out_dir` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pngs = charts(scenarios, tables)
    written = write_pngs(pngs, out_dir)
    (out_dir / "report.html").write_text(render_html(scenarios, tables, pngs), "utf-8")
    return [out_dir / "report.html", *written]
