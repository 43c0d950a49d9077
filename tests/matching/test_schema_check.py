"""The quick schema check: a yes only where jsonschema's full report is empty, so what a
person is told about a broken document never depends on which way it was checked.

Every broken document the loading tests make is compared both ways by
`tests.conftest.issues_of`; here a complete document is broken in every field, in
every way we could think of a person or a program breaking it, and the same is asked.
"""

from __future__ import annotations

import copy
import enum
import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest

import matching
from matching.problem import full_schema_report, problem_to_dict, schema, schema_issues
from matching.schema_check import QuickCheck, is_plain_json
from tests.conftest import carer, child, doc, group, issues_of


class Colour(enum.Enum):
    RED = "F"


#: What a field may wrongly hold: other JSON types, edge values, and Python values that
#: are not JSON (a tuple, an Enum, a Decimal) which a compiled validator reads leniently.
WRONG_VALUES: tuple[Any, ...] = (
    None,
    True,
    -1,
    1.0,
    2.5,
    10**20,
    "",
    "ZZ99",
    "2026-02-30",
    "2026-11-22\n",
    "\u0662\u0660\u0662\u0666-\u0661\u0661-\u0662\u0662",
    "en\n",
    [],
    ["x"],
    {},
    ("F",),
    Colour.RED,
    Decimal("1"),
)


def complete_document() -> dict[str, Any]:
    """A valid document with every optional field present (each child, carer, adopter
    and adoption plan written out in full by `problem_to_dict`)."""
    adopter = {
        "approved_on": "2026-01-05",
        "uncertainties": ["genetic_condition_risk"],
        "contact": ["letterbox"],
    }
    plan = {"waiting_since": "2025-06-01", "placement_order_date": "2025-09-01"}
    document = doc(
        children=[
            child("C1", school="LS8", avoid=["LS11", "Bradford"], needs=["autism"]),
            child("C2", accepts=["adoption", "foster"], adoption=plan, age=2),
        ],
        carers=[
            carer("H1", skills=["autism"], household_children_ages=[4]),
            carer("H2", kind="adoption", provider="voluntary", adopter=adopter),
        ],
        groups=[group("G1", ["C1", "C2"], "should")],
        policy={"seed": 3},
    )
    complete = problem_to_dict(matching.load_problem(document))
    # One weight and one distance limit stand for the others (the same schema each).
    complete["policy"]["weights"] = {"proximity": 30}
    complete["policy"]["max_distance_km"] = {"foster": 32}
    return complete


def paths(value: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every place in a document that holds a value, outermost first."""
    yield at
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from paths(inner, (*at, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from paths(inner, (*at, i))


def broken(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The document broken one way at a time: each value replaced by each wrong value,
    each field removed, an unknown field added to each object, each list's first item
    repeated, each list made a tuple."""
    for at in list(paths(document))[1:]:
        if _repeats(at):
            continue
        *outer, last = at
        for wrong in WRONG_VALUES:
            yield _with(document, outer, lambda parent, k=last, v=wrong: parent.__setitem__(k, v))
        if isinstance(last, str):
            yield _with(document, outer, lambda parent, k=last: parent.pop(k))
        value = _at(document, at)
        if isinstance(value, dict):
            yield _with(document, list(at), lambda d: d.__setitem__("nickname", "Jo"))
        if isinstance(value, list) and value:
            yield _with(document, list(at), lambda items: items.append(copy.deepcopy(items[0])))
            yield _with(
                document, outer, lambda parent, k=last: parent.__setitem__(k, tuple(parent[k]))
            )


def _repeats(at: tuple[Any, ...]) -> bool:
    """The second child and carer are there for their adoption details; their other
    fields are the first one's again."""
    return at[1:2] == (1,) and len(at) > 2 and at[2] not in ("adoption", "adopter")


def _at(document: Any, at: Any) -> Any:
    for key in at:
        document = document[key]
    return document


def _with(document: dict[str, Any], at: list[Any], change: Any) -> dict[str, Any]:
    out = copy.deepcopy(document)
    change(_at(out, at))
    return out


def test_the_complete_document_passes_the_quick_check() -> None:
    """Tests that a valid document is recognised by the quick check (else nothing is
    gained), as a dict and as the plain JSON `json.loads` makes of it."""
    document = complete_document()
    quick = QuickCheck(schema())
    assert quick.passes(document)
    assert quick.passes(json.loads(json.dumps(document)), plain=True)


def test_the_quick_check_passes_no_broken_document() -> None:
    """Tests, for over a thousand broken documents, that the quick check says yes only
    where jsonschema's full report is empty: a no sends `schema_issues` to that report,
    so the words and their order are the report's."""
    quick = QuickCheck(schema())
    corpus = list(broken(complete_document()))
    faults = 0
    for document in corpus:
        full = full_schema_report(document)
        if quick.passes(document):
            assert full == [], document
        faults += bool(full)
    assert len(corpus) > 1000 and faults > 800


def test_schema_issues_is_the_full_report() -> None:
    """Tests that `schema_issues` answers jsonschema's report whichever way it goes:
    nothing for a valid document, the same issues in the same order for a broken one."""
    document = complete_document()
    assert schema_issues(document) == full_schema_report(document) == []
    document["children"][0]["needs"] = ["flying", "autism", "autism"]
    document["carers"][1]["nickname"] = "Jo"
    assert schema_issues(document) == full_schema_report(document) != []


@pytest.mark.parametrize(
    "value",
    [
        (1, 2),
        Colour.RED,
        Decimal("1"),
        {"a": [1, ("x",)]},
        [{"b": {1, 2}}],
        type("S", (str,), {})(),
    ],
)
def test_python_values_that_are_not_json_are_not_plain(value: Any) -> None:
    """Tests that a tuple, an Enum, a Decimal or any subclass anywhere, however deep,
    sends the document to the full report."""
    assert not is_plain_json({"children": [{"x": value}]})


def test_json_values_are_plain() -> None:
    """Tests that whatever `json.loads` makes is plain, a bare scalar included."""
    assert is_plain_json({"a": [1, 2.5, "x", None, True, {"b": []}], "c": {}})
    assert is_plain_json(json.loads('[{"a": [[], {}], "b": -1e300}, "x", null]'))
    assert is_plain_json("x") and not is_plain_json(("x",))


def test_a_tuple_where_an_array_belongs_is_reported_as_before() -> None:
    """Tests the case a compiled validator gets wrong: it reads a tuple as an array, but
    the problem format's arrays are lists and the report has always said so."""
    document = doc(children=[child(accepts=("foster",))])
    with pytest.raises(matching.ProblemInvalid) as info:
        matching.load_problem(document)
    assert [i.path for i in info.value.issues] == ["$.children[0].accepts"]
    assert "is not of type 'array'" in info.value.issues[0].message


def test_a_list_inside_itself_is_reported_not_walked_for_ever() -> None:
    """Tests that a container held twice or inside itself (which `json.loads` never
    makes) goes to the full report, which names it, rather than round a cycle."""
    loop: list[Any] = []
    loop.append(loop)
    document = doc(children=[child(avoid=[loop])])
    assert not is_plain_json(document)
    assert [i.path for i in issues_of(document)] == ["$.children[0].avoid[0]"]
    shared = ["en"]
    assert not is_plain_json({"a": shared, "b": shared})
