"""Baseline figures from imported 903 extracts, in the DfE's terms.

Where children live on one day: by placement type and provider, how many are more than
20 miles from home, how many outside their LA, and whether brothers and sisters live
together. Planners start a scenario from these. Pure: plain numbers and tables (title,
columns, rows) for the CLI, the API and a report to share.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from statistics import median
from typing import Any

from geo import KM_PER_MILE
from ssda903 import codes
from ssda903.children import CareChild, Import
from ssda903.disclosure import FEWER_THAN_5, SMALL, hidden, is_small, shown
from vocab import KIND_LABELS, KINDS, PROVIDER_LABELS, PROVIDERS

__all__ = ["BANDS", "ENGLAND_2015", "Baseline", "baseline"]

#: The DfE's distance-locality bands (figures file §1.5).
BANDS: tuple[str, ...] = (
    "inside the LA, 20 miles or less",
    "inside the LA, more than 20 miles",
    "outside the LA, 20 miles or less",
    "outside the LA, more than 20 miles",
    "distance or location not known",
)
#: England's shares in those bands, 2015 (figures file §1.5, EES "Placement distance
#: locality for CLA"): of all children looked after, so they add to 96%; the other 4%
#: are in no band the file names. For comparison beside an LA's or a region's own.
ENGLAND_2015: dict[str, float] = dict(zip(BANDS, (0.53, 0.04, 0.23, 0.14, 0.02), strict=True))
_PROVIDER_ROWS: tuple[tuple[str | None, str], ...] = (
    ("in_house", "PR1"),
    ("ifa", "PR4"),
    ("ifa", "PR5"),
    ("private", "PR4"),
    ("voluntary", "PR5"),
    ("other_la", "PR2"),
    (None, "PR0"),
    (None, "PR3"),
    (None, ""),
)


@dataclass(frozen=True)
class Baseline:
    """Counts over the children looked after on the day (short breaks excluded)."""

    las: tuple[str, ...]
    as_of: tuple[date, ...]
    looked_after: int
    by_group: Counter[str]
    codes_in_group: dict[str, tuple[str, ...]]
    by_kind: Counter[str | None]
    by_provider: Counter[tuple[str | None, str]]
    distance_known: int
    over_20_miles: int
    median_km: float | None
    location_known: int
    outside_la: int
    bands: Counter[str]
    sibling_groups: dict[str, Counter[str]] = field(default_factory=dict)
    #: Each child's distance from home (km, both postcodes known) by 903 group, for plots.
    distances_by_group: dict[str, tuple[float, ...]] = field(default_factory=dict)

    @property
    def distances_km(self) -> tuple[float, ...]:
        """Every known distance from home, km, shortest first."""
        return tuple(sorted(d for ds in self.distances_by_group.values() for d in ds))

    @property
    def share_over_20_miles(self) -> float | None:
        """Of the children whose home and placement postcodes are both known."""
        return self.over_20_miles / self.distance_known if self.distance_known else None

    @property
    def share_outside_la(self) -> float | None:
        """Of the children whose placement postcode is known."""
        return self.outside_la / self.location_known if self.location_known else None

    @property
    def groups_together(self) -> tuple[int, int]:
        """(together, groups whose every member's placement is known)."""
        together = sum(c["together"] for c in self.sibling_groups.values())
        known = sum(c["together"] + c["apart"] for c in self.sibling_groups.values())
        return together, known

    def tables(self, *, suppress: bool = False) -> dict[str, dict[str, Any]]:
        """Every table; `suppress`: as a planner sees them (ssda903.disclosure)."""
        out = self._tables()
        if suppress:
            out["headline"]["rows"] = self._headline(suppress=True)
            for name in ("by_placement_type", "by_kind", "by_provider", "distance_locality"):
                _hide_rows(out[name])
            if "siblings" in out:
                _hide_sibling_rows(out["siblings"])
        return out

    def _tables(self) -> dict[str, dict[str, Any]]:
        n = self.looked_after
        day = ", ".join(sorted({d.isoformat() for d in self.as_of}))
        where = ", ".join(self.las)
        out = {
            "headline": _table(
                f"Children looked after in {where} on {day}",
                ["measure", "value"],
                self._headline(),
            ),
            "by_placement_type": _table(
                "By placement type (903 PLACE group and the product's kind)",
                ["placement type", "PLACE codes", "kind", "children", "share"],
                [
                    (g, ", ".join(self.codes_in_group.get(g, ())), _kind(g), k, _pct(k, n))
                    for g in codes.PLACE_GROUPS
                    if (k := self.by_group[g])
                ],
            ),
            "by_kind": _table(
                "By the product's placement kind",
                ["kind", "children", "share"],
                [
                    (KIND_LABELS.get(k, k) if k else "none (see docs/ssda903.md)", c, _pct(c, n))
                    for k in (*KINDS, None)
                    if (c := self.by_kind[k])
                ],
            ),
            "by_provider": _table(
                "By provider (903 PLACE_PROVIDER and the product's provider)",
                ["provider", "PLACE_PROVIDER", "children", "share"],
                [
                    (_provider(p, code), code or "not recorded", c, _pct(c, n))
                    for p, code in _PROVIDER_ROWS
                    if (c := self.by_provider[(p, code)])
                ],
            ),
            "distance_locality": _table(
                "Distance from home and placement inside or outside the LA",
                ["where", "children", "share"],
                [(b, c, _pct(c, n)) for b in BANDS if (c := self.bands[b])],
            ),
        }
        if self.sibling_groups:
            out["siblings"] = self._siblings_table()
        return out

    def _siblings_table(self) -> dict[str, Any]:
        """Sibling groups by policy: how many live all together, apart, or not known."""
        return _table(
            "Sibling groups (from the siblings file): all members in one placement",
            ["policy", "groups", "together", "apart", "not known", "share together"],
            [
                (
                    p,
                    sum(c.values()),
                    c["together"],
                    c["apart"],
                    c["unknown"],
                    _pct(c["together"], c["together"] + c["apart"]),
                )
                for p in ("must", "should", "apart")
                if (c := self.sibling_groups.get(p))
            ],  # fmt: skip
        )

    def _headline(self, *, suppress: bool = False) -> list[tuple[str, str]]:
        rows = [("children looked after", f"{_count(self.looked_after, suppress)}")]
        rows.append(
            (
                "more than 20 miles from home",
                _share_text(
                    self.over_20_miles,
                    self.distance_known,
                    "with both postcodes known",
                    suppress=suppress,
                ),
            )
        )
        rows.append(
            (
                "placed outside the LA",
                _share_text(
                    self.outside_la,
                    self.location_known,
                    "with the placement known",
                    suppress=suppress,
                ),
            )
        )
        if self.median_km is not None and not (suppress and self.distance_known < SMALL):
            miles = self.median_km / KM_PER_MILE
            rows.append(
                ("median distance from home", f"{miles:.1f} miles ({self.median_km:.1f} km)")
            )
        if self.sibling_groups:
            together, known = self.groups_together
            rows.append(
                ("sibling groups together", _share_text(together, known, "", suppress=suppress))
            )
        return rows

    def to_dict(self, *, suppress: bool = False) -> dict[str, Any]:
        """The figures and tables; `suppress`: as a planner sees them, every figure that
        would show 1 to 4 children (or all but 1 to 4) null, its cells "fewer than 5"."""
        together, known = self.groups_together

        def share(part: int, whole: int, value: float | None) -> float | None:
            return None if suppress and _gives_away(part, whole) else value

        def count(n: int | None) -> int | None:
            return None if n is None or (suppress and is_small(n)) else n

        few_distances = suppress and self.distance_known < SMALL
        return {
            "las": list(self.las),
            "as_of": sorted({d.isoformat() for d in self.as_of}),
            "looked_after": count(self.looked_after),
            "share_over_20_miles": share(
                self.over_20_miles, self.distance_known, self.share_over_20_miles
            ),
            "share_outside_la": share(self.outside_la, self.location_known, self.share_outside_la),
            "median_distance_km": None if few_distances else self.median_km,
            "sibling_groups_together": count(together) if self.sibling_groups else None,
            "sibling_groups_known": count(known) if self.sibling_groups else None,
            "small_numbers_hidden": suppress,
            "tables": self.tables(suppress=suppress),
        }


def baseline(imports: Import | Sequence[Import]) -> Baseline:
    """The baseline over one or more imports (several LAs of a region pool together;
    each child is judged inside or outside its own LA)."""
    found = [imports] if isinstance(imports, Import) else list(imports)
    kids: list[CareChild] = [k for imp in found for k in imp.children]
    in_group: dict[str, set[str]] = {}
    for k in kids:
        in_group.setdefault(k.placement.group, set()).add(k.placement.place)
    distances = [k.placement.distance_km for k in kids if k.placement.distance_km is not None]
    by_group: dict[str, list[float]] = {}
    for k in kids:
        if k.placement.distance_km is not None:
            by_group.setdefault(k.placement.group, []).append(k.placement.distance_km)
    over = sum(1 for d in distances if d > codes.TWENTY_MILES_KM)
    located = [k.placement.out_of_la for k in kids if k.placement.out_of_la is not None]
    return Baseline(
        las=tuple(dict.fromkeys(imp.la for imp in found)),
        as_of=tuple(imp.as_of for imp in found),
        looked_after=len(kids),
        by_group=Counter(k.placement.group for k in kids),
        codes_in_group={g: tuple(sorted(c for c in s if c)) for g, s in in_group.items()},
        by_kind=Counter(k.placement.kind for k in kids),
        by_provider=Counter(_provider_key(k) for k in kids),
        distance_known=len(distances),
        over_20_miles=over,
        median_km=median(distances) if distances else None,
        location_known=len(located),
        outside_la=sum(located),
        bands=Counter(_band(k) for k in kids),
        sibling_groups=_siblings(found, {k.id: k for k in kids}),
        distances_by_group={g: tuple(sorted(ds)) for g, ds in by_group.items()},
    )


def _provider_key(k: CareChild) -> tuple[str | None, str]:
    p = k.placement
    code = p.place_provider if p.place_provider in codes.PLACE_PROVIDER else ""
    return (p.provider, code)


def _band(k: CareChild) -> str:
    p = k.placement
    if p.distance_km is None or p.out_of_la is None:
        return BANDS[-1]
    far = p.distance_km > codes.TWENTY_MILES_KM
    return BANDS[2 * int(p.out_of_la) + int(far)]


def _siblings(found: Iterable[Import], by_id: dict[str, CareChild]) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for imp in found:
        for g in imp.sibling_groups:
            members = [by_id[c].placement for c in g["children"] if c in by_id]
            posts = {p.postcode for p in members if p.postcode}
            urns = {p.urn for p in members if p.urn}
            if any(not (p.postcode or p.urn) for p in members):
                state = "unknown"
            else:
                state = "together" if len(posts) <= 1 and len(urns) <= 1 else "apart"
            out.setdefault(g["policy"], Counter())[state] += 1
    return out


def _kind(group: str) -> str:
    kinds = {c.kind for c in codes.PLACE.values() if c.group == group}
    kind = next(iter(kinds)) if len(kinds) == 1 else None
    return KIND_LABELS.get(kind, kind) if kind else "none"


def _provider(provider: str | None, code: str) -> str:
    if provider in PROVIDERS:
        return PROVIDER_LABELS[provider]
    return {"PR0": "none (parents)", "PR3": "none (other public body)"}.get(code, "not recorded")


def _count(n: int, suppress: bool) -> str:
    return FEWER_THAN_5 if suppress and is_small(n) else f"{n:,}"


def _gives_away(part: int, whole: int) -> bool:
    """Whether a share `part` of `whole` would show 1 to 4 children, either way."""
    return is_small(part) or is_small(whole - part) or is_small(whole)


def _share_text(part: int, whole: int, known: str, *, suppress: bool) -> str:
    """ "12.5% (25 of 200 ...)", or for a planner with a small side, no share."""
    tail = f" {known}" if known else ""
    if not (suppress and _gives_away(part, whole)):
        return f"{_pct(part, whole)} ({part:,} of {whole:,}{tail})"
    if is_small(whole):
        return f"– ({FEWER_THAN_5}{tail})"
    side = FEWER_THAN_5 if is_small(part) else f"all but {FEWER_THAN_5}"
    return f"– ({side} of {whole:,}{tail})"


def _hide_rows(table: dict[str, Any]) -> None:
    """A table of children by category, as a planner sees it: small counts (and, when
    one alone is small, the next smallest) hidden with their shares."""
    at = table["columns"].index("children")
    share_at = table["columns"].index("share")
    for k, why in hidden([row[at] for row in table["rows"]]).items():
        table["rows"][k][at] = why
        table["rows"][k][share_at] = "–"


def _hide_sibling_rows(table: dict[str, Any]) -> None:
    """Sibling groups by policy: each small count hidden, and the share where either of
    together and apart is hidden."""
    for row in table["rows"]:
        small = [is_small(row[k]) for k in (2, 3)]
        for k in (1, 2, 3, 4):
            row[k] = shown(row[k])
        if any(small):
            row[5] = "–"


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def _table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    return {"title": title, "columns": list(columns), "rows": [list(r) for r in rows]}
