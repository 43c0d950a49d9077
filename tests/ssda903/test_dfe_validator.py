"""Tests that the product's 903 exports pass the DfE's own validator (issue 17).

The end-to-end tests build (once, then reuse) the validator's venv with the pinned
`csc-validator-be-903` (bench.dfe903.venv; $PLACEMATCH_VENV_903 points them at one
already built), generate every export path for two return years, CSV for one and XML
for the other, and fail on any rule that `EXPLAINED` does not name. A deliberate fault
shows that the check sees what it should (test_dfe_findings.py: the same without the venv).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.dfe903.check import CheckResult, dfe_check, validate_export
from bench.dfe903.exports import PATHS, Export, path_rows
from bench.dfe903.venv import default_place, validator_python


@pytest.fixture(scope="module")
def python() -> Path:
    """The validator's Python: its venv built once (about a minute) and then reused."""
    return validator_python(default_place())


def _unexplained(result: CheckResult) -> list[str]:
    return [f"{f.export.name}: rule {f.code} on {f.rows} row(s) ({f.description[:70]}; e.g. "
            f"{f.examples[:2]})" for f in result.unexplained]  # fmt: skip


@pytest.mark.parametrize(("year", "form"), [(2025, "csv"), (2026, "xml")])
def test_every_export_passes_the_dfe_validator(python: Path, year: int, form: str) -> None:
    """Tests that every export path of the return (the standing population, a placed
    region, an adoption region) fails no rule of the DfE validator of that year but
    those EXPLAINED accepts."""
    result = dfe_check(python, years=(year,), forms=(form,), children=400)
    assert len(result.exports) == len(PATHS)
    bad = _unexplained(result)
    assert not bad, f"{len(bad)} unexplained rule(s):\n" + "\n".join(bad)


def test_a_fault_in_an_export_is_an_unexplained_rule(python: Path, tmp_path: Path) -> None:
    """Tests that the check fails on a fault: an episode that ends before it starts
    breaks rule 356, unexplained, which the same export without the fault does not."""
    export = Export(2026, "generate", "csv", "Leeds")
    rows = path_rows(export, children=40)
    clean = {f.code for f in validate_export(export, rows, python, tmp_path / "clean")}
    episode = rows["episodes"][0]
    episode |= {"DEC": "01/01/2000", "REC": "E11"}
    found = validate_export(export, rows, python, tmp_path / "faulty")
    fault = [f for f in found if f.code == "356"]
    assert "356" not in clean
    assert len(fault) == 1 and not fault[0].explained and fault[0].rows == 1
    assert fault[0].examples[0] == ("Episodes", 1, episode["CHILD"])
