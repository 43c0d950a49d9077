"""The benchmark's markdown: the results table with ratios, and the equity tables."""

from __future__ import annotations

import math
import os
import platform
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from bench.metrics import (
    Summary,
    compare_equity,
    mean_km,
    placed_by_urgency,
    ratio,
    summarize,
)
from bench.runner import Instance, MethodRun
from vocab import URGENCIES

COLUMNS: tuple[str, ...] = (
    "size",
    "seed",
    "method",
    "solve s (median)",
    "status",
    "gap",
    "placed e / u / p",
    "placed",
    "siblings together / split",
    "mean km from home",
    "within 20 miles (share of placed)",
    "in home LA (share of placed)",
    "mean score",
    "weekly cost",
    "peak MB",
)
EQUITY_COLUMNS: tuple[str, ...] = (
    "dimension",
    "group",
    "children",
    "placed, product",
    "placed, greedy",
    "change (points)",
    "mean km, product",
    "mean km, greedy",
    "change (km)",
    "product worse?",
)
LABELS = {
    "product": "product",
    "greedy": "greedy (officer)",
    "naive": "naive CP-SAT",
    "long": "product, long run",
}
DASH = "—"


def _pct(x: float) -> str:
    return DASH if math.isnan(x) else f"{x:.0%}"


def _num(x: float, digits: int = 1) -> str:
    return DASH if math.isnan(x) else f"{x:,.{digits}f}"


def _ratio(x: float) -> str:
    return DASH if math.isnan(x) else f"{x:.3f}"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    align = ["---" if i < 3 else "--:" for i in range(len(header))]
    return [_row(header), _row(align), *(_row(r) for r in rows)]


def _status(run: MethodRun) -> str:
    counts = Counter(run.statuses)
    if len(counts) == 1:
        return run.statuses[0]
    return ", ".join(f"{s} ×{n}" for s, n in counts.most_common())


def _seconds(run: MethodRun) -> str:
    if len(run.seconds) > 1:
        return f"{run.median_seconds:.2f} ({min(run.seconds):.2f}–{max(run.seconds):.2f})"
    return f"{run.median_seconds:.2f}"


def _method_row(inst: Instance, run: MethodRun, s: Summary) -> list[str]:
    r = run.result
    gap = DASH if run.method == "greedy" else f"{r.gap:.2%}"
    gaps = [x.gap for x in run.results]
    if run.method != "greedy" and min(gaps) != max(gaps):
        gap += f" ({min(gaps):.2%}–{max(gaps):.2%})"  # every run's, not only the median's
    return [
        str(inst.size),
        str(inst.seed),
        LABELS[run.method],
        _seconds(run),
        _status(run),
        gap,
        " / ".join(str(s.placed_by_urgency[u]) for u in URGENCIES),
        f"{s.placed} / {s.children}",
        f"{s.siblings_together} / {s.siblings_split}",
        _num(s.mean_km),
        f"{s.placed_near:,} ({_pct(s.within_km)})",
        f"{s.placed_home_la:,} ({_pct(s.home_la)})",
        _num(s.mean_score),
        f"£{s.weekly_cost:,.0f}",
        f"{run.peak:,.0f}",
    ]


def _ratio_row(inst: Instance, label: str, a: Summary, b: Summary) -> list[str]:
    return [
        str(inst.size),
        str(inst.seed),
        label,
        "",
        "",
        "",
        " / ".join(
            _ratio(ratio(a.placed_by_urgency[u], b.placed_by_urgency[u])) for u in URGENCIES
        ),
        _ratio(ratio(a.placed, b.placed)),
        _ratio(ratio(a.siblings_together, b.siblings_together)),
        _ratio(ratio(a.mean_km, b.mean_km)),
        _ratio(ratio(a.placed_near, b.placed_near)),
        _ratio(ratio(a.placed_home_la, b.placed_home_la)),
        _ratio(ratio(a.mean_score, b.mean_score)),
        _ratio(ratio(a.weekly_cost, b.weekly_cost)),
        "",
    ]


