"""Field checks for records, against the problem format's own schema and vocabularies.

A child or household is written in the shape the problem format gives it (plus a few
service fields: `date_of_birth`, `places`), and checked by the same JSON Schema
definitions and the same outcode gazetteer as a problem file, so the database never
holds a value the matching core would reject. Every fault is reported at once, each
naming its field.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import jsonschema

from geo import UnknownOutcode, gazetteer, outcode_of
from matching.problem import schema, schema_message
from store.errors import FieldIssue, Invalid

#: Longest free text kept (child's views, notes, reasons).
TEXT_MAX = 4000

#: Fields of a child that live on the referral, not the child.
REFERRAL_FIELDS = ("urgency", "needed_by")


@lru_cache(maxsize=1)
def known_las() -> frozenset[str]:
    """LA names the service knows (the gazetteer's areas)."""
    return frozenset(gazetteer().area)


@lru_cache(maxsize=1)
def _validators() -> dict[str, jsonschema.Draft202012Validator]:
    defs = schema("problem")["$defs"]
    child = copy.deepcopy(defs["child"])
    for name in REFERRAL_FIELDS:
        child["properties"].pop(name)
        child["required"].remove(name)
    child["properties"]["date_of_birth"] = {"type": ["string", "null"], "format": "date"}
    # A child may be recorded before their home is known (an LA's 903 extract often has
    # no usable HOME_POST); a referral needs it (store.referrals).
    child["properties"]["home"] = {"anyOf": [child["properties"]["home"], {"type": "null"}]}
    child["required"].remove("home")
    carer = copy.deepcopy(defs["carer"])
    carer["properties"]["places"] = {"type": "integer", "minimum": 0, "maximum": 100}
    for record in (child, carer):
        record["$defs"] = defs  # what their "$ref"s (adoption, adopter) point into
    referral = {
        "type": "object",
        "additionalProperties": False,
        "required": list(REFERRAL_FIELDS),
        "properties": {
            **{name: defs["child"]["properties"][name] for name in REFERRAL_FIELDS},
            **{
                f"views_{k}": {"type": ["string", "null"], "maxLength": TEXT_MAX}
                for k in ("where", "who", "matters")
            },
        },
    }
    policy = schema("problem")["properties"]["policy"]
    group = copy.deepcopy(defs["sibling_group"])
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    return {
        name: jsonschema.Draft202012Validator(s, format_checker=checker)
        for name, s in {
            "child": child,
            "carer": carer,
            "referral": referral,
            "policy": policy,
            "sibling_group": group,
        }.items()
    }


def _path(parts: Any) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    return value


def schema_check(kind: str, doc: Mapping[str, Any]) -> tuple[dict[str, Any], list[FieldIssue]]:
    """`doc` as JSON values and every schema fault in it (`kind`: child, carer, ...)."""
    data = _jsonable(doc)
    if not isinstance(data, dict):
        return {}, [FieldIssue("", "expected an object")]
    errors = sorted(
        _validators()[kind].iter_errors(data), key=lambda e: list(map(str, e.absolute_path))
    )
    issues = []
    for e in errors:
        path = _path(e.absolute_path)
        if e.validator == "required":
            path = _path([*e.absolute_path, e.message.split("'")[1]])
        issues.append(FieldIssue(path or "(record)", schema_message(e)))
    return data, issues


def _outcode(value: str, field: str, issues: list[FieldIssue]) -> str:
    try:
        return gazetteer().resolve(value)
    except UnknownOutcode as exc:
        issues.append(FieldIssue(field, str(exc)))
        return value


def _la(value: str, field: str, issues: list[FieldIssue]) -> None:
    if value not in known_las():
        issues.append(FieldIssue(field, f"{value!r} is not a known LA name"))


def _looks_like_outcode(text: str) -> bool:
    try:
        outcode_of(text)
    except UnknownOutcode:
        return False
    return True


def age_on(born: date, day: date) -> int:
    """Whole years of age on `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def child_values(doc: Mapping[str, Any], today: date | None = None) -> dict[str, Any]:
    """Column values for a child given in the problem format's shape (without the
    referral's urgency and date, with an optional `date_of_birth`).

    The age is worked out from the date of birth when only that is given. Raises
    Invalid naming every bad field.
    """
    doc = dict(doc)
    if "adoption" in doc and doc["adoption"] is None:
        del doc["adoption"]  # no adoption plan
    if doc.get("age") is None and doc.get("date_of_birth"):
        with contextlib.suppress(ValueError, TypeError):  # the schema check says why
            born = date.fromisoformat(str(_jsonable(doc["date_of_birth"])))
            doc["age"] = age_on(born, today or date.today())
    data, issues = schema_check("child", doc)
    if issues:
        raise Invalid(issues)
    _la(data["la"], "la", issues)
    school = data.get("school")
    if data.get("school_must_stay") and not school:
        issues.append(FieldIssue("school", "school_must_stay is true but no school is given"))
    wishes = data.get("wishes", {})
    avoid = []
    for k, place in enumerate(data.get("avoid", [])):
        if _looks_like_outcode(place):
            avoid.append(_outcode(place, f"avoid[{k}]", issues))
        else:
            _la(place, f"avoid[{k}]", issues)
            avoid.append(place)
    values = {
        "id": data["id"],
        "la": data["la"],
        "age": data["age"],
        "date_of_birth": date.fromisoformat(data["date_of_birth"])
        if data.get("date_of_birth")
        else None,
        "sex": data["sex"],
        "ethnicity": data.get("ethnicity", "NOBT"),
        "religion": data.get("religion", "none"),
        "languages": list(data.get("languages", ["en"])),
        "home": _outcode(data["home"], "home", issues) if data.get("home") else None,
        "school": _outcode(school, "school", issues) if school else None,
        "school_must_stay": bool(data.get("school_must_stay", False)),
        "avoid": avoid,
        "accepts": list(data["accepts"]),
        "needs": sorted(data.get("needs", [])),
        "flags": sorted(data.get("flags", [])),
        "max_distance_km": data.get("max_distance_km"),
        "siblings_placed_with": list(data.get("siblings_placed_with", [])),
        "wish_areas": [
            _outcode(a, f"wishes.areas[{k}]", issues) for k, a in enumerate(wishes.get("areas", []))
        ],
        "wish_carers": list(wishes.get("carers", [])),
        **adoption_columns(data.get("adoption")),
    }
    if "adoption" in data and "adoption" not in data["accepts"]:
        issues.append(
            FieldIssue("adoption", "adoption details but the plan does not accept adoption")
        )
    levels = (data.get("adoption") or {}).get("need_levels", {})
    for need in sorted(set(levels) - set(data.get("needs", []))):
        issues.append(
            FieldIssue(
                f"adoption.need_levels.{need}",
                f"a level for {need!r}, which is not among the child's needs",
            )
        )
    if issues:
        raise Invalid(issues)
    return values


#: A child's adoption plan columns, and an adopter's approval columns: all NULL when
#: there is none.
ADOPTION_COLUMNS = (
    "adoption_waiting_since",
    "adoption_placement_order_date",
    "adoption_early_permanence",
    "adoption_uncertainties",
    "adoption_contact",
    "adoption_notes",
    "adoption_min_distance_km",
    "adoption_need_levels",
)
ADOPTER_COLUMNS = (
    "adopter_approved_on",
    "adopter_agency",
    "adopter_region",
    "adopter_early_permanence",
    "adopter_uncertainties",
    "adopter_contact",
    "adopter_needs",
)


def adoption_columns(plan: Mapping[str, Any] | None) -> dict[str, Any]:
    """Column values for an adoption plan in the problem format's shape (checked
    already), or all None for a child without one."""
    if plan is None:
        return dict.fromkeys(ADOPTION_COLUMNS)
    order = plan.get("placement_order_date")
    return {
        "adoption_waiting_since": date.fromisoformat(plan["waiting_since"]),
        "adoption_placement_order_date": date.fromisoformat(order) if order else None,
        "adoption_early_permanence": bool(plan.get("early_permanence", False)),
        "adoption_uncertainties": sorted(plan.get("uncertainties", [])),
        "adoption_contact": sorted(plan.get("contact", [])),
        "adoption_notes": plan.get("notes", ""),
        "adoption_min_distance_km": plan.get("min_distance_km"),
        "adoption_need_levels": dict(sorted(plan.get("need_levels", {}).items())),
    }


def adopter_columns(approval: Mapping[str, Any] | None) -> dict[str, Any]:
    """Column values for an adopter's approval in the problem format's shape (checked
    already), or all None for a household that is not an adopter."""
    if approval is None:
        return dict.fromkeys(ADOPTER_COLUMNS)
    return {
        "adopter_approved_on": date.fromisoformat(approval["approved_on"]),
        "adopter_agency": approval.get("agency", ""),
        "adopter_region": approval.get("region", ""),
        "adopter_early_permanence": bool(approval.get("early_permanence", False)),
        "adopter_uncertainties": sorted(approval.get("uncertainties", [])),
        "adopter_contact": sorted(approval.get("contact", [])),
        "adopter_needs": dict(sorted(approval.get("needs", {}).items())),
    }


def expected_places_column(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Expected places (checked already) as the column keeps them: earliest first."""
    kept = [{"from": e["from"], "places": e["places"], "why": e["why"]} for e in entries]
    return sorted(kept, key=lambda e: (e["from"], e["why"], e["places"]))


