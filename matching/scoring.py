"""Match quality: the soft criteria of docs/design.md §4 (Match quality), each worth
points and a reason.

Points are computed for many carers at once (numpy); the one-line reasons are written
only for the pairs a person will read, from the same component values, so the words
and the numbers never disagree. The criteria, their defaults and why are in
docs/matching.md.

A score is 100 × (points earned) / (weights that apply to this child): a component
that cannot apply (no needs, no wishes, no sibling already placed) is left out rather
than given free points, so 100 always means "as good as this policy can describe".

In adoption, nearness to the birth home is not a good (closeness to the birth family is
often a risk; the adoption plan's minimum distance is a hard rule instead): for an
adopter, `proximity` and `same_la` are left out in the same way, so an adopter's score
is made of the rest and every adopter for a child is scored on the same components.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np

from carers.model import Household
from children.model import Child
from matching.eligibility import Assessment
from matching.problem import Policy
from matching.table import KIND_INDEX, NEED_BIT, CarerTable
from vocab import NEED_LABELS, PROVIDER_LABELS, ethnic_group, language_name

#: Distance (km) over which proximity points fall to 1/e; 20 km keeps most of the
#: points within a short school run and little beyond 20 miles (32 km).
PROXIMITY_SCALE_KM = 20.0
#: Share of proximity points for home when the child has a school (the rest: school).
HOME_SHARE = 0.7
#: Weekly cost at which the cost component reaches zero (CCN 2024 average residential).
COST_SCALE = 6000.0
#: Years of experience at which the experience component is full.
EXPERIENCE_FULL_YEARS = 10.0
#: Skills that deepen a carer's fit for a need they already cover.
RELATED_SKILLS: dict[str, tuple[str, ...]] = {
    "emotional_behavioural": ("therapeutic",),
    "mental_health": ("therapeutic",),
    "harmful_sexual_behaviour": ("therapeutic",),
    "autism": ("learning_disability",),
    "learning_disability": ("autism",),
    "complex_health": ("physical_disability",),
    "physical_disability": ("complex_health",),
    "exploitation_risk": ("substance_misuse", "emotional_behavioural"),
    "substance_misuse": ("exploitation_risk",),
    "uasc": ("emotional_behavioural",),
    "remand": ("exploitation_risk",),
}
NO_RELIGION = {"none", "unknown", "not_stated"}
#: The SSDA903 "refused" and "not obtained" codes: ethnicity not recorded.
UNKNOWN_GROUP = "Not known"
COMPONENTS: tuple[str, ...] = (
    "proximity",
    "same_la",
    "siblings_already_placed",
    "culture",
    "skills_depth",
    "age_fit",
    "household_fit",
    "experience",
    "wishes",
    "cost",
)
#: The components that reward nearness to the child's home: left out for adopters.
NEARNESS: frozenset[str] = frozenset({"proximity", "same_la"})


@dataclass(frozen=True)
class Scores:
    """Scores of one child against the carers `carers` (indices into the table).

    Holds only what the scored carers need (not the whole assessment), so a batch can
    keep every child's scores in memory at national scale.
    """

    child: Child
    table: CarerTable
    carers: np.ndarray
    home_km: np.ndarray  # for each scored carer
    school_km: np.ndarray | None
    value: dict[str, np.ndarray]  # component -> fraction 0..1 of its weight
    applies: dict[str, bool]
    weights: dict[str, float]
    adoptive: np.ndarray  # bool per scored carer: an adopter, so nearness is not scored

    @cached_property
    def total(self) -> np.ndarray:
        """0..100 for each carer: points over the weights that apply to the pair
        (computed once: the fairness measures read it pair by pair)."""
        pts = np.zeros(len(self.carers))
        applicable = np.zeros(len(self.carers))
        for c in COMPONENTS:
            if not self.applies[c]:
                continue
            counts = ~self.adoptive if c in NEARNESS else np.ones(len(self.carers), dtype=bool)
            pts += np.where(counts, self.weights[c] * self.value[c], 0.0)
            applicable += np.where(counts, self.weights[c], 0.0)
        out: np.ndarray = np.full(len(self.carers), 100.0)
        some = applicable > 0
        out[some] = 100.0 * pts[some] / applicable[some]
        return out

    def weight_for(self, j: int, component: str) -> float:
        """The weight a reason's component carries for the j-th carer (0 for nearness
        with an adopter, where it is not scored)."""
        if component in NEARNESS and self.adoptive[j]:
            return 0.0
        return self.weights[component]

    def reasons(self, j: int) -> list[str]:
        """The plain-English reasons for the j-th scored carer, strongest first."""
        return explain_match(self, j)


def score(assessment: Assessment, carers: np.ndarray, policy: Policy) -> Scores:
    """Score `assessment.child` against the given carers (normally the eligible ones)."""
    idx = np.asarray(carers, dtype=np.int64)
    school = assessment.school_km[idx] if assessment.school_km is not None else None
    return score_carers(
        assessment.child, assessment.table, idx, assessment.distance_km[idx], school, policy
    )


def score_carers(
    child: Child,
    t: CarerTable,
    idx: np.ndarray,
    home_km: np.ndarray,
    school_km: np.ndarray | None,
    policy: Policy,
) -> Scores:
    """Score `child` against carers `idx`, given their distances from home and school:
    each criterion's value in [0, 1] for every carer, whether it applies to this child
    (a criterion that cannot apply is left out of the total), and its weight."""
    value = {
        "proximity": _proximity(home_km, school_km),
        "same_la": (t.la[idx] == t.las.get(child.la)).astype(float),
        "siblings_already_placed": _siblings_placed(child, t, idx),
        "culture": _culture(child, t, idx),
        "skills_depth": _skills_depth(child, t, idx),
        "age_fit": _age_fit(child, t, idx),
        "household_fit": np.clip(1 - 0.25 * t.household_n[idx], 0, 1),
        "experience": np.clip(t.experience[idx] / EXPERIENCE_FULL_YEARS, 0, 1),
        "wishes": _wishes(child, t, idx),
        "cost": np.clip(1 - t.cost[idx] / COST_SCALE, 0, 1),
    }
    applies = {c: True for c in COMPONENTS}
    applies["siblings_already_placed"] = bool(child.siblings_placed_with)
    applies["skills_depth"] = bool(child.needs)
    applies["wishes"] = bool(child.wishes.areas or child.wishes.carers)
    weights = {c: float(policy.weights.get(c, 0.0)) for c in COMPONENTS}
    adoptive = t.kind[idx] == KIND_INDEX["adoption"]
    return Scores(child, t, idx, home_km, school_km, value, applies, weights, adoptive)


def last_level_costs(t: CarerTable, as_of: date) -> np.ndarray:
    """What the objective's last level (cost) minimises for each carer: the weekly cost;
    for adopters, who charge no fee, minus their whole weeks since approval.

    The level comes after match quality is fixed, so an adopter's wait decides only
    between links of equal quality: adopters approved long ago are the likeliest to
    withdraw, and national guidance wants adopters matched within months of approval.
    """
    waited = np.array(
        [h.adopter.weeks_waiting(as_of) if h.adopter else 0 for h in t.carers], dtype=np.float64
    )
    adopters = t.kind == KIND_INDEX["adoption"]
    out: np.ndarray = np.where(adopters, -waited, t.cost)
    return out


def _proximity(home_km: np.ndarray, school_km: np.ndarray | None) -> np.ndarray:
    """Closeness to home, blended with closeness to school when the child has one."""
    home = np.exp(-home_km / PROXIMITY_SCALE_KM)
    if school_km is None:
        return home
    school = np.exp(-school_km / PROXIMITY_SCALE_KM)
    return HOME_SHARE * home + (1 - HOME_SHARE) * school


def _siblings_placed(child: Child, t: CarerTable, idx: np.ndarray) -> np.ndarray:
    """1 for a household where a brother or sister already lives."""
    if not child.siblings_placed_with:
        return np.zeros(len(idx))
    return np.array([t.carers[i].id in child.siblings_placed_with for i in idx], dtype=float)


def _culture(child: Child, t: CarerTable, idx: np.ndarray) -> np.ndarray:
    """Ethnic group, religion and a language the child speaks besides English, in
    proportions 0.4, 0.3, 0.3; what the child's record leaves unsaid counts half or
    in full, never against a carer."""
    group = ethnic_group(child.ethnicity)
    if group == UNKNOWN_GROUP:
        ethnic = np.full(len(idx), 0.5)  # unrecorded: neither a match nor a mismatch
    else:
        ethnic = (t.ethnicity_group[idx] == t.groups.get(group)).astype(float)
        ethnic[t.ethnicity_group[idx] == t.groups.get(UNKNOWN_GROUP)] = 0.5
    if child.religion in NO_RELIGION:
        religion = np.ones(len(idx))
    else:
        religion = (t.religion[idx] == t.religions.get(child.religion)).astype(float)
    own = [t.languages.get(lang) for lang in child.languages if lang != "en"]
    own = [c for c in own if c >= 0]
    if any(lang != "en" for lang in child.languages):
        language = t.speaks[idx][:, own].any(axis=1).astype(float) if own else np.zeros(len(idx))
    else:
        language = np.ones(len(idx))
    return 0.4 * ethnic + 0.3 * religion + 0.3 * language


def _skills_depth(child: Child, t: CarerTable, idx: np.ndarray) -> np.ndarray:
    """Beyond the skills the rules require, the share of related skills a carer holds
    (from 0.5 with none to 1 with all)."""
    related = sorted({s for n in child.needs for s in RELATED_SKILLS.get(n, ())} - child.needs)
    if not related:
        return np.ones(len(idx))
    held = np.zeros(len(idx))
    for s in related:
        held += (t.skills[idx] & NEED_BIT[s]) != 0
    return 0.5 + 0.5 * held / len(related)


def _age_fit(child: Child, t: CarerTable, idx: np.ndarray) -> np.ndarray:
    """1 at the middle of a carer's approved age range, falling to 0 just beyond it."""
    lo, hi = t.min_age[idx].astype(float), t.max_age[idx].astype(float)
    half = (hi - lo) / 2 + 1
    fit: np.ndarray = np.clip(1 - np.abs(child.age - (lo + hi) / 2) / half, 0, 1)
    return fit  # annotated: numpy's stubs give Any here


