"""An independent reading of docs/design.md §4, for checking the solver and the rules.

Written from the design text, on raw problem documents (dicts in the public format),
without using `matching`: the only shared code is the outcode gazetteer for grid
references (tested on its own in test_geo.py). Rule names follow the rule ids of
`matching.eligibility.RULES` so the two can be compared rule by rule.

Also here: a generator of small random problems, written against a tiny "chooser"
interface so the same generator serves seeded `random.Random` runs and hypothesis.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any, Protocol

from geo import gazetteer

Doc = dict[str, Any]

#: problem-format.md's default distance limits per kind, and school travel.
DEFAULT_LIMIT_KM = {
    "foster": 32,
    "kinship": 400,
    "residential": 80,
    "supported": 32,
    "adoption": 400,
}
DEFAULT_SCHOOL_KM = 16
URGENCY_ORDER = ("emergency", "urgent", "planned")


def km(a: str, b: str) -> float:
    g = gazetteer()
    (ea, na), (eb, nb) = g.grid(a), g.grid(b)
    return math.hypot(ea - eb, na - nb) / 1000.0


def living_flags(ch: Doc) -> set[str]:
    """The child's flags plus what harmful sexual behaviour implies."""
    flags = set(ch.get("flags", []))
    if "harmful_sexual_behaviour" in ch.get("needs", []):
        flags.add("no_younger_children")
    return flags


def pair_failures(ch: Doc, ca: Doc, policy: Doc | None = None) -> set[str]:
    """Every hard pair rule (docs/design.md §4.1–§4.9) that `ca` fails for `ch`."""
    policy = policy or {}
    fails: set[str] = set()
    # 4.1, 4.2
    if ca["kind"] not in ch["accepts"]:
        fails.add("kind")
    if ca["kind"] == "kinship" and ch["id"] not in ca.get("connected_children", []):
        fails.add("kinship_connection")
    # 4.3
    if not ca["min_age"] <= ch["age"] <= ca["max_age"]:
        fails.add("age_range")
    sexes = set(ca.get("sexes", []))
    either = not sexes or sexes == {"F", "M"}
    if not (either or ch["sex"] in sexes):
        fails.add("sex")
    # 4.4 (a free place at all; the count across a result is checked separately)
    if ca["vacancies"] < 1:
        fails.add("vacancy")
    # 4.5 (adopters' needs are graded: need_level below)
    if ca["kind"] != "adoption" and not set(ch.get("needs", [])) <= set(ca.get("skills", [])):
        fails.add("skills")
    # 4.6
    limit = ch.get("max_distance_km")
    if limit is None:
        limit = {**DEFAULT_LIMIT_KM, **policy.get("max_distance_km", {})}[ca["kind"]]
    if km(ch["home"], ca["location"]) > limit:
        fails.add("distance")
    # 4.7
    avoid = set(ch.get("avoid", []))
    if ca["location"] in avoid or ca["la"] in avoid:
        fails.add("avoid_area")
    flags = living_flags(ch)
    ages = ca.get("household_children_ages", [])
    if "only_child" in flags and ages:
        fails.add("only_child")
    if "no_younger_children" in flags and any(a < ch["age"] for a in ages):
        fails.add("no_younger_children")
    if "no_older_children" in flags and any(a > ch["age"] for a in ages):
        fails.add("no_older_children")
    if ch["age"] < 5 and ca.get("smoker", False):
        fails.add("smoker_under_5")
    if "needs_wheelchair_access" in flags and not ca.get("wheelchair_access", False):
        fails.add("wheelchair_access")
    if "no_pets" in flags and ca.get("pets", False):
        fails.add("pets")
    # 4.8
    if ch.get("school_must_stay"):
        school_km = policy.get("school_travel_km", DEFAULT_SCHOOL_KM)
        if km(ch["school"], ca["location"]) > school_km:
            fails.add("school_distance")
    # 4.9
    if date.fromisoformat(ca["available_from"]) > date.fromisoformat(ch["needed_by"]):
        fails.add("availability")
    # Adopters' stated limits (issue 5); they bind adopters only.
    plan = ch.get("adoption")
    if plan and ca["kind"] == "adoption":
        approval = ca.get("adopter", {})
        if plan.get("early_permanence") and not approval.get("early_permanence"):
            fails.add("early_permanence")
        if not set(plan.get("uncertainties", [])) <= set(approval.get("uncertainties", [])):
            fails.add("uncertainties")
        if not set(plan.get("contact", [])) <= set(approval.get("contact", [])):
            fails.add("contact")
        least = plan.get("min_distance_km")
        if least and km(ch["home"], ca["location"]) < least:
            fails.add("min_distance")
    if ca["kind"] == "adoption" and any(
        manages(ca, need) < LEVELS.index((plan or {}).get("need_levels", {}).get(need, "high"))
        for need in ch.get("needs", [])
    ):
        fails.add("need_level")
    if plan and ca["id"] in plan.get("ruled_out", []):
        fails.add("ruled_out")
    return fails