def household_values(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Column values for a carer household given in the problem format's shape (plus
    `places`, the approved places, which defaults to `vacancies`; `adopter` null or
    absent for a household that is not an approved adopter). Raises Invalid."""
    if "adopter" in doc and doc["adopter"] is None:
        doc = {k: v for k, v in doc.items() if k != "adopter"}
    data, issues = schema_check("carer", doc)
    if issues:
        raise Invalid(issues)
    _la(data["la"], "la", issues)
    if data["min_age"] > data["max_age"]:
        issues.append(
            FieldIssue("min_age", f"min_age {data['min_age']} is above max_age {data['max_age']}")
        )
    if data["kind"] != "kinship" and data.get("connected_children"):
        issues.append(
            FieldIssue("connected_children", "only kinship carers have connected children")
        )
    if "adopter" in data and data["kind"] != "adoption":
        issues.append(
            FieldIssue(
                "adopter",
                f"adopter details on a household of kind {data['kind']!r} (adopters only)",
            )
        )
    places = data.get("places", data["vacancies"])
    if data["vacancies"] > places:
        issues.append(
            FieldIssue("vacancies", f"vacancies {data['vacancies']} is above places {places}")
        )
    values = {
        "id": data["id"],
        "la": data["la"],
        "kind": data["kind"],
        "provider": data["provider"],
        "location": _outcode(data["location"], "location", issues),
        "min_age": data["min_age"],
        "max_age": data["max_age"],
        "sexes": sorted(data.get("sexes", [])),
        "places": places,
        "vacancies": data["vacancies"],
        "available_from": date.fromisoformat(data["available_from"]),
        "skills": sorted(data.get("skills", [])),
        "languages": list(data.get("languages", ["en"])),
        "ethnicity": data.get("ethnicity", "NOBT"),
        "religion": data.get("religion", "none"),
        "household_children_ages": list(data.get("household_children_ages", [])),
        "smoker": bool(data.get("smoker", False)),
        "pets": bool(data.get("pets", False)),
        "wheelchair_access": bool(data.get("wheelchair_access", False)),
        "years_experience": float(data.get("years_experience", 0.0)),
        "weekly_cost": float(data["weekly_cost"]),
        "connected_children": list(data.get("connected_children", [])),
        **adopter_columns(data.get("adopter")),
        "expected_places": expected_places_column(data.get("expected_places", [])),
    }
    if issues:
        raise Invalid(issues)
    return values


def referral_values(doc: Mapping[str, Any]) -> dict[str, Any]:
    """Column values for a referral: urgency, date needed, and the child's views."""
    data, issues = schema_check("referral", doc)
    if issues:
        raise Invalid(issues)
    return {
        "urgency": data["urgency"],
        "needed_by": date.fromisoformat(data["needed_by"]),
        **{k: data.get(k) for k in ("views_where", "views_who", "views_matters")},
    }


