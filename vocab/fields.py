"""How a record's fields are declared once for every layer that carries them.

A child's or a household's fields travel through the problem format (the JSON Schema,
the core's dataclasses, `parse_problem` and `problem_to_dict`), the store's tables and
its export of a region as a problem, the API's create, patch and read models, the 903
import and the generators. Each record declares its fields here, once, beside its
dataclass (children/fields.py, carers/fields.py): what each is called, its type, whether
it is required, its default, what it means, and which layers carry it or why one leaves
it out. tests/test_record_fields.py reads every layer and fails, naming the field and the
layer, when one drifts from the declaration; docs/problem-format.md's field tables are
rendered from it.

The shape lives in `vocab`, the lowest layer, because `children` and `carers` may not
import each other and both declare records. Pure data: nothing here imports a library.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Literal, TypeAlias

#: A value as the problem format writes it (a default, in JSON terms).
Json: TypeAlias = "None | bool | int | float | str | list[Json] | dict[str, Json]"

#: What the SSDA903 import does with a field: `owns` it (the import's value replaces the
#: record's on every import), gives `part` of it (merged with what people entered), or
#: nothing (""): the field is the people's who know the child.
From903 = Literal["owns", "part", ""]


class Layer(Enum):
    """A place a record's fields are listed; the value names it in messages."""

    PROBLEM = "the problem format"
    STORE = "the store's tables"
    API_CREATE = "the API's create model"
    API_PATCH = "the API's patch model"
    API_READ = "the API's read model"
    GENERATED = "the generators"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a record, as every layer should carry it.

    `name` is the problem-format name (and the dataclass attribute and API property);
    `store` lists its columns as `table.column` when they are not the record's own
    table's column of the same name (prefixed for a nested part); `left_out` names each
    layer that does not carry it and why; `parts` declares a nested object's fields.
    `optional_on_create` says why the API's create model does not require a field the
    problem format requires (empty: it does require it).
    """

    name: str
    type: str
    meaning: str
    required: bool = False
    default: Json = None
    store: tuple[str, ...] | None = None
    left_out: Mapping[Layer, str] = field(default_factory=dict)
    ssda903: From903 = ""
    parts: RecordFields | None = None
    optional_on_create: str = ""

    def carried_by(self, layer: Layer) -> bool:
        return layer not in self.left_out


@dataclass(frozen=True, slots=True)
class RecordFields:
    """A record's fields, in the problem format's order.

    `tables` are the store tables holding the record, the first its own (a field's
    column is there unless it says otherwise); `column_prefix` is how a nested part's
    columns are named on its parent's table (`adoption_` + `waiting_since`).
    """

    record: str
    tables: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    column_prefix: str = ""

    def __iter__(self) -> Iterator[FieldSpec]:
        return iter(self.fields)

    def __getitem__(self, name: str) -> FieldSpec:
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.record} has no field {name!r}")

    def names(self, layer: Layer) -> tuple[str, ...]:
        """The fields `layer` carries."""
        return tuple(f.name for f in self.fields if f.carried_by(layer))

    def required(self) -> tuple[str, ...]:
        """The fields the problem format requires."""
        return tuple(f.name for f in self.fields if f.required)

    def required_on_create(self) -> tuple[str, ...]:
        """The fields the API's create model requires."""
        return tuple(
            f.name
            for f in self.fields
            if f.required and f.carried_by(Layer.API_CREATE) and not f.optional_on_create
        )

    def columns(self) -> tuple[str, ...]:
        """Every store column (`table.column`) the record's fields live in, nested parts
        included."""
        out: list[str] = []
        for f in self.fields:
            if f.parts is not None:
                out += f.parts.columns()
            elif f.store is not None:
                out += f.store
            elif f.carried_by(Layer.STORE):
                out.append(f"{self.tables[0]}.{self.column_prefix}{f.name}")
        return tuple(out)

    def nested(self) -> Iterator[RecordFields]:
        """This record and every nested part, depth first."""
        yield self
        for f in self.fields:
            if f.parts is not None:
                yield from f.parts.nested()


def store_only(why: str) -> dict[Layer, str]:
    """`left_out` for a field the problem format (and so the generators) do not know."""
    return {Layer.PROBLEM: why, Layer.GENERATED: why}


#: `left_out` for the store's bookkeeping columns, which no other layer shows.
BOOKKEEPING: Mapping[Layer, str] = {
    layer: "the store's bookkeeping" for layer in Layer if layer is not Layer.STORE
}


#: `left_out` for a record's id: it names the record in a change's path, never in its body.
ID_FIXED: Mapping[Layer, str] = {Layer.API_PATCH: "an id never changes"}


def _default_text(spec: FieldSpec) -> str:
    if spec.required:
        return "required"
    if spec.parts is not None and spec.default is None:
        return "absent"
    return "`" + _json_text(spec.default) + "`"


def _json_text(value: Json) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_json_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f'"{k}": {_json_text(v)}' for k, v in value.items()) + "}"
    return str(value)


def markdown_table(record: RecordFields) -> str:
    """The record's problem-format fields as a Markdown table (docs/problem-format.md)."""
    lines = [
        f"| {record.record} field | type | default | meaning | 903 |",
        "|---|---|---|---|---|",
    ]
    for f in record:
        if not f.carried_by(Layer.PROBLEM):
            continue
        lines.append(f"| `{f.name}` | {f.type} | {_default_text(f)} | {f.meaning} | {f.ssda903} |")
    kept = [f for f in record if not f.carried_by(Layer.PROBLEM)]
    if kept:
        lines.append("")
        lines.append(
            "Kept by the service beside them, not in the problem format: "
            + "; ".join(f"`{f.name}` ({f.left_out[Layer.PROBLEM]})" for f in kept)
            + "."
        )
    return "\n".join(lines)
