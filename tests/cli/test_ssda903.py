"""`placematch ssda903` end to end (typer's CliRunner): a calibrated demo extract
written and read back as a baseline with its report, the shared sample, and errors that
exit with the shared codes and a one-line message, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from cli.common import EXIT_INVALID, EXIT_USAGE, EXIT_WRITE
from cli.main import app
from tests.ssda903.helpers import SAMPLE, needs_sample


def run(*args: str) -> Result:
    r = CliRunner().invoke(app, ["ssda903", *args])
    assert "Traceback" not in r.output
    return r


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    r = run("generate", str(folder), "--children", "800", "--seed", "1")
    assert r.exit_code == 0, r.output
    return folder


def test_generate_writes_one_extract_per_la(extract: Path) -> None:
    las = sorted(p.name for p in extract.iterdir())
    assert las == ["Bradford", "Calderdale", "Kirklees", "Leeds", "Wakefield"]
    names = {p.name for p in (extract / "Leeds").iterdir()}
    assert names == {
        "header.csv", "episodes.csv", "uasc.csv", "oc2.csv", "placed_for_adoption.csv",
        "prev_perm.csv",  # children whose period of care began in the return's year
    }  # fmt: skip
    header = (extract / "Leeds" / "episodes.csv").read_text().splitlines()[0]
    assert header.startswith("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER")
    rows = sum(len((p / "header.csv").read_text().splitlines()) - 1 for p in extract.iterdir())
    assert rows == 800


def test_generate_then_baseline_round_trip_with_the_report(extract: Path, tmp_path: Path) -> None:
    out = tmp_path / "report"
    las = [arg for la in ("Bradford", "Calderdale", "Kirklees", "Leeds", "Wakefield")
           for arg in ("--la", la)]  # fmt: skip
    r = run("baseline", str(extract), *las, "--as-of", "2026-03-31", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "children looked after" in r.stdout and "800" in r.stdout
    assert "more than 20 miles from home" in r.stdout
    assert "Children's homes" in r.stdout and "Placed with parents" in r.stdout
    assert "outside the LA, more than 20 miles" in r.stdout
    assert "wrote baseline.html" in r.stderr
    names = {p.name for p in out.iterdir()}
    assert names == {"baseline.html", "baseline.json", "placements.png", "bands.png",
                     "distances.png"}  # fmt: skip
    doc = json.loads((out / "baseline.json").read_text())
    assert doc["looked_after"] == 800 and len(doc["reports"]) == 5
    assert 0.1 < doc["share_over_20_miles"] < 0.3 and 0.3 < doc["share_outside_la"] < 0.55
    page = (out / "baseline.html").read_text()
    assert "Distance from home and placement inside or outside the LA" in page


def test_one_la_and_json(extract: Path) -> None:
    r = run("baseline", str(extract / "Leeds"), "--la", "Leeds", "--json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    # Without --as-of, the day is the latest date in the extract (a placement's start).
    assert doc["las"] == ["Leeds"] and "2026-03-01" < doc["as_of"][0] <= "2026-03-31"
    again = run("baseline", str(extract), "--la", "Leeds", "--json")  # DIR/<LA> found too
    assert json.loads(again.stdout)["looked_after"] == doc["looked_after"]


def test_xml_gives_the_same_figures_as_csv(extract: Path, tmp_path: Path) -> None:
    r = run("generate", str(tmp_path), "--children", "800", "--seed", "1", "--xml")
    assert r.exit_code == 0, r.output
    assert [p.name for p in (tmp_path / "Leeds").iterdir()] == ["Leeds.xml"]
    from_xml = json.loads(
        run("baseline", str(tmp_path / "Leeds"), "--la", "Leeds", "--json").stdout
    )
    from_csv = json.loads(run("baseline", str(extract / "Leeds"), "--la", "Leeds", "--json").stdout)
    assert from_xml["tables"] == from_csv["tables"]


def test_generate_options(tmp_path: Path) -> None:
    r = run("generate", str(tmp_path), "--la", "York", "--children", "120", "--as-of",
            "2025-03-31", "--seed", "7")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "2025-03-31" in r.stdout and "York" in r.stdout
    places = {line.split(",")[5] for line in (tmp_path / "York" / "episodes.csv").open()}
    assert "K3" in places or "H5" not in places  # the 2024-25 return has K3
    r = run("baseline", str(tmp_path), "--la", "York", "--as-of", "2025-03-31", "--quiet")
    assert r.exit_code == 0 and "120" in r.stdout


def test_a_siblings_file_adds_the_sibling_table(extract: Path, tmp_path: Path) -> None:
    episodes = (extract / "Calderdale" / "episodes.csv").read_text().splitlines()[1:]
    by_outcode: dict[str, dict[str, None]] = {}  # a child can have several episodes
    for line in episodes:
        cells = line.split(",")
        by_outcode.setdefault(cells[11], {})[cells[0]] = None
    pair = next(list(ids) for ids in by_outcode.values() if len(ids) >= 2)
    siblings = tmp_path / "siblings.csv"
    siblings.write_text(f"child,sibling,policy\n{pair[0]},{pair[1]},should\n")
    r = run("baseline", str(extract), "--la", "Calderdale", "--siblings", str(siblings))
    assert r.exit_code == 0, r.output
    assert "Sibling groups" in r.stdout
    r = run("baseline", str(extract), "--la", "Leeds", "--la", "Wakefield",
            "--siblings", str(siblings))  # fmt: skip
    assert r.exit_code == EXIT_USAGE and "--siblings goes with one --la" in r.stderr


@needs_sample
def test_the_shared_sample(tmp_path: Path) -> None:
    out = tmp_path / "x"
    r = run("baseline", str(SAMPLE), "--la", "Leeds", "--as-of", "2018-04-01", "--out", str(out))
    assert r.exit_code == 0, r.output
    assert "1,186" in r.stdout and "unknown_outcode" in r.stdout
    assert (out / "baseline.html").is_file() and (out / "distances.png").is_file()


def test_errors_exit_with_the_shared_codes_and_one_line(extract: Path, tmp_path: Path) -> None:
    cases = []
    r = run("baseline", str(tmp_path / "nothing"), "--la", "Leeds")
    cases.append((r, EXIT_USAGE, "no such file or folder"))
    r = run("baseline", str(extract), "--la", "Narnia")
    cases.append((r, EXIT_USAGE, "unknown LA 'Narnia'"))
    r = run("baseline", str(tmp_path), "--la", "Leeds")
    cases.append((r, EXIT_USAGE, "no 903 extract for Leeds"))
    bad = tmp_path / "bad.xml"
    bad.write_text("<!DOCTYPE x [<!ENTITY a 'b'>]><EXPSSDA903/>")
    r = run("baseline", str(bad), "--la", "Leeds")
    cases.append((r, EXIT_INVALID, "is not a 903 extract"))
    half = tmp_path / "half"
    half.mkdir()
    (half / "header.csv").write_text("CHILD,SEX,DOB\n1,1,01/01/2010\n")
    r = run("baseline", str(half), "--la", "Leeds")
    cases.append((r, EXIT_INVALID, "no episodes table"))
    blocked = tmp_path / "a-file"
    blocked.write_text("")
    r = run("baseline", str(extract / "Leeds"), "--la", "Leeds", "--out", str(blocked / "x"))
    cases.append((r, EXIT_WRITE, "cannot write"))
    r = run("generate", str(tmp_path / "g"), "--la", "Narnia")
    cases.append((r, EXIT_USAGE, "Narnia"))
    r = run("generate", str(blocked / "g"), "--children", "5")
    cases.append((r, EXIT_WRITE, "cannot write"))
    for r, code, message in cases:
        assert r.exit_code == code, (message, r.output)
        assert message in r.stderr
        assert r.stderr.count("error:") == 1  # one message (progress lines aside)


def test_a_scenario_starts_from_the_extract(extract: Path, tmp_path: Path) -> None:
    from scenarios.spec import load_scenario

    path = tmp_path / "from-903.yaml"
    r = run("baseline", str(extract / "Leeds"), "--la", "Leeds", "--as-of", "2026-03-31",
            "--scenario", str(path))  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "wrote the scenario" in r.stderr
    text = path.read_text()
    assert text.startswith("# Leeds as their SSDA903 data shows on 2026-03-31")
    scenario = load_scenario(path)
    leeds = json.loads(run("baseline", str(extract / "Leeds"), "--la", "Leeds", "--as-of",
                           "2026-03-31", "--json").stdout)  # fmt: skip
    assert scenario.las == ("Leeds",) and scenario.children == leeds["looked_after"]
    assert 0 < sum(scenario.placed.values()) < scenario.children
    bad = run("baseline", str(extract / "Leeds"), "--la", "Leeds", "--scenario", "/proc/x.yaml")
    assert bad.exit_code == EXIT_WRITE and "cannot write /proc/x.yaml" in bad.output


def test_bench_times_an_import_and_a_reimport() -> None:
    r = run("bench", "--runs", "1")
    assert r.exit_code == 0, r.output
    for phase in ("check and rebuild", "store (first import)", "store (again, unchanged)"):
        assert phase in r.stdout
    assert "Import of 1,346 children (Leeds)" in r.stdout.replace("\n", " ")


def test_dfe_check_prints_each_rule_and_exits_1_on_an_unexplained_one() -> None:
    """Tests that `ssda903 dfe-check` prints a progress line per export and a table of
    the failing rules, and exits 1 exactly when one is unexplained (its summary names
    them), 0 otherwise."""
    from bench.dfe903.venv import default_place

    args = ("--year", "2026", "--path", "adoption", "--xml", "--children", "30")
    r = run("dfe-check", *args, "--venv", str(default_place()))
    assert "[1/2] 2026 adoption CSV" in r.stderr and "[2/2] 2026 adoption XML" in r.stderr
    assert "Rules the DfE validator fails" in r.stdout and "392c" in r.stdout
    assert "2 export(s)" in r.stdout
    assert r.exit_code == (1 if "unexplained: " in r.stdout else 0), r.output
    assert run("dfe-check", "--path", "nowhere").exit_code == EXIT_USAGE
