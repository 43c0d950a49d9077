"""The baseline report of an imported 903 extract: plots (PNG) and one self-contained
HTML page, for a planner to share.

Reads a `ssda903.Baseline` (one LA, or a region's LAs pooled) and, when given, the
import's `Report`: where children live by placement type and provider, the DfE's
distance-locality bands beside England's in 2015, how far from home, and whether
brothers and sisters live together. Plots are drawn on bare `matplotlib.figure.Figure`
objects, so a report can be drawn in a worker thread.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from geo import KM_PER_MILE
from reports.common import STYLE, empty_png, html_table, img, png, write_pngs
from ssda903 import codes
from ssda903.baseline import BANDS, ENGLAND_2015, Baseline
from ssda903.disclosure import FEWER_THAN_5, SUPPRESSED, hidden, shown
from ssda903.report import Report

__all__ = ["charts", "render_html", "to_json", "write_report"]

BLUE, ORANGE, GREY, GREEN, RED = "#1f5f8b", "#d9822b", "#9aa5b1", "#2f855a", "#c53030"
#: The DfE's threshold, drawn on the distance plots.
TWENTY_MILES = codes.TWENTY_MILES_KM / KM_PER_MILE
#: Distances beyond this many miles are drawn in the last bin of the histogram.
HISTOGRAM_MILES = 100
#: Horizontal boxes: `orientation` from matplotlib 3.10 (`vert` is deprecated there).
_HORIZONTAL = (
    {"orientation": "horizontal"}
    if tuple(int(x) for x in matplotlib.__version__.split(".")[:2]) >= (3, 10)
    else {"vert": False}
)
#: Placement types with fewer known distances than this are left out of the box plot.
MIN_FOR_BOX = 5


def _where(b: Baseline) -> str:
    days = ", ".join(sorted({d.isoformat() for d in b.as_of}))
    return f"{', '.join(b.las)} on {days}"


def chart_placements(b: Baseline, *, suppress: bool = False) -> bytes:
    """Children by placement type (903 group, with the product's kind) and by provider;
    `suppress`: the bars a planner may see (hidden counts are not drawn)."""
    tables = b.tables(suppress=suppress)
    types = [r for r in tables["by_placement_type"]["rows"] if isinstance(r[3], int)]
    providers = [r for r in tables["by_provider"]["rows"] if isinstance(r[2], int)]
    if not types:
        return empty_png("No children looked after on the day.")
    fig = Figure(layout="constrained", figsize=(13, 0.9 + 0.32 * max(len(types), len(providers))))
    left, right = fig.subplots(1, 2, width_ratios=(3, 2))
    labels = [f"{r[0]} ({r[2]})" for r in types]
    counts = [r[3] for r in types]
    left.barh(labels, counts, color=BLUE)
    for y, (count, share) in enumerate(zip(counts, (r[4] for r in types), strict=True)):
        left.annotate(f" {count:,} ({share})", (count, y), va="center", fontsize=8)
    left.invert_yaxis()
    left.set_xlabel("children")
    left.set_title("By placement type: 903 group (the product's kind)", fontsize=10)
    left.margins(x=0.18)
    labels = [r[0] if r[0] == r[1] else f"{r[0]} ({r[1]})" for r in providers]
    counts = [r[2] for r in providers]
    right.barh(labels, counts, color=ORANGE)
    for y, count in enumerate(counts):
        right.annotate(f" {count:,}", (count, y), va="center", fontsize=8)
    right.invert_yaxis()
    right.set_xlabel("children")
    right.set_title("By provider (PLACE_PROVIDER)", fontsize=10)
    right.margins(x=0.15)
    fig.suptitle(f"Where children live: {_where(b)}", fontsize=11)
    return png(fig)


def chart_bands(b: Baseline, *, suppress: bool = False) -> bytes:
    """The DfE's distance-locality bands: this extract's shares beside England's 2015;
    `suppress`: a band a planner may not see is drawn empty, labelled why."""
    n = b.looked_after
    if not n:
        return empty_png("No children looked after on the day.")
    secret = hidden([b.bands[band] for band in BANDS]) if suppress else {}
    here = [0.0 if k in secret else 100 * b.bands[band] / n for k, band in enumerate(BANDS)]
    england = [100 * ENGLAND_2015[band] for band in BANDS]
    fig = Figure(layout="constrained", figsize=(11, 4))
    ax = fig.subplots()
    x = np.arange(len(BANDS))
    width = 0.38
    bars = ax.bar(x - width / 2, here, width, color=BLUE, label=", ".join(b.las))
    ax.bar(x + width / 2, england, width, color=GREY, label="England, 2015 (§1.5)")
    for k, (rect, share) in enumerate(zip(bars, here, strict=True)):
        label = secret[k] if k in secret else f"{share:.0f}%\n({b.bands[BANDS[k]]:,})"
        ax.annotate(
            label,
            (rect.get_x() + rect.get_width() / 2, rect.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set_xticks(x, [band.replace(", ", ",\n") for band in BANDS], fontsize=9)
    ax.set_ylabel("% of children looked after")
    ax.set_ylim(0, max(here + england) * 1.25 + 1)
    ax.legend(fontsize=9)
    ax.set_title(
        "Placed inside or outside the LA, and 20 miles or less from home or more", fontsize=10
    )
    return png(fig)


def chart_distances(b: Baseline) -> bytes:
    """How far from home: a histogram with the share within each distance (CDF) and
    the 20-mile line; and the distances by placement type."""
    miles = np.array(b.distances_km) / KM_PER_MILE
    if not len(miles):
        return empty_png("No child has both a known home and a known placement postcode.")
    fig = Figure(layout="constrained", figsize=(13, 4.2))
    left, right = fig.subplots(1, 2)
    bins = np.arange(0, HISTOGRAM_MILES + 10, 5)  # the last bin, 100-105, holds 100+
    left.hist(np.minimum(miles, HISTOGRAM_MILES + 2.5), bins=bins, color=BLUE)
    left.set_xlabel(f"miles from home (straight line; the last bar is {HISTOGRAM_MILES}+)")
    left.set_ylabel("children")
    cdf = left.twinx()
    cdf.plot(np.sort(miles), 100 * np.arange(1, len(miles) + 1) / len(miles), color=ORANGE)
    cdf.set_ylim(0, 101)
    cdf.set_ylabel("% within that distance", color=ORANGE)
    left.set_xlim(0, HISTOGRAM_MILES + 5)
    left.axvline(TWENTY_MILES, color=RED, linestyle="--")
    over = float(np.mean(miles > TWENTY_MILES))
    left.annotate(
        f" 20 miles: {100 * over:.0f}% further",
        (TWENTY_MILES, 0.95),
        xycoords=("data", "axes fraction"),
        color=RED,
        fontsize=9,
        va="top",
    )
    left.set_title(
        f"Distance from home ({len(miles):,} children with both postcodes known; "
        f"median {np.median(miles):.1f} miles)",
        fontsize=10,
    )
    groups = [g for g in codes.PLACE_GROUPS if len(b.distances_by_group.get(g, ())) >= MIN_FOR_BOX]
    if groups:
        data = [np.array(b.distances_by_group[g]) / KM_PER_MILE for g in groups]
        right.boxplot(
            data,
            **_HORIZONTAL,
            flierprops={"markersize": 2},
            medianprops={"color": "black"},
        )
        right.set_yticks(
            range(1, len(groups) + 1),
            [f"{g} ({len(d):,})" for g, d in zip(groups, data, strict=True)],
            fontsize=8,
        )
        right.scatter([d.mean() for d in data], range(1, len(groups) + 1), color=ORANGE, s=14,
                      zorder=3, label="mean")  # fmt: skip
        right.invert_yaxis()
        right.axvline(TWENTY_MILES, color=RED, linestyle="--")
        right.set_xscale("symlog", linthresh=10)
        right.set_xlim(left=0)
        right.set_xlabel("miles from home")
        right.legend(fontsize=8, loc="lower right")
    else:
        right.axis("off")
        right.text(0.5, 0.5, "Too few distances for each placement type", ha="center")
    right.set_title("By placement type (box: quartiles; dot: mean)", fontsize=10)
    return png(fig)


def chart_siblings(b: Baseline) -> bytes:
    """Sibling groups (from the siblings file) together, apart or not known, by policy."""
    policies = [p for p in ("must", "should", "apart") if b.sibling_groups.get(p)]
    fig = Figure(layout="constrained", figsize=(8, 1.2 + 0.5 * len(policies)))
    ax = fig.subplots()
    left = np.zeros(len(policies))
    for state, colour, label in (
        ("together", GREEN, "together"),
        ("apart", ORANGE, "apart"),
        ("unknown", GREY, "not known"),
    ):
        counts = np.array([b.sibling_groups[p][state] for p in policies], dtype=float)
        ax.barh(policies, counts, left=left, color=colour, label=label)
        left += counts
    ax.invert_yaxis()
    ax.set_xlabel("sibling groups")
    ax.set_ylabel("the assessment says: live together")
    ax.legend(fontsize=8, ncols=3)
    together, known = b.groups_together
    share = f"{100 * together / known:.0f}%" if known else "–"
    ax.set_title(f"Sibling groups all in one placement: {share} ({together} of {known})")
    return png(fig)


def charts(b: Baseline, *, suppress: bool = False) -> dict[str, bytes]:
    """Every plot of the report, by file name. `suppress`: the plots a planner sees,
    with no count of 1 to 4 children: not the distances (a histogram shows children one
    by one) nor the sibling groups (few groups per policy)."""
    out = {
        "placements.png": chart_placements(b, suppress=suppress),
        "bands.png": chart_bands(b, suppress=suppress),
    }
    if not suppress:
        out["distances.png"] = chart_distances(b)
        if b.sibling_groups:
            out["siblings.png"] = chart_siblings(b)
    return out


def _reports(report: Report | Sequence[Report] | None) -> list[Report]:
    if report is None:
        return []
    return [report] if isinstance(report, Report) else list(report)


def _lead(b: Baseline, *, suppress: bool = False) -> str:
    figures = b.to_dict(suppress=suppress)
    over, outside = figures["share_over_20_miles"], figures["share_outside_la"]
    count = shown(b.looked_after) if suppress else f"{b.looked_after:,}"
    parts = [f"<b>{count} children looked after</b> in {html.escape(_where(b))}"]
    if over is not None:
        parts.append(
            f"{100 * over:.0f}% more than 20 miles from home (England: 22% in 2024) of the "
            f"{b.distance_known:,} whose home and placement postcodes are both known"
        )
    if outside is not None:
        parts.append(
            f"{100 * outside:.0f}% placed outside the LA (England: 40% in 2015, almost half "
            f"in 2024) of the {b.location_known:,} whose placement postcode is known"
        )
    return "<p>" + "; ".join(parts) + ".</p>"


def _report_section(r: Report) -> list[str]:
    e = html.escape
    where = f" for {r.la}" if r.la else ""
    parts = [f"<h3>The import{e(where)} ({e(r.form.upper())})</h3>"]
    parts.append(
        html_table(
            "Rows read, imported and skipped, by table",
            ["table", "sent", "read", "imported", "skipped"],
            [
                [name, "yes" if c.present else "no", c.read, c.imported, c.skipped]
                for name, c in r.tables.items()
            ],
        )
    )
    if r.children:
        parts.append(
            html_table(
                "Children by state on the day",
                ["state", "children"],
                [[k.replace("_", " "), v] for k, v in r.children.items()],
            )
        )
    parts.append(
        f"<p>{len(r.errors):,} error(s) (rows skipped), {len(r.warnings):,} warning(s) "
        "(rows imported).</p>"
    )
    summary = r.rule_summary()
    if summary:
        parts.append(
            html_table(
                "Errors and warnings by rule, with a first example",
                ["severity", "rule", "where", "count", "example"],
                [
                    [
                        s["severity"],
                        s["rule"],
                        f"{s['table']}.{s['column']}" if s["column"] else s["table"],
                        f"{s['count']:,}",
                        s["example"],
                    ]
                    for s in summary
                ],
            )
        )
    return parts


def render_html(
    b: Baseline,
    report: Report | Sequence[Report] | None = None,
    pngs: dict[str, bytes] | None = None,
    *,
    suppress: bool = False,
) -> str:
    """One self-contained page: the headline, every table of `b.tables()`, the plots
    (embedded) and, when given, each import's counts and its issues by rule.
    `suppress`: the page a planner sees, no count of 1 to 4 children on it."""
    pngs = pngs or charts(b, suppress=suppress)
    tables = b.tables(suppress=suppress)
    title = f"Baseline: children looked after in {_where(b)}"
    e = html.escape
    parts = [f"<h1>{e(title)}</h1>", _lead(b, suppress=suppress)]
    if suppress:
        parts.append(
            f"<p class=note>Counts of 1 to 4 children are shown as '{FEWER_THAN_5}', as in "
            "the DfE's statistics; where one alone would be worked out from a total, another "
            f"is shown as '{SUPPRESSED}'. Plots of single children's distances are left "
            "out.</p>"
        )
    headline = tables["headline"]
    parts.append(html_table(headline["title"], headline["columns"], headline["rows"]))
    parts.append(
        "<p class=note>In the DfE's terms (docs/ssda903.md): distance is the straight line "
        "between the home and placement postcodes (here their outcodes); inside or outside "
        "the LA by the placement outcode's area. Short breaks are not counted.</p>"
    )
    parts += ["<h2>Where children live</h2>", img(pngs["placements.png"], "placement types")]
    for name in ("by_placement_type", "by_kind", "by_provider"):
        t = tables[name]
        parts.append(html_table(t["title"], t["columns"], t["rows"]))
    parts += [
        "<h2>Distance from home and the LA boundary</h2>",
        img(pngs["bands.png"], "distance-locality bands beside England's 2015 shares"),
    ]
    t = tables["distance_locality"]
    parts.append(
        html_table(
            t["title"],
            [*t["columns"], "England 2015"],
            [[*row, f"{100 * ENGLAND_2015.get(row[0], 0):.0f}%"] for row in t["rows"]],
        )
    )
    if "distances.png" in pngs:
        parts.append(img(pngs["distances.png"], "distance from home"))
    if "siblings" in tables:
        t = tables["siblings"]
        parts.append("<h2>Brothers and sisters</h2>")
        if "siblings.png" in pngs:
            parts.append(img(pngs["siblings.png"], "sibling groups together or apart"))
        parts.append(html_table(t["title"], t["columns"], t["rows"]))
    found = _reports(report)
    if found:
        parts.append("<h2>What the import found</h2>")
        for r in found:
            parts += _report_section(r)
    body = "\n".join(parts)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>{e(title)}</title><style>{STYLE}</style></head><body><main>{body}</main></body></html>"
    )


def to_json(b: Baseline, report: Report | Sequence[Report] | None = None) -> dict[str, Any]:
    """The baseline's figures and tables, each child's distance by placement type (for
    redrawing) and, when given, each import's report with its first 200 issues."""
    doc = b.to_dict()
    doc["distances_km_by_group"] = {
        g: [round(d, 2) for d in ds] for g, ds in b.distances_by_group.items()
    }
    found = _reports(report)
    if found:
        doc["reports"] = [r.to_dict(issues=200) for r in found]
    return doc


def write_report(
    b: Baseline, out_dir: Path, report: Report | Sequence[Report] | None = None
) -> list[Path]:
    """baseline.html, baseline.json and the PNGs, written to `out_dir` (made if needed)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pngs = charts(b)
    written = write_pngs(pngs, out_dir)
    page, doc = out_dir / "baseline.html", out_dir / "baseline.json"
    page.write_text(render_html(b, report, pngs), "utf-8")
    doc.write_text(json.dumps(to_json(b, report), indent=1, ensure_ascii=False), "utf-8")
    return [page, doc, *written]
