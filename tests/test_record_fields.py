"""Every layer lists a record's fields as its declaration says (children/fields.py,
carers/fields.py), or this fails naming the field and the layer.

The layers: the core's dataclasses; the JSON Schema; `problem_to_dict`; the store's
tables (SQLModel metadata) and its export of stored records as a problem; the API's
create, patch and read models (found through the OpenAPI document by route, so the test
does not depend on where the models are defined); the 903 import; the generators; and
the field tables in docs/problem-format.md, which are rendered from the declaration
(`python -m tests.test_record_fields` rewrites them).

Each check is a function of what it reads, so the tests at the end feed it a copy of
one layer with a field added or dropped and show the message names both.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

import matching
import ssda903
import store
from api.app import create_app
from carers import AdopterApproval, Household
from carers.fields import ADOPTER_APPROVAL, HOUSEHOLD
from carers.fields import RECORDS as CARER_RECORDS
from children import AdoptionPlan, Child, SiblingGroup, Wishes
from children.fields import ADOPTION_PLAN, CHILD, SIBLING_GROUP, WISHES
from children.fields import RECORDS as CHILD_RECORDS
from matching.problem import problem_to_dict, schema
from store.models import metadata
from store.ssda903 import OWNED
from synth import generate_region
from synth.adoption import generate_adoption_region
from tests.conftest import carer, child, doc, group
from tests.store import conftest as store_fixtures
from vocab.fields import Json, Layer, RecordFields, markdown_table

sqlite_template = store_fixtures.sqlite_template

RECORDS: tuple[RecordFields, ...] = (*CHILD_RECORDS, *CARER_RECORDS)
DATACLASSES: dict[str, type] = {
    CHILD.record: Child,
    WISHES.record: Wishes,
    ADOPTION_PLAN.record: AdoptionPlan,
    SIBLING_GROUP.record: SiblingGroup,
    HOUSEHOLD.record: Household,
    ADOPTER_APPROVAL.record: AdopterApproval,
}
TOP: tuple[tuple[RecordFields, str], ...] = (
    (CHILD, "children"),
    (SIBLING_GROUP, "sibling_groups"),
    (HOUSEHOLD, "carers"),
)
SCHEMA_DEFS = {
    CHILD.record: "child",
    SIBLING_GROUP.record: "sibling_group",
    HOUSEHOLD.record: "carer",
}
#: Found from the package, not this file, so the test may move within tests/.
DOCS = Path(matching.__file__).resolve().parents[1] / "docs" / "problem-format.md"
BEGIN, END = "<!-- fields: begin -->", "<!-- fields: end -->"


def module_of(record: RecordFields) -> str:
    return "children/fields.py" if record in CHILD_RECORDS else "carers/fields.py"


def drift(
    record: RecordFields, layer: Layer, found: Iterable[str], where: str, also: Layer | None = None
) -> list[str]:
    """Plain sentences for each field `layer` should carry but `where` lacks, and back.
    With `also`, only the fields that layer carries too are expected (the store's export
    of a problem carries the problem fields the store holds)."""
    declared, seen = record.names(layer), set(found)
    side = f"{layer.value} (as declared in {module_of(record)})"
    return [
        f"{record.record} field `{n}` is in {side} but not in {where}"
        for n in declared
        if n not in seen and (also is None or record[n].carried_by(also))
    ] + [
        f"{record.record} field `{n}` is in {where} but not in {side}"
        for n in sorted(seen - set(declared))
    ]


# ---------------------------------------------------------------------------------
# reading each layer
# ---------------------------------------------------------------------------------


def resolve(node: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    """A schema node with its `$ref` followed (and the object branch of an anyOf)."""
    for branch in node.get("anyOf", ()):
        if "$ref" in branch or "properties" in branch:
            return resolve(branch, root)
    if "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return resolve(target, root)
    return node


def schema_nodes(
    record: RecordFields, node: Mapping[str, Any], root: Mapping[str, Any]
) -> Iterator[tuple[RecordFields, Mapping[str, Any]]]:
    """The record's schema object and each nested part's, by the declaration's parts."""
    node = resolve(node, root)
    yield record, node
    props = node.get("properties", {})
    for f in record:
        if f.parts is not None and f.name in props:
            yield from schema_nodes(f.parts, props[f.name], root)


