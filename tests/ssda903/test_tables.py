"""Tables recognised by their columns (any file name), and the return's other tables:
Missing feeds the child's needs, the rest are read and named in the report as not used."""

from __future__ import annotations

from pathlib import Path

import pytest

import ssda903
from ssda903.read import (
    COLUMNS,
    OTHER_COLUMNS,
    ExtractUnreadable,
    table_of_columns,
    table_of_path,
)
from tests.ssda903.helpers import AS_OF, EPISODES, HEADER, csv_text, imported

HEADER_CSV = csv_text(HEADER, COLUMNS["header"])
EPISODES_CSV = csv_text(EPISODES, COLUMNS["episodes"])


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def _codes(ext: ssda903.Extract) -> list[str]:
    return [c.code for c in imported(ext).children]


def _missing(*rows: tuple[str, str, str]) -> str:
    """Missing rows for child 101: (MISSING, MIS_START, MIS_END)."""
    return csv_text(
        [{"CHILD": "101", "MISSING": m, "MIS_START": s, "MIS_END": e} for m, s, e in rows],
        OTHER_COLUMNS["missing"],
    )


def test_every_table_is_told_by_its_columns_in_any_order() -> None:
    for name, columns in {**COLUMNS, **OTHER_COLUMNS}.items():
        assert table_of_columns(tuple(reversed(columns))) == name
    assert table_of_columns(COLUMNS["episodes"][:-1]) is None


def test_renamed_files_are_recognised_by_their_columns(tmp_path: Path) -> None:
    named = _write(tmp_path / "a", {"header.csv": HEADER_CSV, "episodes.csv": EPISODES_CSV})
    renamed = _write(tmp_path / "b", {"export1.csv": HEADER_CSV, "export2.csv": EPISODES_CSV})
    ext = ssda903.read_extract(renamed)
    assert set(ext.tables) == {"header", "episodes"}
    assert ext.tables["episodes"].source == "export2.csv"
    assert _codes(ext) == _codes(ssda903.read_extract(named)) == ["101", "102", "103"]
    assert not [i for i in imported(ext).report.issues if i.rule == "file_name_differs"]


def test_a_file_of_no_table_refuses_the_extract_naming_the_nearest(tmp_path: Path) -> None:
    odd = EPISODES_CSV.replace("URN", "OFSTED_URN", 1)
    folder = _write(tmp_path / "x", {"header.csv": HEADER_CSV, "export2.csv": odd})
    with pytest.raises(ExtractUnreadable) as caught:
        ssda903.read_extract(folder)
    message = str(caught.value)
    assert "export2.csv is not a 903 table by its columns (CHILD, DECOM" in message
    assert "the nearest is episodes (it lacks URN; it has OFSTED_URN besides)" in message


def test_a_named_file_with_a_missing_or_extra_column_is_read_with_an_issue() -> None:
    lacking = csv_text(EPISODES, COLUMNS["episodes"][:-1])  # no URN
    ext = ssda903.extract_from_csv({"header.csv": HEADER_CSV, "SSDA903_2024_Episodes.csv": lacking})
    [issue] = [i for i in imported(ext).report.issues if i.rule == "non_standard_columns"]
    assert (issue.table, issue.column, issue.severity) == ("episodes", "URN", "warning")
    assert "SSDA903_2024_Episodes.csv" in issue.message and "it lacks URN" in issue.message
    extra = HEADER_CSV.replace("MC_DOB", "MC_DOB,NOTES", 1)
    ext = ssda903.extract_from_csv({"header.csv": extra, "episodes.csv": EPISODES_CSV})
    [issue] = [i for i in imported(ext).report.issues if i.rule == "non_standard_columns"]
    assert issue.column == "NOTES" and "it has NOTES besides (ignored)" in issue.message
    assert _codes(ext) == ["101", "102", "103"]


def test_columns_outrank_a_name_that_says_another_table() -> None:
    ext = ssda903.extract_from_csv({"uasc.csv": HEADER_CSV, "episodes.csv": EPISODES_CSV})
    assert set(ext.tables) == {"header", "episodes"}
    [issue] = [i for i in imported(ext).report.issues if i.rule == "file_name_differs"]
    assert "uasc.csv is named like the uasc table but has the header table's" in issue.message