def _wishes(child: Child, t: CarerTable, idx: np.ndarray) -> np.ndarray:
    """1 for a carer in an area, or a household, the child has asked for."""
    if not (child.wishes.areas or child.wishes.carers):
        return np.zeros(len(idx))
    wished_areas = set(child.wishes.areas)
    return np.array(
        [
            t.carers[i].location in wished_areas or t.carers[i].id in child.wishes.carers
            for i in idx
        ],
        dtype=float,
    )


#: A reason: the criterion it speaks to, and the words.
Said = tuple[str, str]

#: What a placement with each kind of carer is called in a reason.
_PLACEMENT_WORDS: dict[str, str] = {
    "foster": "foster placement",
    "kinship": "kinship placement",
    "residential": "children's home",
    "supported": "supported accommodation",
    "adoption": "adoptive placement",
}


def explain_match(scores: Scores, j: int) -> list[str]:
    """One line per criterion for the j-th scored carer, in the policy's weight order
    (a criterion's weight times one plus its value, so a strength comes before a
    weakness of the same weight; ties keep the order below)."""
    child = scores.child
    h = scores.table.carers[int(scores.carers[j])]
    v = {c: float(scores.value[c][j]) for c in COMPONENTS}
    said = [
        *_place_reasons(scores, j, h, v),
        *_culture_reasons(child, h),
        *_household_reasons(child, h),
        *_wish_and_cost_reasons(scores, h, v),
    ]
    lines = [
        (scores.weight_for(j, component) * (1 + v[component]), text) for component, text in said
    ]
    lines.sort(key=lambda p: -p[0])
    return [text for _, text in lines]