def instance_rows(inst: Instance) -> list[list[str]]:
    """The results rows of one instance: each method, the bound, and the ratios."""
    rows = []
    summaries: dict[str, Summary] = {}
    for method, run in inst.runs.items():
        if not run.ran:
            cells = [str(inst.size), str(inst.seed), LABELS[method], DASH, "not run", DASH]
            rows.append(cells + [DASH] * (len(COLUMNS) - len(cells)))
            continue
        summaries[method] = summarize(inst.problem, run.result)
        rows.append(_method_row(inst, run, summaries[method]))
    b = inst.bounds
    product = summaries.get("product")
    bound_km = b.mean_nearest_km(inst.runs["product"].result) if product else math.nan
    # Children placed: the product's own bound where it has one (it also counts `must`
    # groups and who can live together, so it can be tighter than the relaxation's).
    bound_placed = min(b.placed, inst.runs["product"].result.bound_placed) if product else b.placed
    rows.append(
        [
            str(inst.size),
            str(inst.seed),
            "bound",
            "",
            "",
            "",
            " / ".join(str(b.placed_by_urgency[u]) for u in URGENCIES),
            f"{bound_placed} / {len(inst.problem.children)}",
            f"{b.siblings_together} / {DASH}",
            _num(bound_km),
            *[""] * 5,
        ]
    )
    if product and "greedy" in summaries:
        rows.append(_ratio_row(inst, "product / greedy", product, summaries["greedy"]))
    if product and "long" in summaries:
        rows.append(_ratio_row(inst, "product / long run", product, summaries["long"]))
    if product:
        as_bound = Summary(
            children_by_urgency=product.children_by_urgency,
            placed_by_urgency=dict(b.placed_by_urgency),
            placed_total=bound_placed,
            siblings_together=b.siblings_together,
            siblings_split=0,
            siblings_unplaced=0,
            mean_km=bound_km,
            within_km=math.nan,
            placed_near=0,
            home_la=math.nan,
            placed_home_la=0,
            mean_score=math.nan,
            weekly_cost=math.nan,
        )
        rows.append(_ratio_row(inst, "product / bound", product, as_bound))
    return rows


def instance_notes(inst: Instance) -> list[str]:
    p = inst.problem
    n = Counter(c.urgency for c in p.children)
    groups = Counter(g.policy for g in p.sibling_groups)
    scope = "all England" if inst.national else "West Yorkshire"
    lines = [
        f"- **{inst.size}, seed {inst.seed}** ({scope}): referrals "
        + ", ".join(f"{n[u]} {u}" for u in URGENCIES)
        + f"; sibling groups {groups['must']} must, {groups['should']} should, "
        f"{groups['apart']} apart; {inst.bounds.eligible_pairs:,} eligible pairs of "
        f"{len(p.children) * len(p.carers):,}."
    ]
    product = inst.runs["product"]
    if product.ran:
        r = product.result
        stages = ", ".join(f"{s.name} {s.status}" for s in r.stages)
        lines.append(
            f"  Product's own bound: {r.bound_placed} placed, quality {r.bound_quality:,.1f} "
            f"(achieved {r.placed}, {r.quality:,.1f})" + (f"; stages: {stages}." if stages else ".")
        )
    long = inst.runs.get("long")
    if product.ran and long is not None and long.ran:
        at, best = mean_km(product.result), mean_km(long.result)
        proven = "proven optimal" if long.result.status == "OPTIMAL" else "not proven optimal"
        lines.append(
            f"  Mean km from home: {at:.2f} in the product's run against {best:.2f} in its long "
            f"run ({long.median_seconds:.0f} s, {proven}): {at - best:+.2f} km."
        )
    for run in inst.runs.values():
        if run.note:
            lines.append(f"  {LABELS[run.method]}: {run.note}.")
    for run in inst.runs.values():
        if not run.ran:
            continue
        placed = placed_by_urgency(inst.problem, run.result)
        # The tier bounds are lexicographic: emergencies bound every result, but a result
        # with fewer of a more urgent tier may place more of a less urgent one. So only
        # the first tier that differs, and the total, can be exceeded by mistake.
        over = []
        for u in URGENCIES:
            if placed[u] != inst.bounds.placed_by_urgency[u]:
                if placed[u] > inst.bounds.placed_by_urgency[u]:
                    over.append(u)
                break
        if product.ran and sum(placed.values()) > product.result.bound_placed:
            over.append("the product's bound on children placed")
        if over:
            lines.append(
                f"  **{LABELS[run.method]} exceeds the bound ({', '.join(over)}): a bug.**"
            )
    return lines


