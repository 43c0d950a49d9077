"""Generated shares against the figures they are calibrated to (docs/calibration.md).

    python -m synth.compare --children 5000 --carers 15000 --seed 0

prints a Markdown table: each measure, the share in the generated document, the target
and where the target comes from. Everything is computed from the document itself.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from synth import calibration as cal
from synth.region import WEST_YORKSHIRE, generate_region
from vocab import ethnic_group

Row = tuple[str, float, float | None, str]


def _share(items: Iterable[bool]) -> float:
    xs = list(items)
    return sum(xs) / len(xs) if xs else 0.0


def _mean(xs: Sequence[float]) -> float:
    return sum(xs) / len(xs) if xs else 0.0


def compare(doc: dict[str, Any]) -> list[Row]:
    """(measure, generated, target or None, source) rows for a generated document."""
    kids = doc["children"]
    return [
        *_referral_rows(kids),
        *_sibling_rows(kids, doc["sibling_groups"]),
        *_plan_rows(kids),
        *_household_rows(doc),
        *_cost_rows(doc["carers"]),
    ]


def _stock(pred: Callable[..., bool], native: list[Any], asylum: list[Any]) -> float:
    """A share reweighted to the stock's 8% UASC (§1.1), to compare with §1.2."""
    s = cal.UASC_STOCK_SHARE
    return (1 - s) * _share(map(pred, native)) + s * _share(map(pred, asylum))


def _referral_rows(kids: list[Any]) -> list[Row]:
    """Who is referred: UASC, sex, age at entry and ethnicity."""
    asylum = [c for c in kids if "uasc" in c["needs"]]
    native = [c for c in kids if "uasc" not in c["needs"]]
    male = lambda c: c["sex"] == "M"  # noqa: E731
    rows: list[Row] = [
        (
            "UASC share of referrals",
            len(asylum) / max(1, len(kids)),
            cal.UASC_SHARE,
            "assumption from §1.1",
        ),
        ("male, non-UASC", _share(map(male, native)), cal.NON_UASC_MALE_SHARE, "§1.2 (2025)"),
        ("male, UASC", _share(map(male, asylum)), cal.UASC_MALE_SHARE, "assumption"),
        ("male, all referrals", _share(map(male, kids)), None, "(more UASC than the stock)"),
        ("male, reweighted to 8% UASC", _stock(male, native, asylum), 0.56, "§1.2 (2025)"),
    ]
    for (lo, hi), target in zip(cal.AGE_BANDS, cal.AGE_AT_ENTRY, strict=True):
        label = "under 1" if hi == 0 else f"{lo}-{hi}"
        got = _share(lo <= c["age"] <= hi for c in kids)
        rows.append((f"age {label}", got, target, "§1.2 starters 2025"))
    for group, target in cal.ETHNIC_GROUP_TARGET.items():
        got = _stock(lambda c, g=group: ethnic_group(c["ethnicity"]) == g, native, asylum)
        rows.append((f"ethnicity {group}, reweighted to 8% UASC", got, target, "§1.2 (2025)"))
    for group in cal.ETHNIC_GROUP_TARGET:
        got = _share(ethnic_group(c["ethnicity"]) == group for c in kids)
        rows.append((f"ethnicity {group}, all referrals", got, None, "(referrals)"))
    return rows


def _sibling_rows(kids: list[Any], groups: list[Any]) -> list[Row]:
    """Sibling groups: how many children are in one, the sizes and the policies."""
    in_group = {cid for g in groups for cid in g["children"]}
    rows: list[Row] = [
        ("children in sibling groups", len(in_group) / max(1, len(kids)), 0.30, "sibling_share")
    ]
    sizes = Counter(len(g["children"]) for g in groups)
    policies = Counter(g["policy"] for g in groups)
    n_groups = max(1, len(groups))
    for size, target in cal.SIBLING_GROUP_SIZES.items():
        rows.append((f"groups of {size}", sizes[size] / n_groups, target, "assumption (§1.9)"))
    for policy, target in cal.SIBLING_POLICY_MIX.items():
        rows.append(
            (
                f"groups '{policy}'",
                policies[policy] / n_groups,
                target,
                "assumption; harmful sexual behaviour -> apart",
            )
        )
    return rows


def _plan_rows(kids: list[Any]) -> list[Row]:
    """What the plans say: urgency, the placement kinds accepted, any need."""
    rows: list[Row] = []
    for urgency, target in cal.URGENCY_MIX.items():
        uasc_target = cal.UASC_URGENCY_MIX[urgency]
        rows.append(
            (
                f"urgency {urgency}",
                _share(c["urgency"] == urgency for c in kids),
                None,
                f"assumption: {target:.0%} non-UASC, {uasc_target:.0%} UASC",
            )
        )
    for kind in ("foster", "kinship", "residential", "supported", "adoption"):
        got = _share(kind in c["accepts"] for c in kids)
        rows.append((f"plan accepts {kind}", got, None, "(derived)"))
    got = _share(bool(set(c["needs"]) - {"uasc"}) for c in kids)
    rows.append(("any need besides uasc", got, None, "(derived)"))
    return rows


