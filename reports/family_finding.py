"""The family-finding region report: plots (PNG) and one self-contained HTML page.

Reads a round's JSON (`FamilyFindingRound.to_dict()`), so a report can be redrawn from
a saved round without solving again. Plots are drawn with matplotlib's Agg backend
(no display needed) and embedded in the HTML as data URIs.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

from reports.common import STYLE  # noqa: E402
from reports.common import html_table as _html_table  # noqa: E402
from reports.common import img as _img  # noqa: E402
from reports.common import png as _png  # noqa: E402
from reports.common import write_pngs as _write_pngs  # noqa: E402

BLUE, ORANGE, GREY, GREEN = "#1f5f8b", "#d9822b", "#9aa5b1", "#2f855a"


def _rows(table: dict[str, Any]) -> list[list[Any]]:
    rows: list[list[Any]] = table["rows"]
    return rows


def chart_outcomes(region: dict[str, Any]) -> bytes:
    """Share of waiting children linked, by ethnicity, sex, age band and disability."""
    names = [
        "outcomes_by_ethnicity",
        "outcomes_by_sex",
        "outcomes_by_age",
        "outcomes_by_disability",
    ]
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.6), sharex=True)
    for ax, name in zip(axes, names, strict=True):
        rows = [r for r in _rows(region[name]) if r[3] is not None]
        labels = [f"{r[0]} ({r[1]})" for r in rows]
        ax.barh(labels, [100 * r[3] for r in rows], color=BLUE)
        ax.invert_yaxis()
        ax.set_title(region[name]["title"], fontsize=10)
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of waiting children linked")
    fig.suptitle("Who is linked and who waits (children waiting in brackets)", fontsize=11)
    return _png(fig)


def chart_waiting(region: dict[str, Any]) -> bytes:
    """Children waiting by age band, by time waiting and by number placed together."""
    names = ["waiting_by_age", "waiting_by_time", "waiting_by_group_size"]
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.4))
    for ax, name in zip(axes, names, strict=True):
        rows = _rows(region[name])
        ax.bar([str(r[0]) for r in rows], [r[1] for r in rows], color=ORANGE)
        ax.set_title(region[name]["title"], fontsize=10)
        ax.set_ylabel("children")
        ax.tick_params(axis="x", labelsize=8, rotation=15)
    return _png(fig)


def chart_crowding(crowding: dict[str, Any]) -> bytes:
    """How many top-5 lists name each adopter, against links per adopter in the round."""
    counts = list(crowding["lists_per_adopter"].values())
    fig, ax = plt.subplots(figsize=(9, 3.4))
    ax.bar(
        range(len(counts)), counts, color=GREY, label="children's top-5 lists naming the adopter"
    )
    ax.axhline(1, color=GREEN, linewidth=2, label="links per adopter in the round (at most 1)")
    ax.set_xlabel("adopters, most recommended first")
    ax.set_ylabel("children (or sibling groups)")
    ax.set_title("Crowding: plain recommendations against the round", fontsize=10)
    ax.legend(fontsize=8)
    return _png(fig)


def chart_fairness(fairness: Sequence[dict[str, Any]]) -> bytes:
    """The round against plain and priority-aware deferred acceptance and the
    officer-style pass; blocking pairs stacked by what they cost."""
    measures = [
        ("children_linked", "children linked"),
        ("first_priority_linked", "first-priority children linked"),
        ("priority_inversions", "priority inversions"),
        ("mean_score", "mean match score"),
    ]
    fig, axes = plt.subplots(1, len(measures) + 1, figsize=(20, 3.6))
    short = [_SHORT.get(n, n) for n in (row["round"].split(" (")[0] for row in fairness)]
    colours = [BLUE, GREY, GREEN, ORANGE]
    for ax, (key, label) in zip(axes, measures, strict=False):
        values = [row[key] or 0 for row in fairness]
        ax.bar(short, values, color=colours[: len(values)])
        ax.set_title(label, fontsize=10)
        ax.tick_params(axis="x", labelsize=8)
    ax = axes[-1]
    bottom = [0] * len(fairness)
    for key, label, colour in _BLOCKING:
        values = [row.get(key, 0) for row in fairness]
        ax.bar(short, values, bottom=bottom, color=colour, label=label)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    unsplit = [row["blocking_pairs"] - b for row, b in zip(fairness, bottom, strict=True)]
    if any(unsplit):  # a round saved before blocking pairs were split
        ax.bar(short, unsplit, bottom=bottom, color="#cbd2d9", label="not split")
    ax.set_title("blocking pairs", fontsize=10)
    ax.tick_params(axis="x", labelsize=8)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return _png(fig)


_SHORT = {
    "deferred acceptance": "plain DA",
    "priority-aware deferred acceptance": "priority DA",
    "officer-style pass": "officer pass",
}
#: The blocking pairs' split (matching.family_finding.fairness.BLOCKING_KINDS).
_BLOCKING = (
    ("blocking_price_of_priority", "price of priority", GREY),
    ("blocking_same_tier", "same tier", ORANGE),
    ("blocking_other", "other (free adopter, lower tier)", "#553c9a"),
)


def chart_distances(links: Sequence[dict[str, Any]]) -> bytes:
    """Distance from the child's home to the adopters of each proposed link."""
    km = [link["distance_km"] for link in links]
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.hist(km, bins=20, color=BLUE)
    ax.set_xlabel("km from the child's home (straight line)")
    ax.set_ylabel("links")
    ax.set_title("Distances of the proposed links", fontsize=10)
    return _png(fig)