def policy_values(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A matching policy (problem format `policy`), checked; raises Invalid."""
    data, issues = schema_check("policy", doc)
    if issues:
        raise Invalid(issues)
    return data


def sibling_group_values(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A sibling group (id, children, policy), checked in itself; raises Invalid."""
    data, issues = schema_check("sibling_group", doc)
    if issues:
        raise Invalid(issues)
    if len(set(data["children"])) != len(data["children"]):
        raise Invalid.one("children", "a child is listed more than once")
    return data


def check_las(las: Collection[str], field: str = "las") -> list[str]:
    """The LA names, each known; at least one. Raises Invalid naming the unknown ones."""
    issues: list[FieldIssue] = []
    if not las:
        issues.append(FieldIssue(field, "at least one LA is required"))
    for k, la in enumerate(las):
        _la(la, f"{field}[{k}]", issues)
    if issues:
        raise Invalid(issues)
    return list(dict.fromkeys(las))


def text_value(value: str | None, field: str, *, required: bool = False) -> str | None:
    """Free text, trimmed; raises Invalid when required and empty, or too long."""
    text = (value or "").strip()
    if required and not text:
        raise Invalid.one(field, "is required")
    if len(text) > TEXT_MAX:
        raise Invalid.one(field, f"is longer than {TEXT_MAX} characters")
    return text or None