#: Link Maker's levels of a need, lowest first (issue 18).
LEVELS = ("low", "medium", "high")


def manages(adopter: Doc, need: str) -> int:
    """The level (an index into LEVELS; -1: none) of `need` an adopter could manage: a
    skill is the highest level, else what the approval grades."""
    if need in adopter.get("skills", []):
        return LEVELS.index("high")
    level = adopter.get("adopter", {}).get("needs", {}).get(need)
    return LEVELS.index(level) if level else -1


def family(document: Doc, child_id: str) -> str:
    """An adopter takes one child, or brothers and sisters whose plan keeps them
    together (`must` or `should`); an `apart` plan means separate families."""
    for g in document.get("sibling_groups", []):
        if child_id in g["children"] and g["policy"] != "apart":
            return g["id"]
    return child_id


def cannot_share(a: Doc, b: Doc) -> bool:
    """True when either child's living-alongside rules exclude the other."""
    fa, fb = living_flags(a), living_flags(b)
    if "only_child" in fa or "only_child" in fb:
        return True
    for x, fx, y in ((a, fa, b), (b, fb, a)):
        if "no_younger_children" in fx and y["age"] < x["age"]:
            return True
        if "no_older_children" in fx and y["age"] > x["age"]:
            return True
    return False


def result_violations(document: Doc, carer_of: dict[str, str]) -> list[str]:
    """Every hard rule an assignment (child id -> carer id) breaks, in words."""
    children = {c["id"]: c for c in document["children"]}
    carers = {h["id"]: h for h in document["carers"]}
    policy = document.get("policy", {})
    out = []
    by_carer: dict[str, list[str]] = defaultdict(list)
    for cid, hid in carer_of.items():
        if cid not in children or hid not in carers:
            out.append(f"unknown pair {cid} -> {hid}")
            continue
        by_carer[hid].append(cid)
        fails = pair_failures(children[cid], carers[hid], policy)
        if fails:
            out.append(f"{cid} at {hid} breaks {sorted(fails)}")
    for hid, placed in by_carer.items():
        if len(placed) > carers[hid]["vacancies"]:
            out.append(f"{hid} has {len(placed)} children for {carers[hid]['vacancies']} places")
        for i, a in enumerate(placed):
            for b in placed[i + 1 :]:
                if cannot_share(children[a], children[b]):
                    out.append(f"{a} and {b} placed together at {hid} against safeguarding")
        if carers[hid]["kind"] == "adoption":
            families = {family(document, c) for c in placed}
            if len(families) > 1:
                out.append(f"adopter {hid} given more than one family: {sorted(families)}")
    for g in document.get("sibling_groups", []):
        if g["policy"] != "must":
            continue
        homes = {carer_of.get(c) for c in g["children"]}
        if len(homes) > 1:
            out.append(f"must group {g['id']} split: {homes}")
    return out


def together_count(document: Doc, carer_of: dict[str, str]) -> int:
    """`should` groups with every member placed in one household."""
    n = 0
    for g in document.get("sibling_groups", []):
        homes = {carer_of.get(c) for c in g["children"]}
        if g["policy"] == "should" and len(homes) == 1 and None not in homes:
            n += 1
    return n


def placed_key(document: Doc, carer_of: dict[str, str]) -> tuple[int, int, int]:
    """Objective level 1: (emergency, urgent, planned) children placed."""
    urgency = {c["id"]: c["urgency"] for c in document["children"]}
    placed = [urgency[c] for c in carer_of]
    return tuple(placed.count(u) for u in URGENCY_ORDER)  # type: ignore[return-value]


def feasible_assignments(document: Doc) -> Iterator[dict[str, str]]:
    """Every assignment (each child to a carer or to nobody) meeting every hard rule."""
    children = document["children"]
    carers = {h["id"]: h for h in document["carers"]}
    policy = document.get("policy", {})
    options = [
        [None] + [hid for hid, h in carers.items() if not pair_failures(c, h, policy)]
        for c in children
    ]
    must = [g["children"] for g in document.get("sibling_groups", []) if g["policy"] == "must"]
    load: dict[str, list[Doc]] = defaultdict(list)
    chosen: dict[str, str] = {}

    def go(i: int) -> Iterator[dict[str, str]]:
        if i == len(children):
            if all(len({chosen.get(c) for c in members}) == 1 for members in must):
                yield dict(chosen)
            return
        c = children[i]
        for hid in options[i]:
            if hid is None:
                yield from go(i + 1)
                continue
            here = load[hid]
            if len(here) >= carers[hid]["vacancies"]:
                continue
            if any(cannot_share(c, o) for o in here):
                continue
            if carers[hid]["kind"] == "adoption" and any(
                family(document, o["id"]) != family(document, c["id"]) for o in here
            ):
                continue
            here.append(c)
            chosen[c["id"]] = hid
            yield from go(i + 1)
            del chosen[c["id"]]
            here.pop()

    yield from go(0)


