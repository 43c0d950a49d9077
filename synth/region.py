"""A synthetic region on one day: its open referrals and its carer households, as a
problem document in the public format.

Everything is drawn with one numpy Generator seeded from `seed`, in a fixed order, so
the same arguments give the same document: the referrals (synth.referrals), then the
households (synth.households), then the links between them. Draws are vectorised over
children and households; Python loops run only to assemble the JSON lists (and over the
few children with an avoid list). The numbers and their sources are in synth.calibration and
docs/calibration.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from matching.problem import DEFAULT_MAX_DISTANCE_KM, DEFAULT_WEIGHTS, Policy
from synth import calibration as cal
from synth.expected import add_expected_places
from synth.geography import RegionGeo
from synth.households import Carers, draw_carers
from synth.referrals import Children, draw_children
from synth.sampling import FLAG, KIND
from vocab import FLAGS, KINDS, NEEDS, URGENCIES

__all__ = ["WEST_YORKSHIRE", "generate_region"]


WEST_YORKSHIRE: tuple[str, ...] = ("Bradford", "Calderdale", "Kirklees", "Leeds", "Wakefield")


def generate_region(
    children: int = 300,
    carers: int = 900,
    *,
    seed: int = 0,
    las: Sequence[str] | None = WEST_YORKSHIRE,
    as_of: date = date(2026, 11, 23),
    sibling_share: float = 0.30,
    time_limit_s: float = 10.0,
) -> dict[str, Any]:
    """A problem document for `children` open referrals and `carers` households.

    `las` names the region's LAs (gazetteer area names); None means all of England.
    Children are spread over the LAs in proportion to their children looked after
    (figures §1.11) where known, else to their number of outcodes. About
    `sibling_share` of the children are in sibling groups. Raises ValueError for an
    unknown LA or an out-of-range argument.
    """
    if children < 0 or carers < 0:
        raise ValueError("children and carers must be zero or more")
    if not 0.0 <= sibling_share <= 1.0:
        raise ValueError("sibling_share must be between 0 and 1")
    if seed < 0:
        raise ValueError("seed must be zero or more")
    if time_limit_s <= 0:
        raise ValueError("time_limit_s must be above zero")
    rng = np.random.default_rng(seed)
    geo = RegionGeo.build(las)
    kids = draw_children(rng, geo, int(children), float(sibling_share), int(carers))
    homes = draw_carers(rng, geo, kids, int(carers))
    links = _link(rng, geo, kids, homes)
    doc = _document(geo, kids, homes, links, as_of, seed, time_limit_s)
    add_expected_places(doc, seed)  # last, from its own stream: every draw above as before
    return doc


@dataclass
class _Links:
    placed_with: dict[int, int]  # child -> carer where a brother or sister lives
    wished_areas: dict[int, list[int]]  # child -> gazetteer indices
    wished_carer: dict[int, int]


def _link(rng: np.random.Generator, geo: RegionGeo, kids: Children, homes: Carers) -> _Links:
    n = kids.n
    foster = homes.kind == KIND["foster"]
    has_children = np.array([bool(x) for x in homes.household], dtype=bool)
    las = np.array(geo.las, dtype=object)
    by_la = {la: np.flatnonzero(foster & (homes.la == la)) for la in geo.las}
    with_kids = {la: np.flatnonzero(foster & has_children & (homes.la == la)) for la in geo.las}

    r = rng.random((n, 5))
    single = (kids.unit_group[kids.unit] < 0) & ~kids.flags[:, FLAG["only_child"]]
    placed_with: dict[int, int] = {}
    for c in np.flatnonzero(single & ~kids.uasc & (r[:, 0] < cal.SIBLING_ALREADY_PLACED)).tolist():
        pool = with_kids[las[kids.la[c]]]
        if len(pool):
            placed_with[c] = int(pool[int(r[c, 1] * len(pool))])

    wishers = np.flatnonzero((kids.age >= cal.WISHES_MIN_AGE) & (r[:, 2] < cal.WISHES_SHARE))
    second = geo.near(rng, kids.home[wishers], cal.WISHES_RADIUS_KM)
    both = rng.random(len(wishers)) < 0.5
    wished_areas: dict[int, list[int]] = {}
    wished_carer: dict[int, int] = {}
    for c, s, b in zip(wishers.tolist(), second.tolist(), both.tolist(), strict=True):
        home = int(kids.home[c])
        wished_areas[c] = [home, s] if b and s != home else [home]
        pool = by_la[las[kids.la[c]]]
        if r[c, 3] < cal.WISHES_NAME_CARER and len(pool):
            wished_carer[c] = int(pool[int(r[c, 4] * len(pool))])
    return _Links(placed_with, wished_areas, wished_carer)


def _ids(prefix: str, n: int) -> list[str]:
    width = max(4, len(str(n)))
    return [f"{prefix}-{i:0{width}d}" for i in range(1, n + 1)]


class _Days:
    """ISO dates `offset` days after `as_of`, each formatted once (many children and
    households share a day)."""

    def __init__(self, as_of: date) -> None:
        self.as_of = as_of
        self._text: dict[int, str] = {}

    def __call__(self, offset: int) -> str:
        if offset not in self._text:
            self._text[offset] = (self.as_of + timedelta(days=offset)).isoformat()
        return self._text[offset]


def _document(
    geo: RegionGeo,
    kids: Children,
    homes: Carers,
    links: _Links,
    as_of: date,
    seed: int,
    time_limit_s: float,
) -> dict[str, Any]:
    """The problem document: the default policy, then children, groups and carers."""
    child_ids = _ids("C", kids.n)
    carer_ids = _ids("H", homes.h)
    day = _Days(as_of)
    return {
        "as_of": as_of.isoformat(),
        "policy": {
            "max_distance_km": dict(DEFAULT_MAX_DISTANCE_KM),
            "time_limit_s": float(time_limit_s),
            "school_travel_km": Policy().school_travel_km,
            "weights": dict(DEFAULT_WEIGHTS),
            "seed": int(seed),
        },
        "children": _child_records(geo, kids, links, child_ids, carer_ids, day),
        "sibling_groups": _group_records(kids, child_ids),
        "carers": _carer_records(geo, homes, child_ids, carer_ids, day),
    }


def _child_records(
    geo: RegionGeo,
    kids: Children,
    links: _Links,
    child_ids: list[str],
    carer_ids: list[str],
    day: _Days,
) -> list[dict[str, Any]]:
    """One problem-format child per referral."""
    outcode = geo.outcode
    need_names = np.array(NEEDS, dtype=object)
    flag_names = np.array(FLAGS, dtype=object)
    kind_names = np.array(KINDS, dtype=object)
    las = geo.las
    children = []
    cols = (
        kids.la.tolist(),
        kids.age.tolist(),
        kids.sex.tolist(),
        kids.ethnicity.tolist(),
        kids.religion.tolist(),
        kids.home.tolist(),
        kids.school.tolist(),
        kids.must_stay.tolist(),
        kids.urgency.tolist(),
        kids.needed_in.tolist(),
        kids.max_km.tolist(),
    )
    for c, row in enumerate(zip(*cols, strict=True)):
        la, age, sex, eth, rel, home, school, stay, urg, need_in, max_km = row
        wished = links.wished_areas.get(c, [])
        wished_carer = links.wished_carer.get(c)
        placed = links.placed_with.get(c)
        children.append(
            {
                "id": child_ids[c],
                "la": las[la],
                "age": age,
                "sex": sex,
                "ethnicity": eth,
                "religion": rel,
                "languages": list(kids.languages[c]),
                "home": outcode[home],
                "school": outcode[school] if school >= 0 else None,
                "school_must_stay": stay,
                "avoid": kids.avoid[c],
                "accepts": kind_names[kids.accepts[c]].tolist(),
                "needs": need_names[kids.needs[c]].tolist(),
                "flags": flag_names[kids.flags[c]].tolist(),
                "urgency": URGENCIES[urg],
                "needed_by": day(need_in),
                "max_distance_km": None if max_km != max_km else max_km,
                "siblings_placed_with": [carer_ids[placed]] if placed is not None else [],
                "wishes": {
                    "areas": [outcode[a] for a in wished],
                    "carers": [carer_ids[wished_carer]] if wished_carer is not None else [],
                },
            }
        )
    return children


def _group_records(kids: Children, child_ids: list[str]) -> list[dict[str, Any]]:
    """One problem-format sibling group per group unit, with its policy."""
    policies = list(cal.SIBLING_POLICY_MIX)
    groups = []
    for g, (u, pol) in enumerate(
        zip(kids.group_units.tolist(), kids.group_policy.tolist(), strict=True)
    ):
        start, size = int(kids.unit_start[u]), int(kids.unit_size[u])
        groups.append(
            {
                "id": f"G-{g + 1:0{max(4, len(str(len(kids.group_units))))}d}",
                "children": child_ids[start : start + size],
                "policy": policies[pol],
            }
        )
    return groups


def _carer_records(
    geo: RegionGeo, homes: Carers, child_ids: list[str], carer_ids: list[str], day: _Days
) -> list[dict[str, Any]]:
    """One problem-format carer per household."""
    outcode = geo.outcode
    need_names = np.array(NEEDS, dtype=object)
    carers = []
    cols = (
        homes.la.tolist(),
        homes.kind.tolist(),
        homes.provider.tolist(),
        homes.location.tolist(),
        homes.min_age.tolist(),
        homes.max_age.tolist(),
        homes.vacancies.tolist(),
        homes.available_in.tolist(),
        homes.ethnicity.tolist(),
        homes.religion.tolist(),
        homes.smoker.tolist(),
        homes.pets.tolist(),
        homes.wheelchair.tolist(),
        homes.experience.tolist(),
        homes.cost.tolist(),
    )
    for h, row in enumerate(zip(*cols, strict=True)):
        la, kind, prov, loc, lo, hi, vac, avail, eth, rel, smoker, pets, wheel, exp, cost = row
        carers.append(
            {
                "id": carer_ids[h],
                "la": la,
                "kind": KINDS[kind],
                "provider": prov,
                "location": outcode[loc],
                "min_age": lo,
                "max_age": hi,
                "sexes": list(homes.sexes[h]),
                "vacancies": vac,
                "available_from": day(avail),
                "skills": need_names[homes.skills[h]].tolist(),
                "languages": list(homes.languages[h]),
                "ethnicity": eth,
                "religion": rel,
                "household_children_ages": homes.household[h],
                "smoker": smoker,
                "pets": pets,
                "wheelchair_access": wheel,
                "years_experience": exp,
                "weekly_cost": cost,
                "connected_children": [child_ids[c] for c in homes.connected[h]],
            }
        )
    return carers
