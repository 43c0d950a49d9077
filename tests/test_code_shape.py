"""The code keeps the shape issue 14 gave it: layers and types are checked by `make test`
(import-linter, mypy); this checks what neither does — no function grows past a screen and
a half, and `matching/solver.py` stays the outline of the optimisation."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = (
    "vocab", "geo", "children", "carers", "matching", "ssda903", "synth", "store",
    "scenarios", "reports", "bench", "api", "cli",
)  # fmt: skip
GENERATED = ("store/migrations/versions/",)
LONGEST_FUNCTION = 100  # lines, decorators and docstring included
LONGEST_IN_SOLVER = 60


def functions(path: Path) -> list[tuple[str, int]]:
    """(qualified name, length in lines) of every function and method in one module."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                start = min([d.lineno for d in child.decorator_list] + [child.lineno])
                found.append((f"{prefix}{child.name}", (child.end_lineno or start) - start + 1))
                visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                visit(child, f"{prefix}{child.name}.")

    visit(ast.parse(path.read_text(encoding="utf-8")), "")
    return found


def package_modules() -> list[Path]:
    return [
        path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if not any(part in path.relative_to(ROOT).as_posix() for part in GENERATED)
    ]


def test_no_package_function_is_over_a_hundred_lines() -> None:
    too_long = [
        f"{path.relative_to(ROOT)}:{name} ({length} lines)"
        for path in package_modules()
        for name, length in functions(path)
        if length > LONGEST_FUNCTION
    ]
    assert not too_long, "split these into named steps: " + "; ".join(too_long)


def test_the_solver_reads_as_an_outline() -> None:
    too_long = [
        f"{name} ({length} lines)"
        for name, length in functions(ROOT / "matching" / "solver.py")
        if length > LONGEST_IN_SOLVER
    ]
    assert not too_long, "matching/solver.py is the outline; move detail to matching/batch/: " + (
        "; ".join(too_long)
    )


@pytest.mark.parametrize(
    "length, flagged", [(LONGEST_FUNCTION, False), (LONGEST_FUNCTION + 1, True)]
)
def test_the_measure_counts_every_line(tmp_path: Path, length: int, flagged: bool) -> None:
    """The check itself: a function of exactly the limit passes, one line more is caught."""
    body = "\n".join("    x = 1" for _ in range(length - 2))
    module = tmp_path / "m.py"
    module.write_text(f"@decorator\ndef f():\n{body}\n")
    [(name, measured)] = functions(module)
    assert (name, measured > LONGEST_FUNCTION) == ("f", flagged)
