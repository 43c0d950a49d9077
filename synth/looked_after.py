"""A standing population: the children looked after in a region on one day, each where
they live now, calibrated to the national figures, and written as a 903 extract.

`synth.generate_region` draws a day's *referrals* (children waiting) and carers, and
places nobody. This module draws the children already looked after, as the DfE counts
them at 31 March: their age, sex, UASC status and ethnicity, their legal status, and
their current placement (a 903 PLACE and PLACE_PROVIDER, a placement outcode and the day
it started). An export of it, imported and read back with `ssda903.baseline`, gives the
national placement mix, the distance-locality bands and the share outside the LA.

How a child is drawn (everything with one numpy Generator seeded from `seed`):

1. LA in proportion to its children looked after (§1.11, `RegionGeo`), home outcode
   uniform over the LA's outcodes (as `generate_region` does).
2. UASC with the stock share (§1.1); age from the age at 31 March (§1.2) with the UASC
   ages taken out, so that the whole population follows it; sex and ethnicity as the
   referral generator draws them (§1.2, with the UASC stock share taken out).
3. Placement type, legal status and distance-locality band, each from a prior that says
   which children are likelier in which category (assumptions below: supported
   accommodation only at 16-17, adoption for the young, children's homes further away,
   kinship nearer, ...), scaled to the national shares by raking (`_rake`): each
   category's weight is multiplied until the expected counts equal the targets. The
   correlations come from the priors, the totals from the figures.
4. The placement outcode: a real gazetteer outcode for which the band is true (inside
   or outside the child's LA by the gazetteer's area, within 20 miles or beyond by the
   straight line between outcode centroids, as the import measures), nearer outcodes
   likelier by a distance kernel per placement type. Far placements can be anywhere in
   England. Where a band cannot be true for the child's home (no outcode of a West
   Yorkshire LA is more than 20 miles from another of the same LA), the child keeps the
   distance side of the band and takes the other side of the boundary; `targets` gives
   the bands the region can show.

"§x.y" cites the figures file (reference/figures-and-ssda903.md). "Assumption" marks a
number it does not give. docs/ssda903.md reports measured against target figures.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, NamedTuple

import numpy as np

from ssda903 import codes
from ssda903.baseline import BANDS as DFE_BANDS
from ssda903.baseline import ENGLAND_2015
from ssda903.export import (
    Placed,
    born_between,
    export_placed,
    to_csv,
    to_xml,
    write_extract,
)
from ssda903.records import collection_year
from synth import calibration as cal
from synth.geography import RegionGeo
from synth.region import WEST_YORKSHIRE
from synth.sampling import non_uasc_codes, pick, uniform_in

__all__ = [
    "AGE_AT_31_MARCH",
    "BAND_TARGET",
    "PLACEMENT_MIX",
    "TYPES",
    "LookedAfter",
    "Targets",
    "generate_looked_after",
    "targets",
]

# ---------------------------------------------------------------------------------
# Calibration targets
# ---------------------------------------------------------------------------------

#: The placement types of §1.4's "suggested calibration mix for 2024-25", in its order.
TYPES: Final = (
    "in_house_foster",
    "ifa_foster",
    "kinship",
    "childrens_home",
    "supported",
    "with_parents",
    "adoption",
    "secure",
    "other",
)
TYPE_LABELS: Final = MappingProxyType(
    {
        "in_house_foster": "mainstream foster, LA (in-house)",
        "ifa_foster": "mainstream foster, IFA",
        "kinship": "kinship foster",
        "childrens_home": "children's homes (K2)",
        "supported": "supported accommodation (K3/H5)",
        "with_parents": "placed with parents (P1)",
        "adoption": "placed for adoption (A3-A6)",
        "secure": "secure children's homes (K1)",
        "other": "other (residential school, NHS, custody, ...)",
    }
)
#: §1.4 "Suggested calibration mix for 2024-25" as printed: in-house ~28%, IFA ~25%,
#: kinship ~16%, children's homes ~11-12%, supported ~10%, with parents ~6%, placed for
#: adoption ~2-3%, secure ~0.1-0.2%, other ~2-3% (ranges at their middle). They add to
#: 101.65%; PLACEMENT_MIX scales them to 1.
SUGGESTED_MIX: Final = MappingProxyType(
    {
        "in_house_foster": 0.28,
        "ifa_foster": 0.25,
        "kinship": 0.16,
        "childrens_home": 0.115,
        "supported": 0.10,
        "with_parents": 0.06,
        "adoption": 0.025,
        "secure": 0.0015,
        "other": 0.025,
    }
)
PLACEMENT_MIX: Final = MappingProxyType(
    {t: s / sum(SUGGESTED_MIX.values()) for t, s in SUGGESTED_MIX.items()}
)
#: The 903 group (the baseline's "by placement type" rows) of each type but "other".
TYPE_GROUP: Final = MappingProxyType(
    {
        "in_house_foster": codes.FOSTER_OTHER,
        "ifa_foster": codes.FOSTER_OTHER,
        "kinship": codes.FOSTER_KIN,
        "childrens_home": codes.HOMES,
        "supported": codes.SUPPORTED,
        "with_parents": codes.PARENTS,
        "adoption": codes.ADOPTION,
        "secure": codes.SECURE,
    }
)

#: Age bands at 31 March (first, last age).
AGE_BANDS: Final = ((0, 0), (1, 4), (5, 9), (10, 15), (16, 17))
AGE_BAND_LABELS: Final = ("under 1", "1-4", "5-9", "10-15", "16-17")
#: §1.2: age at 31 March, 2022 (the full split the file holds): under 1 5%, 1-4 14%,
#: 5-9 18%, 10-15 39%, 16+ 25%. They add to 101% (rounding); scaled to 1.
AGE_AT_31_MARCH: Final = tuple(s / 1.01 for s in (0.05, 0.14, 0.18, 0.39, 0.25))
#: §1.1: UASC were 8.0% of children looked after at 31 March 2025 (the stock; the
#: referral generator's 15% is of a day's referrals, mostly new entrants).
UASC_SHARE: Final = cal.UASC_STOCK_SHARE
#: §1.2: 56% of children looked after were boys in 2025, 53% of non-UASC. UASC boys:
#: the referral generator's 94% (cal.UASC_MALE_SHARE), which with 8% UASC gives 56.3%.
MALE_SHARE: Final = 0.56
NON_UASC_MALE_SHARE: Final = cal.NON_UASC_MALE_SHARE

#: §1.5, 2015 ("Placement distance locality for CLA", ssda903.baseline.ENGLAND_2015):
#: inside the LA and 20 miles or less 53%, inside and more than 20 miles 4%, outside
#: and 20 miles or less 23%, outside and more than 20 miles 14%, inside and distance not
#: known 2%, in the baseline's band order ("inside, not known" is its "not known" band:
#: the home postcode is not recorded, the placement is in the LA). They add to 96%; the
#: other 4% are in no band the file names, so the bands are scaled to 1. That gives
#: 19.1% more than 20 miles of those with a distance (22% in 2024) and 38.5% outside the
#: LA (40% in 2015, "almost half" in 2024).
BANDS: Final = DFE_BANDS
IN_NEAR, IN_FAR, OUT_NEAR, OUT_FAR, UNKNOWN = range(5)
BAND_2015: Final = tuple(ENGLAND_2015[b] for b in BANDS)
BAND_TARGET: Final = tuple(s / sum(BAND_2015) for s in BAND_2015)
#: §1.5: Ofsted 2022, children living in children's homes were on average 36 miles from
#: home. Median distances, 2015: all 5.8 miles, inside the LA 3.3, outside 13.2.
CHILDRENS_HOME_MEAN_MILES: Final = 36.0
MEDIAN_MILES_2015: Final = MappingProxyType({"all": 5.8, "inside": 3.3, "outside": 13.2})

#: §1.3, 2020 (the full split): care order 77%, s20 17%, placement order 6%, other
#: under 0.5%. Assumption: interim care orders (C1) are 7 points of the 77; remand (J1)
#: stands for "other" at 0.3 points, taken from full care orders.
LEGAL_STATUS_MIX: Final = MappingProxyType(
    {"C2": 0.697, "C1": 0.07, "V2": 0.17, "E1": 0.06, "J1": 0.003}
)

# ---------------------------------------------------------------------------------
# Assumptions: who is likelier where (priors; raking scales them to the targets)
# ---------------------------------------------------------------------------------

#: Assumption: how likely each age band (rows: AGE_BANDS) is in each type (columns:
#: TYPES), before scaling to PLACEMENT_MIX. Supported accommodation is for 16-17s (K3 is
#: registered for 16-17); placed for adoption is for the young (§1.7: average age at
#: adoption 3 years 4 months); children's homes and secure homes are for older children;
#: "other" is residential schools, NHS settings, mother and baby units and custody.
AGE_PRIOR: Final = (
    # in-house  IFA  kinship  home  supported parents adoption secure other
    (1.0, 0.8, 1.2, 0.00, 0.0, 1.0, 2.00, 0.0, 1.2),  # under 1
    (1.0, 0.8, 1.2, 0.01, 0.0, 1.0, 2.50, 0.0, 0.3),  # 1-4
    (1.0, 1.0, 1.0, 0.15, 0.0, 0.9, 0.40, 0.0, 0.6),  # 5-9
    (1.0, 1.2, 0.8, 1.00, 0.0, 0.7, 0.02, 1.0, 1.0),  # 10-15
    (0.6, 1.0, 0.6, 1.00, 3.0, 0.5, 0.00, 1.0, 1.0),  # 16-17
)
#: Assumption: UASC (no family here) live in foster care or supported accommodation,
#: a few in children's homes; never with kin or parents, nor placed for adoption.
UASC_PRIOR: Final = (0.8, 1.2, 0.0, 0.15, 3.0, 0.0, 0.0, 0.0, 0.1)

#: Assumption: how likely each type (rows: TYPES) is in each band (columns: BANDS),
#: before scaling to BAND_TARGET. Children's homes and secure homes are far more often
#: (§1.5, Ofsted: 36 miles on average for children's homes; secure homes are few);
#: kinship carers, in-house foster carers and parents live nearer; adopters are often
#: found outside the LA. Every type can be in every band.
BAND_PRIOR: Final = MappingProxyType(
    {
        # inside <=20 mi, inside >20, outside <=20, outside >20, not known
        "in_house_foster": (1.0, 1.0, 0.55, 0.22, 1.0),
        "ifa_foster": (0.7, 1.0, 1.10, 0.60, 1.0),
        "kinship": (1.0, 1.0, 0.55, 0.35, 1.0),
        "childrens_home": (0.45, 1.0, 1.20, 2.60, 1.0),
        "supported": (0.8, 1.0, 1.00, 0.60, 1.0),
        "with_parents": (1.0, 0.5, 0.40, 0.15, 1.0),
        "adoption": (0.4, 1.0, 1.00, 1.20, 0.5),
        "secure": (0.1, 1.0, 0.50, 6.00, 0.5),
        "other": (0.4, 1.0, 0.80, 1.50, 1.0),
    }
)
#: Assumption: UASC's home postcode is often not recorded (not required for UASC, DfE
#: rule 406), so they are this many times likelier in the "not known" band.
UASC_HOME_UNKNOWN_FACTOR: Final = 8.0


class TypeAssumptions(NamedTuple):
    """Per placement type: distance kernels (km) and years in the placement."""

    near_km: float
    far_km: float
    years: float


#: Assumptions by type. Distance kernels: within a band, an outcode d km from home has
#: weight exp(-d / near_km) within 20 miles and exp(-(d - 20 miles) / far_km) beyond;
#: parents and kin nearest, children's homes and secure homes spread widest (far_km for
#: children's homes is set so that their mean distance is about Ofsted's 36 miles,
#: §1.5). Years in the current placement: exponential with this mean, cut at birth
#: (§1.6: 69% of children had one placement in 2024; 68% of under-16s looked after 2.5
#: years or more had been with the same carer 2 years or more).
BY_TYPE: Final = MappingProxyType(
    {
        "in_house_foster": TypeAssumptions(near_km=7.0, far_km=20.0, years=2.2),
        "ifa_foster": TypeAssumptions(near_km=8.0, far_km=30.0, years=2.2),
        "kinship": TypeAssumptions(near_km=6.0, far_km=40.0, years=2.5),
        "childrens_home": TypeAssumptions(near_km=10.0, far_km=80.0, years=1.0),
        "supported": TypeAssumptions(near_km=6.0, far_km=30.0, years=0.6),
        "with_parents": TypeAssumptions(near_km=1.5, far_km=30.0, years=1.0),
        "adoption": TypeAssumptions(near_km=10.0, far_km=40.0, years=0.4),
        "secure": TypeAssumptions(near_km=15.0, far_km=100.0, years=0.25),
        "other": TypeAssumptions(near_km=8.0, far_km=60.0, years=0.5),
    }
)

#: Assumption: PLACE codes within each type. Long-term foster (U4, U1) against other
#: (U6, U3); of adoptions, most under a placement order (A5, A6) and not with the
#: current foster carers (A4, A6). Supported is K3 from the 2024-25 return, H5 before.
PLACES: Final = MappingProxyType(
    {
        "in_house_foster": MappingProxyType({"U4": 0.45, "U6": 0.55}),
        "ifa_foster": MappingProxyType({"U4": 0.45, "U6": 0.55}),
        "kinship": MappingProxyType({"U1": 0.40, "U3": 0.60}),
        "childrens_home": MappingProxyType({"K2": 1.0}),
        "supported": MappingProxyType({"K3": 1.0}),
        "with_parents": MappingProxyType({"P1": 1.0}),
        "adoption": MappingProxyType({"A3": 0.03, "A4": 0.12, "A5": 0.15, "A6": 0.70}),
        "secure": MappingProxyType({"K1": 1.0}),
    }
)
#: Assumption: "other" placements, with the ages each can hold (first, last): residential
#: schools 5-17, residential care homes, NHS settings, family centres and mother and
#: baby units (babies with their mother, or a 16-17-year-old mother), young offender
#: institutions 15-17.
OTHER_PLACES: Final = MappingProxyType(
    {"S1": (0.30, 5, 17), "R1": (0.10, 0, 17), "R2": (0.15, 0, 17), "R3": (0.15, 0, 0),
     "R5": (0.30, 15, 17)}
)  # fmt: skip
#: Assumption: PLACE_PROVIDER within each type (or, for "other", each PLACE), within the
#: 903 rules (PR0 only with P1; PR3 for the NHS and custody). Children's homes, supported
#: accommodation and adopters as the referral generator's carers (synth.calibration);
#: secure homes are few, so most children are in another LA's.
PROVIDERS: Final = MappingProxyType(
    {
        "in_house_foster": MappingProxyType({"PR1": 1.0}),
        "ifa_foster": MappingProxyType({"PR4": 0.85, "PR5": 0.15}),
        "kinship": MappingProxyType({"PR1": 1.0}),
        "childrens_home": MappingProxyType({"PR4": 0.80, "PR1": 0.15, "PR5": 0.05}),
        "supported": MappingProxyType({"PR4": 0.70, "PR5": 0.20, "PR1": 0.10}),
        "with_parents": MappingProxyType({"PR0": 1.0}),
        "adoption": MappingProxyType({"PR1": 0.80, "PR5": 0.20}),
        "secure": MappingProxyType({"PR2": 0.70, "PR1": 0.30}),
        "S1": MappingProxyType({"PR4": 0.60, "PR5": 0.40}),
        "R1": MappingProxyType({"PR4": 1.0}),
        "R2": MappingProxyType({"PR3": 1.0}),
        "R3": MappingProxyType({"PR1": 0.50, "PR5": 0.50}),
        "R5": MappingProxyType({"PR3": 1.0}),
    }
)

#: Assumption: which legal status (columns: LEGAL_STATUS_MIX) goes with what, before
#: scaling. UASC are accommodated under s20 (V2). Children placed with parents are under
#: a care order. Placed for adoption: a placement order (A5, A6) or consent under a care
#: order (A3, A4). Placement orders otherwise go to young children waiting in foster or
#: kinship care (§1.7: 2,600 children waiting, ~3% of those looked after); remand to
#: children in secure homes and custody.
LS_PRIOR_BY_TYPE: Final = MappingProxyType(
    {
        # C2, C1, V2, E1, J1 (LEGAL_STATUS_MIX's order)
        "in_house_foster": (1.0, 0.8, 1.0, 1.0, 0.0),
        "ifa_foster": (1.0, 0.8, 1.0, 1.0, 0.0),
        "kinship": (1.0, 1.2, 1.0, 0.5, 0.0),
        "childrens_home": (1.0, 0.6, 1.2, 0.0, 0.0),
        "supported": (1.0, 0.3, 1.5, 0.0, 0.0),
        "with_parents": (1.0, 1.5, 0.0, 0.0, 0.0),
        "secure": (1.0, 0.5, 0.3, 0.0, 20.0),
        "other": (1.0, 0.8, 1.0, 0.0, 1.0),
    }
)
#: Assumption: a placement order is likelier the younger the child (by AGE_BANDS).
E1_BY_AGE: Final = (1.5, 1.5, 0.4, 0.03, 0.0)
#: Remand (J1) only for 10-17s in secure homes or custody (R5).
J1_MIN_AGE: Final = 10

#: Assumption: the decision that a child should be placed for adoption (DATE_PLACED)
#: comes this many days (uniform) before an adoptive placement; for a child waiting, it
#: follows the placement order by up to ADOPTION_DECISION_AFTER_ORDER days.
ADOPTION_DECISION_BEFORE_PLACEMENT: Final = (30, 240)
ADOPTION_DECISION_AFTER_ORDER: Final = 60

#: Children per LA when the figures file has no count for every LA: the mean over
#: England's 153 LAs of the 81,770 children looked after at 31 March 2025 (§1.1).
MEAN_CHILDREN_PER_LA: Final = round(81_770 / 153)
#: The snapshot day the DfE counts on (31 March).
DEFAULT_AS_OF: Final = date(2026, 3, 31)
#: The first CHILD code (numbers, as LAs' systems give them).
FIRST_CHILD: Final = 100_001


def _check() -> None:
    for name, shares in (
        ("PLACEMENT_MIX", PLACEMENT_MIX.values()),
        ("AGE_AT_31_MARCH", AGE_AT_31_MARCH),
        ("BAND_TARGET", BAND_TARGET),
        ("LEGAL_STATUS_MIX", LEGAL_STATUS_MIX.values()),
        ("OTHER_PLACES", [o[0] for o in OTHER_PLACES.values()]),
        *((f"PLACES[{t}]", p.values()) for t, p in PLACES.items()),
        *((f"PROVIDERS[{t}]", p.values()) for t, p in PROVIDERS.items()),
    ):
        total = sum(shares)
        assert abs(total - 1.0) < 1e-9, f"{name} sums to {total}"
    assert set(PLACES) | {"other"} == set(TYPES) == set(BAND_PRIOR) == set(BY_TYPE)
    assert all(len(r) == len(TYPES) for r in (*AGE_PRIOR, UASC_PRIOR))


_check()


# ---------------------------------------------------------------------------------
# The population
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LookedAfter:
    """Children looked after in a region on `as_of`, each where they live now.

    `children` are problem-format child fields (id, la, age, sex, ethnicity, home, needs
    and, for a child with a placement order who is not yet placed for adoption, an
    adoption plan); `home` is None where the home postcode is not recorded. `placed`
    gives each child's current placement as 903 codes (`ssda903.export.Placed`),
    `types` the calibration type (TYPES) and `bands` the band drawn (BANDS index).
    """

    as_of: date
    las: tuple[str, ...]
    seed: int
    children: tuple[dict[str, Any], ...]
    placed: Mapping[str, Placed]
    types: Mapping[str, str]
    bands: Mapping[str, int] = field(repr=False)

    def document(self) -> dict[str, Any]:
        """The `doc` that `ssda903.export.export_placed` reads."""
        return {"as_of": self.as_of.isoformat(), "children": [dict(c) for c in self.children]}

    def rows(
        self, la: str | None = None, *, year: int | None = None
    ) -> dict[str, list[dict[str, Any]]]:
        """One LA's children (a 903 return is one LA's), or all, as 903 tables."""
        return export_placed(self.document(), self.placed, la=la, year=year)

    def write(self, directory: str | PathLike[str], *, xml: bool = False) -> list[Path]:
        """One 903 extract per LA in `directory`/<LA>/: the CSV tables (header.csv,
        episodes.csv, uasc.csv, oc2.csv, placed_for_adoption.csv, and prev_perm.csv when a
        period began in the return's year) or one <LA>.xml."""
        written: list[Path] = []
        for la in self.las:
            rows = self.rows(la)
            files = {f"{la}.xml": to_xml(rows)} if xml else to_csv(rows)
            written += write_extract(files, Path(directory) / la)
        return written


@dataclass(frozen=True)
class Targets:
    """What a standing population of these LAs is calibrated to, as shares.

    `bands` are the §1.5 bands the region can show (BAND_TARGET, with a band that cannot
    be true of a home moved across the boundary); `over_20_miles` is of the children
    with a distance, `outside_la` of those with a placement outcode.
    """

    placement_mix: Mapping[str, float]
    by_group: Mapping[str, float]
    other: float
    in_house_of_foster: float
    age_bands: tuple[float, ...]
    uasc: float
    male: float
    male_non_uasc: float
    ethnic_groups: Mapping[str, float]
    legal_status: Mapping[str, float]
    bands: tuple[float, ...]
    over_20_miles: float
    outside_la: float
    childrens_home_mean_miles: float


def targets(las: Sequence[str] | None = WEST_YORKSHIRE) -> Targets:
    """The calibration targets for a region (`las` as for `generate_looked_after`)."""
    geo = _geo(las)
    moved = _band_moves(geo, *_home_distances(geo, np.concatenate(geo.la_outcodes)))
    weights = np.concatenate(
        [np.full(len(o), w / len(o)) for o, w in zip(geo.la_outcodes, geo.weights, strict=True)]
    )
    bands = np.zeros(len(BANDS))
    for b, share in enumerate(BAND_TARGET):
        np.add.at(bands, moved[:, b], share * weights)
    by_group: dict[str, float] = {}
    for t, g in TYPE_GROUP.items():
        by_group[g] = by_group.get(g, 0.0) + PLACEMENT_MIX[t]
    known = 1.0 - bands[UNKNOWN]
    return Targets(
        placement_mix=PLACEMENT_MIX,
        by_group=MappingProxyType(by_group),
        other=PLACEMENT_MIX["other"],
        in_house_of_foster=PLACEMENT_MIX["in_house_foster"]
        / (PLACEMENT_MIX["in_house_foster"] + PLACEMENT_MIX["ifa_foster"]),
        age_bands=AGE_AT_31_MARCH,
        uasc=UASC_SHARE,
        male=MALE_SHARE,
        male_non_uasc=NON_UASC_MALE_SHARE,
        ethnic_groups=cal.ETHNIC_GROUP_TARGET,
        legal_status=LEGAL_STATUS_MIX,
        bands=tuple(float(b) for b in bands),
        over_20_miles=float((bands[IN_FAR] + bands[OUT_FAR]) / known),
        outside_la=float(bands[OUT_NEAR] + bands[OUT_FAR]),
        childrens_home_mean_miles=CHILDRENS_HOME_MEAN_MILES,
    )


def generate_looked_after(
    children: int | None = None,
    *,
    seed: int = 0,
    las: Sequence[str] | None = WEST_YORKSHIRE,
    as_of: date = DEFAULT_AS_OF,
) -> LookedAfter:
    """The children looked after in `las` on `as_of` (None: every English LA).

    `children` defaults to the LAs' children looked after where §1.11 counts them all
    (4,507 for West Yorkshire), else MEAN_CHILDREN_PER_LA per LA. Raises ValueError for
    an unknown LA or a negative count or seed.
    """
    if seed < 0:
        raise ValueError("seed must be zero or more")
    geo = _geo(las)
    if children is None:
        children = _default_count(geo)
    if children < 0:
        raise ValueError("children must be zero or more")
    rng = np.random.default_rng(seed)
    drawn = _draw_population(rng, geo, int(children), as_of)
    return _population(drawn, geo, as_of, seed)


def _default_count(geo: RegionGeo) -> int:
    """The LAs' own children looked after where §1.11 counts them all, else
    MEAN_CHILDREN_PER_LA per LA."""
    if all(la in cal.LA_CLA_COUNTS for la in geo.las):
        return sum(cal.LA_CLA_COUNTS[la] for la in geo.las)
    return MEAN_CHILDREN_PER_LA * len(geo.las)


@dataclass(frozen=True)
class _Drawn:
    """Everything drawn for `n` children, one array per field (indices into geo and
    TYPES where not said otherwise)."""

    la: np.ndarray
    home: np.ndarray
    uasc: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    ethnicity: np.ndarray
    kind: np.ndarray
    place: np.ndarray
    provider: np.ndarray
    ls: np.ndarray
    band: np.ndarray
    outcode: np.ndarray
    days: np.ndarray  # days in the placement by `as_of`, before capping at birth
    decision: np.ndarray  # days from the adoption decision to placement
    after_order: np.ndarray  # days from a placement order to the decision


def _draw_population(rng: np.random.Generator, geo: RegionGeo, n: int, as_of: date) -> _Drawn:
    """The draws, in their fixed order: where, who, the placement kind, its codes and
    legal status, its distance band and outcode, and how long ago it started."""
    la = pick(rng, geo.weights, n)
    home = uniform_in(rng, geo.la_outcodes, la)
    uasc = rng.random(n) < UASC_SHARE
    age = _ages(rng, uasc)
    sex = np.where(
        rng.random(n) < np.where(uasc, cal.UASC_MALE_SHARE, NON_UASC_MALE_SHARE), "M", "F"
    )
    ethnicity = _ethnicity(rng, uasc)
    band_of_age = np.searchsorted([hi for _, hi in AGE_BANDS], age)

    prior = np.asarray(AGE_PRIOR)[band_of_age]
    prior[uasc] = UASC_PRIOR
    kind = _draw(rng, _rake(prior, np.array(list(PLACEMENT_MIX.values()))))

    place, provider = _codes(rng, kind, age, collection_year(as_of))
    ls = _legal_status(rng, kind, place, age, band_of_age, uasc)

    prior = np.asarray([BAND_PRIOR[t] for t in TYPES])[kind]
    prior[uasc, UNKNOWN] *= UASC_HOME_UNKNOWN_FACTOR
    band = _draw(rng, _rake(prior, np.asarray(BAND_TARGET)))
    outcode, band = _placement_outcodes(rng, geo, la, home, kind, band)

    years = np.array([BY_TYPE[t].years for t in TYPES])[kind]
    days = np.floor(rng.exponential(years) * 365.25).astype(np.int64)
    decision = rng.integers(*ADOPTION_DECISION_BEFORE_PLACEMENT, size=n, endpoint=True)
    after_order = rng.integers(0, ADOPTION_DECISION_AFTER_ORDER, size=n, endpoint=True)
    return _Drawn(
        la=la,
        home=home,
        uasc=uasc,
        age=age,
        sex=sex,
        ethnicity=ethnicity,
        kind=kind,
        place=place,
        provider=provider,
        ls=ls,
        band=band,
        outcode=outcode,
        days=days,
        decision=decision,
        after_order=after_order,
    )


def _population(d: _Drawn, geo: RegionGeo, as_of: date, seed: int) -> LookedAfter:
    """The drawn children as problem-format records and the placements they live in."""
    kids: list[dict[str, Any]] = []
    placed: dict[str, Placed] = {}
    types: dict[str, str] = {}
    bands: dict[str, int] = {}
    for i in range(len(d.age)):
        cid = str(FIRST_CHILD + i)
        a = int(d.age[i])
        # The placement starts on or after the earliest birth date that gives this age.
        earliest = (as_of - born_between(a, as_of)[0]).days
        start = as_of - timedelta(days=min(int(d.days[i]), earliest))
        child: dict[str, Any] = {
            "id": cid,
            "la": geo.las[int(d.la[i])],
            "age": a,
            "sex": str(d.sex[i]),
            "ethnicity": str(d.ethnicity[i]),
            "home": None if d.band[i] == UNKNOWN else str(geo.outcode[d.home[i]]),
            "needs": ["uasc"] if d.uasc[i] else [],
        }
        place = Placed(
            place=str(d.place[i]),
            place_provider=str(d.provider[i]),
            postcode=str(geo.outcode[d.outcode[i]]),
            urn=synthetic_urn(child["la"], str(d.place[i]), str(d.provider[i]),
                              str(geo.outcode[d.outcode[i]])),
            start=start,
            legal_status=str(d.ls[i]),
        )  # fmt: skip
        if d.ls[i] == "E1" or TYPES[d.kind[i]] == "adoption":
            child["adoption"], place = _adoption(d, i, child["la"], as_of, place)
        kids.append(child)
        placed[cid] = place
        types[cid] = TYPES[d.kind[i]]
        bands[cid] = int(d.band[i])
    return LookedAfter(as_of, geo.las, seed, tuple(kids), placed, types, bands)


#: Ofsted-registered settings have a URN (rule 218) except these, which must not have one
#: (rule 222): parents, residential employment, care homes, the NHS, custody, temporary
#: moves and "other" placements.
NO_URN: Final = codes.TEMPORARY_PLACES | {"P1", "P3", "R1", "R2", "R5", "Z1", "Z11", "Z12", "Z13",
                                         "Z14"}  # fmt: skip


def synthetic_urn(la: str, place: str, provider: str, outcode: str) -> str:
    """A setting's Ofsted URN in a generated return: 9 and six digits from a hash (Ofsted's
    are SC and six digits, or seven digits starting 1 or 2, so none is a real setting's).
    Foster carers and adopters share their service's (the LA's own, or one agency per
    provider code); a home or school is one per PLACE, provider and outcode."""
    if place in NO_URN:
        return ""
    group = codes.PLACE[place].group if place in codes.PLACE else place
    service = place in codes.FOSTER_PLACES or group == codes.ADOPTION
    key = f"{la}|{provider}|{group}" if service else f"{place}|{provider}|{outcode}"
    return f"9{zlib.crc32(key.encode()) % 10**6:06d}"


def _adoption(
    d: _Drawn, i: int, la: str, as_of: date, place: Placed
) -> tuple[dict[str, str], Placed]:
    """Child `i`'s adoption plan, and their placement with the episodes before it.

    Placed for adoption: the period of care began in foster care before the decision
    that the child should be placed for adoption, which comes before the adoptive
    placement (DfE rule 1003); with a placement order (A5, A6) the order starts with the
    placement, after the decision (rule 554). With the current foster carers (A3, A5)
    the earlier placement is theirs. Waiting in foster or kinship care with a placement
    order: the order follows the placement's start, and the decision falls between.
    """
    start = place.start or as_of
    earliest = born_between(int(d.age[i]), as_of)[0]
    to_decision = timedelta(days=int(d.decision[i]))
    if TYPES[d.kind[i]] == "adoption":
        care_start = max(earliest, start - to_decision - timedelta(days=int(d.after_order[i])))
        decided = max(care_start, start - to_decision)
        same_carer = place.place in ("A3", "A5")
        order = start if place.legal_status == "E1" else None
        rne = {(True, True): "U", (True, False): "T", (False, True): "B", (False, False): "P"}
        foster = replace(place, place="U6", start=care_start, legal_status="C2", rne="S")
        if not same_carer:
            foster = replace(foster, place_provider="PR1", urn=synthetic_urn(la, "U6", "PR1", ""))
        if care_start < start:  # placed at birth: no foster care before (rule 355)
            place = replace(place, rne=rne[same_carer, order is not None], earlier=(foster,))
    else:
        order = min(as_of, start + timedelta(days=int(d.after_order[i])))
        decided = max(start, order - to_decision)
    adoption = {"waiting_since": decided.isoformat()}
    if order is not None:
        adoption["placement_order_date"] = order.isoformat()
    return adoption, place


# ---------------------------------------------------------------------------------
# Drawing
# ---------------------------------------------------------------------------------


def _geo(las: Sequence[str] | None) -> RegionGeo:
    return RegionGeo.build(None if las is None else tuple(las))


def _rake(prior: np.ndarray, target: np.ndarray, rounds: int = 200) -> np.ndarray:
    """Each row's probabilities over the columns: the prior row times a weight per
    column, normalised, with the column weights found (iterative proportional fitting
    on the columns) so that the expected count of each column is its target share."""
    prior = np.asarray(prior, dtype=np.float64)
    weight = np.ones(prior.shape[1])
    want = target * len(prior)
    for _ in range(rounds):
        p = prior * weight
        p /= p.sum(axis=1, keepdims=True)
        got = p.sum(axis=0)
        ratio = np.divide(want, got, out=np.ones_like(want), where=got > 0)
        if np.allclose(ratio, 1.0, rtol=1e-9, atol=0):
            break
        weight *= ratio
    p = prior * weight
    raked: np.ndarray = p / p.sum(axis=1, keepdims=True)
    return raked


def _draw(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """One column index per row, drawn with the row's probabilities."""
    cum = np.cumsum(p, axis=1)
    cum[:, -1] = 1.0
    drawn: np.ndarray = (rng.random(len(p))[:, None] >= cum).sum(axis=1)
    return drawn


def _ages(rng: np.random.Generator, uasc: np.ndarray) -> np.ndarray:
    """UASC ages as the referral generator's (cal.UASC_AGES); everyone else from the age
    at 31 March with the UASC taken out of each band, so that all follow it."""
    n = len(uasc)
    age = np.zeros(n, dtype=np.int64)
    ages = np.array(list(cal.UASC_AGES), dtype=np.int64)
    age[uasc] = ages[pick(rng, cal.UASC_AGES, int(uasc.sum()))]
    per_age = np.zeros(18)
    for (lo, hi), share in zip(AGE_BANDS, AGE_AT_31_MARCH, strict=True):
        u = sum(p for a, p in cal.UASC_AGES.items() if lo <= a <= hi)
        per_age[lo : hi + 1] = max(0.0, share - UASC_SHARE * u) / (1 - UASC_SHARE) / (hi - lo + 1)
    age[~uasc] = pick(rng, per_age, int((~uasc).sum()))
    return age


def _ethnicity(rng: np.random.Generator, uasc: np.ndarray) -> np.ndarray:
    """ETHNIC codes: the national mix with the UASC taken out (as the referral generator
    draws them), and for UASC their country of origin's code (cal.UASC_ORIGINS)."""
    names, shares = non_uasc_codes()
    out: np.ndarray = np.array(names, dtype=object)[pick(rng, shares, len(uasc))]
    origins = np.array([o[2] for o in cal.UASC_ORIGINS], dtype=object)
    out[uasc] = origins[pick(rng, [o[1] for o in cal.UASC_ORIGINS], int(uasc.sum()))]
    return out


def _codes(
    rng: np.random.Generator, kind: np.ndarray, age: np.ndarray, year: int
) -> tuple[np.ndarray, np.ndarray]:
    """PLACE and PLACE_PROVIDER for each child's type (PLACES, OTHER_PLACES, PROVIDERS)."""
    n = len(kind)
    place = np.empty(n, dtype=object)
    for t, mix in PLACES.items():
        at = np.flatnonzero(kind == TYPES.index(t))
        place[at] = np.array(list(mix), dtype=object)[pick(rng, mix, len(at))]
    at = np.flatnonzero(kind == TYPES.index("other"))
    names = list(OTHER_PLACES)
    prior = np.array(
        [[s * (lo <= a <= hi) for s, lo, hi in OTHER_PLACES.values()] for a in age[at]]
    ).reshape(len(at), len(names))
    place[at] = np.array(names, dtype=object)[_draw(rng, prior / prior.sum(axis=1)[:, None])]
    if year < 2025:  # K3 is valid from the 2024-25 return; H5 before it
        place[place == "K3"] = "H5"
    provider = np.empty(n, dtype=object)
    for key, mix in PROVIDERS.items():
        chosen = place == key if key in OTHER_PLACES else kind == TYPES.index(key)
        at = np.flatnonzero(chosen)
        provider[at] = np.array(list(mix), dtype=object)[pick(rng, mix, len(at))]
    return place, provider


def _legal_status(
    rng: np.random.Generator,
    kind: np.ndarray,
    place: np.ndarray,
    age: np.ndarray,
    band_of_age: np.ndarray,
    uasc: np.ndarray,
) -> np.ndarray:
    """LS for each child: the priors (LS_PRIOR_BY_TYPE, E1_BY_AGE) scaled to the mix."""
    names = list(LEGAL_STATUS_MIX)
    prior = np.zeros((len(kind), len(names)))
    for t, row in LS_PRIOR_BY_TYPE.items():
        prior[kind == TYPES.index(t)] = row
    prior[:, names.index("E1")] *= np.asarray(E1_BY_AGE)[band_of_age]
    custody = (place == "R5") | (kind == TYPES.index("secure"))
    prior[:, names.index("J1")] *= custody & (age >= J1_MIN_AGE)
    adoption = kind == TYPES.index("adoption")
    prior[adoption] = 0.0
    prior[adoption & np.isin(place, ["A5", "A6"]), names.index("E1")] = 1.0
    prior[adoption & np.isin(place, ["A3", "A4"]), names.index("C2")] = 1.0
    prior[uasc] = 0.0
    prior[uasc, names.index("V2")] = 1.0
    p = _rake(prior, np.array(list(LEGAL_STATUS_MIX.values())))
    status: np.ndarray = np.array(names, dtype=object)[_draw(rng, p)]
    return status


def _home_distances(geo: RegionGeo, homes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """km from each home (gazetteer index) to every English outcode (geo.columns), and
    whether each is in the home's LA."""
    km = geo.km(homes[:, None], geo.columns[None, :])
    inside = geo.area[geo.columns][None, :] == geo.area[homes][:, None]
    return km, inside


def _masks(km: np.ndarray, inside: np.ndarray) -> tuple[np.ndarray, ...]:
    """Candidate outcodes per band (BANDS order): the band is true of each."""
    near = km <= codes.TWENTY_MILES_KM
    return (inside & near, inside & ~near, ~inside & near, ~inside & ~near, inside & near)


def _band_moves(geo: RegionGeo, km: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """For each home and band, the band a child there takes: the band itself when some
    outcode makes it true, else the other side of the LA boundary at the same distance
    (inside and more than 20 miles -> outside and more than 20 miles; outside and 20
    miles or less -> inside and 20 miles or less, the home's own outcode)."""
    other_side = (IN_NEAR, OUT_FAR, IN_NEAR, IN_FAR, UNKNOWN)
    moved = np.tile(np.arange(len(BANDS)), (len(km), 1))
    for b, mask in enumerate(_masks(km, inside)):
        moved[~mask.any(axis=1), b] = other_side[b]
    return moved


def _placement_outcodes(
    rng: np.random.Generator,
    geo: RegionGeo,
    la: np.ndarray,
    home: np.ndarray,
    kind: np.ndarray,
    band: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """A placement outcode (gazetteer index) for each child for which its band is true,
    nearer ones likelier (BY_TYPE); and the band, moved where it cannot be true."""
    homes, at = np.unique(home, return_inverse=True)
    km, inside = _home_distances(geo, homes)
    band = _band_moves(geo, km, inside)[at, band]
    masks = _masks(km, inside)
    near_km = np.array([BY_TYPE[t].near_km for t in TYPES])
    far_km = np.array([BY_TYPE[t].far_km for t in TYPES])
    out = np.empty(len(home), dtype=np.int64)
    groups, which = np.unique(np.stack([at, band, kind], axis=1), axis=0, return_inverse=True)
    order = np.argsort(which.ravel(), kind="stable")
    ends = np.cumsum(np.bincount(which.ravel(), minlength=len(groups)))
    for (h, b, t), members in zip(groups.tolist(), np.split(order, ends[:-1]), strict=True):
        d = km[h]
        ok = masks[b][h]
        if b in (IN_FAR, OUT_FAR):
            w = np.exp(-(d - codes.TWENTY_MILES_KM) / far_km[t])
        else:
            w = np.exp(-d / near_km[t])
        w = np.where(ok, w, 0.0)
        out[members] = geo.columns[rng.choice(len(d), size=len(members), p=w / w.sum())]
    return out, band
