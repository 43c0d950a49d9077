"""Tests that the DfE-validator check (bench.dfe903.check) tells explained rules from
unexplained ones, on verdicts written here: no venv, no validator run. The end-to-end
tests are in test_dfe_validator.py (slow)."""

from __future__ import annotations

from bench.dfe903.check import EXPLAINED, NOT_RUN, findings_of
from bench.dfe903.exports import PATHS, Export


def _verdict(*failing: str, could_not_run: dict[str, str] | None = None) -> dict[str, object]:
    example = {"table": "Episodes", "row": 1, "child": "C1"}
    rules = [
        {"code": c, "description": f"rule {c}", "rows": 2, "examples": [example]} for c in failing
    ]
    return {"failing": rules, "could_not_run": could_not_run or {}}


def test_a_rule_is_explained_only_where_explained_says() -> None:
    """Tests that a failing rule EXPLAINED names passes, any other fails, a rule
    explained for one path only fails on the others, and a rule that could not run
    passes only if NOT_RUN names it."""
    generate, region = (
        Export(2026, "generate", "csv", "Leeds"),
        Export(2026, "region", "csv", "Leeds"),
    )
    found = findings_of(
        generate, _verdict("392c", "392b", "554", could_not_run={"231": "KeyError"})
    )
    assert {f.code: f.explained for f in found} == {
        "392c": True,
        "392b": True,
        "554": False,
        "231": True,
    }
    assert found[0].accepted == EXPLAINED["392c"].reason and found[0].examples == (
        ("Episodes", 1, "C1"),
    )
    assert found[-1].accepted == NOT_RUN["231"] and not found[-1].ran
    # 380 is accepted for referrals not yet placed (region and adoption paths) only
    assert [f.explained for f in findings_of(region, _verdict("380"))] == [True]
    found = findings_of(generate, _verdict("380", could_not_run={"999": "KeyError: 'X'"}))
    assert [(f.code, f.explained) for f in found] == [("380", False), ("999", False)]


def _place_146(export: Export, places: dict[str, int] | None) -> bool:
    rule = {"code": "146", "description": "placement type", "rows": 1, "examples": [],
            "values": {"PLACE": places}}  # fmt: skip
    (finding,) = findings_of(export, {"failing": [rule], "could_not_run": {}})
    return finding.explained


def test_a_rule_accepted_for_one_year_and_value_is_not_accepted_beyond_them() -> None:
    """Tests that rule 146 is accepted in 2024-25 for K3 rows only (the validator's
    lower-case 'k3'): not with another placement type among the failing rows, not when
    the values are too many to list, and not in another year."""
    in_2025 = Export(2025, "generate", "xml", "Leeds")
    assert _place_146(in_2025, {"K3": 144})
    assert not _place_146(in_2025, {"K3": 144, "Q9": 1})
    assert not _place_146(in_2025, None)
    assert not _place_146(Export(2026, "generate", "xml", "Leeds"), {"K3": 144})


def test_every_explained_rule_says_why() -> None:
    """Tests that each accepted rule has a reason and names only real export paths."""
    for code, accepted in EXPLAINED.items():
        assert len(accepted.reason) > 40, code
        assert accepted.paths is None or accepted.paths <= set(PATHS), code
        assert accepted.years is None or accepted.years <= set(range(2023, 2028)), code
    assert all(len(why) > 40 for why in NOT_RUN.values())