def test_the_other_tables_are_read_and_named_as_not_used(tmp_path: Path) -> None:
    others = {
        "Reviews.csv": "CHILD,DOB,REVIEW,REVIEW_CODE\n101,01/06/2012,01/02/2024,PN1\n",
        "social_workers.csv": "CHILD,DOB,SW_ID,SW_DECOM,SW_DEC,SW_REASON\n101,,SW1,,,\n",
        "oc3.csv": "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM\n",
        "header_last.csv": HEADER_CSV,
        "siblings.csv": "child,sibling,policy\n101,102,should\n",
    }
    files = {"header.csv": HEADER_CSV, "episodes.csv": EPISODES_CSV} | others
    report = imported(ssda903.read_extract(_write(tmp_path / "x", files))).report
    assert report.unused == {"reviews": 1, "oc3": 0, "sw_episodes": 1}
    assert report.passed_over == [
        "header_last.csv (last year's table)",
        "siblings.csv (sibling links: give them as the siblings file)",
    ]
    text = report.text()
    assert "read, not used: reviews (1 row), oc3 (0 rows), sw_episodes (1 row)" in text
    assert "not read: header_last.csv (last year's table)" in text
    assert report.to_dict()["read_not_used"] == report.unused


def test_going_missing_again_and_again_is_an_exploitation_risk() -> None:
    def needs(missing: str) -> list[str]:
        ext = ssda903.extract_from_csv(
            {"header": HEADER_CSV, "episodes": EPISODES_CSV, "Missing.csv": missing}
        )
        [child] = [c for c in imported(ext).child_records() if c["id"] == "Leeds-101"]
        return list(child["needs"])

    three = [("M", "01/06/2023", "02/06/2023"), ("M", "01/09/2023", ""), ("m", "01/03/2024", "")]
    assert needs(_missing(*three)) == ["exploitation_risk"]
    assert needs(_missing(*three[:2])) == []  # twice: not yet
    assert needs(_missing(*three[:2], ("A", "01/03/2024", ""))) == []  # away, whereabouts known
    assert needs(_missing(("M", "01/03/2023", ""), *three[1:])) == []  # over a year before
    assert AS_OF.isoformat() == "2024-03-31"


def test_bad_missing_rows_are_skipped_naming_the_dfe_rule() -> None:
    bad = _missing(("X", "01/06/2023", ""), ("M", "01/06/2023", "01/05/2023"), ("M", "", ""))
    ext = ssda903.extract_from_csv({"header": HEADER_CSV, "episodes": EPISODES_CSV, "missing": bad})
    report = imported(ext).report
    found = {(i.rule, i.row, i.column) for i in report.errors if i.table == "missing"}
    assert found == {
        ("unknown_code", 1, "MISSING"),
        ("ended_before_started", 2, "MIS_END"),
        ("required_blank", 3, "MIS_START"),
    }
    assert report.tables["missing"].skipped == 3


def test_the_xml_return_carries_missing_episodes_and_reviews() -> None:
    parts = "".join(
        f"<AMISSING><MISSING>M</MISSING><MIS_START>{d}</MIS_START><MIS_END/></AMISSING>"
        for d in ("01/06/2023", "01/09/2023", "01/03/2024")
    )
    xml = (
        "<EXPSSDA903><CHILD><HEADER><CHILDID>101</CHILDID><SEX>1</SEX><DOB>01/06/2012</DOB>"
        f"<ETHNIC>WBRI</ETHNIC>{parts}<AREVIEW><REVIEW>01/02/2024</REVIEW></AREVIEW></HEADER>"
        "<EPISODE><DECOM>01/05/2023</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U6</PL>"
        "<PLACE_PROVIDER>PR1</PLACE_PROVIDER><HOME_POST>LS9 7TF</HOME_POST>"
        "<PL_POST>LS12 1AA</PL_POST></EPISODE></CHILD></EXPSSDA903>"
    )
    ext = ssda903.extract_from_xml(xml)
    assert [r.where for r in ext.tables["missing"].rows] == [
        f"HEADER/AMISSING {k}" for k in (1, 2, 3)
    ]
    imp = imported(ext)
    assert imp.child_records()[0]["needs"] == ["exploitation_risk"]
    assert imp.report.unused == {"reviews": 1}


def test_a_file_is_told_from_its_first_line_alone(tmp_path: Path) -> None:
    """How the command line tells a folder that is an extract from one of LA folders."""
    folder = _write(
        tmp_path / "x",
        {"a.csv": HEADER_CSV, "episodes.csv": "X\n", "header_last.csv": HEADER_CSV, "b.txt": ""},
    )
    assert table_of_path(folder / "a.csv") == "header"  # its columns
    assert table_of_path(folder / "episodes.csv") == "episodes"  # its name
    assert table_of_path(folder / "header_last.csv") is None
    assert table_of_path(folder / "b.txt") is None
