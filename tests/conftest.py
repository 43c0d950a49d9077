"""Small builders for problem documents, so a test states only what it is about.

`child(...)` and `carer(...)` return one valid entry of the public problem format with
keyword overrides; `doc(...)` wraps them into a whole document; `problem(...)` parses
it. The defaults are chosen so that the default child and the default carer are an
eligible pair: a 9-year-old girl at home in LS9 (Leeds) who accepts foster care, and an
in-house Leeds foster carer in LS12 (5.9 km away) approved for ages 0-17 with one place.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

import matching
from matching.problem import Problem
from matching.schema_check import QuickCheck

AS_OF = "2026-11-22"
NEEDED_BY = "2026-11-25"
AVAILABLE_FROM = "2026-11-20"


def child(id: str = "C1", **overrides: Any) -> dict[str, Any]:
    """One child entry; every keyword replaces (or, with value ..., removes) a field."""
    entry: dict[str, Any] = {
        "id": id,
        "la": "Leeds",
        "age": 9,
        "sex": "F",
        "home": "LS9",
        "accepts": ["foster"],
        "urgency": "planned",
        "needed_by": NEEDED_BY,
    }
    return _apply(entry, overrides)


def carer(id: str = "H1", **overrides: Any) -> dict[str, Any]:
    """One carer entry; every keyword replaces (or, with value ..., removes) a field."""
    entry: dict[str, Any] = {
        "id": id,
        "la": "Leeds",
        "kind": "foster",
        "provider": "in_house",
        "location": "LS12",
        "min_age": 0,
        "max_age": 17,
        "vacancies": 1,
        "available_from": AVAILABLE_FROM,
        "weekly_cost": 500,
    }
    return _apply(entry, overrides)


def group(id: str, members: list[str], policy: str) -> dict[str, Any]:
    return {"id": id, "children": list(members), "policy": policy}


def doc(
    children: list[dict[str, Any]] | None = None,
    carers: list[dict[str, Any]] | None = None,
    groups: list[dict[str, Any]] | None = None,
    policy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A whole problem document (one default child and carer unless given)."""
    out: dict[str, Any] = {
        "as_of": AS_OF,
        "children": copy.deepcopy(children) if children is not None else [child()],
        "carers": copy.deepcopy(carers) if carers is not None else [carer()],
    }
    if groups:
        out["sibling_groups"] = copy.deepcopy(groups)
    if policy:
        out["policy"] = copy.deepcopy(policy)
    return out


def problem(
    children: list[dict[str, Any]] | None = None,
    carers: list[dict[str, Any]] | None = None,
    groups: list[dict[str, Any]] | None = None,
    policy: dict[str, Any] | None = None,
) -> Problem:
    return matching.load_problem(doc(children, carers, groups, policy))


def solve(p: Problem, time_limit_s: float = 5.0) -> matching.SolveResult:
    """The batch solver as the tests run it: one worker, fixed seed, short limit."""
    return matching.solve(p, time_limit_s=time_limit_s, seed=1, workers=1)


def issues_of(document: dict[str, Any]) -> list[matching.ProblemIssue]:
    """Every issue the loader reports for `document` (fails the test if it loads).

    The same document is loaded again with the quick schema check turned off, and the
    two reports must be the same, issue by issue: so every broken document a test makes
    also checks that the quick path never changes what a person is told.
    """
    with pytest.raises(matching.ProblemInvalid) as info:
        matching.load_problem(document)
    with (
        mock.patch.object(QuickCheck, "passes", return_value=False),
        pytest.raises(matching.ProblemInvalid) as full,
    ):
        matching.load_problem(document)
    assert info.value.issues == full.value.issues
    return info.value.issues


def _apply(entry: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    for key, value in overrides.items():
        if value is ...:
            entry.pop(key, None)
        else:
            entry[key] = copy.deepcopy(value)
    return entry


#: What starts servers, PostgreSQL clusters, Ray or child processes (paths under tests/; a
#: folder takes everything in it): the whole suite (`make test`, CI) runs them; the daily
#: lane (`make quick`) leaves them out, with every test that runs on PostgreSQL.
SLOW: tuple[str, ...] = (
    "api/test_concurrency.py",
    "api/test_runs_across_processes.py",
    "api/test_scenarios.py",
    "api/test_schemathesis.py",
    "api/test_serve.py",
    "bench/soak/test_soak.py",
    "bench/test_bench.py",
    "cli/",
    "scenarios/test_scenarios.py",
    "ssda903/test_calibration.py",
    "ssda903/test_dfe_validator.py",
    "store/test_concurrency.py",
    "web/",
)
TESTS = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark `slow` what the daily lane leaves out (see SLOW), and run those first: the
    test processes (pytest-xdist) take tests in this order, so the long ones start
    while the many short ones are left to fill the gaps at the end, rather than two
    processes finishing minutes apart on whichever long test came last."""
    for item in items:
        where = item.path.resolve().relative_to(TESTS).as_posix()
        if where.startswith(SLOW) or "postgresql" in item.nodeid:
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
