"""The product against today's practice: a markdown page ready for the docs, and a plot.

The first scenario is today's practice (referrals matched one at a time as they arrive,
nearest vacancy first: `scenarios/examples/on-arrival.yaml`), the second the product
(the weekly batch: `baseline.yaml`), any others further what-ifs beside them. Every
difference is paired replication by replication (common random numbers) and judged by
`scenarios.by_group.judge`; the groups where the product does worse come first, so no
group is shown worse off without it being seen.

Numbers read as docs/scenarios.md §5 writes them: shares as % to one decimal,
differences of shares in percentage points, money in £m.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from reports.common import empty_png, png
from reports.scenarios import (
    DIMENSION_TITLES,
    GREEN,
    GREY,
    GROUP_ORDER,
    MONEY,
    RED,
    SHARES,
    WEEKS,
    Tables,
    differences_by,
    fmt,
    fmt_diff,
    paired_per_year,
    shows_anything,
    summary_by,
)
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
from scenarios.outcomes import METRICS
from scenarios.spec import Scenario

#: The outcomes drawn group by group in the plot (those present are drawn).
KEY_OUTCOMES = ("share_within_20_miles", "share_fallback", "wait_mean_weeks")
#: The plot's colours for a verdict (grey: no clear difference, or too few to judge).
COLOURS = {BETTER: GREEN, WORSE: RED}


# -- numbers as text ---------------------------------------------------------------------


def value_text(metric: str, value: float | None, diff: bool = False) -> str:
    """A value as the docs write it: money in £m (two decimals for a difference), weeks
    to two decimals (a wait is short), the rest as the scenario report writes it."""
    if value is None or math.isnan(value):
        return "–"
    if metric in MONEY or metric in WEEKS:
        size = abs(value) / 1e6 if metric in MONEY else abs(value)
        text = f"{size:,.2f}" if diff or metric in WEEKS else f"{size:,.1f}"
        text = f"£{text}m" if metric in MONEY else text
        return signed(value, text) if diff else text
    return (fmt_diff if diff else fmt)(metric, value).replace("-", "−")


def signed(value: float, text: str) -> str:
    """A difference's size `text` with its sign; ± when the text shows nothing but zeros."""
    return ("+" if value > 0 else "−") + text if shows_anything(text) else "±" + text


def span(metric: str, row: dict[str, Any] | None, diff: bool = False) -> str:
    """'mean (low to high)', the interval left out when it says nothing more."""
    if row is None:
        return "–"
    text = value_text(metric, row["mean"], diff)
    low, high = row.get("low", math.nan), row.get("high", math.nan)
    if row.get("n", 0) < 2 or math.isnan(low) or math.isnan(high):
        return text
    if not diff:
        low, high = max(0.0, low), (min(1.0, high) if metric in SHARES else high)
    a, b = (value_text(metric, v, diff).removesuffix(" pp") for v in (low, high))
    return text if a == b else f"{text} ({a} to {b})"


def _marked(text: str, verdict: str) -> str:
    return f"**{text}** {verdict}" if verdict in (BETTER, WORSE) else f"{text} {verdict}"


def _md_table(columns: Sequence[str], rows: Sequence[Sequence[str]], right_from: int) -> str:
    """A GitHub table; columns from `right_from` on are right-aligned (numbers)."""
    align = ["---" if i < right_from else "--:" for i in range(len(columns))]
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(lines)


# -- the page ----------------------------------------------------------------------------


def headline_table(scenarios: Sequence[Scenario], tables: Tables) -> str:
    """Outcome, practice and product (and any others) with 95% intervals, and each
    paired difference from practice with its verdict."""
    means, diffs = summary_by(tables), differences_by(scenarios, tables)
    others = list(scenarios[1:])
    columns = ["outcome", *(s.name for s in scenarios)]
    columns += ["difference"] if len(others) == 1 else [f"{s.name}: difference" for s in others]
    rows = []
    for metric, (label, _higher) in METRICS.items():
        if not any((s.name, metric) in means for s in scenarios):
            continue
        cells = [label] + [span(metric, means.get((s.name, metric))) for s in scenarios]
        for s in others:
            row = diffs.get((s.name, metric))
            verdict = "–" if row is None else judge(metric, row)
            text = span(metric, row, diff=True)
            cells.append(text if verdict == NOT_JUDGED else _marked(text, verdict))
        rows.append(cells)
    return _md_table(columns, rows, 1)


