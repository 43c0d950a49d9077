"""The command line end to end: real files, real exit codes, standard output and error
apart. In this process (tests/cli/helpers.py), but for one test through `python -m cli`
as the README runs it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import run, run_process
from tests.conftest import carer, child, doc

SMALL = {
    "as_of": "2026-11-22",
    "policy": {"time_limit_s": 5},
    "children": [
        {
            "id": "C-1",
            "la": "Leeds",
            "age": 9,
            "sex": "F",
            "home": "LS9",
            "accepts": ["foster"],
            "urgency": "urgent",
            "needed_by": "2026-11-25",
            "needs": ["autism"],
        },
        {
            "id": "C-2",
            "la": "Leeds",
            "age": 11,
            "sex": "M",
            "home": "LS9",
            "accepts": ["foster"],
            "urgency": "planned",
            "needed_by": "2026-12-25",
        },
        {
            "id": "C-3",
            "la": "Leeds",
            "age": 15,
            "sex": "M",
            "home": "LS9",
            "accepts": ["foster"],
            "urgency": "emergency",
            "needed_by": "2026-11-22",
            "needs": ["remand"],
        },
    ],
    "sibling_groups": [{"id": "G-1", "children": ["C-1", "C-2"], "policy": "should"}],
    "carers": [
        {
            "id": "H-1",
            "la": "Leeds",
            "kind": "foster",
            "provider": "in_house",
            "location": "LS12",
            "min_age": 5,
            "max_age": 15,
            "vacancies": 2,
            "available_from": "2026-11-01",
            "weekly_cost": 520,
            "skills": ["autism"],
        },
        {
            "id": "H-2",
            "la": "Bradford",
            "kind": "foster",
            "provider": "ifa",
            "location": "BD3",
            "min_age": 0,
            "max_age": 17,
            "vacancies": 1,
            "available_from": "2026-11-01",
            "weekly_cost": 880,
        },
    ],
}


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(SMALL))
    return path


def test_validate_accepts_a_good_problem(small: Path) -> None:
    r = run("validate", str(small))
    assert r.returncode == 0, r.stderr
    assert "valid" in r.stdout and "3 children" in r.stdout


def test_solve_writes_a_result_in_the_contract_shape(small: Path, tmp_path: Path) -> None:
    out = tmp_path / "result.json"
    r = run("solve", str(small), "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr
    result = json.loads(out.read_text())
    assert result["status"] == "OPTIMAL"
    assert {a["child"] for a in result["assignments"]} == {"C-1", "C-2"}
    assert result["sibling_groups"] == [{"id": "G-1", "policy": "should", "outcome": "together"}]
    (unplaced,) = result["unplaced"]
    assert unplaced["child"] == "C-3"
    assert any("remand" in reason for reason in unplaced["reasons"])


def test_results_match_the_published_result_schema(small: Path, tmp_path: Path) -> None:
    import jsonschema

    from matching.problem import schema

    problem = tmp_path / "region.json"
    assert (
        run("generate", "--children", "30", "--carers", "90", "--out", str(problem)).returncode == 0
    )
    for path in (small, problem):
        r = run("solve", str(path), "--quiet", "--time-limit", "5")
        assert r.returncode == 0, r.stderr
        jsonschema.validate(json.loads(r.stdout), schema("result"))


def test_solve_prints_json_to_stdout_by_default(small: Path) -> None:
    """Tests it in a child process: the one command of this family run as a user runs it."""
    r = run_process("solve", str(small))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["objective"]["placed"] == 2
    assert "OPTIMAL" in r.stderr  # progress and summary go to stderr, not into the JSON


def test_rank_json_lists_matches_and_near_misses(small: Path) -> None:
    r = run("rank", str(small), "--child", "C-2", "--json")
    assert r.returncode == 0, r.stderr
    ranking = json.loads(r.stdout)
    assert [m["carer"] for m in ranking["matches"]] == ["H-1", "H-2"]
    assert all(m["reasons"] for m in ranking["matches"])
    r = run("rank", str(small), "--child", "C-1", "--json")
    misses = json.loads(r.stdout)["near_misses"]
    assert misses == [
        {
            "carer": "H-2",
            "failed_rule": "skills",
            "detail": "lacks skill 'autism'",
            "distance_km": misses[0]["distance_km"],
            "exception_allowed": True,
        }
    ]


def test_rank_table_for_a_sibling_group(small: Path) -> None:
    r = run("rank", str(small), "--child", "G-1")
    assert r.returncode == 0, r.stderr
    assert "H-1" in r.stdout and "takes all 2 children together" in r.stdout


def test_rank_unknown_child_is_exit_4(small: Path) -> None:
    r = run("rank", str(small), "--child", "C-404")
    assert r.returncode == 4
    assert "C-404" in r.stderr and "Traceback" not in r.stderr


def test_rank_carer_lists_the_children_it_could_take(small: Path) -> None:
    r = run("rank", str(small), "--carer", "H-2", "--json")
    assert r.returncode == 0, r.stderr
    ranking = json.loads(r.stdout)
    assert "C-2" in [m["child"] for m in ranking["matches"]]
    assert {"child": "C-1", "failed_rule": "skills"}.items() <= ranking["near_misses"][0].items()
    table = run("rank", str(small), "--carer", "H-2")
    assert table.returncode == 0 and "C-2" in table.stdout


def test_rank_needs_a_child_or_a_carer_not_both(small: Path) -> None:
    assert run("rank", str(small)).returncode == 2
    assert run("rank", str(small), "--child", "C-1", "--carer", "H-1").returncode == 2
    r = run("rank", str(small), "--carer", "H-404")
    assert r.returncode == 4 and "H-404" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["children"][0].update(home="EG19"), "$.children[0].home"),
        (lambda d: d["children"][0].update(needs=["telepathy"]), "$.children[0].needs[0]"),
        (lambda d: d["carers"][1].update(id="H-1"), "duplicate carer id"),
        (
            lambda d: d["sibling_groups"].append(
                {"id": "G-2", "children": ["C-1", "C-3"], "policy": "should"}
            ),
            "two sibling groups",
        ),
    ],
    ids=["unknown-outcode", "unknown-need", "duplicate-id", "child-in-two-groups"],
)
def test_bad_problems_exit_3_with_the_fault(tmp_path: Path, mutate, expected: str) -> None:
    doc = json.loads(json.dumps(SMALL))
    mutate(doc)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc))
    for command in (["validate"], ["solve"], ["rank", "--child", "C-1"]):
        r = run(command[0], str(path), *command[1:])
        assert r.returncode == 3, (command, r.stderr)
        assert expected in r.stderr
        assert "Traceback" not in r.stderr
        assert r.stdout == ""


def test_malformed_json_and_missing_file_exit_3(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"as_of": "2026-11-22", "children": [')
    r = run("solve", str(path))
    assert r.returncode == 3 and "not valid JSON" in r.stderr and "Traceback" not in r.stderr
    r = run("validate", str(tmp_path / "absent.json"))
    assert r.returncode == 3 and "cannot read" in r.stderr


def test_generate_then_solve_round_trip(tmp_path: Path) -> None:
    problem = tmp_path / "region.json"
    r = run("generate", "--children", "40", "--carers", "120", "--seed", "7", "--out", str(problem))
    assert r.returncode == 0, r.stderr
    again = run("generate", "--children", "40", "--carers", "120", "--seed", "7")
    assert json.loads(again.stdout) == json.loads(problem.read_text())  # seeded: reproducible
    r = run("solve", str(problem), "--time-limit", "10", "--quiet")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    placed = {a["child"] for a in result["assignments"]}
    unplaced = {u["child"] for u in result["unplaced"]}
    assert len(placed) + len(unplaced) == 40 and not placed & unplaced


def test_demo_shows_matches_and_a_batch_summary(tmp_path: Path) -> None:
    r = run(
        "demo",
        "--children",
        "60",
        "--carers",
        "180",
        "--time-limit",
        "5",
        "--out-dir",
        str(tmp_path / "demo"),
    )
    assert r.returncode == 0, r.stderr
    assert "Ranked matches" in r.stdout and "placed, emergency" in r.stdout
    assert (tmp_path / "demo" / "result.json").exists()


def test_rank_tells_when_a_clearly_better_match_is_likely(tmp_path: Path) -> None:
    """Tests that `rank` shows the place-now-or-wait advisory, in the table and in JSON."""
    soon = [{"from": "2026-12-10", "places": 1, "why": "placement_ends"}]
    document = doc(
        [child("C1", needed_by="2026-12-20")],
        [
            carer("FAR", location="BD1", la="Bradford", weekly_cost=1500),
            carer("NEAR", location="LS8", vacancies=0, expected_places=soon),
        ],
    )
    path = tmp_path / "p.json"
    path.write_text(json.dumps(document))
    r = run("rank", str(path), "--child", "C1")
    assert r.returncode == 0, r.stderr
    assert "Better soon: NEAR expected free from 2026-12-10 (placement ends)" in r.stdout
    r = run("rank", str(path), "--child", "C1", "--json")
    assert json.loads(r.stdout)["better_soon"]["carer"] == "NEAR"
