"""The carer households of a synthetic region: approved carers drawn kind by kind, and one
connected-person (kinship) household per kinship referral unit, with one numpy Generator
in a fixed order of steps (synth.region). The numbers are in synth.calibration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from synth import calibration as cal
from synth.geography import RegionGeo
from synth.referrals import Children
from synth.sampling import FLAG, KIND, MAX_AGE, NEED, culture, pick, uniform_in
from vocab import KINDS, NEEDS

__all__ = ["Carers", "draw_carers"]

#: Languages a UASC-skilled carer may speak (from the UASC origins).
UASC_LANGUAGES: tuple[str, ...] = tuple(
    dict.fromkeys(lang for o in cal.UASC_ORIGINS for opt in o[4:] for lang in opt[0])
)


def _carer_codes(rng: np.random.Generator, size: int) -> np.ndarray:
    groups = list(cal.CARER_ETHNIC_GROUPS)
    g = pick(rng, cal.CARER_ETHNIC_GROUPS, size)
    out = np.empty(size, dtype=object)
    for gi, group in enumerate(groups):
        at = np.flatnonzero(g == gi)
        split = cal.ETHNIC_CODE_SPLIT[group]
        out[at] = np.array(list(split), dtype=object)[pick(rng, split, len(at))]
    return out


@dataclass
class Carers:
    """The drawn households, one array (or list) entry per household."""

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


def draw_carers(rng: np.random.Generator, geo: RegionGeo, kids: Children, total: int) -> Carers:
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
    base = Carers(
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
    kind = np.array([KIND[k] for k in cal.CARER_KIND_MIX])[pick(rng, cal.CARER_KIND_MIX, m)]
    provider = np.empty(m, dtype=object)
    mixes = {
        "foster": cal.FOSTER_PROVIDER_MIX,
        "residential": cal.RESIDENTIAL_PROVIDER_MIX,
        "supported": cal.SUPPORTED_PROVIDER_MIX,
        "adoption": cal.ADOPTION_PROVIDER_MIX,
    }
    for k, mix in mixes.items():
        at = np.flatnonzero(kind == KIND[k])
        provider[at] = np.array(list(mix), dtype=object)[pick(rng, mix, len(at))]
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
    la_idx = pick(rng, geo.weights, m)
    location = uniform_in(rng, geo.la_outcodes, la_idx)
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
    which = pick(rng, [rg[2] for rg in ranges], len(at))
    ap.min_age[at] = np.array([rg[0] for rg in ranges])[which]
    ap.max_age[at] = np.array([rg[1] for rg in ranges])[which]
    sx = pick(rng, cal.SEXES_MIX[k], len(at))
    labels = list(cal.SEXES_MIX[k])
    for i, s in zip(at.tolist(), sx.tolist(), strict=True):
        if labels[s] != "both":
            ap.sexes[i] = [labels[s]]
    sizes = np.array(list(cal.PLACES[k]), dtype=np.int64)
    places = sizes[pick(rng, cal.PLACES[k], len(at))]
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
    religion, languages = culture(rng, ethnicity)
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
    rng: np.random.Generator, geo: RegionGeo, kids: Children, units: np.ndarray
) -> Carers:
    """One connected-person household per unit, near the child's home."""
    k = len(units)
    starts, sizes = kids.unit_start[units], kids.unit_size[units]
    members = [list(range(s, s + z)) for s, z in zip(starts.tolist(), sizes.tolist(), strict=True)]
    home = kids.home[starts]
    radii = np.array(list(cal.KINSHIP_DISTANCE_MIX))[pick(rng, cal.KINSHIP_DISTANCE_MIX, k)]
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
    return Carers(
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


def _concat(a: Carers, b: Carers) -> Carers:
    out: dict[str, Any] = {"h": a.h + b.h}
    for name in a.__dataclass_fields__:
        if name == "h":
            continue
        x, y = getattr(a, name), getattr(b, name)
        out[name] = x + y if isinstance(x, list) else np.concatenate([x, y])
    return Carers(**out)


def _take(c: Carers, order: np.ndarray) -> Carers:
    out: dict[str, Any] = {"h": c.h}
    idx = order.tolist()
    for name in c.__dataclass_fields__:
        if name == "h":
            continue
        x = getattr(c, name)
        out[name] = [x[i] for i in idx] if isinstance(x, list) else x[order]
    return Carers(**out)
