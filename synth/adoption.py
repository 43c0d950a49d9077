"""A generated regional adoption agency: children waiting for adoption and approved
adopters, calibrated to the figures file (§1.7 national, §1.11 One Adoption West
Yorkshire). Every figure below that is not in the figures file is an assumption,
marked as such; docs/family-finding.md lists them.

Calibration targets:
- about 240 children with an adoption plan not yet matched and about 100 approved
  adopter households, 19 of them approved for sibling groups (OAWY 2022-23: 242; 101;
  19); 21% of approved adopters from Black and ethnically diverse backgrounds;
- 47% of waiting children have waited 18 months or more (national, Oct 2024), and older
  children, sibling groups, disabled and Black and minority ethnic children wait longest;
- average age at adoption 3 years 4 months: waiting children are mostly 1–4.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np

from synth import calibration as cal
from synth.geography import RegionGeo
from synth.region import WEST_YORKSHIRE
from vocab import ethnic_group

AGENCY = "One Adoption West Yorkshire"
REGION = "Yorkshire and the Humber"

#: Assumption: ages of children waiting (older than at adoption: older children wait).
AGE_SHARES = {
    0: 0.10,
    1: 0.16,
    2: 0.17,
    3: 0.14,
    4: 0.12,
    5: 0.09,
    6: 0.07,
    7: 0.05,
    8: 0.04,
    9: 0.03,
    10: 0.02,
    11: 0.01,
}
#: Assumption: share of waiting children placed with brothers and sisters; group sizes.
SIBLING_SHARE = 0.35
GROUP_SIZES = {2: 0.75, 3: 0.20, 4: 0.05}
#: Assumption: sibling plans (together, together if possible, apart).
SIBLING_PLANS = {"must": 0.55, "should": 0.35, "apart": 0.10}
#: Assumption: waiting children's needs (disability and emotional needs).
NEEDS = {
    "learning_disability": 0.08,
    "complex_health": 0.05,
    "physical_disability": 0.03,
    "autism": 0.03,
    "emotional_behavioural": 0.12,
}
#: Assumption: uncertainties in the children's histories (CoramBAAF practice guides).
UNCERTAINTIES = {
    "developmental_uncertainty": 0.35,
    "prenatal_alcohol_exposure": 0.20,
    "prenatal_drug_exposure": 0.15,
    "family_mental_health": 0.30,
    "family_learning_disability": 0.10,
    "genetic_condition_risk": 0.05,
}
#: Assumption: contact in the children's plans.
CONTACT = {"letterbox": 0.85, "direct_siblings": 0.20, "direct_birth_family": 0.05}
EARLY_PERMANENCE_UNDER_1 = 0.40  # assumption
#: The typical wait (weeks, gamma scale) before the additions for age, siblings, needs
#: and ethnicity; calibrated so that about 47% of children waiting have waited 18 months
#: or more (§1.7) once no wait starts before the child can have been born.
WAIT_SCALE_WEEKS = 66.0

#: Adopters: places approved for (OAWY: 19 of 101 for sibling groups).
ADOPTER_PLACES = {1: 0.81, 2: 0.15, 3: 0.04}
#: Assumption: the oldest child adopters will consider (most want a young child).
ADOPTER_MAX_AGE = {1: 0.20, 2: 0.20, 3: 0.18, 4: 0.20, 5: 0.10, 6: 0.06, 8: 0.04, 10: 0.02}
#: Assumption: stated sex preferences lean towards girls.
ADOPTER_SEXES = {"either": 0.78, "F": 0.17, "M": 0.05}
ADOPTER_SKILLS = {
    "learning_disability": 0.15,
    "complex_health": 0.08,
    "physical_disability": 0.06,
    "autism": 0.10,
    "emotional_behavioural": 0.30,
}
ADOPTER_UNCERTAINTIES = {
    "developmental_uncertainty": 0.55,
    "prenatal_alcohol_exposure": 0.40,
    "prenatal_drug_exposure": 0.45,
    "family_mental_health": 0.55,
    "family_learning_disability": 0.35,
    "genetic_condition_risk": 0.25,
}
ADOPTER_CONTACT = {"letterbox": 0.98, "direct_siblings": 0.45, "direct_birth_family": 0.15}
ADOPTER_EARLY_PERMANENCE = 0.20
ADOPTER_BME = 0.21  # OAWY 2022-23
BEYOND_REGION_SHARE = 0.15  # assumption: adopters from neighbouring agencies in the pool

# Issue 18's rules, drawn from their own stream (`ISSUE_18_STREAM`) so that every other
# value of a seed's agency is what it was before they existed.
ISSUE_18_STREAM = 18
#: Assumption: plans asking adopters to live at least some distance from the birth
#: family (a family known to seek the child, or living where the child would be seen),
#: and how far; brothers and sisters share theirs (one birth family).
MIN_DISTANCE_SHARE = 0.20
MIN_DISTANCE_KM = {10: 0.20, 20: 0.35, 30: 0.30, 50: 0.15}
#: Assumption: of those plans, the share that also rule out the birth family's LA
#: (the child's `avoid`, which every kind of placement already respects).
AVOID_HOME_LA_SHARE = 0.50
#: Assumption: how much of each need a waiting child has; most needs of young children
#: are mild or not yet certain when the plan is made.
NEED_LEVEL_MIX = {"low": 0.40, "medium": 0.35, "high": 0.25}
#: Assumption: adopters grade the needs they are not skilled in (a skill is high): the
#: chance they would manage some of each need, and at which level.
ADOPTER_GRADED = {
    "learning_disability": 0.35,
    "complex_health": 0.25,
    "physical_disability": 0.20,
    "autism": 0.30,
    "emotional_behavioural": 0.45,
}
ADOPTER_LEVEL_MIX = {"low": 0.60, "medium": 0.40}


def generate_adoption_region(
    children: int = 240,
    adopters: int = 100,
    *,
    seed: int = 0,
    las: Sequence[str] = WEST_YORKSHIRE,
    as_of: date = date(2026, 11, 23),
    time_limit_s: float = 10.0,
) -> dict[str, Any]:
    """A problem document for a regional adoption agency's waiting children and adopters.

    Children accept adoption only and carry adoption plans; carers are adopters with
    approvals and stated limits. About 15% of adopters live beyond the agency's LAs
    (another agency's, for searches beyond the region).
    """
    if children < 0 or adopters < 0 or seed < 0:
        raise ValueError("children, adopters and seed must be zero or more")
    rng = np.random.default_rng(seed)
    geo = RegionGeo.build(las)
    kids, groups = _children(rng, geo, children, as_of)
    carers = _adopters(rng, geo, adopters, as_of)
    _adoption_rules(np.random.default_rng([seed, ISSUE_18_STREAM]), kids, groups, carers)
    return {
        "as_of": as_of.isoformat(),
        "policy": {"time_limit_s": time_limit_s, "seed": seed},
        "children": kids,
        "sibling_groups": groups,
        "carers": carers,
    }


def _draw(rng: np.random.Generator, shares: dict[Any, float], n: int) -> list[Any]:
    keys = list(shares)
    p = np.array([shares[k] for k in keys], dtype=np.float64)
    return [keys[i] for i in rng.choice(len(keys), size=n, p=p / p.sum())]


def _some(rng: np.random.Generator, shares: dict[str, float], boost: float = 1.0) -> list[str]:
    return [k for k, p in shares.items() if rng.random() < min(1.0, p * boost)]


def _ethnicity(rng: np.random.Generator, n: int, bme: float | None = None) -> list[str]:
    groups = dict(cal.ETHNIC_GROUP_TARGET)
    if bme is not None:
        scale = bme / (1.0 - groups["White"] - groups["Not known"])
        groups = {g: (1.0 - bme if g == "White" else p * scale) for g, p in groups.items()}
        groups["Not known"] = 0.0
    out = []
    for g in _draw(rng, groups, n):
        out.append(_draw(rng, dict(cal.ETHNIC_CODE_SPLIT[g]), 1)[0])
    return out


def _home(rng: np.random.Generator, geo: RegionGeo, n: int) -> tuple[list[str], list[str]]:
    la_at = rng.choice(len(geo.las), size=n, p=geo.weights)
    homes = [geo.outcode[rng.choice(geo.la_outcodes[i])] for i in la_at]
    return [geo.las[i] for i in la_at], homes


def _children(
    rng: np.random.Generator, geo: RegionGeo, n: int, as_of: date
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    las, homes = _home(rng, geo, n)
    ages = _draw(rng, AGE_SHARES, n)
    ethnicity = _ethnicity(rng, n)
    kids: list[dict[str, Any]] = []
    for i in range(n):
        age = int(ages[i])
        needs = _some(rng, NEEDS, 1.0 if age >= 2 else 0.5)
        if age < 4 and "emotional_behavioural" in needs:
            needs.remove("emotional_behavioural")
        kids.append(
            {
                "id": f"A-{i + 1:04d}",
                "la": las[i],
                "age": age,
                "sex": "M" if rng.random() < cal.NON_UASC_MALE_SHARE else "F",
                "ethnicity": ethnicity[i],
                "home": homes[i],
                "accepts": ["adoption"],
                "needs": needs,
                "urgency": "planned",
                "needed_by": as_of.isoformat(),
            }
        )
    groups = _sibling_groups(rng, kids)
    in_group = {c: g for g in groups for c in g["children"]}
    for k in kids:
        g = in_group.get(k["id"])
        k["adoption"] = _plan(rng, k, g, as_of)
    _share_history(kids, groups, as_of)
    return kids, groups


def _sibling_groups(rng: np.random.Generator, kids: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Brothers and sisters share a home area and LA; ages a year or more apart."""
    groups: list[dict[str, Any]] = []
    target = int(SIBLING_SHARE * len(kids))
    order = list(rng.permutation(len(kids)))
    used = 0
    while used < target and len(order) >= 2:
        size = min(int(_draw(rng, GROUP_SIZES, 1)[0]), len(order))
        members = [order.pop() for _ in range(size)]
        first = kids[members[0]]
        base = int(rng.integers(0, 4))
        for j, m in enumerate(sorted(members)):
            kids[m].update(
                la=first["la"], home=first["home"], ethnicity=first["ethnicity"], age=base + 2 * j
            )
        groups.append(
            {
                "id": f"SG-{len(groups) + 1:03d}",
                "children": [kids[m]["id"] for m in sorted(members)],
                "policy": _draw(rng, SIBLING_PLANS, 1)[0],
            }
        )
        used += size
    return groups


def _plan(
    rng: np.random.Generator, kid: dict[str, Any], group: dict[str, Any] | None, as_of: date
) -> dict[str, Any]:
    """Time waiting: longer for older children, groups, disabled and BME children
    (assumption, calibrated so that about 47% have waited 18 months or more)."""
    scale = WAIT_SCALE_WEEKS
    if kid["age"] >= 5:
        scale += 30
    if group is not None:
        scale += 25
    if kid["needs"]:
        scale += 20
    if ethnic_group(kid["ethnicity"]) not in ("White", "Not known"):
        scale += 20
    weeks = int(rng.gamma(2.2, scale / 2.2))
    weeks = min(weeks, 52 * 6)
    if kid["age"] == 0:
        weeks = min(weeks, int(rng.integers(2, 40)))
    since = max(as_of - timedelta(weeks=weeks), _born_by(kid["age"], as_of))
    order_after = int(rng.integers(4, 24))
    order = since + timedelta(weeks=order_after)
    early = kid["age"] == 0 and rng.random() < EARLY_PERMANENCE_UNDER_1
    contact = _some(rng, CONTACT)
    if group is not None and group["policy"] == "apart" and "direct_siblings" not in contact:
        contact.append("direct_siblings")
    young = 1.3 if kid["age"] <= 2 else 1.0
    return {
        "waiting_since": since.isoformat(),
        "placement_order_date": order.isoformat() if order <= as_of else None,
        "early_permanence": bool(early),
        "uncertainties": _some(rng, UNCERTAINTIES, young),
        "contact": sorted(contact),
        "notes": _notes(kid, group),
        "ruled_out": [],  # a generated agency starts with no declined links
    }


def _born_by(age: int, as_of: date) -> date:
    """The earliest day a plan for a child `age` on `as_of` may start: a week after the
    earliest birthday their age allows, so that a date of birth before it always exists
    (an export to the 903 needs one: DECOM before DOB is an error there)."""
    return as_of - timedelta(weeks=52 * (age + 1) - 1)


def _share_history(kids: list[dict[str, Any]], groups: list[dict[str, Any]], as_of: date) -> None:
    """Brothers and sisters share a family history: the uncertainties about their
    birth family, and their time waiting (the group waits as one)."""
    by_id = {k["id"]: k for k in kids}
    for g in groups:
        plans = [by_id[c]["adoption"] for c in g["children"]]
        shared = sorted(
            set().union(*(p["uncertainties"] for p in plans)) - {"developmental_uncertainty"}
        )
        youngest = min(by_id[c]["age"] for c in g["children"])
        since = min(p["waiting_since"] for p in plans)
        since = max(since, _born_by(youngest, as_of).isoformat())
        for p in plans:
            own = {"developmental_uncertainty"} & set(p["uncertainties"])
            p["uncertainties"] = sorted(set(shared) | own)
            if g["policy"] != "apart":
                p["waiting_since"] = since
            if p["placement_order_date"] and p["placement_order_date"] < p["waiting_since"]:
                # The decision comes on or before the placement order (DfE rule 554).
                p["placement_order_date"] = p["waiting_since"]


def _notes(kid: dict[str, Any], group: dict[str, Any] | None) -> str:
    parts = []
    if group is not None and group["policy"] != "apart":
        parts.append(f"needs a family for all {len(group['children'])} brothers and sisters")
    if kid["age"] >= 5:
        parts.append("needs adopters experienced with older children and school")
    if kid["needs"]:
        parts.append(
            "needs a family able to meet " + ", ".join(n.replace("_", " ") for n in kid["needs"])
        )
    return "; ".join(parts) or "needs a warm, patient family"


def _adopters(
    rng: np.random.Generator, geo: RegionGeo, n: int, as_of: date
) -> list[dict[str, Any]]:
    n_beyond = int(round(BEYOND_REGION_SHARE * n))
    las, homes = _home(rng, geo, n - n_beyond)
    if n_beyond and len(geo.ring):
        ring = rng.choice(geo.ring, size=n_beyond)
        las += [str(geo.area[i]) for i in ring]
        homes += [str(geo.outcode[i]) for i in ring]
    ethnicity = _ethnicity(rng, len(homes), bme=ADOPTER_BME)
    out = []
    for i in range(len(homes)):
        places = int(_draw(rng, ADOPTER_PLACES, 1)[0])
        oldest = int(_draw(rng, ADOPTER_MAX_AGE, 1)[0]) + (2 if places > 1 else 0)
        sexes = _draw(rng, ADOPTER_SEXES, 1)[0]
        approved = as_of - timedelta(weeks=int(rng.integers(2, 80)))
        in_region = las[i] in geo.las
        out.append(
            {
                "id": f"AD-{i + 1:04d}",
                "la": las[i],
                "kind": "adoption",
                "provider": "in_house" if rng.random() < 0.85 else "voluntary",
                "location": homes[i],
                "min_age": 0,
                "max_age": oldest,
                "sexes": [] if sexes == "either" else [sexes],
                "vacancies": places,
                "available_from": approved.isoformat(),
                "skills": _some(rng, ADOPTER_SKILLS),
                "ethnicity": ethnicity[i],
                "household_children_ages": [int(rng.integers(3, 11))] if rng.random() < 0.2 else [],
                "smoker": False,
                "pets": bool(rng.random() < 0.4),
                "years_experience": 0,
                "weekly_cost": 0,
                "adopter": {
                    "approved_on": approved.isoformat(),
                    "agency": AGENCY if in_region else f"{las[i]} adoption agency",
                    "region": REGION,
                    "early_permanence": bool(rng.random() < ADOPTER_EARLY_PERMANENCE),
                    "uncertainties": _some(rng, ADOPTER_UNCERTAINTIES),
                    "contact": _some(rng, ADOPTER_CONTACT),
                },
            }
        )
    return out


def _adoption_rules(
    rng: np.random.Generator,
    kids: list[dict[str, Any]],
    groups: list[dict[str, Any]],
    carers: list[dict[str, Any]],
) -> None:
    """Issue 18: a minimum distance from the birth home (and sometimes the birth
    family's LA to avoid) on some plans, shared by brothers and sisters; a level for
    each need of a child; adopters' graded capacity for the needs they are not skilled in."""
    lead = {c: g["children"][0] for g in groups for c in g["children"]}
    far: dict[str, tuple[float | None, bool]] = {}
    for k in kids:
        first = lead.get(k["id"], k["id"])
        if first not in far:
            least = _draw(rng, MIN_DISTANCE_KM, 1)[0] if rng.random() < MIN_DISTANCE_SHARE else None
            far[first] = (least, least is not None and rng.random() < AVOID_HOME_LA_SHARE)
        least, avoid = far[first]
        if least is not None:
            k["adoption"]["min_distance_km"] = least
        if avoid:
            k["avoid"] = [k["la"]]
        k["adoption"]["need_levels"] = {
            n: str(level)
            for n, level in zip(
                k["needs"], _draw(rng, NEED_LEVEL_MIX, len(k["needs"])), strict=True
            )
        }
    for h in carers:
        h["adopter"]["needs"] = {
            n: str(_draw(rng, ADOPTER_LEVEL_MIX, 1)[0])
            for n, p in ADOPTER_GRADED.items()
            if n not in h["skills"] and rng.random() < p
        }