def equity_table(inst: Instance) -> list[str]:
    product, greedy = inst.runs["product"], inst.runs["greedy"]
    if not (product.ran and greedy.ran):
        return []
    rows = []
    for e in compare_equity(inst.problem, product.result, greedy.result):
        rows.append(
            [
                e.dimension,
                e.group,
                str(e.children),
                _pct(e.placed_share[0]),
                _pct(e.placed_share[1]),
                f"{e.placed_change:+.1f}",
                _num(e.mean_km[0]),
                _num(e.mean_km[1]),
                DASH if math.isnan(e.km_change) else f"{e.km_change:+.1f}",
                f"**{e.product_worse}**" if e.product_worse else "no",
            ]
        )
    return [f"### Equity: {inst.size}, seed {inst.seed}", "", *_table(EQUITY_COLUMNS, rows), ""]


def machine() -> str:
    """The machine, in one line: CPU, cores, memory, Python and OR-Tools versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        import psutil

        mem = f"{psutil.virtual_memory().total / 2**30:.0f} GiB"
    except Exception:  # pragma: no cover - psutil is a dependency
        mem = "unknown memory"
    from importlib.metadata import version

    return (
        f"{cpu}, {os.cpu_count()} CPUs, {mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, OR-Tools {version('ortools')}"
    )


def markdown(
    instances: Sequence[Instance],
    *,
    command: str,
    runs: int,
    time_limit_s: float,
    naive_time_limit_s: float,
    long_time_limit_s: float | None = None,
    machine_line: str | None = None,
) -> str:
    """The whole report: how it was made, the results table, notes, equity tables."""
    rows = [row for inst in instances for row in instance_rows(inst)]
    lines = [
        "# Benchmark results",
        "",
        f"Generated {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} by `{command}`.",
        "",
        f"Machine: {machine_line or machine()}.",
        "",
        "Methods, each in a fresh process on the same generated problem:",
        "",
        f"- **product**: `matching.solve`, time limit {time_limit_s:g} s, {runs} run(s); the "
        "figures are the median-time run's, the time is the median (range).",
        "- **greedy (officer)**: `matching.yardsticks.baselines.greedy`: referrals in urgency "
        "order, each to the nearest eligible vacancy, siblings together only if one household has "
        "room for all; one run. It proves nothing, so it has no gap.",
        "- **naive CP-SAT**: `matching.yardsticks.baselines.naive_cpsat`: one Boolean per "
        f"child-household pair, one weighted objective, CP-SAT defaults (8 workers), time "
        f"limit {naive_time_limit_s:g} s; its time includes building the model; one run.",
        "- **product, long run**: `matching.solve` given "
        + (f"{long_time_limit_s:g} s" if long_time_limit_s else "no time (not run)")
        + ", one run: the product's own optimum where its status says OPTIMAL, the "
        "yardstick for what the time-limited run leaves on the table (mean km above all).",
        "- **bound**: placed per tier from the assignment relaxation (a true bound), and "
        "in all the lower of that and the product's own bound (`bound.placed`); "
        "sibling groups some household could take whole (ignores competition); mean km "
        "with each child the product placed at their nearest eligible carer (ignores "
        "capacity).",
        "",
        "Solve time is the solve alone (checking eligibility included, loading not). Peak "
        "MB is the solving process's peak resident memory, interpreter and problem "
        "included. Distances are straight lines from home; mean score is the absolute "
        "0–100 match score. Within 20 miles and in home LA count the children placed so "
        "(of all referred, as an officer counts them), with their share of those placed. "
        "Ratios are the product's figure over the other's: above 1 is better for placed, "
        "siblings, within 20 miles and in home LA, below 1 is better for km.",
        "",
        "## Results",
        "",
        *_table(COLUMNS, rows),
        "",
        *[line for inst in instances for line in instance_notes(inst)],
        "",
        "## Equity: product against greedy",
        "",
        "Placed share and mean distance from home for each group of children, so that a "
        "gain for most children never hides a loss for some. 'Product worse' marks a group "
        "the product places less often than greedy, or on average 0.5 km or more farther "
        "from home (the mean is over the children each method placed, so a group placed "
        "more often can be farther on average).",
        "",
    ]
    for inst in instances:
        lines += equity_table(inst)
    return "\n".join(lines).rstrip() + "\n"