def charts(round_: dict[str, Any]) -> dict[str, bytes]:
    """Every plot of the report, by file name."""
    out = {
        "waiting.png": chart_waiting(round_["region"]),
        "outcomes.png": chart_outcomes(round_["region"]),
        "crowding.png": chart_crowding(round_["crowding"]),
        "fairness.png": chart_fairness(round_["fairness"]),
    }
    if round_["links"]:
        out["distances.png"] = chart_distances(round_["links"])
    return out


def render_html(round_: dict[str, Any], pngs: dict[str, bytes] | None = None) -> str:
    """One self-contained page: summary, fairness, crowding, region tables, links and
    what would change for each child without one."""
    pngs = pngs or charts(round_)
    parts = [
        *_summary_html(round_),
        "<h2>Fairness: the round against deferred acceptance (plain and priority-aware) and an "
        "officer-style pass</h2>",
        _FAIRNESS_NOTE,
        _fairness_table(round_["fairness"]),
        _img(pngs["fairness.png"], "fairness"),
        "<h2>Crowding</h2>",
        _crowding_html(round_["crowding"]),
        _img(pngs["crowding.png"], "crowding"),
        "<h2>Who waits</h2>",
        _img(pngs["waiting.png"], "children waiting"),
        _img(pngs["outcomes.png"], "outcomes"),
    ]
    for table in round_["region"].values():
        parts.append(_html_table(table["title"], table["columns"], table["rows"]))
    if "distances.png" in pngs:
        parts += ["<h2>Distances</h2>", _img(pngs["distances.png"], "distances")]
    parts.append(_links_table(round_["links"]))
    parts.append(_unlinked_table(round_["unlinked"]))
    parts.append(_no_option_table(round_["unlinked"]))
    parts.append(_adopters_waiting_table(round_.get("adopters_waiting", [])))
    body = "\n".join(parts)
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<title>Family-finding round {html.escape(round_['as_of'])}</title>"
        f"<style>{STYLE}</style></head><body><main>{body}</main></body></html>"
    )


_FAIRNESS_NOTE = (
    "<p class=note>A blocking pair is a child (or brothers and sisters kept together) and an "
    "adopter who would both rather have each other, by match score, than what the round gave "
    "them. <b>Price of priority</b>: the adopter holds a child of a higher priority tier "
    "(priority-aware deferred acceptance leaves only these); <b>same tier</b>: the adopter "
    "holds a child of the same tier, so the pair is the price of the round's objective (most "
    "linked, siblings together, quality), not of priority; <b>other</b>: the adopter is free "
    "or holds a child of a lower tier. docs/family-finding.md §5 says which round to use "
    "when.</p>"
)


def _summary_html(round_: dict[str, Any]) -> list[str]:
    """The heading, what the round linked, and the priority policy it followed."""
    s, pol = round_["summary"], round_["policy"]
    return [
        f"<h1>Family-finding round, {html.escape(round_['as_of'])}</h1>",
        f"<p>{s['children']} children waiting and {s['adopters']} adopters; "
        f"<b>{s['children_linked']} children linked</b> in {s['links']} links "
        f"(first / second / third priority: {s['linked_by_priority']['first']} / "
        f"{s['linked_by_priority']['second']} / {s['linked_by_priority']['third']}); "
        f"{s['siblings_together']} 'together if possible' groups together; "
        f"solver {html.escape(s['status'])}, gap {100 * s['gap']:.2f}%, "
        f"{s['solve_seconds']:.1f} s.</p>",
        f"<p class=note>Priority: {html.escape(pol['priority'])}; first priority at "
        f"{pol['long_wait_weeks']} weeks waiting or {pol['few_families']} or fewer possible "
        f"adopters, second at {pol['wait_weeks']} weeks. Agency LAs: "
        f"{html.escape(', '.join(pol['home_las']) or 'all in the problem')}"
        f"{'; adopters beyond the region included' if pol['beyond_region'] else ''}.</p>",
    ]


