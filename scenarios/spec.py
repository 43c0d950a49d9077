"""Scenario specs: what a sufficiency planner changes, written as YAML.

A scenario names a starting population (a generated region), a horizon, demand, supply
changes and policy changes. It can inherit from a base scenario (`base: other.yaml`,
relative to its own file) and change only what differs: mappings merge key by key,
anything else (numbers, lists) replaces. Every fault is reported with its path
("demand.age_multiplier.0-4: expected a number, got 'lots'") before anything runs.

Defaults come from the national figures (figures §1.1, §1.10, §1.12):
- referrals: children starting care per year = 0.395 × children looked after (32,270
  starts in 2024-25 against 81,770 looked after);
- carer households leaving 11% a year and joining 9.5% a year (4,820 deregistered and
  4,055 approved against 42,615 fostering households, 2023-24);
- emergency fallback: an out-of-area children's home at £6,108 a week (County Councils
  Network, 2024).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from geo import UnknownOutcode, gazetteer
from matching.better_soon import WAIT_MARGIN
from matching.problem import DEFAULT_WEIGHTS
from scenarios.calibration import WARMUP_WEEKS, WORSE_MATCH_BREAKDOWN
from synth.region import WEST_YORKSHIRE
from vocab import KINDS, NEEDS

STARTS_PER_CHILD_LOOKED_AFTER = 32_270 / 81_770
CARERS_LEAVING_PER_YEAR = 4_820 / 42_615
CARERS_JOINING_PER_YEAR = 4_055 / 42_615
FALLBACK_WEEKLY_COST = 6_108.0
AGE_BANDS: tuple[str, ...] = ("0", "1-4", "5-9", "10-15", "16-17")
MATCHING_MODES: tuple[str, ...] = ("weekly", "on_arrival")
URGENCY_NAMES: tuple[str, ...] = ("emergency", "urgent", "planned")


class ScenarioInvalid(ValueError):
    """A scenario file with faults; `issues` lists each as (path, message)."""

    def __init__(self, source: str, issues: list[tuple[str, str]]) -> None:
        self.source = source
        self.issues = issues
        lines = "\n".join(f"  {p}: {m}" for p, m in issues)
        super().__init__(f"{source}: {len(issues)} problem(s) in the scenario:\n{lines}")


@dataclass(frozen=True)
class Recruit:
    """N new households of a profile in an LA (optionally near one outcode) from a week."""

    week: int
    count: int
    la: str
    kind: str = "foster"
    min_age: int = 0
    max_age: int = 17
    places: int = 1
    skills: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()  # outcodes to recruit in; empty: anywhere in the LA
    weekly_cost: float = 550.0
    #: Approved for a sibling group and kept for one (a single child is not placed
    #: there), as the region's own sibling-approved foster carers are.
    for_siblings: bool = False


@dataclass(frozen=True)
class Close:
    """Households of a kind in an LA stop taking children from a week; the children
    living there need new homes (a children's home closing)."""

    week: int
    kind: str = "residential"
    la: str | None = None
    count: int = 1


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str = ""
    seed: int = 0
    replications: int = 20
    horizon_weeks: int = 52
    las: tuple[str, ...] = WEST_YORKSHIRE
    children: int = 5_000  # children looked after at the start
    households: int = 2_000
    #: Children living in the region's own homes at the start, by kind (a 903
    #: baseline: scenarios/from_903.py); kinds not given are drawn (scenarios/calibration.py).
    placed: Mapping[str, int] = field(default_factory=dict)
    referrals_per_year: float | None = None  # default: starts per child looked after
    age_multiplier: Mapping[str, float] = field(default_factory=dict)
    need_multiplier: Mapping[str, float] = field(default_factory=dict)
    sibling_multiplier: float = 1.0
    recruit: tuple[Recruit, ...] = ()
    close: tuple[Close, ...] = ()
    carers_leaving_per_year: float = CARERS_LEAVING_PER_YEAR
    carers_joining_per_year: float = CARERS_JOINING_PER_YEAR
    max_distance_km: Mapping[str, float] = field(default_factory=dict)
    weights: Mapping[str, float] = field(default_factory=dict)
    matching: str = "weekly"
    solver_seconds: float = 2.0
    #: The product's wait policy (matching.wait): planned referrals whose best match now
    #: is poor wait for a clearly better home expected before their date needed (weekly
    #: matching only; officers place as they always have).
    wait_for_better: bool = False
    wait_margin: float = WAIT_MARGIN
    fallback_after_weeks: Mapping[str, int] = field(
        default_factory=lambda: {"emergency": 0, "urgent": 2, "planned": 6}
    )
    fallback_weekly_cost: float = FALLBACK_WEEKLY_COST
    #: Weeks the region runs as it is today before the measured horizon (the same
    #: warm-up for every scenario with this population and seed).
    warmup_weeks: int = WARMUP_WEEKS
    #: How much each way a match is worse raises its breakdown hazard (0: no effect).
    breakdown_worse_match: float = WORSE_MATCH_BREAKDOWN
    source: str = ""

    @property
    def yearly_referrals(self) -> float:
        if self.referrals_per_year is not None:
            return self.referrals_per_year
        return STARTS_PER_CHILD_LOOKED_AFTER * self.children

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["las"] = list(self.las)
        out["placed"] = dict(self.placed)
        return out


def load_scenario(path: str | Path) -> Scenario:
    """A validated Scenario from a YAML file (its base files merged first)."""
    path = Path(path)
    merged = _merged(path, [])
    return parse_scenario(merged, source=str(path))


EXAMPLES = Path(__file__).parent / "examples"


def scenario_document(path: str | Path) -> dict[str, Any]:
    """A scenario file as a document with its bases merged, not yet checked (to build
    another scenario on)."""
    return _merged(Path(path), [])


def load_scenario_text(
    text: str, source: str = "<scenario>", base_dir: Path = EXAMPLES
) -> Scenario:
    """A validated Scenario from YAML text (an upload); `base:` names a file in
    `base_dir` (by default the shipped examples)."""
    doc = _parse_yaml(text, source)
    base = doc.pop("base", None)
    if base is not None:
        if not isinstance(base, str) or any(ch in base for ch in "/\\\0") or base.startswith("."):
            raise ScenarioInvalid(source, [("base", "expected the file name of an example")])
        doc = _merge(_merged(base_dir / base, []), doc)
    return parse_scenario(doc, source=source)


#: Scenario files are small; anything bigger is refused before parsing.
MAX_YAML_CHARS = 200_000


class _PlainLoader(yaml.SafeLoader):
    """Safe YAML without anchors and aliases: a scenario never needs them, and aliases
    nested in aliases blow a few lines up into gigabytes (a "billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            # types-PyYAML leaves Parser.peek_event unannotated; it returns the alias event.
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not allowed in a scenario", event.start_mark
            )
        return super().compose_node(parent, index)


def _parse_yaml(text: str, source: str) -> dict[str, Any]:
    if len(text) > MAX_YAML_CHARS:
        raise ScenarioInvalid(source, [("$", f"longer than {MAX_YAML_CHARS:,} characters")])
    try:
        doc = yaml.load(text, Loader=_PlainLoader)  # noqa: S506 - a SafeLoader subclass
    except RecursionError as exc:
        raise ScenarioInvalid(source, [("$", "nested too deeply")]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None)
        why = f": {problem}" if problem and "alias" in problem else ""
        raise ScenarioInvalid(source, [("$", f"not valid YAML{where}{why}")]) from exc
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise ScenarioInvalid(source, [("$", "a scenario is a mapping of fields")])
    return doc


def _merged(path: Path, seen: list[Path]) -> dict[str, Any]:
    here = path.resolve()
    if here in seen:
        chain = " -> ".join(str(p.name) for p in [*seen, here])
        raise ScenarioInvalid(str(path), [("base", f"bases form a loop: {chain}")])
    try:
        text = path.read_text("utf-8")
    except (OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise ScenarioInvalid(str(path), [("$", f"cannot read: {why}")]) from exc
    doc = _parse_yaml(text, str(path))
    base = doc.pop("base", None)
    if base is None:
        return doc
    if not isinstance(base, str):
        raise ScenarioInvalid(str(path), [("base", "expected a file name")])
    parent = _merged(path.parent / base, [*seen, here])
    return _merge(parent, doc)


def with_changes(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """`base` (a whole document) with `change` merged in as `base:` merges a file's
    changes: mappings key by key, anything else replaced."""
    return _merge(base, change)


def _merge(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


class _Reader:
    """Reads typed values out of a document, collecting every fault with its path."""

    def __init__(self) -> None:
        self.issues: list[tuple[str, str]] = []

    def fail(self, path: str, message: str) -> None:
        self.issues.append((path, message))

    def number(
        self,
        doc: Mapping[str, Any],
        key: str,
        path: str,
        lo: float,
        hi: float,
        default: Any,
        integer: bool = False,
    ) -> Any:
        if key not in doc:
            return default
        value = doc[key]
        kind = "a whole number" if integer else "a number"
        ok = isinstance(value, int) if integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok:
            self.fail(path, f"expected {kind}, got {value!r}")
            return default
        if not lo <= value <= hi:
            self.fail(path, f"{value} is out of range ({lo:g} to {hi:g})")
            return default
        return value

    def flag(self, doc: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
        if key not in doc:
            return default
        value = doc[key]
        if not isinstance(value, bool):
            self.fail(path, f"expected true or false, got {value!r}")
            return default
        return value

    def text(
        self,
        doc: Mapping[str, Any],
        key: str,
        path: str,
        default: Any,
        choices: tuple[str, ...] | None = None,
    ) -> Any:
        if key not in doc:
            return default
        value = doc[key]
        if not isinstance(value, str) or not value:
            self.fail(path, f"expected text, got {value!r}")
            return default
        if choices is not None and value not in choices:
            self.fail(path, f"{value!r} is not one of: {', '.join(choices)}")
            return default
        return value

    def mapping(self, doc: Mapping[str, Any], key: str, path: str) -> dict[str, Any]:
        value = doc.get(key, {})
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping, got {value!r}")
            return {}
        return value

    def unknown(self, doc: Mapping[str, Any], known: set[str], path: str) -> None:
        for key in sorted(set(doc) - known, key=str):
            where = f"{path}.{key}" if path else str(key)
            self.fail(where, f"unknown field (expected one of: {', '.join(sorted(known))})")

    def numbers(
        self, doc: Mapping[str, Any], path: str, keys: tuple[str, ...], lo: float, hi: float
    ) -> dict[str, float]:
        """A mapping of known keys to numbers in range (multipliers, limits, weights)."""
        out = {}
        for key in doc:
            if key not in keys:
                self.fail(f"{path}.{key}", f"{key!r} is not one of: {', '.join(keys)}")
                continue
            value = self.number(doc, key, f"{path}.{key}", lo, hi, None)
            if value is not None:
                out[key] = value
        return out


TOP = {
    "name",
    "description",
    "seed",
    "replications",
    "horizon_weeks",
    "population",
    "demand",
    "supply",
    "policy",
    "matching",
    "fallback",
    "warmup_weeks",
    "breakdown_worse_match",
}


def parse_scenario(doc: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """A Scenario from a (merged) document; ScenarioInvalid lists every fault.

    The fields are read in a fixed order (the sections and unknown keys first, then each
    value), so the faults are always listed in the same order."""
    r = _Reader()
    r.unknown(doc, TOP, "")
    name = r.text(doc, "name", "name", None)
    if name is None and "name" not in doc:
        r.fail("name", "is required")
    part = _sections(r, doc)
    horizon = r.number(doc, "horizon_weeks", "horizon_weeks", 1, 520, 52, integer=True)
    after_weeks = _fallback_after_weeks(r, part.fallback)
    distances = r.mapping(part.policy, "max_distance_km", "policy.max_distance_km")
    pop, demand, supply, policy = part.population, part.demand, part.supply, part.policy
    scenario = Scenario(
        name=name or "unnamed",
        description=r.text(doc, "description", "description", ""),
        seed=r.number(doc, "seed", "seed", 0, 2**31 - 1, 0, integer=True),
        replications=r.number(doc, "replications", "replications", 1, 1000, 20, integer=True),
        horizon_weeks=horizon,
        las=tuple(part.las),
        children=r.number(pop, "children", "population.children", 10, 200_000, 5000, integer=True),
        households=r.number(
            pop, "households", "population.households", 5, 100_000, 2000, integer=True
        ),
        placed=_placed(r, r.mapping(pop, "placed", "population.placed")),
        referrals_per_year=_referrals_per_year(r, demand),
        age_multiplier=_multipliers(r, demand, "age_multiplier", AGE_BANDS),
        need_multiplier=_multipliers(r, demand, "need_multiplier", NEEDS),
        sibling_multiplier=r.number(
            demand, "sibling_multiplier", "demand.sibling_multiplier", 0, 10, 1.0
        ),
        recruit=tuple(_recruits(r, supply.get("recruit", []), horizon)),
        close=tuple(_closes(r, supply.get("close", []), horizon)),
        carers_leaving_per_year=_yearly_share(
            r, supply, "carers_leaving_per_year", CARERS_LEAVING_PER_YEAR
        ),
        carers_joining_per_year=_yearly_share(
            r, supply, "carers_joining_per_year", CARERS_JOINING_PER_YEAR
        ),
        max_distance_km=r.numbers(distances, "policy.max_distance_km", KINDS, 1, 1000),
        weights=r.numbers(
            r.mapping(policy, "weights", "policy.weights"),
            "policy.weights",
            tuple(DEFAULT_WEIGHTS),
            0,
            1000,
        ),
        matching=r.text(doc, "matching", "matching", "weekly", MATCHING_MODES),
        solver_seconds=r.number(policy, "solver_seconds", "policy.solver_seconds", 0.1, 600, 2.0),
        wait_for_better=r.flag(policy, "wait_for_better", "policy.wait_for_better", False),
        wait_margin=r.number(policy, "wait_margin", "policy.wait_margin", 0, 100, WAIT_MARGIN),
        fallback_after_weeks=after_weeks,
        fallback_weekly_cost=r.number(
            part.fallback, "weekly_cost", "fallback.weekly_cost", 0, 100_000, FALLBACK_WEEKLY_COST
        ),
        warmup_weeks=r.number(
            doc, "warmup_weeks", "warmup_weeks", 0, 260, WARMUP_WEEKS, integer=True
        ),
        breakdown_worse_match=r.number(
            doc, "breakdown_worse_match", "breakdown_worse_match", 0, 10, WORSE_MATCH_BREAKDOWN
        ),
        source=source,
    )
    if r.issues:
        raise ScenarioInvalid(source, r.issues)
    return scenario


@dataclass(frozen=True)
class _Sections:
    """A scenario document's sections (each {} when absent), and its population's LAs."""

    population: dict[str, Any]
    las: list[str]
    demand: dict[str, Any]
    supply: dict[str, Any]
    policy: dict[str, Any]
    fallback: dict[str, Any]


def _sections(r: _Reader, doc: Mapping[str, Any]) -> _Sections:
    """Each section as a mapping, its unknown keys reported; the LAs checked."""
    pop = r.mapping(doc, "population", "population")
    r.unknown(pop, {"las", "children", "households", "placed"}, "population")
    las = _population_las(r, pop)
    demand = r.mapping(doc, "demand", "demand")
    r.unknown(
        demand,
        {"referrals_per_year", "age_multiplier", "need_multiplier", "sibling_multiplier"},
        "demand",
    )
    supply = r.mapping(doc, "supply", "supply")
    r.unknown(
        supply, {"recruit", "close", "carers_leaving_per_year", "carers_joining_per_year"}, "supply"
    )
    policy = r.mapping(doc, "policy", "policy")
    r.unknown(
        policy,
        {"max_distance_km", "weights", "solver_seconds", "wait_for_better", "wait_margin"},
        "policy",
    )
    fallback = r.mapping(doc, "fallback", "fallback")
    r.unknown(fallback, {"after_weeks", "weekly_cost"}, "fallback")
    return _Sections(pop, las, demand, supply, policy, fallback)


def _population_las(r: _Reader, pop: Mapping[str, Any]) -> list[str]:
    """The LAs simulated (default West Yorkshire's), each an area of the gazetteer."""
    las = pop.get("las", list(WEST_YORKSHIRE))
    if not (isinstance(las, list) and las and all(isinstance(x, str) for x in las)):
        r.fail("population.las", "expected a list of LA names")
        las = list(WEST_YORKSHIRE)
    known_las = set(gazetteer().area)
    for k, la in enumerate(las):
        if la not in known_las:
            r.fail(f"population.las[{k}]", f"{la!r} is not an LA area in the gazetteer")
    return las


def _fallback_after_weeks(r: _Reader, fallback: Mapping[str, Any]) -> dict[str, int]:
    """Weeks unmatched, by urgency, before a child goes to the fallback placement."""
    after = r.mapping(fallback, "after_weeks", "fallback.after_weeks")
    after_weeks = {"emergency": 0, "urgent": 2, "planned": 6}
    for key in after:
        if key not in URGENCY_NAMES:
            r.fail(
                f"fallback.after_weeks.{key}", f"{key!r} is not one of: emergency, urgent, planned"
            )
        else:
            after_weeks[key] = r.number(
                after, key, f"fallback.after_weeks.{key}", 0, 52, 0, integer=True
            )
    return after_weeks


def _referrals_per_year(r: _Reader, demand: Mapping[str, Any]) -> float | None:
    """Referrals a year when given; None: the population's own rate."""
    if demand.get("referrals_per_year") is None:
        return None
    value: float | None = r.number(
        demand, "referrals_per_year", "demand.referrals_per_year", 0, 1_000_000, None
    )
    return value


def _multipliers(
    r: _Reader, demand: Mapping[str, Any], key: str, keys: tuple[str, ...]
) -> dict[str, float]:
    """A demand multiplier per age band or need (0 to 100)."""
    path = f"demand.{key}"
    return r.numbers(r.mapping(demand, key, path), path, keys, 0, 100)


def _yearly_share(r: _Reader, supply: Mapping[str, Any], key: str, default: float) -> float:
    """A share of carers a year (0 to 1): those leaving, or joining."""
    value: float = r.number(supply, key, f"supply.{key}", 0, 1, default)
    return value


#: The kinds a simulated year places with (adoption has its own rounds).
PLACED_KINDS: tuple[str, ...] = ("foster", "kinship", "residential", "supported")


def _placed(r: _Reader, doc: Mapping[str, Any]) -> dict[str, int]:
    out = {}
    for key in doc:
        if key not in PLACED_KINDS:
            r.fail(f"population.placed.{key}", f"{key!r} is not one of: {', '.join(PLACED_KINDS)}")
            continue
        value = r.number(doc, key, f"population.placed.{key}", 0, 200_000, None, integer=True)
        if value is not None:
            out[key] = value
    return out


def _items(r: _Reader, value: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
    if not isinstance(value, list):
        r.fail(path, f"expected a list, got {value!r}")
        return []
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            r.fail(f"{path}[{i}]", f"expected a mapping, got {item!r}")
            continue
        out.append((f"{path}[{i}]", item))
    return out


def _recruits(r: _Reader, value: Any, horizon: int) -> list[Recruit]:
    known = {f.name for f in dataclasses.fields(Recruit)}
    out = []
    for p, item in _items(r, value, "supply.recruit"):
        r.unknown(item, known, p)
        if "la" not in item:
            r.fail(f"{p}.la", "is required")
        skills = item.get("skills", [])
        if not isinstance(skills, list) or any(s not in NEEDS for s in skills):
            r.fail(f"{p}.skills", f"expected a list of: {', '.join(NEEDS)}")
            skills = []
        areas = item.get("areas", [])
        if not isinstance(areas, list):
            r.fail(f"{p}.areas", "expected a list of outcodes")
            areas = []
        resolved = []
        for k, a in enumerate(areas):
            try:
                resolved.append(gazetteer().resolve(str(a)))
            except UnknownOutcode as exc:
                r.fail(f"{p}.areas[{k}]", str(exc))
        la = item.get("la")
        if isinstance(la, str) and not resolved and la not in set(gazetteer().area):
            r.fail(f"{p}.la", f"{la!r} is not an LA area in the gazetteer; name one, or give areas")
        lo = r.number(item, "min_age", f"{p}.min_age", 0, 25, 0, integer=True)
        hi = r.number(item, "max_age", f"{p}.max_age", 0, 25, 17, integer=True)
        if lo > hi:
            r.fail(f"{p}.min_age", f"min_age {lo} is above max_age {hi}")
        places = r.number(item, "places", f"{p}.places", 1, 12, 1, integer=True)
        for_siblings = _for_siblings(r, item, p, places)
        out.append(
            Recruit(
                week=r.number(item, "week", f"{p}.week", 0, horizon, 0, integer=True),
                count=r.number(item, "count", f"{p}.count", 1, 10_000, 1, integer=True),
                la=r.text(item, "la", f"{p}.la", ""),
                kind=r.text(item, "kind", f"{p}.kind", "foster", KINDS),
                min_age=lo,
                max_age=hi,
                places=places,
                skills=tuple(skills),
                areas=tuple(resolved),
                weekly_cost=r.number(item, "weekly_cost", f"{p}.weekly_cost", 0, 100_000, 550.0),
                for_siblings=for_siblings,
            )
        )
    return out


def _for_siblings(r: _Reader, item: Mapping[str, Any], p: str, places: int) -> bool:
    """Whether recruits are kept for sibling groups: a yes or no, and only for homes
    with room for two (a home kept for groups with one place would never be used)."""
    value = item.get("for_siblings", False)
    if not isinstance(value, bool):
        r.fail(f"{p}.for_siblings", f"expected true or false, got {value!r}")
        return False
    if value and places < 2:
        r.fail(f"{p}.for_siblings", f"a home kept for sibling groups needs 2+ places, not {places}")
        return False
    return value


def _closes(r: _Reader, value: Any, horizon: int) -> list[Close]:
    known = {f.name for f in dataclasses.fields(Close)}
    out = []
    for p, item in _items(r, value, "supply.close"):
        r.unknown(item, known, p)
        la = item.get("la")
        if isinstance(la, str) and la not in set(gazetteer().area):
            r.fail(f"{p}.la", f"{la!r} is not an LA area in the gazetteer")
        out.append(
            Close(
                week=r.number(item, "week", f"{p}.week", 0, horizon, 0, integer=True),
                kind=r.text(item, "kind", f"{p}.kind", "residential", KINDS),
                la=r.text(item, "la", f"{p}.la", None),
                count=r.number(item, "count", f"{p}.count", 1, 10_000, 1, integer=True),
            )
        )
    return out