def best_outcome(document: Doc) -> tuple[tuple[int, int, int], int]:
    """By exhaustive search: the best level-1 key, and the most `should` groups kept
    together among assignments reaching it (objective level 2)."""
    best: tuple[tuple[int, int, int], int] = ((-1, -1, -1), -1)
    for a in feasible_assignments(document):
        key = (placed_key(document, a), together_count(document, a))
        best = max(best, key)
    return best


# -- random small problems -----------------------------------------------------------


class Chooser(Protocol):
    def integer(self, lo: int, hi: int) -> int: ...
    def choice(self, options: Sequence[Any]) -> Any: ...
    def chance(self, p: float) -> bool: ...


class RandomChooser:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def choice(self, options: Sequence[Any]) -> Any:
        return self.rng.choice(list(options))

    def chance(self, p: float) -> bool:
        return self.rng.random() < p


#: Outcodes around Leeds: 3-33 km from LS9, across five LAs.
LOCATIONS = {
    "LS9": "Leeds",
    "LS8": "Leeds",
    "LS12": "Leeds",
    "LS11": "Leeds",
    "WF1": "Wakefield",
    "BD1": "Bradford",
    "HG1": "North Yorkshire",
    "YO1": "York",
}
HOMES = ("LS9", "LS8", "LS12", "WF1")
SOME_NEEDS = ("autism", "harmful_sexual_behaviour", "complex_health")
FLAG_NAMES = (
    "needs_wheelchair_access",
    "no_pets",
    "only_child",
    "no_younger_children",
    "no_older_children",
)


def random_problem(
    ch: Chooser,
    children: tuple[int, int] = (4, 6),
    carers: tuple[int, int] = (2, 4),
) -> Doc:
    """A small random problem in which most hard rules bite now and then."""
    n_children = ch.integer(*children)
    ids = [f"C{i}" for i in range(n_children)]
    kids = []
    for cid in ids:
        kid: Doc = {
            "id": cid,
            "la": "Leeds",
            "age": ch.integer(1, 16),
            "sex": ch.choice(("F", "M", "F", "M", "U")),
            "home": ch.choice(HOMES),
            "accepts": ["foster"]
            + (["kinship"] if ch.chance(0.5) else [])
            + (["residential"] if ch.chance(0.4) else []),
            "urgency": ch.choice(URGENCY_ORDER),
            "needed_by": ch.choice(("2026-11-23", "2026-11-30")),
            "needs": [ch.choice(SOME_NEEDS)] if ch.chance(0.25) else [],
            "flags": [f for f in FLAG_NAMES if ch.chance(0.06)],
        }
        if ch.chance(0.1):
            kid["max_distance_km"] = ch.choice((5, 15))
        if ch.chance(0.1):
            kid["avoid"] = [ch.choice(("LS12", "Wakefield", "LS8", "Bradford"))]
        if ch.chance(0.1):
            kid["school"] = ch.choice(("LS9", "HG1"))
            kid["school_must_stay"] = True
        kids.append(kid)
    homes = []
    for i in range(ch.integer(*carers)):
        kind = ch.choice(("foster", "foster", "foster", "foster", "kinship", "residential"))
        location = ch.choice(tuple(LOCATIONS))
        lo = ch.integer(0, 4)
        home: Doc = {
            "id": f"H{i}",
            "la": LOCATIONS[location],
            "kind": kind,
            "provider": ch.choice(("in_house", "ifa")),
            "location": location,
            "min_age": lo,
            "max_age": ch.integer(12, 17),
            "sexes": ch.choice(([], [], [], [], ["F"], ["M"], ["F", "M"])),
            "vacancies": ch.choice((0, 1, 1, 1, 2, 2)),
            "available_from": ch.choice(("2026-11-20",) * 5 + ("2026-11-27",)),
            "skills": [s for s in SOME_NEEDS if ch.chance(0.5)],
            "household_children_ages": [ch.integer(0, 17)] if ch.chance(0.3) else [],
            "smoker": ch.chance(0.1),
            "pets": ch.chance(0.2),
            "wheelchair_access": ch.chance(0.3),
            "weekly_cost": ch.integer(300, 2000),
        }
        if kind == "kinship":
            home["connected_children"] = [ch.choice(ids)]
        homes.append(home)
    groups = []
    free = list(ids)
    for g in range(2):
        if len(free) < 2 or not ch.chance(0.6 if g == 0 else 0.3):
            break
        size = min(len(free), ch.integer(2, 3))
        members, free = free[:size], free[size:]
        first = kids[ids.index(members[0])]
        for m in members[1:]:  # brothers and sisters share a home and, mostly, a plan
            kids[ids.index(m)].update(home=first["home"], accepts=list(first["accepts"]))
        groups.append(
            {
                "id": f"G{g}",
                "children": members,
                "policy": ch.choice(("must", "should", "should", "apart")),
            }
        )
    if groups and ch.chance(0.8):
        # A household near the first family with room for them all, so that keeping
        # brothers and sisters together is often possible (and sometimes costly).
        near = kids[ids.index(groups[0]["children"][0])]["home"]
        homes[0].pop("connected_children", None)
        homes[0].update(
            kind="foster",
            location=near,
            la=LOCATIONS[near],
            sexes=[],
            min_age=0,
            max_age=17,
            vacancies=ch.choice((2, 3)),
            skills=list(SOME_NEEDS),
            available_from="2026-11-20",
        )
    out: Doc = {"as_of": "2026-11-22", "children": kids, "carers": homes}
    if groups:
        out["sibling_groups"] = groups
    if ch.chance(0.3):
        _with_adoption(ch, out)
    return out