def _household_rows(doc: dict[str, Any]) -> list[Row]:
    """The households: kinship per unit, kinds, foster providers, free places, and
    availability."""
    kids, groups, carers = doc["children"], doc["sibling_groups"], doc["carers"]
    asylum = [c for c in kids if "uasc" in c["needs"]]
    in_group = {cid for g in groups for cid in g["children"]}
    kinds = Counter(h["kind"] for h in carers)
    units = len(groups) + len(kids) - len(in_group)
    fostering = max(1, kinds["foster"] + kinds["kinship"])
    rows: list[Row] = [
        (
            "non-UASC referral units with a kinship carer",
            kinds["kinship"] / max(1, units - len(asylum)),
            cal.KINSHIP_UNIT_SHARE,
            "assumption from §1.4, §1.8",
        ),
        (
            "kinship share of fostering households",
            kinds["kinship"] / fostering,
            None,
            "§1.8 stock: 21% (see national scale)",
        ),
    ]
    non_kin = max(1, len(carers) - kinds["kinship"])
    for kind, target in cal.CARER_KIND_MIX.items():
        rows.append(
            (
                f"households: {kind} (kinship apart)",
                kinds[kind] / non_kin,
                target,
                "assumption from §1.4, §1.7, §1.8",
            )
        )
    foster = [h for h in carers if h["kind"] == "foster"]
    rows.append(
        (
            "foster households in-house",
            _share(h["provider"] == "in_house" for h in foster),
            cal.FOSTER_PROVIDER_MIX["in_house"],
            "§1.4 (27.9% vs 24.8%)",
        )
    )
    rows += _free_place_rows(foster)
    later = _share(h["available_from"] > doc["as_of"] for h in carers if h["kind"] != "kinship")
    rows.append(("households available after as_of", later, cal.AVAILABLE_LATER, "assumption"))
    return rows


def _free_place_rows(foster: list[Any]) -> list[Row]:
    """Free places per foster household by provider, and households with none."""
    mean_places = sum(k * p for k, p in cal.PLACES["foster"].items())
    expected = cal.VACANT_SHARE["foster"] * mean_places
    rows: list[Row] = []
    for prov, offered in (("in_house", 1.0), ("ifa", cal.INDEPENDENT_PLACE_OFFERED)):
        vac = [h["vacancies"] for h in foster if h["provider"] == prov]
        note = " x share offered" if offered < 1 else ""
        rows.append(
            (
                f"free places per {prov} foster household",
                _mean(vac),
                expected * offered,
                f"§1.8: 17% of {mean_places:.2f} places{note}",
            )
        )
    rows.append(
        (
            "foster households with no free place",
            _share(h["vacancies"] == 0 for h in foster),
            None,
            "(near misses)",
        )
    )
    return rows


def _cost_rows(carers: list[Any]) -> list[Row]:
    """Mean weekly costs by kind and provider against the published figures."""

    def cost(kind: str, *providers: str) -> float:
        chosen = [h for h in carers if h["kind"] == kind and h["provider"] in providers]
        return _mean([h["weekly_cost"] for h in chosen])

    return [
        (
            "mean weekly cost, IFA foster (GBP)",
            cost("foster", "ifa"),
            cal.COST_IFA_FOSTER,
            "§1.10 CMA 2021 (therapeutic carers x1.3)",
        ),
        (
            "mean weekly cost, in-house foster (GBP)",
            cost("foster", "in_house"),
            None,
            "§1.10 £400-600 unverified, + skill fees",
        ),
        (
            "mean weekly cost, private/voluntary home (GBP)",
            cost("residential", "private", "voluntary"),
            cal.COST_RESIDENTIAL_PRIVATE,
            "§1.10 CCN 2024 (clipped)",
        ),
        (
            "mean weekly cost, supported (GBP)",
            cost("supported", "private", "voluntary"),
            cal.COST_SUPPORTED,
            "assumption",
        ),
    ]


def markdown(rows: list[Row]) -> str:
    def fmt(x: float | None) -> str:
        if x is None:
            return "–"
        return f"{x:,.0f}" if abs(x) >= 10 else f"{x:.1%}" if x <= 1 else f"{x:.2f}"

    lines = ["| measure | generated | target | source |", "|---|---|---|---|"]
    for name, got, target, source in rows:
        got_s = f"{got:.2f}" if "per" in name else fmt(got)
        target_s = f"{target:.2f}" if ("per" in name and target is not None) else fmt(target)
        lines.append(f"| {name} | {got_s} | {target_s} | {source} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--children", type=int, default=5000)
    ap.add_argument("--carers", type=int, default=15000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--national", action="store_true", help="all of England, not West Yorkshire")
    args = ap.parse_args(argv)
    las = None if args.national else WEST_YORKSHIRE
    doc = generate_region(args.children, args.carers, seed=args.seed, las=las)
    print(markdown(compare(doc)))


if __name__ == "__main__":
    main()
