"""`placematch solve --wait-for-better` (issue 19): the held-back children in the result
JSON and in the summary."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from matching.problem import schema
from tests.cli.helpers import run
from tests.conftest import carer, child, doc

POOR_NOW = carer("FAR", location="BD1", la="Bradford", weekly_cost=1500)
NEAR_SOON = carer(
    "NEAR",
    location="LS8",
    vacancies=0,
    expected_places=[{"from": "2026-12-10", "places": 1, "why": "placement_ends"}],
)


def test_solve_with_the_wait_policy_shows_who_is_held_back(tmp_path: Path) -> None:
    """Tests that the flag turns the policy on for the run: the result JSON (valid under
    the contract) names the held-back child, the summary says so, and without the flag
    the problem's policy (off) places the child now."""
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(doc([child("C1", needed_by="2026-12-20")], [POOR_NOW, NEAR_SOON])))
    on = run("solve", str(path), "--wait-for-better", "--summary", "--time-limit", "5")
    assert on.returncode == 0, on.stderr
    result = json.loads(on.stdout)
    jsonschema.validate(result, schema("result"))
    assert [(h["child"], h["carer"]) for h in result["held_back"]] == [("C1", "NEAR")]
    assert result["assignments"] == []
    assert "held back C1: NEAR from 2026-12-10 (placement_ends)" in on.stderr
    off = run("solve", str(path), "--quiet", "--time-limit", "5")
    assert "held_back" not in json.loads(off.stdout)
    assert [a["carer"] for a in json.loads(off.stdout)["assignments"]] == ["FAR"]