def _fairness_table(fairness: list[dict[str, Any]]) -> str:
    return _html_table(
        "Rounds on the same children and adopters",
        [
            "round",
            "children linked",
            "links",
            "first-priority linked",
            "of",
            "priority inversions",
            "blocking pairs",
            "of which price of priority",
            "same tier",
            "other",
            "mean score",
        ],
        [
            [
                r["round"],
                r["children_linked"],
                r["subjects_linked"],
                r["first_priority_linked"],
                r["first_priority_children"],
                r["priority_inversions"],
                r["blocking_pairs"],
                *(r.get(key) for key, _label, _colour in _BLOCKING),
                r["mean_score"],
            ]
            for r in fairness
        ],
    )


def _crowding_html(crowd: dict[str, Any]) -> str:
    """How many adopters the children's short lists name, and how often the same ones."""
    return (
        f"<p>Each child's (or sibling group's) five best adopters by score name "
        f"{crowd['adopters_named']} of {crowd['adopters']} adopters; one adopter "
        f"({html.escape(str(crowd['most_named_adopter']))}) is on "
        f"{crowd['most_lists_naming_one_adopter']} lists; "
        f"{100 * crowd['share_naming_top_10']:.0f}% of lists name one of the 10 most-named "
        f"(Gini {crowd['gini']}). The round links {crowd['round_adopters_linked']} adopters, "
        f"at most {crowd['round_most_subjects_for_one_adopter']} child or sibling group each."
        "</p>"
    )


def _links_table(links: list[dict[str, Any]]) -> str:
    return _html_table(
        f"Proposed links ({len(links)})",
        ["children", "adopter", "priority", "score", "km", "why first", "why this adopter"],
        [
            [
                ", ".join(x["children"]),
                x["adopter"],
                x["priority"],
                x["score"],
                x["distance_km"],
                "; ".join(x["why_priority"]),
                "; ".join(x["reasons"][:4]),
            ]
            for x in links
        ],
    )


def _unlinked_table(unlinked: list[dict[str, Any]]) -> str:
    return _html_table(
        f"Children without a link ({len(unlinked)})",
        ["children", "priority", "weeks waiting", "why", "what would change"],
        [
            [
                ", ".join(x["children"]),
                x["priority"],
                x["weeks_waiting"],
                "; ".join(x["reasons"][:2]),
                "; ".join(x["what_would_change"]),
            ]
            for x in unlinked
        ],
    )


def _no_option_table(unlinked: list[dict[str, Any]]) -> str:
    """Children no adopter in the round could take: the register referral (overdue
    first) and the widest search that would find a family."""
    rows = [x for x in unlinked if x.get("no_option")]
    rows.sort(key=lambda x: (x["no_option"]["referral_due"], x["subject"]))
    return _html_table(
        f"Children with no adopter in the round ({len(rows)})",
        ["children", "weeks waiting", "register referral due", "exchange days", "widest search"],
        [
            [
                ", ".join(x["children"]),
                x["weeks_waiting"],
                x["no_option"]["referral_due"]
                + (" (overdue)" if x["no_option"]["overdue"] else ""),
                "yes" if x["no_option"]["exchange_days"] else "",
                x["no_option"]["widest_search"]["says"],
            ]
            for x in rows
        ],
    )


def _adopters_waiting_table(waiting: list[dict[str, Any]]) -> str:
    """The round's adopters, longest since approval first."""
    return _html_table(
        f"Adopters waiting since approval ({len(waiting)})",
        [
            "adopter",
            "weeks since approval",
            "linked with",
            "children they could take",
            "register referral due",
        ],
        [
            [
                w["adopter"],
                w["weeks_since_approval"],
                w["linked_with"] or "not linked",
                w["children_possible"],
                w["referral_due"] + (" (overdue)" if w["referral_overdue"] else ""),
            ]
            for w in waiting
        ],
    )


def write_report(round_: dict[str, Any], out_dir: Path) -> list[Path]:
    """round.json, report.html and the PNGs, written to `out_dir` (created if needed)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    pngs = charts(round_)
    written = _write_pngs(pngs, out_dir)
    (out_dir / "round.json").write_text(json.dumps(round_, indent=1), "utf-8")
    (out_dir / "report.html").write_text(render_html(round_, pngs), "utf-8")
    return [out_dir / "round.json", out_dir / "report.html", *written]
