"""The referrals of a synthetic region: children needing a placement, drawn unit by unit
(sibling groups and single children) and then child by child, with one numpy Generator
in a fixed order of steps (synth.region). The numbers are in synth.calibration.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from synth import calibration as cal
from synth.geography import RegionGeo
from synth.sampling import FLAG, KIND, MAX_AGE, NEED, culture, non_uasc_codes, pick, uniform_in
from vocab import FLAGS, KINDS, NEEDS, URGENCIES

__all__ = ["Children", "draw_children"]

#: Needs that, with emotional/behavioural needs at 10+, make a plan consider a children's home.
HIGH_RISK_NEEDS: tuple[str, ...] = (
    "exploitation_risk",
    "mental_health",
    "harmful_sexual_behaviour",
    "substance_misuse",
    "therapeutic",
    "remand",
)


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


@dataclass
class Children:
    """The drawn referrals, one array (or list) entry per child unless said otherwise."""

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
    sizes: np.ndarray = sizes_of[pick(rng, cal.SIBLING_GROUP_SIZES, target // 2 + 1)]
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


def draw_children(
    rng: np.random.Generator, geo: RegionGeo, n: int, sibling_share: float, n_carers: int
) -> Children:
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
    return Children(
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
    u_la = pick(rng, geo.weights, n_units)
    u_home = uniform_in(rng, geo.la_outcodes, u_la)
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
    codes, code_p = non_uasc_codes()
    u_eth = np.array(codes, dtype=object)[pick(rng, code_p, n_units)]
    u_rel, u_lang = culture(rng, u_eth)
    uasc_units = np.flatnonzero(u_uasc)
    origin = pick(rng, [o[1] for o in cal.UASC_ORIGINS], len(uasc_units))
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
        u_uasc, pick(rng, cal.UASC_URGENCY_MIX, n_units), pick(rng, cal.URGENCY_MIX, n_units)
    )
    lo = np.array([cal.NEEDED_BY_DAYS[u][0] for u in URGENCIES])[u_urg]
    hi = np.array([cal.NEEDED_BY_DAYS[u][1] for u in URGENCIES])[u_urg]
    return u_urg, rng.integers(lo, hi + 1)


def _child_ages(rng: np.random.Generator, n: int, units: _Units, u_uasc: np.ndarray) -> np.ndarray:
    """UASC ages, then sibling groups', then the rest so that all follow §1.2."""
    age = np.zeros(n, dtype=np.int64)
    uasc_kids = units.start[np.flatnonzero(u_uasc)]
    uasc_ages = np.array(list(cal.UASC_AGES), dtype=np.int64)
    age[uasc_kids] = uasc_ages[pick(rng, cal.UASC_AGES, len(uasc_kids))]
    groups = units.group_units
    _sibling_ages(
        rng, age, units.start[groups], units.size[groups], _age_distribution(cal.UASC_SHARE)
    )
    singles = units.singles
    rest = units.start[singles[~u_uasc[singles]]]
    drawn = np.ones(n, dtype=bool)
    drawn[rest] = False
    age[rest] = pick(rng, _residual_ages(age[drawn], n), len(rest))
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
    group_policy = pick(rng, cal.SIBLING_POLICY_MIX, len(group_units))
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
        step = gaps[pick(rng, cal.SIBLING_AGE_GAPS, g * (size - 1))].reshape(g, size - 1)
        offsets = np.concatenate(
            [np.zeros((g, 1), dtype=np.int64), np.cumsum(step, axis=1)], axis=1
        )
        ref = pick(rng, per_age, g)
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
