"""A synthetic region on one day: its open referrals and its carer households, as a
problem document in the public format.

Everything is drawn with one numpy Generator seeded from `seed`, in a fixed order, so
the same arguments give the same document. Draws are vectorised over children and
households; Python loops run only to assemble the JSON lists (and over the few children
with an avoid list). The numbers and their sources are in synth.calibration and
docs/calibration.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from matching.problem import DEFAULT_MAX_DISTANCE_KM, DEFAULT_WEIGHTS, Policy
from synth import calibration as cal
from synth.geography import RegionGeo
from vocab import FLAGS, KINDS, NEEDS, URGENCIES

__all__ = ["WEST_YORKSHIRE", "generate_region"]

WEST_YORKSHIRE: tuple[str, ...] = ("Bradford", "Calderdale", "Kirklees", "Leeds", "Wakefield")

NEED = {n: i for i, n in enumerate(NEEDS)}
FLAG = {f: i for i, f in enumerate(FLAGS)}
KIND = {k: i for i, k in enumerate(KINDS)}
MAX_AGE = 17
#: Needs that, with emotional/behavioural needs at 10+, make a plan consider a children's home.
HIGH_RISK_NEEDS: tuple[str, ...] = (
    "exploitation_risk",
    "mental_health",
    "harmful_sexual_behaviour",
    "substance_misuse",
    "therapeutic",
    "remand",
)
#: Languages a UASC-skilled carer may speak (from the UASC origins).
UASC_LANGUAGES: tuple[str, ...] = tuple(
    dict.fromkeys(lang for o in cal.UASC_ORIGINS for opt in o[4:] for lang in opt[0])
)


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
    kids = _draw_children(rng, geo, int(children), float(sibling_share), int(carers))
    homes = _draw_carers(rng, geo, kids, int(carers))
    links = _link(rng, geo, kids, homes)
    return _document(geo, kids, homes, links, as_of, seed, time_limit_s)


# ---------------------------------------------------------------------------------
# sampling helpers
# ---------------------------------------------------------------------------------


def _pick(
    rng: np.random.Generator,
    shares: Mapping[Any, float] | Sequence[float] | np.ndarray,
    size: int,
) -> np.ndarray:
    """Indices drawn with the given shares (in the mapping's order)."""
    p = np.fromiter(shares.values() if isinstance(shares, Mapping) else shares, dtype=np.float64)
    cum = np.cumsum(p / p.sum())
    cum[-1] = 1.0
    picked: np.ndarray = np.searchsorted(cum, rng.random(size), side="right")
    return picked


def _uniform_in(
    rng: np.random.Generator, pools: Sequence[np.ndarray], which: np.ndarray
) -> np.ndarray:
    """One element drawn uniformly from pools[which[i]] for each i."""
    flat = np.concatenate(pools) if pools else np.zeros(0, dtype=np.int64)
    sizes = np.array([len(p) for p in pools], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    drawn: np.ndarray = flat[
        starts[which] + np.floor(rng.random(len(which)) * sizes[which]).astype(np.int64)
    ]
    return drawn


def _age_distribution(uasc_share: float) -> np.ndarray:
    """P(age) for non-UASC referrals: the §1.2 age at entry with the UASC taken out."""
    per_age = np.zeros(MAX_AGE + 1)
    for (lo, hi), share in zip(cal.AGE_BANDS, cal.AGE_AT_ENTRY, strict=True):
        uasc = sum(p for a, p in cal.UASC_AGES.items() if lo <= a <= hi)
        rest = max(0.0, share - uasc_share * uasc) / (1.0 - uasc_share)
        per_age[lo : hi + 1] = rest / (hi - lo + 1)
    shares: np.ndarray = per_age / per_age.sum()
    return shares


def _residual_ages(drawn: np.ndarray, n: int) -> np.ndarray:
    """P(age) for the remaining children so that all `n` follow the §1.2 age at entry:
    each band's target count less the ages already drawn (UASC, sibling groups)."""
    per_age = np.zeros(MAX_AGE + 1)
    counts = np.bincount(drawn, minlength=MAX_AGE + 1)
    for (lo, hi), share in zip(cal.AGE_BANDS, cal.AGE_AT_ENTRY, strict=True):
        need = max(0.0, share * n - counts[lo : hi + 1].sum())
        per_age[lo : hi + 1] = need / (hi - lo + 1)
    return per_age / per_age.sum() if per_age.sum() > 0 else _age_distribution(cal.UASC_SHARE)


def _non_uasc_codes() -> tuple[list[str], np.ndarray]:
    """SSDA903 codes and their shares for non-UASC children: the national mix (§1.2)
    with the UASC share of the stock (§1.1) and their origins taken out."""
    uasc_group: dict[str, float] = dict.fromkeys(cal.ETHNIC_GROUP_TARGET, 0.0)
    for origin in cal.UASC_ORIGINS:
        uasc_group[_group_of(origin[2])] += origin[1]
    codes, shares = [], []
    s = cal.UASC_STOCK_SHARE
    for group, target in cal.ETHNIC_GROUP_TARGET.items():
        g = max(0.0, target - s * uasc_group[group]) / (1.0 - s)
        for code, split in cal.ETHNIC_CODE_SPLIT[group].items():
            codes.append(code)
            shares.append(g * split)
    p = np.array(shares)
    return codes, p / p.sum()


def _group_of(code: str) -> str:
    return next(g for g, split in cal.ETHNIC_CODE_SPLIT.items() if code in split)


def _culture(
    rng: np.random.Generator, codes: np.ndarray
) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Religion and languages for each ETHNIC code (ETHNIC_CULTURE), English first."""
    religion = np.empty(len(codes), dtype=object)
    languages: list[tuple[str, ...]] = [("en",)] * len(codes)
    for code, (religions, second) in cal.ETHNIC_CULTURE.items():
        at = np.flatnonzero(codes == code)
        if not len(at):
            continue
        names = list(religions)
        religion[at] = np.array(names, dtype=object)[_pick(rng, religions, len(at))]
        options = list(second)
        for i, k in zip(at.tolist(), _pick(rng, second, len(at)).tolist(), strict=True):
            if options[k] is not None:
                languages[i] = ("en", options[k])
    return religion, languages


def _carer_codes(rng: np.random.Generator, size: int) -> np.ndarray:
    groups = list(cal.CARER_ETHNIC_GROUPS)
    g = _pick(rng, cal.CARER_ETHNIC_GROUPS, size)
    out = np.empty(size, dtype=object)
    for gi, group in enumerate(groups):
        at = np.flatnonzero(g == gi)
        split = cal.ETHNIC_CODE_SPLIT[group]
        out[at] = np.array(list(split), dtype=object)[_pick(rng, split, len(at))]
    return out


# ---------------------------------------------------------------------------------
# children
# ---------------------------------------------------------------------------------


@dataclass
class _Children:
    n: int
    unit: np.ndarray  # unit index of each child (children of a unit are contiguous)
    unit_start: np.ndarray
    unit_size: np.ndarray
    unit_group: np.ndarray  # group number of a sibling-group unit, -1 for singletons
    group_units: np.ndarray  # unit of each group, in group order
    group_policy: np.ndarray  # index into SIBLING_POLICIES order of SIBLING_POLICY_MIX
    la: np.ndarray  # LA index (into geo.las), per child
    home: np.ndarray  # gazetteer index
    uasc: np.ndarray
    ethnicity: np.ndarray
    religion: np.ndarray
    languages: list[tuple[str, ...]]
    urgency: np.ndarray  # index into URGENCIES
    needed_in: np.ndarray  # days after as_of
    age: np.ndarray
    sex: np.ndarray  # "F" / "M" / "U"
    needs: np.ndarray  # bool [n, len(NEEDS)]
    flags: np.ndarray  # bool [n, len(FLAGS)]
    school: np.ndarray  # gazetteer index or -1
    must_stay: np.ndarray
    avoid: list[list[str]]
    accepts: np.ndarray  # bool [n, len(KINDS)]
    max_km: np.ndarray  # nan = none
    kin_units: np.ndarray  # units with a connected kinship carer


def _sibling_group_sizes(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    target = int(round(share * n))
    if target < 2:
        return np.zeros(0, dtype=np.int64)
    sizes_of = np.array(list(cal.SIBLING_GROUP_SIZES), dtype=np.int64)
    sizes: np.ndarray = sizes_of[_pick(rng, cal.SIBLING_GROUP_SIZES, target // 2 + 1)]
    cum = np.cumsum(sizes)
    k = int(np.searchsorted(cum, target))
    sizes = sizes[: k + 1].copy()
    sizes[k] -= int(cum[k]) - target
    return sizes if sizes[k] >= 2 else sizes[:k]


@dataclass
class _Units:
    """Sibling groups and single children, in random order; a unit's children are
    contiguous."""

    size: np.ndarray
    is_group: np.ndarray
    group: np.ndarray  # group number of a sibling-group unit, -1 for singletons
    group_units: np.ndarray  # unit of each group, in group order
    start: np.ndarray  # first child of each unit
    of_child: np.ndarray  # unit index of each child

    @property
    def singles(self) -> np.ndarray:
        return np.flatnonzero(~self.is_group)


def _draw_children(
    rng: np.random.Generator, geo: RegionGeo, n: int, sibling_share: float, n_carers: int
) -> _Children:
    """The referrals, drawn step by step; the steps' order is the order of the draws."""
    units = _units(rng, n, sibling_share)
    u_la, u_home, u_uasc = _unit_places(rng, geo, units, n)
    u_eth, u_rel, u_lang = _unit_culture(rng, u_uasc, len(units.size))
    u_urg, u_needed = _unit_urgency(rng, u_uasc)
    unit = units.of_child
    uasc = u_uasc[unit]
    age = _child_ages(rng, n, units, u_uasc)
    sex = _sexes(rng, age, uasc)
    needs = _needs(rng, age, sex, uasc)
    group_policy, together = _sibling_policies(rng, units, needs)
    flags = _flags(rng, age, needs, together)
    home, la = u_home[unit], u_la[unit]
    school, must_stay = _schools(rng, geo, home, age, uasc)
    avoid = _avoid_lists(rng, geo, needs, home, la, must_stay)
    kin_units = _kinship_units(rng, u_uasc, n_carers)
    accepts = _accepts(
        rng, age, needs, uasc, unit, units.start, units.size, units.group_units, together, kin_units
    )
    max_km = _distance_limits(rng, needs)
    return _Children(
        n=n,
        unit=unit,
        unit_start=units.start,
        unit_size=units.size,
        unit_group=units.group,
        group_units=units.group_units,
        group_policy=group_policy,
        la=la,
        home=home,
        uasc=uasc,
        ethnicity=u_eth[unit],
        religion=u_rel[unit],
        languages=[u_lang[u] for u in unit.tolist()],
        urgency=u_urg[unit],
        needed_in=u_needed[unit],
        age=age,
        sex=sex,
        needs=needs,
        flags=flags,
        school=school,
        must_stay=must_stay,
        avoid=avoid,
        accepts=accepts,
        max_km=max_km,
        kin_units=kin_units,
    )


def _units(rng: np.random.Generator, n: int, sibling_share: float) -> _Units:
    """Sibling groups (about `sibling_share` of the children) and single children,
    shuffled."""
    group_sizes = _sibling_group_sizes(rng, n, sibling_share)
    n_single = n - int(group_sizes.sum())
    sizes = np.concatenate([group_sizes, np.ones(n_single, dtype=np.int64)])
    is_group = np.concatenate([np.ones(len(group_sizes), bool), np.zeros(n_single, bool)])
    order = rng.permutation(len(sizes))
    sizes, is_group = sizes[order], is_group[order]
    n_units = len(sizes)
    unit_group = np.full(n_units, -1, dtype=np.int64)
    unit_group[is_group] = np.arange(int(is_group.sum()))
    return _Units(
        size=sizes,
        is_group=is_group,
        group=unit_group,
        group_units=np.flatnonzero(is_group),
        start=np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64),
        of_child=np.repeat(np.arange(n_units), sizes),
    )


def _unit_places(
    rng: np.random.Generator, geo: RegionGeo, units: _Units, n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each unit's LA and home outcode, and which single children are UASC."""
    n_units = len(units.size)
    u_la = _pick(rng, geo.weights, n_units)
    u_home = _uniform_in(rng, geo.la_outcodes, u_la)
    singles = units.singles
    u_uasc = np.zeros(n_units, dtype=bool)
    n_uasc = min(int(round(cal.UASC_SHARE * n)), len(singles))
    u_uasc[rng.choice(singles, n_uasc, replace=False)] = True
    return u_la, u_home, u_uasc


def _unit_culture(
    rng: np.random.Generator, u_uasc: np.ndarray, n_units: int
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, ...]]]:
    """Each unit's ethnicity, religion and languages: the national mix, and for UASC
    their country of origin's (UASC_ORIGINS), with English for some."""
    codes, code_p = _non_uasc_codes()
    u_eth = np.array(codes, dtype=object)[_pick(rng, code_p, n_units)]
    u_rel, u_lang = _culture(rng, u_eth)
    uasc_units = np.flatnonzero(u_uasc)
    origin = _pick(rng, [o[1] for o in cal.UASC_ORIGINS], len(uasc_units))
    speaks_en = rng.random(len(uasc_units)) < cal.UASC_SPEAKS_ENGLISH
    lang_draw = rng.random(len(uasc_units))
    for i, u in enumerate(uasc_units.tolist()):
        _, _, code, religion, *options = cal.UASC_ORIGINS[int(origin[i])]
        cum = np.cumsum([opt[1] for opt in options])
        k = min(int(np.searchsorted(cum, lang_draw[i], side="right")), len(options) - 1)
        u_eth[u], u_rel[u] = code, religion
        u_lang[u] = tuple(options[k][0]) + (("en",) if speaks_en[i] else ())
    return u_eth, u_rel, u_lang


