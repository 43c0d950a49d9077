"""`placematch import-903` end to end into a real SQLite file: in this process, but for
the first import and the one killed with kill -9, which run `python -m cli`
(tests/cli/helpers.py)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from ssda903.read import COLUMNS
from tests.cli.helpers import run, run_process
from tests.ssda903.helpers import EPISODES, HEADER, OC2, UASC, changed, csv_text

AS_OF = "2024-03-31"


def write_extract(folder: Path, **tables: list[dict[str, str]] | None) -> Path:
    """The three-child clean extract as CSV files, some tables replaced or (None) left out."""
    folder.mkdir(parents=True, exist_ok=True)
    base = {"header": HEADER, "episodes": EPISODES, "uasc": UASC, "oc2": OC2}
    for name, rows in (base | tables).items():
        if rows is not None:
            (folder / f"{name}.csv").write_text(csv_text(rows, COLUMNS[name]))
    return folder


def db(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "placematch.db"
    return path, f"sqlite:///{path}"


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def import_903(folder: Path, url: str, *extra: str, process: bool = False) -> object:
    return (run_process if process else run)(
        "import-903", str(folder), "--la", "Leeds", "--as-of", AS_OF, "--database-url", url, *extra
    )


def test_an_extract_is_imported_with_its_report(tmp_path: Path) -> None:
    folder = write_extract(tmp_path / "x", header=changed(HEADER, 1, DOB="31/02/2015"))
    path, url = db(tmp_path)
    report = tmp_path / "report.json"
    r = import_903(
        folder, url, "--report", str(report), "--issues", str(tmp_path / "i.csv"), process=True
    )
    assert r.returncode == 0, r.stderr
    assert "header" in r.stdout and "2 looked after" in r.stdout
    assert "DOB 31/02/2015 is not a date" in r.stdout  # the row's fault, as a data officer reads it
    assert "2 new, 0 updated" in r.stderr
    assert sorted(x for (x,) in rows(path, "SELECT id FROM child")) == ["Leeds-101", "Leeds-103"]
    assert rows(path, "SELECT count(*) FROM care_record") == [(2,)]
    doc = json.loads(report.read_text())
    first = doc["issues"][0]
    assert (first["table"], first["row"], first["column"]) == ("header", 2, "DOB")
    assert first["rule"] == "not_a_date" and first["severity"] == "error"
    assert doc["by_rule"]["not_a_date"] == 1
    issues = (tmp_path / "i.csv").read_text().splitlines()
    assert issues[0] == "table,row,column,value,rule,severity,message,where"
    assert issues[1].startswith("header,2,DOB,31/02/2015,not_a_date,error,")


def test_importing_again_updates_nothing_that_did_not_change(tmp_path: Path) -> None:
    folder = write_extract(tmp_path / "x")
    path, url = db(tmp_path)
    assert import_903(folder, url).returncode == 0
    r = import_903(folder, url)
    assert r.returncode == 0, r.stderr
    assert "0 new, 0 updated, 3 unchanged" in r.stderr
    assert rows(path, "SELECT count(*) FROM child") == [(3,)]
    assert rows(path, "SELECT count(*) FROM ssda903_import") == [(2,)]


def test_check_only_writes_nothing(tmp_path: Path) -> None:
    path, url = db(tmp_path)
    r = import_903(write_extract(tmp_path / "x"), url, "--check")
    assert r.returncode == 0, r.stderr
    assert "nothing written" in r.stderr and not path.exists()


def test_a_siblings_file_makes_groups(tmp_path: Path) -> None:
    links = tmp_path / "siblings.csv"
    links.write_text("child,sibling,policy\n101,102,should\n")
    path, url = db(tmp_path)
    r = import_903(write_extract(tmp_path / "x"), url, "--siblings", str(links))
    assert r.returncode == 0, r.stderr
    assert rows(path, "SELECT id, policy FROM sibling_group") == [("Leeds-G-101", "should")]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--la", "Narnia"], 2, "--la 'Narnia' is not a known LA name"),
        (["--as-of", "31/03/2024"], 2, "--as-of '31/03/2024' is not a date"),
        (["--siblings", "/no/such.csv"], 2, "--siblings /no/such.csv: no such file"),
    ],
)
def test_bad_options_exit_2_before_anything_is_written(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    path, url = db(tmp_path)
    r = import_903(write_extract(tmp_path / "x"), url, *args)
    assert r.returncode == code and message in r.stderr
    assert "Traceback" not in r.stderr and not path.exists()


def test_a_missing_folder_exits_2(tmp_path: Path) -> None:
    r = import_903(tmp_path / "nowhere", db(tmp_path)[1])
    assert r.returncode == 2 and "no such file or folder" in r.stderr


def test_an_extract_without_episodes_exits_3_and_writes_nothing(tmp_path: Path) -> None:
    path, url = db(tmp_path)
    r = import_903(write_extract(tmp_path / "x", episodes=None), url)
    assert r.returncode == 3 and "is not a 903 extract: no episodes table" in r.stderr
    assert not path.exists()


def test_an_unreadable_xml_exits_3(tmp_path: Path) -> None:
    bad = tmp_path / "return.xml"
    bad.write_text('<!DOCTYPE x [<!ENTITY a "b">]><EXPSSDA903/>')
    path, url = db(tmp_path)
    r = import_903(bad, url)
    assert r.returncode == 3 and "DOCTYPE" in r.stderr and "Traceback" not in r.stderr
    assert not path.exists()


def test_an_episode_with_a_bad_code_is_reported_and_the_child_still_imported(
    tmp_path: Path,
) -> None:
    folder = write_extract(tmp_path / "x", episodes=changed(EPISODES, 0, PLACE="Q9"))
    path, url = db(tmp_path)
    r = import_903(folder, url)
    assert r.returncode == 0, r.stderr
    assert "PLACE Q9 is not a 903 code" in r.stdout
    assert rows(path, "SELECT place FROM care_record WHERE child_id = 'Leeds-101'") == [(None,)]


@pytest.mark.parametrize("fault", ["bare CR", "long field", "binary"])
def test_a_file_the_csv_reader_cannot_read_exits_3_in_the_apis_words(
    tmp_path: Path, fault: str
) -> None:
    """Tests that the CSV faults the API answers with a 422 stop the CLI with exit 3 and
    the same words (file, row, reason), before anything is written."""
    from tests.ssda903.test_read import FAULTS

    data, words = FAULTS[fault]
    folder = write_extract(tmp_path / "x")
    (folder / "header.csv").write_bytes(data)
    path, url = db(tmp_path)
    r = import_903(folder, url)
    assert r.returncode == 3 and "Traceback" not in r.stderr
    for w in words:
        assert w in " ".join(r.stderr.split())
    assert not path.exists()


def test_kill_9_mid_import_leaves_whole_children_and_running_it_again_completes_it(
    tmp_path: Path,
) -> None:
    """Tests an import killed (SIGKILL) after its first chunks: every child written has
    their care record and is named in a `child.import` entry, the import says `writing`;
    the same extract again creates the rest, marks the first `interrupted`, and each
    child has one care record."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from synth.looked_after import generate_looked_after

    pop = generate_looked_after(6000, seed=3, las=("Leeds",))
    pop.write(tmp_path / "x")
    folder, as_of = tmp_path / "x" / "Leeds", pop.as_of.isoformat()
    path, url = db(tmp_path)
    args = ["import-903", str(folder), "--la", "Leeds", "--as-of", as_of, "--database-url", url]
    proc = subprocess.Popen([sys.executable, "-m", "cli", *args], stderr=subprocess.DEVNULL)
    # The import runs at a lower priority than this test, which watches it (set while it is
    # still importing Python): on busy cores it could otherwise write every chunk between
    # two looks (seen in the suite).
    os.setpriority(os.PRIO_PROCESS, proc.pid, 10)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists() and _written(path) >= 500:
            break
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, "the import finished before it was killed"
    [(state, created)] = rows(path, "SELECT state, created FROM ssda903_import")
    assert state == "writing" and 500 <= created < 6000
    children = {c for (c,) in rows(path, "SELECT id FROM child")}
    assert len(children) == created
    assert {c for (c,) in rows(path, "SELECT child_id FROM care_record")} == children
    audited = rows(
        path,
        "SELECT c.child_id FROM audit_child c JOIN audit e ON e.id = c.audit_id "
        "WHERE e.action = 'child.import'",
    )
    assert {c for (c,) in audited} == children

    again = run(*args)
    assert again.returncode == 0, again.stderr
    states = rows(path, "SELECT state FROM ssda903_import ORDER BY id")
    assert states == [("interrupted",), ("done",)]
    [(total,)] = rows(path, "SELECT count(*) FROM child")
    [(first, second)] = rows(path, "SELECT min(created), max(created) FROM ssda903_import")
    assert total > created and second == total - first  # the rest, none twice
    assert rows(path, "SELECT count(*) FROM care_record") == [(total,)]


def _written(path: Path) -> int:
    try:
        found = rows(path, "SELECT created FROM ssda903_import")
    except sqlite3.Error:  # not made yet
        return 0
    return int(found[0][0]) if found else 0
