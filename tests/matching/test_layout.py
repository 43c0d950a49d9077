"""Tests of the units issue 14 named in matching/: the package's public face, the
family-finding package's re-exports, `rank` in ranking.py, the problem reader's
steps and the score's criteria, each on its own."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

import matching
import matching.family_finding as family_finding
from geo import gazetteer
from matching.problem import ProblemIssue, _Reader, carer_to_dict, child_to_dict, problem_to_dict
from matching.ranking import MatchingContext, rank
from matching.scoring import PROXIMITY_SCALE_KM, _age_fit, _proximity, _skills_depth
from tests.conftest import carer, child, group, problem


def test_the_package_defines_nothing_and_re_exports_its_public_api() -> None:
    """Tests that every public name of `matching` is defined in one of its modules."""
    for name in matching.__all__:
        value = getattr(matching, name)
        if callable(value):
            assert value.__module__.startswith("matching."), name


def test_family_finding_re_exports_the_names_other_packages_use() -> None:
    """Tests that `from matching.family_finding import run_round` (etc.) keeps working,
    each name coming from one of the package's modules."""
    for name in family_finding.__all__:
        value = getattr(family_finding, name)
        if callable(value):
            assert value.__module__.startswith("matching.family_finding."), name
    assert family_finding.run_round.__module__ == "matching.family_finding.round"


def test_rank_takes_a_child_or_a_sibling_group_and_refuses_anything_else() -> None:
    """Tests that `ranking.rank` dispatches on the id, and is the package's `rank`."""
    p = problem(
        [child("C1"), child("C2")], [carer("H1", vacancies=2)], [group("G1", ["C1", "C2"], "must")]
    )
    assert matching.rank is rank
    assert rank(p, "C1").children == ("C1",)
    assert rank(p, "G1").children == ("C1", "C2")
    with pytest.raises(KeyError, match="no child or sibling group"):
        rank(p, "nobody")


def test_the_problem_reader_notes_each_fault_at_its_path_and_carries_on() -> None:
    """Tests that a bad outcode is kept as written, a bad date read as date.min, and a
    repeated id points at its first occurrence, every fault noted in order."""
    issues: list[ProblemIssue] = []
    read = _Reader(gazetteer(), issues)
    assert read.outcode("ZZ99", "$.x", "child C1") == "ZZ99"
    assert read.day("2026-02-30", "$.d") == date.min
    seen: dict[str, int] = {}
    for i, record_id in enumerate(["H1", "H2", "H1"]):
        read.duplicate(seen, record_id, i, "carer", "$.carers")
    assert [i.path for i in issues] == ["$.x", "$.d", "$.carers[2].id"]
    assert issues[2].message == "duplicate carer id 'H1' (also $.carers[0])"


def test_each_record_is_written_back_as_the_format_read_it() -> None:
    """Tests that child_to_dict and carer_to_dict give the records problem_to_dict
    writes, and that the document reads back to the same problem."""
    p = problem([child("C1", school="LS9", wishes={"areas": ["LS12"]})], [carer("H1")])
    out = problem_to_dict(p)
    assert out["children"] == [child_to_dict(c) for c in p.children]
    assert out["carers"] == [carer_to_dict(h) for h in p.carers]
    assert matching.load_problem(out) == p


def test_the_score_criteria_each_on_their_own() -> None:
    """Tests proximity (home only without a school), age fit (1 at the middle of the
    approved range) and skills depth (1 for a child with no needs)."""
    home = np.array([0.0, PROXIMITY_SCALE_KM])
    assert np.allclose(_proximity(home, None), [1.0, np.exp(-1)])
    assert _proximity(home, np.array([0.0, 0.0]))[1] > np.exp(-1)
    p = problem([child("C1", age=9)], [carer("H1", min_age=4, max_age=14), carer("H2")])
    ctx = MatchingContext(p)
    idx = np.arange(2)
    assert _age_fit(p.children[0], ctx.table, idx)[0] == 1.0
    assert np.array_equal(_skills_depth(p.children[0], ctx.table, idx), np.ones(2))
