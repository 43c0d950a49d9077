"""A quick yes to "does this document meet its JSON Schema?", so that a valid problem of
30,000 households is not walked by the full report (issue 16: 11.9 s of 12 to load).

jsonschema's report is the contract: every fault with its JSON path, in the words a
data officer reads. It is also slow, because it builds an error object for every check
it makes. A compiled validator (jsonschema-rs) answers only yes or no, a hundred times
faster. A yes is trusted; a no, or a document the compiled validator cannot read, sends
the caller to the full report, so every message a person sees is still jsonschema's.

A yes is only sound if the compiled validator is never more lenient than jsonschema,
and on Python values it is: it reads a tuple as an array, an `Enum` as its value and a
`Decimal` as a number, where jsonschema rejects all three. So it is asked only about
plain JSON: a document `json.loads` made is plain by construction; any other is walked
first (`is_plain_json`), and one holding anything else goes to the full report.
tests/matching/test_schema_check.py runs broken documents through both ways.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema_rs

#: The Python types `json.loads` makes, exactly (a subclass is not plain JSON here).
_SCALARS = frozenset({str, int, float, bool, type(None)})
_CONTAINERS = frozenset({dict, list})


def is_plain_json(value: Any) -> bool:
    """Whether `value` holds only what `json.loads` makes: dicts, lists, str, int, float,
    bool and None, each exactly that type, as a tree (a container held twice, or inside
    itself, is not something `json.loads` makes, and would keep this walk going)."""
    if type(value) not in _CONTAINERS:
        return type(value) in _SCALARS
    todo, seen = [value], {id(value)}
    while todo:
        item = todo.pop()
        for inner in item.values() if type(item) is dict else item:
            kind = type(inner)
            if kind in _CONTAINERS:
                if id(inner) in seen:
                    return False
                seen.add(id(inner))
                todo.append(inner)
            elif kind not in _SCALARS:
                return False
    return True


class QuickCheck:
    """The compiled validator of one published schema, formats checked as jsonschema
    checks them (a `date` must be a real day)."""

    def __init__(self, published: Mapping[str, Any]) -> None:
        self._compiled = jsonschema_rs.validator_for(dict(published), validate_formats=True)

    def passes(self, doc: Any, *, plain: bool = False) -> bool:
        """True only if `doc` certainly meets the schema; False means "ask the full
        report", not "invalid". `plain` says the caller knows `doc` came from
        `json.loads`, which saves the walk."""
        if not plain and not is_plain_json(doc):
            return False
        try:
            return bool(self._compiled.is_valid(doc))
        except (ValueError, TypeError, OverflowError, RecursionError):
            return False