def group_tables(scenario: str, rows: Sequence[dict[str, Any]]) -> list[str]:
    """One compact table per dimension: each group's difference from practice for every
    judged outcome measured by group."""
    mine = [r for r in rows if r["scenario"] == scenario and r["verdict"] != NOT_JUDGED]
    metrics = [m for m in METRICS if any(r["metric"] == m for r in mine)]
    metrics += sorted({r["metric"] for r in mine} - set(metrics))
    out = []
    order = ordered_groups(mine)
    for dimension in dict.fromkeys(d for d, _g in order):
        cells: dict[str, dict[str, dict[str, Any]]] = {g: {} for d, g in order if d == dimension}
        for r in mine:
            if r["dimension"] == dimension:
                cells[r["group"]][r["metric"]] = r
        columns = [DIMENSION_TITLES.get(dimension, dimension), "children a replication"]
        columns += [METRICS.get(m, (m, None))[0] for m in metrics]
        body = []
        for group, by_metric in cells.items():
            children = next(iter(by_metric.values()))["children"]
            line = [group, "–" if math.isnan(children) else f"{children:,.0f}"]
            for m in metrics:
                cell = by_metric.get(m)
                line.append("–" if cell is None else _group_cell(m, cell))
            body.append(line)
        out.append(f"#### By {columns[0]}\n\n" + _md_table(columns, body, 1))
    return out