def _place_reasons(scores: Scores, j: int, h: Household, v: dict[str, float]) -> list[Said]:
    """Distance from home (and school), the home LA, and brothers or sisters there; for
    an adopter, the distance from the birth home as a fact, not a merit."""
    child = scores.child
    if scores.adoptive[j]:
        return [("proximity", _birth_home_words(scores, j, h)), *_siblings_reasons(scores, v)]
    out = [("proximity", f"{scores.home_km[j]:.1f} km from home ({child.home} to {h.location})")]
    if scores.school_km is not None:
        out.append(("proximity", f"{scores.school_km[j]:.1f} km from school ({child.school})"))
    if v["same_la"]:
        out.append(("same_la", f"in the child's home LA ({child.la})"))
    else:
        out.append(("same_la", f"outside the home LA ({child.la}): carer is in {h.la}"))
    return out + _siblings_reasons(scores, v)


def _siblings_reasons(scores: Scores, v: dict[str, float]) -> list[Said]:
    if scores.applies["siblings_already_placed"] and v["siblings_already_placed"]:
        return [("siblings_already_placed", "a brother or sister already lives here")]
    if scores.applies["siblings_already_placed"]:
        return [("siblings_already_placed", "brothers or sisters live elsewhere, not here")]
    return []


def _birth_home_words(scores: Scores, j: int, h: Household) -> str:
    """How far an adopter lives from the birth home, and the plan's minimum if any."""
    child = scores.child
    text = (
        f"{scores.home_km[j]:.1f} km from the birth home ({child.home} to {h.location}, "
        f"{h.la}); nearness is not scored in adoption"
    )
    least = child.adoption.min_distance_km if child.adoption else None
    return text + (f", the plan asks for at least {least:g} km" if least else "")


