"""Reading a problem from a file: the one place the matching package touches the disk,
for callers' convenience (the rest of the core takes values, never paths)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import Any

from matching.problem import (
    Problem,
    ProblemInvalid,
    ProblemIssue,
    collector_paused,
    parse_problem,
)


@collector_paused()
def load_problem(source: str | PathLike[str] | Mapping[str, Any]) -> Problem:
    """A validated Problem from a problem-format dict or a path to a JSON file.

    Every fault is raised as ProblemInvalid with its JSON path (malformed JSON and an
    unreadable file included, at `$`).
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
    return parse_problem(doc, from_json=True)