def _unit_urgency(rng: np.random.Generator, u_uasc: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's urgency (index into URGENCIES) and the days until it is needed."""
    n_units = len(u_uasc)
    u_urg = np.where(
        u_uasc, _pick(rng, cal.UASC_URGENCY_MIX, n_units), _pick(rng, cal.URGENCY_MIX, n_units)
    )
    lo = np.array([cal.NEEDED_BY_DAYS[u][0] for u in URGENCIES])[u_urg]
    hi = np.array([cal.NEEDED_BY_DAYS[u][1] for u in URGENCIES])[u_urg]
    return u_urg, rng.integers(lo, hi + 1)


def _child_ages(rng: np.random.Generator, n: int, units: _Units, u_uasc: np.ndarray) -> np.ndarray:
    """UASC ages, then sibling groups', then the rest so that all follow §1.2."""
    age = np.zeros(n, dtype=np.int64)
    uasc_kids = units.start[np.flatnonzero(u_uasc)]
    uasc_ages = np.array(list(cal.UASC_AGES), dtype=np.int64)
    age[uasc_kids] = uasc_ages[_pick(rng, cal.UASC_AGES, len(uasc_kids))]
    groups = units.group_units
    _sibling_ages(
        rng, age, units.start[groups], units.size[groups], _age_distribution(cal.UASC_SHARE)
    )
    singles = units.singles
    rest = units.start[singles[~u_uasc[singles]]]
    drawn = np.ones(n, dtype=bool)
    drawn[rest] = False
    age[rest] = _pick(rng, _residual_ages(age[drawn], n), len(rest))
    return age


def _sexes(rng: np.random.Generator, age: np.ndarray, uasc: np.ndarray) -> np.ndarray:
    """ "M", "F", or "U" (not yet recorded) for some babies."""
    n = len(age)
    sex = np.where(rng.random(n) < cal.NON_UASC_MALE_SHARE, "M", "F").astype(object)
    sex[uasc] = np.where(rng.random(int(uasc.sum())) < cal.UASC_MALE_SHARE, "M", "F")
    sex[(age == 0) & ~uasc & (rng.random(n) < cal.UNDER_1_SEX_UNKNOWN_SHARE)] = "U"
    return sex


def _needs(
    rng: np.random.Generator, age: np.ndarray, sex: np.ndarray, uasc: np.ndarray
) -> np.ndarray:
    """Needs (bool [n, len(NEEDS)]) by age band; UASC have their own prevalence."""
    n = len(age)
    band = np.zeros(MAX_AGE + 1, dtype=np.int64)
    for b, (a0, a1) in enumerate(cal.NEED_AGE_BANDS):
        band[a0 : a1 + 1] = b
    prevalence = np.zeros((len(cal.NEED_AGE_BANDS), len(NEEDS)))
    for need, row in cal.NEED_PREVALENCE.items():
        prevalence[:, NEED[need]] = row
    needs: np.ndarray = rng.random((n, len(NEEDS))) < prevalence[band[age]]
    needs[:, NEED["parent_and_child"]] &= sex == "F"
    uasc_p = np.zeros(len(NEEDS))
    for need, p in cal.UASC_NEED_PREVALENCE.items():
        uasc_p[NEED[need]] = p
    needs[uasc] = rng.random((int(uasc.sum()), len(NEEDS))) < uasc_p
    needs[:, NEED["uasc"]] = uasc
    return needs


def _sibling_policies(
    rng: np.random.Generator, units: _Units, needs: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each group's policy (index into SIBLING_POLICY_MIX) and, per child, whether the
    group must or should live together. A harmful-sexual-behaviour need means apart."""
    policies = list(cal.SIBLING_POLICY_MIX)
    group_units = units.group_units
    group_policy = _pick(rng, cal.SIBLING_POLICY_MIX, len(group_units))
    hsb_unit = np.zeros(len(units.size), dtype=bool)
    np.logical_or.at(hsb_unit, units.of_child, needs[:, NEED["harmful_sexual_behaviour"]])
    group_policy[hsb_unit[group_units]] = policies.index("apart")
    u_policy = np.full(len(units.size), -1, dtype=np.int64)
    u_policy[group_units] = group_policy
    together_policies = [policies.index("must"), policies.index("should")]
    together = np.isin(u_policy[units.of_child], together_policies)
    return group_policy, together


def _flags(
    rng: np.random.Generator, age: np.ndarray, needs: np.ndarray, together: np.ndarray
) -> np.ndarray:
    """Flags (bool [n, len(FLAGS)]): wheelchair, no pets, and who the child can live with."""
    n = len(age)
    flags = np.zeros((n, len(FLAGS)), dtype=bool)
    r = rng.random((n, len(FLAGS)))
    flags[:, FLAG["needs_wheelchair_access"]] = needs[:, NEED["physical_disability"]] & (
        r[:, 0] < cal.WHEELCHAIR_IF_PHYSICAL
    )
    flags[:, FLAG["no_pets"]] = r[:, 1] < cal.NO_PETS_SHARE
    only = (
        r[:, 2]
        < cal.ONLY_CHILD_SHARE + cal.ONLY_CHILD_IF_THERAPEUTIC * needs[:, NEED["therapeutic"]]
    )
    only &= ~together
    flags[:, FLAG["only_child"]] = only
    flags[:, FLAG["no_younger_children"]] = (
        (age >= 10) & (r[:, 3] < cal.NO_YOUNGER_SHARE_10_PLUS) & ~together & ~only
    )
    flags[:, FLAG["no_older_children"]] = (
        (age < 10) & (r[:, 4] < cal.NO_OLDER_SHARE_UNDER_10) & ~together & ~only
    )
    return flags


def _schools(
    rng: np.random.Generator, geo: RegionGeo, home: np.ndarray, age: np.ndarray, uasc: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each child's school outcode (-1 for none) and whether they must stay there."""
    n = len(age)
    r = rng.random((n, 3))
    teen_share = np.where(uasc, cal.UASC_SCHOOL_16_17_SHARE, cal.SCHOOL_16_17_SHARE)
    has_school = ((age >= cal.SCHOOL_MIN_AGE) & (age <= 15)) | (
        (age >= 16) & (r[:, 0] < teen_share)
    )
    nearby = geo.near(rng, home, cal.SCHOOL_RADIUS_KM)
    school = np.where(r[:, 1] < cal.SCHOOL_AT_HOME_OUTCODE, home, nearby)
    school = np.where(has_school, school, -1)
    lo, hi = cal.SCHOOL_MUST_STAY_AGES
    stay_p = np.where(
        (age >= 14) & (age <= 15), cal.SCHOOL_MUST_STAY_GCSE, cal.SCHOOL_MUST_STAY_SHARE
    )
    must_stay = has_school & (age >= lo) & (age <= hi) & ~uasc & (r[:, 2] < stay_p)
    return school, must_stay


def _avoid_lists(
    rng: np.random.Generator,
    geo: RegionGeo,
    needs: np.ndarray,
    home: np.ndarray,
    la: np.ndarray,
    must_stay: np.ndarray,
) -> list[list[str]]:
    """Outcodes (and some LAs) to avoid, for some children at risk of exploitation. An
    avoided home outcode clears `must_stay`: the plan moves the child away for safety."""
    n = len(home)
    avoid: list[list[str]] = [[] for _ in range(n)]
    r = rng.random((n, 3))
    at_risk = np.flatnonzero(
        needs[:, NEED["exploitation_risk"]] & (r[:, 0] < cal.AVOID_IF_EXPLOITATION)
    )
    spot = np.where(
        r[at_risk, 1] < cal.AVOID_HOME_OUTCODE,
        home[at_risk],
        geo.near(rng, home[at_risk], cal.AVOID_OUTCODE_RADIUS_KM),
    )
    indptr, cols = geo.neighbours(cal.AVOID_LA_RADIUS_KM)
    for c, s, r_la in zip(at_risk.tolist(), spot.tolist(), r[at_risk, 2].tolist(), strict=True):
        avoid[c].append(str(geo.outcode[s]))
        if s == home[c]:
            must_stay[c] = False
        if r_la < cal.AVOID_LA_SHARE:
            row = geo.row_of[home[c]]
            near_areas = geo.area[geo.columns[cols[indptr[row] : indptr[row + 1]]]]
            others = sorted(set(near_areas.tolist()) - {geo.las[la[c]]})
            if others:
                avoid[c].append(others[int(rng.integers(len(others)))])
    return avoid


def _kinship_units(rng: np.random.Generator, u_uasc: np.ndarray, n_carers: int) -> np.ndarray:
    """Non-UASC units for which a connected person is being assessed."""
    candidates = np.flatnonzero(~u_uasc)
    n_kin = min(
        int(round(cal.KINSHIP_UNIT_SHARE * len(candidates))),
        int(cal.KINSHIP_MAX_SHARE_OF_CARERS * n_carers),
    )
    return np.sort(rng.choice(candidates, n_kin, replace=False)) if n_kin else candidates[:0]


def _distance_limits(rng: np.random.Generator, needs: np.ndarray) -> np.ndarray:
    """A child's own distance limit in km (nan = none): local only, or a wide search."""
    n = len(needs)
    r = rng.random((n, 2))
    max_km = np.full(n, np.nan)
    max_km[r[:, 0] < cal.LOCAL_ONLY_SHARE] = cal.LOCAL_ONLY_KM
    wide = needs[:, NEED["exploitation_risk"]] & (r[:, 1] < cal.EXPLOITATION_WIDE_SEARCH)
    max_km[wide] = cal.WIDE_SEARCH_KM
    return max_km


def _sibling_ages(
    rng: np.random.Generator,
    age: np.ndarray,
    starts: np.ndarray,
    sizes: np.ndarray,
    per_age: np.ndarray,
) -> None:
    """Ages of brothers and sisters: one member's age from the age distribution, the
    others spaced by SIBLING_AGE_GAPS around it, the group shifted to fit 0-17."""
    gaps = np.array(list(cal.SIBLING_AGE_GAPS), dtype=np.int64)
    for size in np.unique(sizes).tolist():
        at = starts[sizes == size]
        g = len(at)
        step = gaps[_pick(rng, cal.SIBLING_AGE_GAPS, g * (size - 1))].reshape(g, size - 1)
        offsets = np.concatenate(
            [np.zeros((g, 1), dtype=np.int64), np.cumsum(step, axis=1)], axis=1
        )
        ref = _pick(rng, per_age, g)
        pos = rng.integers(0, size, g)
        ages = ref[:, None] + offsets - offsets[np.arange(g), pos][:, None]
        ages -= np.minimum(ages.min(axis=1), 0)[:, None]  # lift groups below 0
        ages -= np.maximum(ages.max(axis=1) - MAX_AGE, 0)[:, None]  # lower groups above 17
        ages = np.clip(ages, 0, MAX_AGE)[:, ::-1]  # eldest first
        age[at[:, None] + np.arange(size)] = ages


def _accepts(
    rng: np.random.Generator,
    age: np.ndarray,
    needs: np.ndarray,
    uasc: np.ndarray,
    unit: np.ndarray,
    unit_start: np.ndarray,
    sizes: np.ndarray,
    group_units: np.ndarray,
    together: np.ndarray,
    kin_units: np.ndarray,
) -> np.ndarray:
    """Placement kinds each child's plan accepts (bool [n, len(KINDS)])."""
    n = len(age)
    acc = np.zeros((n, len(KINDS)), dtype=bool)
    r = rng.random((n, 6))
    in_group = np.zeros(len(sizes), dtype=bool)
    in_group[group_units] = True
    grouped = in_group[unit]

    high_risk = needs[:, [NEED[k] for k in HIGH_RISK_NEEDS]].any(axis=1)
    complex_teen = (age >= 10) & needs[:, NEED["emotional_behavioural"]] & high_risk
    residential = (complex_teen & (r[:, 0] < cal.RESIDENTIAL_IF_COMPLEX)) | (
        (age >= 12) & ~complex_teen & (r[:, 0] < cal.RESIDENTIAL_OTHER_12_PLUS)
    )
    residential_only = residential & complex_teen & (r[:, 1] < cal.RESIDENTIAL_ONLY_IF_COMPLEX)
    supported = (age >= 16) & (
        r[:, 2] < np.where(uasc, cal.SUPPORTED_16_17_UASC, cal.SUPPORTED_16_17)
    )
    supported_only = supported & (r[:, 3] < cal.SUPPORTED_ONLY)
    adopt_p = np.where(age < 2, cal.ADOPTION_UNDER_2, cal.ADOPTION_2_TO_4)
    adoption = (age < 5) & ~uasc & ~grouped & (r[:, 4] < adopt_p)
    adoption_only = adoption & (r[:, 5] < cal.ADOPTION_ONLY)

    # A sibling group of under-5s may have an early-permanence plan together.
    young = np.ones(len(sizes), dtype=bool)
    np.logical_and.at(young, unit, age < 5)
    plan = young[group_units] & (rng.random(len(group_units)) < cal.ADOPTION_SIBLING_GROUP_UNDER_5)
    group_adoption = np.zeros(len(sizes), dtype=bool)
    group_adoption[group_units[plan]] = True
    adoption |= group_adoption[unit]

    acc[:, KIND["foster"]] = ~(residential_only | supported_only | adoption_only) | together
    acc[:, KIND["residential"]] = residential
    acc[:, KIND["supported"]] = supported
    acc[:, KIND["adoption"]] = adoption
    kin = np.zeros(len(sizes), dtype=bool)
    kin[kin_units] = True
    acc[:, KIND["kinship"]] = kin[unit]
    return acc


# ---------------------------------------------------------------------------------
# carers
# ---------------------------------------------------------------------------------


@dataclass
class _Carers:
    h: int
    kind: np.ndarray  # index into KINDS
    provider: np.ndarray  # provider name
    la: np.ndarray  # LA / area name
    location: np.ndarray  # gazetteer index
    min_age: np.ndarray
    max_age: np.ndarray
    sexes: list[list[str]]
    vacancies: np.ndarray
    available_in: np.ndarray  # days after as_of (negative: before)
    skills: np.ndarray  # bool [h, len(NEEDS)]
    languages: list[tuple[str, ...]]
    ethnicity: np.ndarray
    religion: np.ndarray
    household: list[list[int]]
    smoker: np.ndarray
    pets: np.ndarray
    wheelchair: np.ndarray
    experience: np.ndarray
    cost: np.ndarray
    connected: list[list[int]]  # child indices (kinship only)


def _draw_carers(rng: np.random.Generator, geo: RegionGeo, kids: _Children, total: int) -> _Carers:
    """The households: approved carers drawn step by step (the steps' order is the order
    of the draws), then one connected-person household per kinship unit, shuffled."""
    n_kin = min(len(kids.kin_units), total)
    m = total - n_kin
    kind, provider = _kinds_and_providers(rng, m)
    la, location = _carer_places(rng, geo, kind, provider)
    approval = _approval(rng, kind, provider)
    ethnicity, religion, languages = _carer_culture(rng, kind, approval.skills)
    household = _households(rng, kind, approval)
    r = rng.random((m, 4))
    smoker = r[:, 0] < np.array([cal.SMOKER[k] for k in KINDS])[kind]
    pets = r[:, 1] < np.array([cal.PETS[k] for k in KINDS])[kind]
    wheelchair = r[:, 2] < np.array([cal.WHEELCHAIR[k] for k in KINDS])[kind]
    experience = _experience(rng, kind)
    available_in = _available_in(rng, r[:, 3] < cal.AVAILABLE_LATER)
    cost = _weekly_cost(rng, np.array(KINDS, dtype=object)[kind], provider, approval.skills)
    base = _Carers(
        h=m,
        kind=kind,
        provider=provider,
        la=la,
        location=location,
        min_age=approval.min_age,
        max_age=approval.max_age,
        sexes=approval.sexes,
        vacancies=approval.vacancies,
        available_in=available_in,
        skills=approval.skills,
        languages=languages,
        ethnicity=ethnicity,
        religion=religion,
        household=household,
        smoker=smoker,
        pets=pets,
        wheelchair=wheelchair,
        experience=experience,
        cost=cost,
        connected=[[] for _ in range(m)],
    )
    kin = _kinship_carers(rng, geo, kids, kids.kin_units[:n_kin])
    merged = _concat(base, kin)
    return _take(merged, rng.permutation(merged.h))


def _kinds_and_providers(rng: np.random.Generator, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Each household's kind (index into KINDS) and provider, by the kind's provider mix."""
    kind = np.array([KIND[k] for k in cal.CARER_KIND_MIX])[_pick(rng, cal.CARER_KIND_MIX, m)]
    provider = np.empty(m, dtype=object)
    mixes = {
        "foster": cal.FOSTER_PROVIDER_MIX,
        "residential": cal.RESIDENTIAL_PROVIDER_MIX,
        "supported": cal.SUPPORTED_PROVIDER_MIX,
        "adoption": cal.ADOPTION_PROVIDER_MIX,
    }
    for k, mix in mixes.items():
        at = np.flatnonzero(kind == KIND[k])
        provider[at] = np.array(list(mix), dtype=object)[_pick(rng, mix, len(at))]
    return kind, provider


def _carer_places(
    rng: np.random.Generator, geo: RegionGeo, kind: np.ndarray, provider: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each household's LA and outcode: in an LA of the region, or out of area in the
    ring around it. An in-house household out of area becomes another LA's ("other_la",
    written into `provider`)."""
    m = len(kind)
    out_share = np.zeros(m)
    out_share[(kind == KIND["foster"]) & (provider == "ifa")] = cal.OUT_OF_AREA_SHARE["ifa_foster"]
    out_share[kind == KIND["residential"]] = cal.OUT_OF_AREA_SHARE["residential"]
    out_share[kind == KIND["supported"]] = cal.OUT_OF_AREA_SHARE["supported"]
    out_share[(kind == KIND["adoption"]) & (provider == "voluntary")] = cal.OUT_OF_AREA_SHARE[
        "voluntary_adoption"
    ]
    r = rng.random((m, 3))
    out = (r[:, 0] < out_share) & (len(geo.ring) > 0)
    la_idx = _pick(rng, geo.weights, m)
    location = _uniform_in(rng, geo.la_outcodes, la_idx)
    if len(geo.ring):
        location[out] = geo.ring[np.floor(r[out, 1] * len(geo.ring)).astype(np.int64)]
    in_house = provider == "in_house"
    over = in_house & ~out & (kind == KIND["foster"]) & (r[:, 2] < cal.IN_HOUSE_OVER_BORDER)
    location[over] = geo.near(rng, location[over], cal.IN_HOUSE_OVER_BORDER_KM)
    las = np.array(geo.las, dtype=object)
    la = np.where(in_house & ~out, las[la_idx], geo.area[location])
    provider[in_house & out] = "other_la"
    return la, location


@dataclass
class _Approval:
    """What each household is approved for, and how full it is."""

    min_age: np.ndarray
    max_age: np.ndarray
    sexes: list[list[str]]
    vacancies: np.ndarray
    filled: np.ndarray  # places taken by children already living there
    skills: np.ndarray  # bool [h, len(NEEDS)]


def _approval(rng: np.random.Generator, kind: np.ndarray, provider: np.ndarray) -> _Approval:
    """Ages, sexes, places, vacancies and skills, kind by kind. Independent providers'
    free places may be held for other LAs' referrals; carers for UASC or young parents
    are approved up to 17."""
    m = len(kind)
    ap = _Approval(
        min_age=np.zeros(m, dtype=np.int64),
        max_age=np.zeros(m, dtype=np.int64),
        sexes=[["F", "M"]] * m,
        vacancies=np.zeros(m, dtype=np.int64),
        filled=np.zeros(m, dtype=np.int64),
        skills=np.zeros((m, len(NEEDS)), dtype=bool),
    )
    for k in cal.CARER_KIND_MIX:
        _approve_kind(rng, ap, k, np.flatnonzero(kind == KIND[k]), provider)
    independent = provider != "in_house"
    ap.vacancies[independent] = rng.binomial(
        ap.vacancies[independent], cal.INDEPENDENT_PLACE_OFFERED
    )
    for need, youngest in (("uasc", 13), ("parent_and_child", 14)):
        has = ap.skills[:, NEED[need]] & (kind != KIND["adoption"])
        ap.max_age[has] = MAX_AGE
        ap.min_age[has] = np.minimum(ap.min_age[has], youngest)
    return ap


def _approve_kind(
    rng: np.random.Generator, ap: _Approval, k: str, at: np.ndarray, provider: np.ndarray
) -> None:
    """Fill in `ap` for the households `at` of kind `k` (IFA carers more often skilled)."""
    ranges = cal.AGE_RANGES[k]
    pick = _pick(rng, [rg[2] for rg in ranges], len(at))
    ap.min_age[at] = np.array([rg[0] for rg in ranges])[pick]
    ap.max_age[at] = np.array([rg[1] for rg in ranges])[pick]
    sx = _pick(rng, cal.SEXES_MIX[k], len(at))
    labels = list(cal.SEXES_MIX[k])
    for i, s in zip(at.tolist(), sx.tolist(), strict=True):
        if labels[s] != "both":
            ap.sexes[i] = [labels[s]]
    sizes = np.array(list(cal.PLACES[k]), dtype=np.int64)
    places = sizes[_pick(rng, cal.PLACES[k], len(at))]
    ap.vacancies[at] = _vacancies(rng, places, cal.PLACES[k], cal.VACANT_SHARE[k])
    ap.filled[at] = rng.binomial(places - ap.vacancies[at], cal.FILLED_OF_NOT_VACANT[k])
    chance = np.array([cal.SKILL_CHANCE[k][need] for need in NEEDS])
    p = np.where(
        (provider[at] == "ifa")[:, None],
        np.minimum(chance * cal.IFA_SKILL_FACTOR, cal.MAX_SKILL_CHANCE),
        chance,
    )
    ap.skills[at] = rng.random((len(at), len(NEEDS))) < p


def _carer_culture(
    rng: np.random.Generator, kind: np.ndarray, skills: np.ndarray
) -> tuple[np.ndarray, np.ndarray, list[tuple[str, ...]]]:
    """Ethnicity, religion, languages. Families have their own; homes and supported
    settings are "not known". Some UASC-skilled carers speak a UASC language."""
    m = len(kind)
    family = np.isin(kind, [KIND["foster"], KIND["adoption"]])
    ethnicity = np.full(m, "NOBT", dtype=object)
    ethnicity[family] = _carer_codes(rng, int(family.sum()))
    religion, languages = _culture(rng, ethnicity)
    religion[~family] = "none"
    for i in np.flatnonzero(~family).tolist():
        languages[i] = ("en",)
    r = rng.random((m, 2))
    for i in np.flatnonzero(skills[:, NEED["uasc"]] & (r[:, 0] < cal.UASC_CARER_LANGUAGE)).tolist():
        extra = UASC_LANGUAGES[int(r[i, 1] * len(UASC_LANGUAGES))]
        if extra not in languages[i]:
            languages[i] = languages[i] + (extra,)
    return ethnicity, religion, languages


def _households(rng: np.random.Generator, kind: np.ndarray, ap: _Approval) -> list[list[int]]:
    """Ages of the children living there: placed children in filled places, and birth
    children."""
    m = len(kind)
    household: list[list[int]] = [[] for _ in range(m)]
    most = int(ap.filled.max()) if m else 0
    placed_ages = rng.integers(ap.min_age[:, None], ap.max_age[:, None] + 1, size=(m, max(most, 1)))
    birth_share = np.array([cal.BIRTH_CHILDREN.get(k, 0.0) for k in KINDS])[kind]
    n_birth = (rng.random(m) < birth_share) * rng.integers(1, 3, m)
    n_birth[kind == KIND["adoption"]] = np.minimum(n_birth[kind == KIND["adoption"]], 1)
    birth_lo = np.array([cal.BIRTH_CHILD_AGES.get(k, (0, 0))[0] for k in KINDS])[kind]
    birth_hi = np.array([cal.BIRTH_CHILD_AGES.get(k, (0, 0))[1] for k in KINDS])[kind]
    birth_ages = rng.integers(birth_lo[:, None], birth_hi[:, None] + 1, size=(m, 2))
    for i in np.flatnonzero((ap.filled > 0) | (n_birth > 0)).tolist():
        household[i] = sorted(
            placed_ages[i, : ap.filled[i]].tolist() + birth_ages[i, : n_birth[i]].tolist()
        )
    return household


def _experience(rng: np.random.Generator, kind: np.ndarray) -> np.ndarray:
    """Years of experience: a gamma by kind, capped at 40."""
    shape = np.array([cal.EXPERIENCE_GAMMA.get(k, (1.0, 1.0))[0] for k in KINDS])[kind]
    scale = np.array([cal.EXPERIENCE_GAMMA.get(k, (1.0, 1.0))[1] for k in KINDS])[kind]
    years: np.ndarray = np.minimum(np.rint(rng.gamma(shape, scale)), 40).astype(np.int64)
    return years


def _available_in(rng: np.random.Generator, later: np.ndarray) -> np.ndarray:
    """Days after as_of a household is free from: some later, the rest already."""
    m = len(later)
    return np.where(
        later,
        rng.integers(cal.AVAILABLE_LATER_DAYS[0], cal.AVAILABLE_LATER_DAYS[1] + 1, m),
        -rng.integers(0, cal.AVAILABLE_PAST_DAYS + 1, m),
    )


def _vacancies(
    rng: np.random.Generator, places: np.ndarray, mix: Mapping[int, float], share: float
) -> np.ndarray:
    """Free places per household, clustered (VACANT_EXTRA_PLACE_FREE) so that `share`
    of all places are free on average."""
    mean_places = sum(k * p for k, p in mix.items())
    extra = cal.VACANT_EXTRA_PLACE_FREE if share < 1.0 else 1.0
    has_room = min(1.0, share * mean_places / (1.0 + extra * (mean_places - 1.0)))
    room = rng.random(len(places)) < has_room
    return np.where(room, 1 + rng.binomial(places - 1, extra), 0)


def _weekly_cost(
    rng: np.random.Generator, kind: np.ndarray, provider: np.ndarray, skills: np.ndarray
) -> np.ndarray:
    """Weekly cost by kind and provider (§1.10 where a figure exists; see calibration)."""
    m = len(kind)
    cost = np.zeros(m)
    z = rng.standard_normal(m)
    u = rng.random(m)

    def lognormal(mean: float, sigma: float) -> np.ndarray:
        return mean * np.exp(sigma * z - sigma**2 / 2)  # mean-preserving

    foster = kind == "foster"
    lo, hi = cal.COST_IN_HOUSE_FOSTER_RANGE
    fees = (
        np.minimum(skills.sum(axis=1), cal.COST_IN_HOUSE_MAX_SKILL_FEES)
        * cal.COST_IN_HOUSE_SKILL_FEE
    )
    at = foster & (provider == "in_house")
    cost[at] = lo + (hi - lo) * u[at] + fees[at]
    at = foster & (provider == "ifa")
    # Therapeutic carers cost more; the average IFA price stays at the CMA figure.
    therapeutic = min(
        cal.SKILL_CHANCE["foster"]["therapeutic"] * cal.IFA_SKILL_FACTOR, cal.MAX_SKILL_CHANCE
    )
    base = cal.COST_IFA_FOSTER / (1.0 + therapeutic * (cal.COST_THERAPEUTIC_FACTOR - 1.0))
    factor = np.where(skills[:, NEED["therapeutic"]], cal.COST_THERAPEUTIC_FACTOR, 1.0)
    cost[at] = (lognormal(base, cal.COST_IFA_SPREAD) * factor)[at]
    home = kind == "residential"
    run_by_la = np.isin(provider, ["in_house", "other_la"])
    private = lognormal(cal.COST_RESIDENTIAL_PRIVATE, cal.COST_RESIDENTIAL_SPREAD)
    la_run = lognormal(cal.COST_RESIDENTIAL_IN_HOUSE, cal.COST_RESIDENTIAL_SPREAD)
    cost[home] = np.clip(np.where(run_by_la, la_run, private), *cal.COST_RESIDENTIAL_RANGE)[home]
    at = kind == "supported"
    cost[at] = lognormal(cal.COST_SUPPORTED, cal.COST_SUPPORTED_SPREAD)[at]
    for prov, value in cal.COST_ADOPTION.items():
        cost[(kind == "adoption") & (provider == prov)] = value
    return np.rint(cost)


def _kinship_carers(
    rng: np.random.Generator, geo: RegionGeo, kids: _Children, units: np.ndarray
) -> _Carers:
    """One connected-person household per unit, near the child's home."""
    k = len(units)
    starts, sizes = kids.unit_start[units], kids.unit_size[units]
    members = [list(range(s, s + z)) for s, z in zip(starts.tolist(), sizes.tolist(), strict=True)]
    home = kids.home[starts]
    radii = np.array(list(cal.KINSHIP_DISTANCE_MIX))[_pick(rng, cal.KINSHIP_DISTANCE_MIX, k)]
    location = home.copy()
    for radius in np.unique(radii).tolist():
        at = radii == radius
        location[at] = geo.near(rng, home[at], radius)
    ages = [kids.age[m] for m in members]
    min_age = np.array([int(a.min()) for a in ages], dtype=np.int64)
    max_age = np.array([int(a.max()) for a in ages], dtype=np.int64)
    short = (sizes >= 2) & (rng.random(k) < cal.KINSHIP_SHORT_OF_ROOM)
    vacancies = sizes - short
    needs = np.zeros((k, len(NEEDS)), dtype=bool)
    wheel = np.zeros(k, dtype=bool)
    for i, m in enumerate(members):
        needs[i] = kids.needs[m].any(axis=0)
        wheel[i] = kids.flags[m, FLAG["needs_wheelchair_access"]].any()
    skills = needs & (rng.random((k, len(NEEDS))) < cal.KINSHIP_SKILL_FOR_NEED)
    r = rng.random((k, 6))
    n_own = (r[:, 0] < cal.BIRTH_CHILDREN["kinship"]) * rng.integers(1, 4, k)
    lo, hi = cal.BIRTH_CHILD_AGES["kinship"]
    own = rng.integers(lo, hi + 1, size=(k, 3))
    available_in = _available_in(rng, r[:, 1] < cal.KINSHIP_AVAILABLE_LATER)
    return _Carers(
        h=k,
        kind=np.full(k, KIND["kinship"]),
        provider=np.full(k, "in_house", dtype=object),
        la=np.array(geo.las, dtype=object)[kids.la[starts]] if k else np.zeros(0, dtype=object),
        location=location,
        min_age=min_age,
        max_age=max_age,
        sexes=[["F", "M"]] * k,
        vacancies=vacancies,
        available_in=available_in,
        skills=skills,
        languages=[kids.languages[s] for s in starts.tolist()],
        ethnicity=kids.ethnicity[starts],
        religion=kids.religion[starts],
        household=[sorted(own[i, : n_own[i]].tolist()) for i in range(k)],
        smoker=r[:, 2] < cal.SMOKER["kinship"],
        pets=r[:, 3] < cal.PETS["kinship"],
        wheelchair=np.where(wheel, r[:, 4] < 0.5, r[:, 4] < cal.WHEELCHAIR["kinship"]),
        experience=np.zeros(k, dtype=np.int64),
        cost=np.full(k, cal.COST_KINSHIP),
        connected=members,
    )


def _concat(a: _Carers, b: _Carers) -> _Carers:
    out: dict[str, Any] = {"h": a.h + b.h}
    for name in a.__dataclass_fields__:
        if name == "h":
            continue
        x, y = getattr(a, name), getattr(b, name)
        out[name] = x + y if isinstance(x, list) else np.concatenate([x, y])
    return _Carers(**out)


def _take(c: _Carers, order: np.ndarray) -> _Carers:
    out: dict[str, Any] = {"h": c.h}
    idx = order.tolist()
    for name in c.__dataclass_fields__:
        if name == "h":
            continue
        x = getattr(c, name)
        out[name] = [x[i] for i in idx] if isinstance(x, list) else x[order]
    return _Carers(**out)


# ---------------------------------------------------------------------------------
# links between children and carers, and the document
# ---------------------------------------------------------------------------------


@dataclass
class _Links:
    placed_with: dict[int, int]  # child -> carer where a brother or sister lives
    wished_areas: dict[int, list[int]]  # child -> gazetteer indices
    wished_carer: dict[int, int]


def _link(rng: np.random.Generator, geo: RegionGeo, kids: _Children, homes: _Carers) -> _Links:
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
    kids: _Children,
    homes: _Carers,
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
    kids: _Children,
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


def _group_records(kids: _Children, child_ids: list[str]) -> list[dict[str, Any]]:
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
    geo: RegionGeo, homes: _Carers, child_ids: list[str], carer_ids: list[str], day: _Days
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