def ordered_groups(rows: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """(dimension, group) in reading order: dimensions as given, groups in their natural
    order where there is one (age bands, sex), else the largest first."""
    size: dict[tuple[str, str], float] = {}
    for r in rows:
        size.setdefault((r["dimension"], r["group"]), r["children"])
    dims = list(dict.fromkeys(d for d, _g in size))

    def rank(key: tuple[str, str]) -> tuple[int, int, float, str]:
        known = GROUP_ORDER.get(key[0], ())
        n = size[key]
        where = known.index(key[1]) if key[1] in known else len(known)
        return dims.index(key[0]), where, -(0.0 if math.isnan(n) else n), key[1]

    return sorted(size, key=rank)


def _group_cell(metric: str, row: dict[str, Any]) -> str:
    text = span(metric, row, diff=True)
    if row["verdict"] == TOO_SMALL:
        return f"{text} (too few)"
    return text if row["verdict"] == UNCLEAR else _marked(text, row["verdict"])


def worse_list(rows: Sequence[dict[str, Any]]) -> str:
    """The groups and outcomes where a scenario does worse than practice, one a line."""
    lines = []
    for r in worse_off(rows):
        label = METRICS.get(r["metric"], (r["metric"], None))[0]
        dim = DIMENSION_TITLES.get(r["dimension"], r["dimension"])
        lines.append(
            f"- **{r['scenario']}**, {dim} *{r['group']}*: {label} "
            f"{span(r['metric'], r, diff=True)}{_children(r['children'])}"
        )
    return "\n".join(lines)


def _signed(row: dict[str, Any], show: Callable[[float], str]) -> str:
    """'+45 (+23 to +67)': a paired difference with its 95% interval."""

    def one(v: float) -> str:
        return signed(v, show(abs(v)))

    if math.isnan(row["mean"]):
        return "–"
    if row.get("n", 0) < 2:
        return one(row["mean"])
    return f"{one(row['mean'])} ({one(row['low'])} to {one(row['high'])})"


def gains(scenarios: Sequence[Scenario], tables: Tables) -> list[str]:
    """One sentence per scenario: what a region gains (or loses) in a year against
    today's practice, in children, money and days."""
    base, diffs = scenarios[0], differences_by(scenarios, tables)
    count = lambda v: f"{v:,.0f}"  # noqa: E731
    out = []
    for s in scenarios[1:]:
        near, home, away = (
            _signed(paired_per_year(tables, base, s, share), count)
            for share in ("share_within_20_miles", "share_home_la", "share_fallback")
        )
        cost = _signed(diffs[(s.name, "annual_cost")], lambda v: f"£{v / 1e6:,.2f}m")
        wait = _signed(diffs[(s.name, "wait_mean_weeks")], lambda v: f"{7 * v:.1f}")
        out.append(
            f"A year of '{s.name}' against today's practice, in children a year (95% "
            f"interval): placed within 20 miles of home {near}; placed in their home LA "
            f"{home}; sent to the emergency fallback {away}. Annual cost {cost}; mean "
            f"wait in days {wait}."
        )
    return out


def _children(n: float) -> str:
    return "" if math.isnan(n) else f" ({n:,.0f} children a replication)"


def render_markdown(
    scenarios: Sequence[Scenario], tables: Tables, image: str = "practice.png"
) -> str:
    """The page: what was run, who does worse (if anyone), the headline table, the plot,
    the tables by group."""
    base = scenarios[0]
    reps = len({r["replication"] for r in tables["totals"] if r["scenario"] == base.name})
    rows = group_differences(tables["groups"], base.name)
    today = base.description or base.matching.replace("_", " ") + " matching"
    parts = [
        "## The product against today's practice",
        f"{reps} replications of {base.horizon_weeks} weeks, {base.children:,} children and "
        f"{base.households:,} households in {', '.join(base.las)}. The first column, "
        f"'{base.name}', is today's practice: {today}. Every other column is compared "
        "with it replication by replication (the same children arrive in both). Means "
        "with 95% intervals; **bold** marks a difference whose interval excludes zero.",
        *gains(scenarios, tables),
    ]
    worse = worse_list(rows)
    parts.append(
        "### Where a group does worse than under today's practice\n\n"
        + (worse or "No group does clearly worse on any outcome measured by group.")
    )
    parts += [headline_table(scenarios, tables), f"![the product against practice]({image})"]
    for s in scenarios[1:]:
        small = small_groups(r for r in rows if r["scenario"] == s.name)
        named = "; ".join(f"{g} ({DIMENSION_TITLES.get(d, d)}, {n:,.1f})" for d, g, n in small)
        parts.append(
            f"### Differences by group: {s.name} minus today's practice\n\n"
            f"A group with fewer than {SMALL_GROUP:.0f} children a replication is marked "
            "*too few* and not judged" + (f": here {named}." if small else " (none here).")
        )
        parts += group_tables(s.name, rows)
    return "\n\n".join(parts) + "\n"


# -- the plot ----------------------------------------------------------------------------


def _forest(ax: Axes, metric: str, rows: Sequence[tuple[str, dict[str, Any], str]]) -> None:
    """Differences with interval bars on one axis, one per label, a zero line."""
    scale = 100.0 if metric in SHARES else (1e-6 if metric in MONEY else 1.0)
    for k, (_label, row, verdict) in enumerate(rows):
        if math.isnan(row["mean"]):
            continue
        mean, low, high = (scale * row[x] for x in ("mean", "low", "high"))
        colour = COLOURS.get(verdict, GREY)
        hollow = verdict == TOO_SMALL
        ax.errorbar(
            [mean],
            [k],
            xerr=[[max(0.0, mean - low)], [max(0.0, high - mean)]],
            fmt="o",
            color=colour,
            mfc="white" if hollow else colour,
            capsize=3,
        )
    ax.axvline(0, color="#4a5568", linewidth=1)
    ax.set_yticks(range(len(rows)), [label for label, _r, _v in rows], fontsize=8)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.invert_yaxis()
    ax.tick_params(axis="x", labelsize=8)
    ax.grid(axis="x", alpha=0.3)


def _title(metric: str) -> str:
    """A panel's title in the plot's units (percentage points, £m)."""
    label = METRICS[metric][0]
    if metric in MONEY:
        return label.replace(", £", ", £m")
    return label + (" (points)" if metric in SHARES else "")


def chart_practice(scenarios: Sequence[Scenario], tables: Tables) -> bytes:
    """Left, every outcome's paired difference from practice; right, the key outcomes'
    differences group by group (hollow: too few children to judge). Green better, red
    worse beyond noise."""
    diffs = differences_by(scenarios, tables)
    others = [s.name for s in scenarios[1:]]
    metrics = [m for m in METRICS if METRICS[m][1] is not None and (others[0], m) in diffs]
    groups = group_differences(tables["groups"], scenarios[0].name)
    groups = [r for r in groups if r["scenario"] == others[0]]
    keys = [m for m in KEY_OUTCOMES if any(r["metric"] == m for r in groups)]
    labels = ordered_groups(groups)
    if not metrics:
        return empty_png("no outcome to compare with today's practice")
    # Each outcome's panel needs room for a row per scenario compared with practice.
    height = max(7.0, 0.24 * len(labels), (0.4 + 0.3 * len(others)) * len(metrics))
    fig = Figure(layout="constrained", figsize=(7 + 3.6 * len(keys), height))
    left, right = fig.subfigures(1, 2, squeeze=False, width_ratios=[1.5, max(1, len(keys))])[0]
    for ax, metric in zip(
        left.subplots(len(metrics), 1, squeeze=False)[:, 0], metrics, strict=True
    ):
        rows = [(n, diffs[(n, metric)], judge(metric, diffs[(n, metric)])) for n in others]
        _forest(ax, metric, rows)
        ax.set_title(_title(metric), fontsize=8, loc="left")
    left.suptitle("All children", fontsize=10)
    if not keys:
        right.text(0.5, 0.5, "no outcome measured by group", ha="center", va="center")
    for ax, metric in zip(
        right.subplots(1, len(keys), squeeze=False)[0] if keys else [], keys, strict=True
    ):
        by = {(r["dimension"], r["group"]): r for r in groups if r["metric"] == metric}
        rows = [
            (f"{g} ({d.replace('_', ' ')})", by[(d, g)], by[(d, g)]["verdict"])
            for d, g in labels
            if (d, g) in by
        ]
        _forest(ax, metric, rows)
        ax.set_title(_title(metric), fontsize=9, loc="left")
    right.suptitle(f"By group: {others[0]}", fontsize=10)
    fig.suptitle(
        f"Differences from '{scenarios[0].name}' with 95% intervals: "
        "green better, red worse beyond noise",
        fontsize=11,
    )
    return png(fig)


def write_practice(scenarios: Sequence[Scenario], tables: Tables, out_dir: Path) -> list[Path]:
    """practice.md and practice.png in `out_dir` (created if needed)."""
    if len(scenarios) < 2:
        raise ValueError("the practice report needs practice and at least one other scenario")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "practice.png").write_bytes(chart_practice(scenarios, tables))
    (out_dir / "practice.md").write_text(render_markdown(scenarios, tables), "utf-8")
    return [out_dir / "practice.md", out_dir / "practice.png"]