UNCERTAIN = ("developmental_uncertainty", "prenatal_alcohol_exposure")
CONTACTS = ("letterbox", "direct_siblings")


def _with_adoption(ch: Chooser, doc: Doc) -> None:
    """Some children's plans accept adoption and some carers become adopters, so the
    adopters' limits and one-family rule bite (drawn last: earlier draws keep their
    meaning for every seed)."""
    for kid in doc["children"]:
        if ch.chance(0.6):
            kid["accepts"] = [*kid["accepts"], "adoption"]
            kid["adoption"] = {
                "waiting_since": "2025-06-01",
                "early_permanence": ch.chance(0.2),
                "uncertainties": [u for u in UNCERTAIN if ch.chance(0.3)],
                "contact": [k for k in CONTACTS if ch.chance(0.3)],
            }
    for home in doc["carers"]:
        if home["kind"] != "kinship" and ch.chance(0.5):
            home["kind"] = "adoption"
            home["vacancies"] = ch.choice((1, 2, 2, 3))
            home["adopter"] = {
                "approved_on": "2026-01-10",
                "early_permanence": ch.chance(0.4),
                "uncertainties": [u for u in UNCERTAIN if ch.chance(0.6)],
                "contact": [k for k in CONTACTS if ch.chance(0.6)],
            }
    _adoption_rules(ch, doc)


APPROVED = ("2026-10-01", "2026-01-10", "2024-06-01")


def _adoption_rules(ch: Chooser, doc: Doc) -> None:
    """Issue 18's rules on the adoption plans and approvals just drawn (drawn after them,
    so earlier draws keep their meaning): a minimum distance from the birth home, graded
    needs and graded capacities, and adopters approved at different times."""
    for kid in doc["children"]:
        plan = kid.get("adoption")
        if plan is None:
            continue
        if ch.chance(0.2):
            plan["min_distance_km"] = ch.choice((5, 15))
        plan["need_levels"] = {n: ch.choice(LEVELS) for n in kid.get("needs", []) if ch.chance(0.7)}
    for home in doc["carers"]:
        approval = home.get("adopter")
        if approval is None:
            continue
        approval["approved_on"] = ch.choice(APPROVED)
        approval["needs"] = {
            n: ch.choice(LEVELS)
            for n in SOME_NEEDS
            if n not in home.get("skills", []) and ch.chance(0.5)
        }


WAITED = ("2026-10-01", "2026-03-01", "2025-04-01")  # 7, 38 and 85 weeks before as_of


def random_adoption_problem(ch: Chooser) -> Doc:
    """A small random family-finding problem: every child waiting for adoption, every
    carer an adopter (kinship carers stay, and never take an adoption child)."""
    doc = random_problem(ch)
    for kid in doc["children"]:
        kid["accepts"] = ["adoption"]
        kid["adoption"] = {
            "waiting_since": ch.choice(WAITED),
            "early_permanence": ch.chance(0.15),
            "uncertainties": [u for u in UNCERTAIN if ch.chance(0.3)],
            "contact": [k for k in CONTACTS if ch.chance(0.3)],
        }
    for home in doc["carers"]:
        if home["kind"] == "kinship":
            continue
        home["kind"] = "adoption"
        home["vacancies"] = ch.choice((0, 1, 1, 2, 3))
        home["adopter"] = {
            "approved_on": "2026-01-10",
            "early_permanence": ch.chance(0.4),
            "uncertainties": [u for u in UNCERTAIN if ch.chance(0.6)],
            "contact": [k for k in CONTACTS if ch.chance(0.6)],
        }
    _adoption_rules(ch, doc)
    return doc
