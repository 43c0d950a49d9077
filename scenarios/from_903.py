"""A scenario that starts from an LA's own 903 data instead of national assumptions.

A planner's what-if should begin where their children are today. From one or more
imported extracts (`ssda903.Import`, from files or from the store) this writes a
scenario document: the LAs, how many children are looked after (which sets the yearly
referrals at the national rate), how many carer households to generate, and how many
children already live in the region's own homes by kind (`population.placed`: the
places taken when the year starts). Everything else is the shipped baseline's.

Children placed outside the scenario's LAs take no place there. A child whose
placement outcode is unknown counts inside in the proportion the known ones of that
kind do (or of all kinds, or England's 2015 share when none is known).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

import yaml

from geo import Gazetteer, gazetteer
from scenarios.spec import EXAMPLES, PLACED_KINDS, parse_scenario, scenario_document
from ssda903 import Import

__all__ = ["HOUSEHOLDS_PER_CHILD", "placed_locally", "scenario_from_903", "scenario_yaml"]

#: Carer households generated per child looked after: the shipped baseline's calibrated
#: region (2,450 households for 5,000 children, docs/calibration.md "The simulated year").
HOUSEHOLDS_PER_CHILD = 2_450 / 5_000
#: Share of children looked after placed inside their LA, England 2015 (figures §1.5:
#: 40% outside), for an extract with no placement location known at all.
ENGLAND_INSIDE = 0.60


def placed_locally(
    imports: Sequence[Import], las: Sequence[str], gaz: Gazetteer | None = None
) -> dict[str, int]:
    """Children living in homes inside `las`, by the simulation's kinds."""
    gaz = gaz or gazetteer()
    inside: Counter[str] = Counter()
    known: Counter[str] = Counter()
    unknown: Counter[str] = Counter()
    for imp in imports:
        for kid in imp.children:
            kind, outcode = kid.placement.kind, kid.placement.outcode
            if kind not in PLACED_KINDS:
                continue
            if outcode is None:
                unknown[kind] += 1
                continue
            known[kind] += 1
            inside[kind] += gaz.area_of(outcode) in las
    overall = sum(inside.values()) / sum(known.values()) if known else ENGLAND_INSIDE
    out = {}
    for kind in PLACED_KINDS:
        share = inside[kind] / known[kind] if known[kind] else overall
        out[kind] = inside[kind] + round(unknown[kind] * share)
    return out


def scenario_from_903(imports: Sequence[Import], *, name: str | None = None) -> dict[str, Any]:
    """A whole scenario document (the shipped baseline, with this population)."""
    if not imports:
        raise ValueError("no import to start from")
    las = list(dict.fromkeys(imp.la for imp in imports))
    looked_after = sum(len(imp.children) for imp in imports)
    days = sorted({imp.as_of.isoformat() for imp in imports})
    doc = scenario_document(EXAMPLES / "baseline.yaml")
    doc["name"] = name or (
        f"{las[0]} from the 903" if len(las) == 1 else f"{len(las)} LAs from the 903"
    )
    doc["description"] = (
        f"{', '.join(las)} as their SSDA903 data shows on {', '.join(days)}: "
        f"{looked_after:,} children looked after, a year of referrals matched weekly"
    )
    doc["population"] = {
        "las": las,
        "children": max(10, looked_after),
        "households": max(5, round(looked_after * HOUSEHOLDS_PER_CHILD)),
        "placed": placed_locally(imports, las),
    }
    parse_scenario(doc, source=doc["name"])  # what this writes must load
    return doc


def scenario_yaml(doc: dict[str, Any]) -> str:
    """The document as YAML a planner can read and edit, with where it came from."""
    placed = doc["population"]["placed"]
    head = [
        f"# {doc['description']}.",
        "# population.placed: children living in the region's own homes when the year",
        f"# starts ({', '.join(f'{k} {v:,}' for k, v in placed.items())}); children placed",
        "# outside its LAs take no place here. Written by placematch from a 903 import:",
        "# edit freely, or compare it with a copy that changes something.",
    ]
    return "\n".join(head) + "\n" + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
