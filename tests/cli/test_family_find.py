"""`placematch family-find` end to end on generated agencies: in this process, but for a
round through `python -m cli` (tests/cli/helpers.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.helpers import run, run_process


@pytest.fixture(scope="module")
def agency(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ff") / "agency.json"
    r = run(
        "family-find",
        "generate",
        "--children",
        "60",
        "--adopters",
        "25",
        "--seed",
        "2",
        "--out",
        str(path),
    )
    assert r.returncode == 0, r.stderr
    return path


def test_a_round_prints_the_fairness_table_and_writes_the_report(
    agency: Path, tmp_path: Path
) -> None:
    out = tmp_path / "report"
    r = run_process("family-find", "round", str(agency), "--time-limit", "3", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "children linked" in r.stdout and "deferred acceptance" in r.stdout
    assert "optimising placed" in r.stderr or "round:" in r.stderr  # progress on stderr
    names = {p.name for p in out.iterdir()}
    assert {"round.json", "report.html", "fairness.png", "outcomes.png", "crowding.png"} <= names
    page = (out / "report.html").read_text()
    assert "data:image/png;base64," in page and "Children without a link" in page
    assert "http" not in page.split("<body>")[1]  # self-contained: nothing fetched
    saved = json.loads((out / "round.json").read_text())
    assert saved["summary"]["children"] == 60


def test_a_report_is_redrawn_from_a_saved_round(agency: Path, tmp_path: Path) -> None:
    first = tmp_path / "a"
    assert (
        run(
            "family-find", "round", str(agency), "--time-limit", "2", "--quiet", "--out", str(first)
        ).returncode
        == 0
    )
    again = tmp_path / "b"
    r = run("family-find", "report", str(first / "round.json"), "--out", str(again))
    assert r.returncode == 0, r.stderr
    assert (again / "report.html").read_text() == (first / "report.html").read_text()


def test_round_json_and_policy_options(agency: Path) -> None:
    r = run(
        "family-find",
        "round",
        str(agency),
        "--time-limit",
        "2",
        "--quiet",
        "--json",
        "--priority",
        "waiting",
        "--long-wait-weeks",
        "52",
        "--wait-weeks",
        "13",
    )
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["policy"]["priority"] == "waiting" and doc["policy"]["long_wait_weeks"] == 52
    assert all(s["priority"] == "first" for s in doc["subjects"] if s["weeks_waiting"] >= 52)


def test_a_round_shortlists_and_takes_earlier_links(agency: Path, tmp_path: Path) -> None:
    """Tests that the round's JSON carries a shortlist per child or group within the
    limits asked for, the text names the spread, and a declined link read from
    `--links` is neither linked nor shortlisted."""
    args = ["family-find", "round", str(agency), "--time-limit", "2", "--quiet"]
    r = run(*args, "--json", "--shortlist-size", "3", "--max-lists-per-adopter", "2")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["shortlist_policy"]["size"] == 3
    assert len(doc["shortlists"]) == len(doc["subjects"])
    named = [e["adopter"] for s in doc["shortlists"] for e in s["adopters"]]
    assert named and max(named.count(a) for a in named) <= 2
    link = doc["links"][0]
    declined = [[c, link["adopter"]] for c in link["children"]]
    (tmp_path / "links.json").write_text(json.dumps({"declined": declined}))
    r = run(*args, "--json", "--links", str(tmp_path / "links.json"))
    assert r.returncode == 0, r.stderr
    again = json.loads(r.stdout)
    assert again["history"]["declined"] == sorted(declined)
    pairs = {(c, x["adopter"]) for x in again["links"] for c in x["children"]}
    pairs |= {
        (c, e["adopter"]) for s in again["shortlists"] for c in s["children"] for e in s["adopters"]
    }
    assert not pairs & {tuple(d) for d in declined}
    text = run(*args).stdout
    assert "Shortlists: one adopter on at most 5 lists" in text
    (tmp_path / "bad.json").write_text('{"declined": [["A-0001"]]}')
    r = run(*args, "--links", str(tmp_path / "bad.json"))
    assert r.returncode == 3 and "declined must be a list of [child id, adopter id]" in r.stderr


def test_search_both_ways(agency: Path) -> None:
    doc = json.loads(agency.read_text())
    child_id, adopter_id = doc["children"][0]["id"], doc["carers"][0]["id"]
    r = run("family-find", "search", str(agency), "--child", child_id, "--json", "--beyond-region")
    assert r.returncode == 0, r.stderr
    found = json.loads(r.stdout)
    assert found["subject"] == child_id and "beyond" in found
    r = run("family-find", "search", str(agency), "--adopter", adopter_id)
    assert r.returncode == 0, r.stderr
    assert adopter_id in r.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["search", "--child", "C-nobody"], 4, "no child or sibling group"),
        (["search"], 2, "exactly one of --child or --adopter"),
        (["round", "--priority", "loudest"], 2, "--priority must be one of"),
        (["round", "--wait-weeks", "90"], 2, "wait_weeks must be between"),
        (["round", "--max-first-choices", "6"], 2, "at most --max-lists-per-adopter"),
        (["round", "--links", "/nonexistent/links.json"], 3, "cannot read"),
    ],
)
def test_bad_input_is_a_clear_error(args: list[str], code: int, message: str) -> None:
    r = run("family-find", *args)
    assert r.returncode == code, r.stderr
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_a_saved_file_that_is_not_a_round_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "round.json"
    bad.write_text('{"summary": {}}')
    r = run("family-find", "report", str(bad), "--out", str(tmp_path / "out"))
    assert r.returncode == 3 and "is not a round" in r.stderr
    bad.write_text("{")
    r = run("family-find", "report", str(bad), "--out", str(tmp_path / "out"))
    assert r.returncode == 3 and "not valid JSON" in r.stderr