def _culture_reasons(child: Child, h: Household) -> list[Said]:
    """A language besides English, religion and ethnic group, each only when the
    child's record says something about it."""
    out: list[Said] = []
    others = [lang for lang in child.languages if lang != "en"]
    shared = [lang for lang in others if lang in h.languages]
    if shared:
        names = ", ".join(map(language_name, shared))
        out.append(("culture", f"speaks {names}, as the child does"))
    elif others:
        names = ", ".join(map(language_name, others))
        out.append(("culture", f"does not speak {names} (the child's language)"))
    if child.religion not in NO_RELIGION:
        if h.religion == child.religion:
            out.append(("culture", f"shares the child's religion ({child.religion})"))
        else:
            out.append(
                ("culture", f"a different religion ({h.religion}; the child: {child.religion})")
            )
    if ethnic_group(h.ethnicity) == ethnic_group(child.ethnicity) != UNKNOWN_GROUP:
        out.append(("culture", f"same ethnic group as the child ({ethnic_group(child.ethnicity)})"))
    return out


def _household_reasons(child: Child, h: Household) -> list[Said]:
    """Skills for the child's needs, the approved ages, the children already there and
    the carer's experience."""
    out: list[Said] = []
    if child.needs:
        held = [NEED_LABELS[n] for n in sorted(child.needs)]
        related = sorted({s for n in child.needs for s in RELATED_SKILLS.get(n, ())} - child.needs)
        extra = [NEED_LABELS[s] for s in related if s in h.skills]
        text = "skilled in " + ", ".join(held)
        if h.kind == "adoption":
            text = "can manage " + ", ".join(_managed(child, h, n) for n in sorted(child.needs))
        if extra:
            text += "; also " + ", ".join(extra)
        out.append(("skills_depth", text))
    out.append(("age_fit", f"age {child.age} within approval {h.min_age}–{h.max_age}"))
    if h.household_children_ages:
        ages = ", ".join(map(str, sorted(h.household_children_ages)))
        n = len(h.household_children_ages)
        out.append(
            (
                "household_fit",
                f"{n} child{'ren' if n > 1 else ''} already in the household (ages {ages})",
            )
        )
    else:
        out.append(("household_fit", "no other children in the household"))
    years = h.years_experience
    out.append(
        ("experience", f"{years:g} " + ("year's" if years == 1 else "years'") + " experience")
    )
    return out


def _managed(child: Child, h: Household, need: str) -> str:
    """An adopter's level for one of the child's needs, beside the child's."""
    graded = h.adopter.needs if h.adopter else {}
    theirs = "high" if need in h.skills else graded.get(need, "high")
    wanted = child.adoption.need_level(need) if child.adoption else "high"
    return f"{NEED_LABELS[need]} ({theirs}; the child's: {wanted})"


def _wish_and_cost_reasons(scores: Scores, h: Household, v: dict[str, float]) -> list[Said]:
    """Whether this is where (or who) the child asked for, and what the placement is
    and costs."""
    child = scores.child
    out: list[Said] = []
    if scores.applies["wishes"]:
        if v["wishes"]:
            out.append(
                (
                    "wishes",
                    "where the child asked to live"
                    if h.location in child.wishes.areas
                    else "a carer the child asked for",
                )
            )
        else:
            out.append(("wishes", "not where the child asked to live"))
    kind = _PLACEMENT_WORDS[h.kind]
    out.append(("cost", f"{PROVIDER_LABELS[h.provider]} {kind}, £{h.weekly_cost:,.0f} a week"))
    return out