def entry_keys(
    record: RecordFields, entries: Iterable[Mapping[str, Any]]
) -> Iterator[tuple[RecordFields, set[str]]]:
    """The keys the entries use (all of them together), and their nested parts' keys."""
    entries = list(entries)
    yield record, {k for e in entries for k in e}
    for f in record:
        nested = [e[f.name] for e in entries if isinstance(e.get(f.name), dict)]
        if f.parts is not None and nested:  # none at all: the field itself is reported
            yield from entry_keys(f.parts, nested)


def as_json(value: Any) -> Json:
    """A dataclass value as the problem format writes it."""
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, tuple):
        return [as_json(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"no JSON form for {value!r}")


# ---------------------------------------------------------------------------------
# the checks: each returns every drift it finds
# ---------------------------------------------------------------------------------


def check_dataclass(record: RecordFields, cls: type) -> list[str]:
    """The dataclass has the problem format's fields, required and defaulted alike."""
    where = f"the dataclass {cls.__name__}"
    fields = {f.name: f for f in dataclasses.fields(cls)}
    out = drift(record, Layer.PROBLEM, fields, where)
    for spec in record:
        f = fields.get(spec.name)
        if f is None or not spec.carried_by(Layer.PROBLEM):
            continue
        has_default = f.default is not dataclasses.MISSING or (
            f.default_factory is not dataclasses.MISSING
        )
        if spec.required == has_default:
            out.append(
                f"{record.record} field `{spec.name}` is "
                f"{'required' if spec.required else 'optional'} in the problem format "
                f"(as declared in {module_of(record)}) but not in {where}"
            )
        elif has_default:
            value = f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
            if as_json(value) != spec.default:
                out.append(
                    f"{record.record} field `{spec.name}` defaults to {spec.default!r} in the "
                    f"problem format (as declared in {module_of(record)}) but to "
                    f"{as_json(value)!r} in {where}"
                )
    return out


def check_schema(problem_schema: Mapping[str, Any]) -> list[str]:
    """The JSON Schema's properties and required lists, nested objects included."""
    out: list[str] = []
    for top, _ in TOP:
        node = problem_schema["$defs"][SCHEMA_DEFS[top.record]]
        for record, obj in schema_nodes(top, node, problem_schema):
            where = "the JSON schema"
            out += drift(record, Layer.PROBLEM, obj.get("properties", {}), where)
            out += check_nullable(record, obj.get("properties", {}), where)
            required = set(obj.get("required", ()))
            out += [
                f"{record.record} field `{n}` is required in the problem format (as declared "
                f"in {module_of(record)}) but not in {where}"
                for n in record.required()
                if n not in required
            ] + [
                f"{record.record} field `{n}` is required in {where} but not in the problem "
                f"format (as declared in {module_of(record)})"
                for n in sorted(required - set(record.required()))
            ]
    return out


def check_nullable(record: RecordFields, properties: Mapping[str, Any], where: str) -> list[str]:
    """A field whose declared type says `or null` is the one the schema lets be null."""
    out = []
    for name, prop in properties.items():
        if name not in record.names(Layer.PROBLEM):
            continue
        in_schema = any(b.get("type") == "null" for b in prop.get("anyOf", ()))
        declared = record[name].type.endswith("or null")
        if in_schema != declared:
            out.append(
                f"{record.record} field `{name}` is {'nullable' if declared else 'not nullable'}"
                f" in the problem format (as declared in {module_of(record)}) but "
                f"{'nullable' if in_schema else 'not nullable'} in {where}"
            )
    return out


def check_document(
    document: Mapping[str, Any], where: str, layer: Layer, also: Layer | None = None
) -> list[str]:
    """A problem document's entries use exactly the fields `layer` (and `also`) carry."""
    out: list[str] = []
    for top, part in TOP:
        for record, keys in entry_keys(top, document.get(part, [])):
            out += drift(record, layer, keys, where, also)
    return out


def check_defaults(document: Mapping[str, Any], where: str, also: Layer | None = None) -> list[str]:
    """Each optional field left out of a minimal entry comes back as its declared default
    (of the fields `also` carries, if given)."""
    out: list[str] = []
    for top, part in TOP:
        for entry in document.get(part, []):
            for record, values in _with_parts(top, entry):
                for spec in record:
                    if spec.required or not spec.carried_by(Layer.PROBLEM) or spec.parts:
                        continue
                    if also is not None and not spec.carried_by(also):
                        continue
                    if values.get(spec.name) != spec.default:
                        out.append(
                            f"{record.record} field `{spec.name}` defaults to {spec.default!r} "
                            f"in the problem format (as declared in {module_of(record)}) but "
                            f"to {values.get(spec.name)!r} in {where}"
                        )
    return out


def _with_parts(
    record: RecordFields, entry: Mapping[str, Any]
) -> Iterator[tuple[RecordFields, Mapping[str, Any]]]:
    yield record, entry
    for f in record:
        if f.parts is not None and isinstance(entry.get(f.name), dict):
            yield from _with_parts(f.parts, entry[f.name])


def check_columns(tables: Mapping[str, Iterable[str]]) -> list[str]:
    """The store's columns: each declared one exists, and the records' own tables have
    no column no field declares."""
    out: list[str] = []
    for top, _ in TOP:
        declared = set(top.columns())
        columns = {f"{t}.{c}" for t, cs in tables.items() for c in cs}
        out += [
            f"{top.record} column `{c}` is in {Layer.STORE.value} (as declared in "
            f"{module_of(top)}) but not in the SQLModel metadata"
            for c in top.columns()
            if c not in columns
        ]
        own = {f"{t}.{c}" for t in top.tables for c in tables.get(t, ())}
        out += [
            f"{top.record} column `{c}` is in the SQLModel metadata but no field of "
            f"{module_of(top)} declares it"
            for c in sorted(own - declared)
        ]
    return out


#: Each record's routes: (method, path, layer) with the request body or the answer read.
API_ROUTES: dict[str, tuple[tuple[str, str, Layer], ...]] = {
    CHILD.record: (
        ("post", "/children", Layer.API_CREATE),
        ("patch", "/children/{child_id}", Layer.API_PATCH),
        ("get", "/children/{child_id}", Layer.API_READ),
    ),
    SIBLING_GROUP.record: (
        ("post", "/sibling-groups", Layer.API_CREATE),
        ("patch", "/sibling-groups/{group_id}", Layer.API_PATCH),
        ("get", "/sibling-groups/{group_id}", Layer.API_READ),
    ),
    HOUSEHOLD.record: (
        ("post", "/carers", Layer.API_CREATE),
        ("patch", "/carers/{carer_id}", Layer.API_PATCH),
        ("get", "/carers/{carer_id}", Layer.API_READ),
    ),
}


def api_model(openapi: Mapping[str, Any], method: str, path: str, layer: Layer) -> Any:
    """The schema of a route's request body (create, patch) or its answer (read)."""
    op = openapi["paths"][path][method]
    if layer is Layer.API_READ:
        content = op["responses"]["200"]["content"]
    else:
        content = op["requestBody"]["content"]
    return content["application/json"]["schema"]


def check_api(openapi: Mapping[str, Any]) -> list[str]:
    """The API's create, patch and read models, nested objects included."""
    out: list[str] = []
    for top, _ in TOP:
        for method, path, layer in API_ROUTES[top.record]:
            where = f"the API's {method.upper()} {path}"
            model = api_model(openapi, method, path, layer)
            for record, obj in schema_nodes(top, model, openapi):
                out += drift(record, layer, obj.get("properties", {}), where)
                if layer is Layer.API_CREATE:
                    out += check_create_model(record, obj, where)
    return out


def check_create_model(record: RecordFields, model: Mapping[str, Any], where: str) -> list[str]:
    """A create model requires what the problem format requires (less the declared
    exceptions), and a default it shows is the problem format's."""
    side = f"(as declared in {module_of(record)})"
    required = set(model.get("required", ()))
    out = [
        f"{record.record} field `{n}` is required on create {side} but not in {where}"
        for n in record.required_on_create()
        if n not in required
    ] + [
        f"{record.record} field `{n}` is required in {where} but not on create {side}"
        for n in sorted(required - set(record.required_on_create()))
    ]
    for name, prop in model.get("properties", {}).items():
        if "default" in prop and name in record.names(Layer.PROBLEM):
            declared = record[name].default
            if prop["default"] != declared:
                out.append(
                    f"{record.record} field `{name}` defaults to {declared!r} in the problem "
                    f"format {side} but to {prop['default']!r} in {where}"
                )
    return out


def check_903(owned: Iterable[str], records: Iterable[Mapping[str, Any]]) -> list[str]:
    """The fields the 903 owns, and those its import writes at all."""
    declared = {f.name for f in CHILD if f.ssda903 == "owns"}
    where = "the 903 import's OWNED (store.ssda903)"
    out = [
        f"child field `{n}` is owned by the 903 (as declared in children/fields.py) but not "
        f"in {where}"
        for n in sorted(declared - set(owned))
    ] + [
        f"child field `{n}` is in {where} but not owned by the 903 (as declared in "
        "children/fields.py)"
        for n in sorted(set(owned) - declared)
    ]
    for record, written in entry_keys(CHILD, records):
        given = {f.name for f in record if f.ssda903}
        out += [
            f"{record.record} field `{n}` is written by the 903 import but not given by the "
            "903 (as declared in children/fields.py)"
            for n in sorted(written - given)
        ]
    return out


# ---------------------------------------------------------------------------------
# the layers as they are
# ---------------------------------------------------------------------------------


def full_document() -> dict[str, Any]:
    """A problem using every field: an adoption plan, an adopter, a sibling group."""
    adoption = {"waiting_since": "2026-01-05", "notes": "likes dogs"}
    children = [
        child("C1", school="LS9", wishes={"areas": ["LS12"], "carers": ["H1"]}),
        child("C2", accepts=["foster", "adoption"], adoption=adoption),
        child("C3"),
    ]
    soon = [{"from": "2026-12-10", "places": 1, "why": "placement_ends"}]
    carers = [
        carer("H1", expected_places=soon),
        carer("A1", kind="adoption", adopter={"approved_on": "2025-06-01"}),
    ]
    return doc(children, carers, [group("G1", ["C1", "C3"], "should")])


def test_the_dataclasses_carry_the_problem_formats_fields() -> None:
    assert [m for r in RECORDS for m in check_dataclass(r, DATACLASSES[r.record])] == []


def test_the_json_schema_lists_the_declared_fields() -> None:
    assert check_schema(schema()) == []


def minimal_document() -> dict[str, Any]:
    """A problem whose entries give only what is required: the rest takes its default."""
    return doc(
        [child("C1", accepts=["adoption"], adoption={"waiting_since": "2026-01-05"})],
        [carer("A1", kind="adoption", adopter={"approved_on": "2025-06-01"})],
    )


def test_problem_to_dict_writes_every_field_and_the_declared_defaults() -> None:
    written = problem_to_dict(matching.parse_problem(full_document()))
    assert check_document(written, "problem_to_dict", Layer.PROBLEM) == []
    defaults = problem_to_dict(matching.parse_problem(minimal_document()))
    assert check_defaults(defaults, "problem_to_dict of a minimal entry") == []


@pytest.fixture
def sqlite_engine(sqlite_template: Path, tmp_path: Path) -> Iterator[Engine]:
    engine = store.make_engine(store_fixtures._sqlite_url(sqlite_template, tmp_path))
    yield engine
    engine.dispose()


def test_the_store_exports_every_problem_field(sqlite_engine: Engine) -> None:
    with store.transaction(sqlite_engine) as s:
        store.load_problem(s, full_document(), by=None)
    with store.transaction(sqlite_engine, write=False) as s:
        exported = store.problem_dict(s, None, as_of=date(2026, 11, 22))
    assert check_document(exported, "the store's export", Layer.PROBLEM, Layer.STORE) == []


def test_the_store_exports_the_declared_defaults(sqlite_engine: Engine) -> None:
    with store.transaction(sqlite_engine) as s:
        store.load_problem(s, minimal_document(), by=None)
    with store.transaction(sqlite_engine, write=False) as s:
        exported = store.problem_dict(s, None, as_of=date(2026, 11, 22))
    assert check_defaults(exported, "the store's export of a minimal entry", Layer.STORE) == []


def test_the_store_tables_have_the_declared_columns() -> None:
    tables = {name: [c.name for c in t.columns] for name, t in metadata.tables.items()}
    assert check_columns(tables) == []


def test_the_api_models_carry_the_declared_fields(sqlite_engine: Engine) -> None:
    openapi = create_app(sqlite_engine, migrate=False).openapi()
    assert check_api(openapi) == []


def test_the_903_gives_the_declared_fields() -> None:
    region = generate_adoption_region(12, 4, seed=2, las=("Leeds",))
    extract = ssda903.extract_from_csv(
        {n.removesuffix(".csv"): t for n, t in ssda903.export_903(region, la="Leeds").items()}
    )
    imported = ssda903.import_extract(extract, la="Leeds", id_prefix="")
    records = [kid.child for kid in imported.children]
    assert any("adoption" in r for r in records)
    assert check_903(OWNED, records) == []


def test_the_generators_write_every_problem_field() -> None:
    region = generate_region(12, 30, seed=1, las=("Leeds",))
    adoption = generate_adoption_region(10, 6, seed=1, las=("Leeds",))
    both = {part: region[part] + adoption[part] for _, part in TOP}
    assert check_document(both, "the generators' documents", Layer.GENERATED) == []


def fields_section() -> str:
    """The docs' field tables, rendered from the declaration."""
    return "\n\n".join(f"### {r.record.capitalize()}\n\n{markdown_table(r)}" for r in RECORDS)


def docs_between_markers(text: str) -> re.Match[str]:
    match = re.search(re.escape(BEGIN) + r"\n(.*?)" + re.escape(END), text, re.S)
    assert match, f"docs/problem-format.md has no {BEGIN} ... {END} section"
    return match


def test_the_docs_field_tables_are_the_declarations() -> None:
    assert docs_between_markers(DOCS.read_text("utf-8")).group(1) == fields_section() + "\n", (
        "docs/problem-format.md's field tables differ from the declarations: "
        "run `python -m tests.test_record_fields` to rewrite them"
    )


# ---------------------------------------------------------------------------------
# each check fails, naming the field and the layer
# ---------------------------------------------------------------------------------


def test_a_dataclass_with_another_field_is_named() -> None:
    wider = dataclasses.make_dataclass(
        "Household",
        [(f.name, f.type, f) for f in dataclasses.fields(Household)]
        + [("hot_tub", bool, dataclasses.field(default=False))],
    )
    assert check_dataclass(HOUSEHOLD, wider) == [
        "household field `hot_tub` is in the dataclass Household but not in the problem "
        "format (as declared in carers/fields.py)"
    ]


def test_a_schema_field_dropped_or_made_optional_is_named() -> None:
    changed = copy.deepcopy(schema())
    del changed["$defs"]["carer"]["properties"]["wheelchair_access"]
    changed["$defs"]["adoption_plan"]["required"] = []
    assert check_schema(changed) == [
        "adoption plan field `waiting_since` is required in the problem format (as declared "
        "in children/fields.py) but not in the JSON schema",
        "household field `wheelchair_access` is in the problem format (as declared in "
        "carers/fields.py) but not in the JSON schema",
    ]


def test_a_field_the_store_export_drops_is_named() -> None:
    document = problem_to_dict(matching.parse_problem(full_document()))
    for h in document["carers"]:
        del h["wheelchair_access"]
    assert check_document(document, "the store's export", Layer.PROBLEM) == [
        "household field `wheelchair_access` is in the problem format (as declared in "
        "carers/fields.py) but not in the store's export"
    ]


def test_a_changed_default_is_named() -> None:
    document = problem_to_dict(matching.parse_problem(doc()))
    document["children"][0]["religion"] = "unknown"
    assert check_defaults(document, "problem_to_dict") == [
        "child field `religion` defaults to 'none' in the problem format (as declared in "
        "children/fields.py) but to 'unknown' in problem_to_dict"
    ]


def test_an_undeclared_column_is_named() -> None:
    tables = {name: [c.name for c in t.columns] for name, t in metadata.tables.items()}
    tables["household"] = [*tables["household"], "hot_tub"]
    tables["child"] = [c for c in tables["child"] if c != "wish_areas"]
    assert check_columns(tables) == [
        "child column `child.wish_areas` is in the store's tables (as declared in "
        "children/fields.py) but not in the SQLModel metadata",
        "household column `household.hot_tub` is in the SQLModel metadata but no field of "
        "carers/fields.py declares it",
    ]


def test_an_api_model_drifting_is_named() -> None:
    openapi = declared_openapi()
    create = api_model(openapi, "post", "/carers", Layer.API_CREATE)
    adopter = create["properties"]["adopter"]
    adopter["properties"]["hot_tub_rules"] = {}
    openapi["components"] = {"schemas": {"AdopterIn": adopter}}
    create["properties"]["adopter"] = {
        "anyOf": [{"$ref": "#/components/schemas/AdopterIn"}, {"type": "null"}]
    }
    api_model(openapi, "patch", "/carers/{carer_id}", Layer.API_PATCH)["properties"]["id"] = {}
    del api_model(openapi, "get", "/carers/{carer_id}", Layer.API_READ)["properties"]["pets"]
    assert check_api(openapi) == [
        "adopter approval field `hot_tub_rules` is in the API's POST /carers but not in the "
        "API's create model (as declared in carers/fields.py)",
        "household field `id` is in the API's PATCH /carers/{carer_id} but not in the API's "
        "patch model (as declared in carers/fields.py)",
        "household field `pets` is in the API's read model (as declared in carers/fields.py) "
        "but not in the API's GET /carers/{carer_id}",
    ]


def declared_openapi() -> dict[str, Any]:
    """An OpenAPI document whose routes carry exactly the declared fields."""
    paths: dict[str, dict[str, Any]] = {}
    for top, _ in TOP:
        for method, path, layer in API_ROUTES[top.record]:
            body = {"content": {"application/json": {"schema": declared_model(top, layer)}}}
            read = layer is Layer.API_READ
            paths.setdefault(path, {})[method] = (
                {"responses": {"200": body}} if read else {"requestBody": body}
            )
    return {"paths": paths}


def declared_model(record: RecordFields, layer: Layer) -> dict[str, Any]:
    props: dict[str, Any] = {n: {} for n in record.names(layer)}
    for f in record:
        if f.parts is not None and f.name in props:
            props[f.name] = declared_model(f.parts, layer)
    if layer is Layer.API_CREATE:
        return {"properties": props, "required": list(record.required_on_create())}
    return {"properties": props}


def test_a_field_the_903_owns_undeclared_is_named() -> None:
    written = [{"id": "C1", "school": "LS9", "adoption": {"waiting_since": "", "notes": ""}}]
    assert check_903([*OWNED, "religion"], written) == [
        "child field `religion` is in the 903 import's OWNED (store.ssda903) but not owned by "
        "the 903 (as declared in children/fields.py)",
        "child field `school` is written by the 903 import but not given by the 903 (as "
        "declared in children/fields.py)",
        "adoption plan field `notes` is written by the 903 import but not given by the 903 "
        "(as declared in children/fields.py)",
    ]


def test_a_create_model_with_another_default_or_requirement_is_named() -> None:
    openapi = declared_openapi()
    create = api_model(openapi, "post", "/children", Layer.API_CREATE)
    create["required"] = [*CHILD.required_on_create(), "religion"]
    create["properties"]["religion"]["default"] = "unknown"
    create["required"].remove("home")
    assert check_api(openapi) == [
        "child field `home` is required on create (as declared in children/fields.py) but not "
        "in the API's POST /children",
        "child field `religion` is required in the API's POST /children but not on create (as "
        "declared in children/fields.py)",
        "child field `religion` defaults to 'none' in the problem format (as declared in "
        "children/fields.py) but to 'unknown' in the API's POST /children",
    ]


def test_a_schema_field_that_may_be_null_undeclared_is_named() -> None:
    changed = copy.deepcopy(schema())
    smoker = changed["$defs"]["carer"]["properties"]["smoker"]
    changed["$defs"]["carer"]["properties"]["smoker"] = {"anyOf": [smoker, {"type": "null"}]}
    assert check_schema(changed) == [
        "household field `smoker` is not nullable in the problem format (as declared in "
        "carers/fields.py) but nullable in the JSON schema"
    ]


def test_a_field_a_generator_leaves_out_is_named() -> None:
    document = problem_to_dict(matching.parse_problem(full_document()))
    for c in document["children"]:
        c.pop("wishes")
    found = check_document(document, "the generators' documents", Layer.GENERATED)
    assert found == [
        "child field `wishes` is in the generators (as declared in children/fields.py) but "
        "not in the generators' documents"
    ]


def rewrite_docs() -> None:
    """Put the rendered field tables between the markers in docs/problem-format.md."""
    text = DOCS.read_text("utf-8")
    span = docs_between_markers(text).span(1)
    DOCS.write_text(text[: span[0]] + fields_section() + "\n" + text[span[1] :], "utf-8")


if __name__ == "__main__":
    rewrite_docs()
