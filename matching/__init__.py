"""Matching: eligibility (hard rules), scoring (soft criteria with reasons), ranked
matches and the CP-SAT batch solver.

The Python API for other tools::

    import matching
    problem = matching.load_problem("problem.json")      # or a dict
    ranking = matching.rank(problem, "C-0001", top=20)   # .to_dict()
    result = matching.solve(problem)                     # .to_dict()
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

from matching.eligibility import RULES, assess
from matching.problem import Policy, Problem, ProblemInvalid, ProblemIssue, parse_problem
from matching.ranking import (
    CarerRanking,
    MatchingContext,
    Ranking,
    rank_carer,
    rank_child,
    rank_group,
)
from matching.result import SolveResult
from matching.solver import solve

__all__ = [
    "RULES",
    "CarerRanking",
    "MatchingContext",
    "Policy",
    "Problem",
    "ProblemInvalid",
    "ProblemIssue",
    "Ranking",
    "SolveResult",
    "assess",
    "load_problem",
    "parse_problem",
    "rank",
    "rank_children",
    "solve",
]


def load_problem(source: str | PathLike[str] | Mapping[str, Any]) -> Problem:
    """A validated Problem from a problem-format dict or a path to a JSON file.

    The one place the matching package reads a file, for callers' convenience; every
    fault is raised as ProblemInvalid with its JSON path (malformed JSON included).
    """
    if isinstance(source, Mapping):
        return parse_problem(source)
    path = Path(source)
    try:
        text = path.read_text("utf-8")
    except OSError as exc:
        raise ProblemInvalid([ProblemIssue("$", f"cannot read {path}: {exc.strerror}")]) from exc
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemInvalid(
            [
                ProblemIssue(
                    "$",
                    f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                )
            ]
        ) from exc
    return parse_problem(doc)


def rank(
    problem: Problem,
    subject: str,
    top: int = 20,
    near_misses: int = 10,
    ctx: MatchingContext | None = None,
) -> Ranking:
    """Ranked matches for a child id or a sibling group id; KeyError if neither."""
    ctx = ctx or MatchingContext(problem)
    if subject in problem.child_by_id:
        return rank_child(ctx, problem.child_by_id[subject], top, near_misses)
    for g in problem.sibling_groups:
        if g.id == subject:
            return rank_group(ctx, g, top, near_misses)
    raise KeyError(f"no child or sibling group with id {subject!r} in the problem")


def rank_children(
    problem: Problem,
    carer_id: str,
    top: int = 20,
    near_misses: int = 10,
    ctx: MatchingContext | None = None,
) -> CarerRanking:
    """Children a carer (an adopter, a new vacancy) could take, best first, and the
    children who fail one rule only; KeyError if no such carer."""
    return rank_carer(ctx or MatchingContext(problem), carer_id, top, near_misses)
