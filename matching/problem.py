"""A matching problem: policy, children, sibling groups and carers, already validated.

`parse_problem` turns a document in the public problem format into typed values and
reports *every* fault it finds, each with the JSON path of the offending value, so a
person can fix a file in one pass. Nothing here reads files; see `matching.load_problem`.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from importlib import resources
from typing import Any

import jsonschema

from carers.model import AdopterApproval, ExpectedPlaces, Household
from children.model import AdoptionPlan, Child, Wishes
from children.siblings import SiblingGroup, SiblingRelations
from geo import Gazetteer, UnknownOutcode, gazetteer, outcode_of
from matching.better_soon import WAIT_MARGIN
from matching.schema_check import QuickCheck
from vocab import KINDS

#: Reads a date at a JSON path, noting a fault there if it is not one.
ReadDay = Callable[[str, str], date]

DEFAULT_MAX_DISTANCE_KM: dict[str, float] = {
    "foster": 32.0,
    "kinship": 400.0,
    "residential": 80.0,
    "supported": 32.0,
    "adoption": 400.0,
}

DEFAULT_WEIGHTS: dict[str, float] = {
    "proximity": 30,
    "same_la": 10,
    "siblings_already_placed": 40,
    "culture": 10,
    "skills_depth": 10,
    "age_fit": 5,
    "household_fit": 5,
    "experience": 5,
    "wishes": 10,
    "cost": 10,
}


@dataclass(frozen=True)
class Policy:
    """The rules an LA sets for a run: distance limits, weights, time limit."""

    max_distance_km: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_MAX_DISTANCE_KM)
    )
    time_limit_s: float = 10.0
    school_travel_km: float = 16.0
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    seed: int = 0
    #: Hold back planned referrals whose best match now is poor and whose date allows
    #: waiting for a clearly better home (matching.wait); off unless an LA asks for it,
    #: so a batch places everyone it can, as it always has.
    wait_for_better: bool = False
    #: Points a home coming free must score above the best match now to wait for it.
    wait_margin: float = WAIT_MARGIN

    def distance_limit(self, child: Child, kind: str) -> float:
        """A child's own limit overrides the policy's limit for the kind."""
        if child.max_distance_km is not None:
            return float(child.max_distance_km)
        return float(self.max_distance_km[kind])


@dataclass(frozen=True)
class Problem:
    as_of: date
    policy: Policy
    children: tuple[Child, ...]
    sibling_groups: tuple[SiblingGroup, ...]
    carers: tuple[Household, ...]

    @cached_property
    def child_by_id(self) -> dict[str, Child]:
        return {c.id: c for c in self.children}

    @cached_property
    def carer_index(self) -> dict[str, int]:
        return {h.id: i for i, h in enumerate(self.carers)}

    @cached_property
    def siblings(self) -> SiblingRelations:
        return SiblingRelations(self.sibling_groups)

    @cached_property
    def derived(self) -> dict[str, object]:
        """What other modules build from this problem alone and keep with it (the
        matching context of `matching.ranking.context_for`), so that a caller who passes
        only the problem pays for it once. Nothing kept can go stale: the fields cannot
        be reassigned and the children and carers are frozen values, so a changed
        problem is a new Problem, with nothing kept."""
        return {}

    def __getstate__(self) -> dict[str, object]:
        """Pickled and copied without what is kept in `derived`: rebuilt where it is
        needed, not shipped to each process a solve is sent to."""
        state = dict(self.__dict__)
        state.pop("derived", None)
        return state


@dataclass(frozen=True, slots=True)
class ProblemIssue:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ProblemInvalid(ValueError):
    """The document is not a valid problem; `issues` lists every fault with its path."""

    def __init__(self, issues: list[ProblemIssue]) -> None:
        self.issues = issues
        head = f"{len(issues)} problem(s) in the matching problem"
        super().__init__(head + ":\n" + "\n".join(f"  {i}" for i in issues))


@lru_cache(maxsize=2)
def schema(name: str = "problem") -> dict[str, Any]:
    """The published JSON Schema (matching/schema/<name>.schema.json)."""
    text = resources.files("matching").joinpath(f"schema/{name}.schema.json").read_text("utf-8")
    published: dict[str, Any] = json.loads(text)
    return published


@lru_cache(maxsize=2)
def _validator(name: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        schema(name), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@lru_cache(maxsize=2)
def _quick_check(name: str) -> QuickCheck:
    return QuickCheck(schema(name))


def _json_path(parts: Any) -> str:
    path = "$"
    for p in parts:
        path += f"[{p}]" if isinstance(p, int) else f".{p}"
    return path


def schema_message(err: jsonschema.ValidationError) -> str:
    """A JSON Schema error in words a data officer can act on (shared with the store)."""
    subschema, instance = err.schema, err.instance  # jsonschema types both as maybe Unset
    if (
        err.validator == "additionalProperties"
        and isinstance(subschema, Mapping)
        and isinstance(instance, Mapping)
    ):
        extra = sorted(set(instance) - set(subschema.get("properties", {})))
        return f"unknown field(s): {', '.join(extra)}"
    if err.validator == "enum" and isinstance(err.validator_value, list):
        allowed = ", ".join(map(str, err.validator_value))
        return f"{err.instance!r} is not allowed here (expected one of: {allowed})"
    if err.validator == "required":
        return err.message.replace("is a required property", "is required")
    return err.message


def schema_issues(
    doc: Any, name: str = "problem", *, from_json: bool = False
) -> list[ProblemIssue]:
    """Every JSON Schema violation in `doc`, deepest path first within each branch.

    A valid document is recognised quickly (`matching.schema_check`); the full report
    runs only when there may be something to report. `from_json` says `doc` is what
    `json.loads` made, which makes that recognition quicker still.
    """
    if _quick_check(name).passes(doc, plain=from_json):
        return []
    return full_schema_report(doc, name)


def full_schema_report(doc: Any, name: str = "problem") -> list[ProblemIssue]:
    """jsonschema's report of `doc`, whatever the quick check would say: the words and
    the order every fault is reported in."""
    errors = sorted(
        _validator(name).iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))
    )
    return [ProblemIssue(_json_path(e.absolute_path), schema_message(e)) for e in errors]


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector held off while a document becomes objects, then set
    back as it was.

    Reading a problem of 30,000 households makes over a million objects, none of them
    garbage until it is done; each full collection meanwhile walks every live object (the
    caller's too) to find nothing, which cost over a second of a two-second load. Other
    threads see the collector paused for as long (they still free what they drop; only
    reference cycles wait).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@collector_paused()
def parse_problem(
    doc: Mapping[str, Any],
    gaz: Gazetteer | None = None,
    *,
    generated: bool = False,
    from_json: bool = False,
) -> Problem:
    """Validate a problem document (schema and cross-references) and build typed values.

    Raises ProblemInvalid listing every fault found. `generated` skips the JSON Schema
    pass for documents the product's own generators wrote; cross-references are still
    checked. `from_json` says `doc` is what `json.loads` made (see `schema_issues`).
    """
    gaz = gaz or gazetteer()
    found = [] if generated else schema_issues(doc, from_json=from_json)
    if found:
        # Also report the faults the schema cannot see (unknown outcodes, duplicate ids,
        # sibling groups), so a person fixes the file in one pass. Best effort: a value
        # of the wrong shape, already reported, may stop these checks part-way.
        more: list[ProblemIssue] = []
        with contextlib.suppress(KeyError, TypeError, ValueError, AttributeError, IndexError):
            _build(doc, gaz, more)
        flagged = {i.path for i in found}
        raise ProblemInvalid(found + [i for i in more if i.path not in flagged])
    issues: list[ProblemIssue] = []
    problem = _build(doc, gaz, issues)
    if issues:
        raise ProblemInvalid(issues)
    return problem


class _Reader:
    """Reads a document's values, noting each fault with its JSON path and carrying on
    (an unknown outcode is kept as written, a bad date read as `date.min`), so that one
    pass finds every fault."""

    def __init__(self, gaz: Gazetteer, issues: list[ProblemIssue]) -> None:
        self.gaz = gaz
        self.issues = issues

    def fault(self, path: str, message: str) -> None:
        self.issues.append(ProblemIssue(path, message))

    def outcode(self, value: str, path: str, who: str) -> str:
        try:
            return self.gaz.resolve(value)
        except UnknownOutcode as exc:
            self.fault(path, f"{who}: {exc}")
            return value

    def day(self, value: str, path: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fault(path, f"{value!r} is not a date (YYYY-MM-DD)")
            return date.min

    def duplicate(self, seen: dict[str, int], record_id: str, i: int, kind: str, at: str) -> None:
        """Note a repeated id (`at` is the list's path, e.g. `$.children`); the first
        occurrence is the one later repeats point to."""
        if record_id in seen:
            self.fault(
                f"{at}[{i}].id", f"duplicate {kind} id {record_id!r} (also {at}[{seen[record_id]}])"
            )
        seen.setdefault(record_id, i)


def _build(doc: Mapping[str, Any], gaz: Gazetteer, issues: list[ProblemIssue]) -> Problem:
    """Typed values from a document, appending every cross-reference fault to `issues`
    (in document order: dates, children, carers, references between them, sibling
    groups)."""
    read = _Reader(gaz, issues)
    as_of = read.day(doc["as_of"], "$.as_of")
    policy = _policy(doc.get("policy", {}))
    seen: dict[str, int] = {}
    children = [_child(c, i, read, seen) for i, c in enumerate(doc["children"])]
    seen_carer: dict[str, int] = {}
    carers = [_carer(h, i, read, seen_carer) for i, h in enumerate(doc["carers"])]
    _check_references(doc["children"], children, carers, read)
    groups = _sibling_groups(doc.get("sibling_groups", []), children, read)
    return Problem(as_of, policy, tuple(children), groups, tuple(carers))


def _policy(pol: Mapping[str, Any]) -> Policy:
    """The policy, each value the document leaves out taken from the defaults."""
    return Policy(
        max_distance_km=DEFAULT_MAX_DISTANCE_KM | pol.get("max_distance_km", {}),
        time_limit_s=float(pol.get("time_limit_s", 10.0)),
        school_travel_km=float(pol.get("school_travel_km", 16.0)),
        weights=DEFAULT_WEIGHTS | pol.get("weights", {}),
        seed=int(pol.get("seed", 0)),
        wait_for_better=bool(pol.get("wait_for_better", False)),
        wait_margin=float(pol.get("wait_margin", WAIT_MARGIN)),
    )


def _child(c: Mapping[str, Any], i: int, read: _Reader, seen: dict[str, int]) -> Child:
    """One child of `$.children`, with the faults only the whole record shows (a
    repeated id, a school to keep but none given, adoption details the plan rules out)."""
    p = f"$.children[{i}]"
    who = f"child {c['id']}"
    read.duplicate(seen, c["id"], i, "child", "$.children")
    avoid = tuple(
        read.outcode(a, f"{p}.avoid[{k}]", who) if _looks_like_outcode(a) else a
        for k, a in enumerate(c.get("avoid", []))
    )
    wishes = c.get("wishes", {})
    school = c.get("school")
    if c.get("school_must_stay") and not school:
        read.fault(f"{p}.school", f"{who}: school_must_stay is true but no school is given")
    adoption = None
    if "adoption" in c:
        if "adoption" not in c["accepts"]:
            read.fault(f"{p}.adoption", f"{who}: adoption details but the plan does not accept it")
        adoption = _adoption_plan(c["adoption"], f"{p}.adoption", read.day)
        for need in sorted(set(adoption.need_levels) - set(c.get("needs", []))):
            read.fault(
                f"{p}.adoption.need_levels.{need}",
                f"{who}: a level for {need!r}, which is not among the child's needs",
            )
    return Child(
        id=c["id"],
        la=c["la"],
        age=c["age"],
        sex=c["sex"],
        home=read.outcode(c["home"], f"{p}.home", who),
        accepts=tuple(c["accepts"]),
        urgency=c["urgency"],
        needed_by=read.day(c["needed_by"], f"{p}.needed_by"),
        ethnicity=c.get("ethnicity", "NOBT"),
        religion=c.get("religion", "none"),
        languages=tuple(c.get("languages", ["en"])),
        school=read.outcode(school, f"{p}.school", who) if school else None,
        school_must_stay=bool(c.get("school_must_stay", False)),
        avoid=avoid,
        needs=frozenset(c.get("needs", [])),
        flags=frozenset(c.get("flags", [])),
        max_distance_km=c.get("max_distance_km"),
        siblings_placed_with=tuple(c.get("siblings_placed_with", [])),
        wishes=Wishes(
            areas=tuple(
                read.outcode(a, f"{p}.wishes.areas[{k}]", who)
                for k, a in enumerate(wishes.get("areas", []))
            ),
            carers=tuple(wishes.get("carers", [])),
        ),
        adoption=adoption,
    )


def _carer(h: Mapping[str, Any], i: int, read: _Reader, seen: dict[str, int]) -> Household:
    """One household of `$.carers`, with the faults only the whole record shows (a
    repeated id, an age range upside down, details that belong to another kind)."""
    p = f"$.carers[{i}]"
    who = f"carer {h['id']}"
    read.duplicate(seen, h["id"], i, "carer", "$.carers")
    if h["min_age"] > h["max_age"]:
        read.fault(f"{p}.min_age", f"{who}: min_age {h['min_age']} is above max_age {h['max_age']}")
    if h["kind"] != "kinship" and h.get("connected_children"):
        read.fault(f"{p}.connected_children", f"{who}: only kinship carers have connected children")
    adopter = None
    if "adopter" in h:
        if h["kind"] != "adoption":
            read.fault(f"{p}.adopter", f"{who}: adopter details on a carer of kind {h['kind']!r}")
        adopter = _adopter_approval(h["adopter"], f"{p}.adopter", read.day)
    return Household(
        id=h["id"],
        la=h["la"],
        kind=h["kind"],
        provider=h["provider"],
        location=read.outcode(h["location"], f"{p}.location", who),
        min_age=h["min_age"],
        max_age=h["max_age"],
        vacancies=h["vacancies"],
        available_from=read.day(h["available_from"], f"{p}.available_from"),
        weekly_cost=float(h["weekly_cost"]),
        sexes=frozenset(h.get("sexes", [])),
        skills=frozenset(h.get("skills", [])),
        languages=tuple(h.get("languages", ["en"])),
        ethnicity=h.get("ethnicity", "NOBT"),
        religion=h.get("religion", "none"),
        household_children_ages=tuple(h.get("household_children_ages", [])),
        smoker=bool(h.get("smoker", False)),
        pets=bool(h.get("pets", False)),
        wheelchair_access=bool(h.get("wheelchair_access", False)),
        years_experience=float(h.get("years_experience", 0)),
        connected_children=tuple(h.get("connected_children", [])),
        adopter=adopter,
        expected_places=_expected_places(
            h.get("expected_places", []), f"{p}.expected_places", read
        ),
    )


def _expected_places(
    docs: Sequence[Mapping[str, Any]], path: str, read: _Reader
) -> tuple[ExpectedPlaces, ...]:
    """A household's expected places, each date read at its own path."""
    return tuple(
        ExpectedPlaces(
            day=read.day(e["from"], f"{path}[{k}].from"), places=int(e["places"]), why=e["why"]
        )
        for k, e in enumerate(docs)
    )


def _check_references(
    docs: Sequence[Mapping[str, Any]],
    children: Sequence[Child],
    carers: Sequence[Household],
    read: _Reader,
) -> None:
    """What a child's record names elsewhere: places to avoid (an outcode or a known LA),
    and the carer households of `siblings_placed_with` and of the child's wishes."""
    known_las = set(read.gaz.area) | {c.la for c in children} | {h.la for h in carers}
    carer_ids = {h.id for h in carers}
    for i, c in enumerate(docs):
        for k, place in enumerate(c.get("avoid", [])):
            if not _looks_like_outcode(place) and place not in known_las:
                read.fault(
                    f"$.children[{i}].avoid[{k}]",
                    f"child {c['id']}: {place!r} is neither a UK outcode nor a known LA name",
                )
        for k, cid in enumerate(c.get("siblings_placed_with", [])):
            if cid not in carer_ids:
                read.fault(
                    f"$.children[{i}].siblings_placed_with[{k}]",
                    f"no carer household {cid!r}: this field lists the households where "
                    "a brother or sister already lives (their ids are in sibling groups)",
                )
        for k, cid in enumerate(c.get("wishes", {}).get("carers", [])):
            if cid not in carer_ids:
                read.fault(f"$.children[{i}].wishes.carers[{k}]", f"unknown carer {cid!r}")


def _sibling_groups(
    docs: Sequence[Mapping[str, Any]], children: Sequence[Child], read: _Reader
) -> tuple[SiblingGroup, ...]:
    """The sibling groups, each fault `SiblingRelations` finds at its group or member."""
    groups = tuple(
        SiblingGroup(id=g["id"], children=tuple(g["children"]), policy=g["policy"]) for g in docs
    )
    by_id = {c.id: c for c in children}
    for err in SiblingRelations.check(list(groups), by_id):
        path = f"$.sibling_groups[{err.group_index}]"
        path += f".children[{err.member_index}]" if err.member_index is not None else ""
        read.fault(path, err.message)
    return groups


def _adoption_plan(doc: Mapping[str, Any], path: str, day: ReadDay) -> AdoptionPlan:
    order = doc.get("placement_order_date")
    return AdoptionPlan(
        waiting_since=day(doc["waiting_since"], f"{path}.waiting_since"),
        placement_order_date=day(order, f"{path}.placement_order_date") if order else None,
        early_permanence=bool(doc.get("early_permanence", False)),
        uncertainties=frozenset(doc.get("uncertainties", [])),
        contact=frozenset(doc.get("contact", [])),
        notes=doc.get("notes", ""),
        ruled_out=frozenset(doc.get("ruled_out", [])),
        min_distance_km=doc.get("min_distance_km"),
        need_levels=dict(doc.get("need_levels", {})),
    )


def _adopter_approval(doc: Mapping[str, Any], path: str, day: ReadDay) -> AdopterApproval:
    return AdopterApproval(
        approved_on=day(doc["approved_on"], f"{path}.approved_on"),
        agency=doc.get("agency", ""),
        region=doc.get("region", ""),
        early_permanence=bool(doc.get("early_permanence", False)),
        uncertainties=frozenset(doc.get("uncertainties", [])),
        contact=frozenset(doc.get("contact", [])),
        needs=dict(doc.get("needs", {})),
    )


def adoption_plan_to_dict(a: AdoptionPlan) -> dict[str, Any]:
    order = a.placement_order_date
    return {
        "waiting_since": a.waiting_since.isoformat(),
        "placement_order_date": order.isoformat() if order else None,
        "early_permanence": a.early_permanence,
        "uncertainties": sorted(a.uncertainties),
        "contact": sorted(a.contact),
        "notes": a.notes,
        "ruled_out": sorted(a.ruled_out),
        "min_distance_km": a.min_distance_km,
        "need_levels": dict(sorted(a.need_levels.items())),
    }


def adopter_approval_to_dict(a: AdopterApproval) -> dict[str, Any]:
    return {
        "approved_on": a.approved_on.isoformat(),
        "agency": a.agency,
        "region": a.region,
        "early_permanence": a.early_permanence,
        "uncertainties": sorted(a.uncertainties),
        "contact": sorted(a.contact),
        "needs": dict(sorted(a.needs.items())),
    }


def _looks_like_outcode(text: str) -> bool:
    """`avoid` mixes outcodes and LA names: anything that parses as a postcode is one."""
    try:
        outcode_of(text)
    except UnknownOutcode:
        return False
    return True


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The problem back in the public format (for generators, exports and replays)."""
    p = problem.policy
    return {
        "as_of": problem.as_of.isoformat(),
        "policy": {
            "max_distance_km": dict(p.max_distance_km),
            "time_limit_s": p.time_limit_s,
            "school_travel_km": p.school_travel_km,
            "weights": dict(p.weights),
            "seed": p.seed,
            **_wait_policy(p),
        },
        "children": [child_to_dict(c) for c in problem.children],
        "sibling_groups": [
            {"id": g.id, "children": list(g.children), "policy": g.policy}
            for g in problem.sibling_groups
        ],
        "carers": [carer_to_dict(h) for h in problem.carers],
    }


def _wait_policy(p: Policy) -> dict[str, Any]:
    """The wait policy's fields, written only when they differ from the defaults, so a
    document that never asked for it reads back as it was written."""
    out: dict[str, Any] = {}
    if p.wait_for_better:
        out["wait_for_better"] = True
    if p.wait_margin != WAIT_MARGIN:
        out["wait_margin"] = p.wait_margin
    return out


def child_to_dict(c: Child) -> dict[str, Any]:
    """A child in the public problem format."""
    out: dict[str, Any] = {
        "id": c.id,
        "la": c.la,
        "age": c.age,
        "sex": c.sex,
        "ethnicity": c.ethnicity,
        "religion": c.religion,
        "languages": list(c.languages),
        "home": c.home,
        "school": c.school,
        "school_must_stay": c.school_must_stay,
        "avoid": list(c.avoid),
        "accepts": list(c.accepts),
        "needs": sorted(c.needs),
        "flags": sorted(c.flags),
        "urgency": c.urgency,
        "needed_by": c.needed_by.isoformat(),
        "max_distance_km": c.max_distance_km,
        "siblings_placed_with": list(c.siblings_placed_with),
        "wishes": {"areas": list(c.wishes.areas), "carers": list(c.wishes.carers)},
    }
    if c.adoption is not None:
        out["adoption"] = adoption_plan_to_dict(c.adoption)
    return out


def carer_to_dict(h: Household) -> dict[str, Any]:
    """A carer household in the public problem format."""
    out: dict[str, Any] = {
        "id": h.id,
        "la": h.la,
        "kind": h.kind,
        "provider": h.provider,
        "location": h.location,
        "min_age": h.min_age,
        "max_age": h.max_age,
        "sexes": sorted(h.sexes),
        "vacancies": h.vacancies,
        "available_from": h.available_from.isoformat(),
        "skills": sorted(h.skills),
        "languages": list(h.languages),
        "ethnicity": h.ethnicity,
        "religion": h.religion,
        "household_children_ages": list(h.household_children_ages),
        "smoker": h.smoker,
        "pets": h.pets,
        "wheelchair_access": h.wheelchair_access,
        "years_experience": h.years_experience,
        "weekly_cost": h.weekly_cost,
        "connected_children": list(h.connected_children),
        "expected_places": [
            {"from": e.day.isoformat(), "places": e.places, "why": e.why} for e in h.expected_places
        ],
    }
    if h.adopter is not None:
        out["adopter"] = adopter_approval_to_dict(h.adopter)
    return out


assert set(DEFAULT_MAX_DISTANCE_KM) == set(KINDS)
