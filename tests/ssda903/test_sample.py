"""The shared sample extract, and reading CSV and XML.

The sample (../shared/data/ssda903-sample, MIT, Social Finance's fake 903 data) is
synthetic and deliberately messy: random postcodes, providers that contradict the
placement type, reasons for ending given on open episodes. It must import with a report
that names those traps, and the XML form of the same data must give the same children.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import ssda903
from ssda903.read import COLUMNS, decode, table_of_file
from tests.ssda903.helpers import SAMPLE, needs_sample


@pytest.fixture(scope="module")
def sample() -> ssda903.Extract:
    return ssda903.read_extract(SAMPLE)


@pytest.fixture(scope="module")
def sample_import(sample: ssda903.Extract) -> ssda903.Import:
    return ssda903.import_extract(sample, la="Leeds")


@needs_sample
def test_the_sample_imports_with_a_report_and_no_exception(sample_import: ssda903.Import) -> None:
    report = sample_import.report
    assert sample_import.as_of == date(2018, 4, 1)  # the latest DEC
    assert report.to_dict()["year"] == "2017-18"
    counts = {name: (c.read, c.imported, c.skipped) for name, c in report.tables.items()}
    assert counts == {
        "header": (2675, 2675, 0),
        "episodes": (5050, 5050, 0),
        "uasc": (132, 132, 0),
        "placed_for_adoption": (29, 29, 0),
        "oc2": (2675, 2675, 0),
    }
    assert report.children == {
        "in_header": 2675,
        "looked_after": 1186,
        "short_breaks_only": 217,
        "left_care": 720,
        "no_episodes": 552,
        "placed_for_adoption": 178,
        "adoption_plans": 259,
        "home_unknown": 984,
    }
    assert len(sample_import.children) == 1186
    assert report.errors == []


@needs_sample
def test_the_sample_traps_are_reported(sample_import: ssda903.Import) -> None:
    report = sample_import.report
    by_rule = report.by_rule()
    # Random postcodes ("EG19 7TT"): most are not outcodes, so the distance is unknown.
    assert by_rule["unknown_outcode"] == 9040
    first = next(i for i in report.issues if i.rule == "unknown_outcode")
    assert (first.table, first.row, first.column, first.value) == (
        "episodes",
        2,
        "HOME_POST",
        "EG19 7TT",
    )
    assert first.message == "HOME_POST 'EG19 7TT' is not a known outcode: distance unknown"
    # Inconsistent codes: providers that cannot run the placement (PR0 with T2 ...),
    # REC on open episodes, a made-up REASON_PLACED_CEASED.
    assert by_rule["provider_conflict"] == 1497
    assert by_rule["rec_without_dec"] == 1413
    assert by_rule["unknown_code"] == 29
    assert by_rule["overlapping_episodes"] == 72
    assert by_rule["x1_without_next"] == 8
    assert by_rule["dec_after_year_end"] == 12
    assert by_rule["no_episodes"] == 552
    text = report.text()
    assert "PLACE_PROVIDER PR0 (parents) cannot go with PLACE T2 (DfE rule 550)" in text
    # A few random postcodes are real outcodes by chance; those children get a distance.
    known = [k for k in sample_import.children if k.placement.distance_km is not None]
    assert 0 < len(known) < 50


@needs_sample
def test_the_sample_as_xml_gives_the_same_children_and_issues(
    sample: ssda903.Extract, sample_import: ssda903.Import
) -> None:
    rows = {name: [dict(r.values) for r in t.rows] for name, t in sample.tables.items()}
    xml = ssda903.to_xml(rows)
    from_xml = ssda903.import_extract(ssda903.extract_from_xml(xml.encode()), la="Leeds")
    assert [k.to_dict() for k in from_xml.children] == [k.to_dict() for k in sample_import.children]
    assert from_xml.report.by_rule() == sample_import.report.by_rule()
    issue = next(i for i in from_xml.report.issues if i.rule == "unknown_outcode")
    assert (issue.row, issue.where) == (1, "EPISODE 2")
    assert str(issue).startswith("CHILD element 1, EPISODE 2: HOME_POST 'EG19 7TT'")


@needs_sample
def test_baseline_figures_of_the_sample(sample_import: ssda903.Import) -> None:
    b = ssda903.baseline(sample_import)
    assert b.looked_after == 1186
    assert b.distance_known == len(
        [k for k in sample_import.children if k.placement.distance_km is not None]
    )
    tables = b.tables()
    assert sum(r[3] for r in tables["by_placement_type"]["rows"]) == 1186
    assert sum(r[2] for r in tables["by_provider"]["rows"]) == 1186
    assert sum(r[1] for r in tables["distance_locality"]["rows"]) == 1186


# -- reading ------------------------------------------------------------------------------

HEADER_CSV = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n1,1,01/01/2010,WBRI,,,\n"
EPISODES_CSV = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
    "1,01/01/2024,S,C2,N1,U6,PR1,,,,LS9 7TF,LS12 1AA,\n"
)


def _children(ext: ssda903.Extract) -> list[dict]:
    return ssda903.import_extract(ext, la="Leeds", as_of=date(2024, 3, 31)).child_records()


def test_a_byte_order_mark_any_column_order_and_lower_case_names_are_read() -> None:
    plain = _children(ssda903.extract_from_csv({"header": HEADER_CSV, "episodes": EPISODES_CSV}))
    shuffled = "dob,ethnic,child,sex\n01/01/2010,WBRI,1,1\n"
    bom = "\ufeff".encode() + EPISODES_CSV.encode()
    assert _children(ssda903.extract_from_csv({"header": shuffled, "episodes": bom})) == plain
    # Excel on Windows saves CSV in Windows-1252.
    assert decode("Zoë,£".encode("cp1252")) == "Zoë,£"
    assert decode("Zoë".encode()) == "Zoë"


def test_spreadsheet_numbers_and_iso_dates_are_read() -> None:
    header = "CHILD,SEX,DOB,ETHNIC\n1,1.0,2010-01-01,wbri\n"
    [child] = _children(ssda903.extract_from_csv({"header": header, "episodes": EPISODES_CSV}))
    assert (child["sex"], child["age"], child["ethnicity"]) == ("M", 14, "WBRI")


def test_a_missing_header_line_is_one_issue_for_the_table() -> None:
    no_header_line = EPISODES_CSV.split("\n", 1)[1]
    ext = ssda903.extract_from_csv({"header": HEADER_CSV, "episodes": no_header_line})
    imp = ssda903.import_extract(ext, la="Leeds")
    [issue] = [i for i in imp.report.issues if i.rule == "missing_column"]
    assert issue.table == "episodes" and issue.row == 0 and "first line" in issue.message
    assert "it reads: 1, 01/01/2024" in issue.message  # the data line taken as names
    assert imp.children == ()


@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("header.csv", "header"),
        ("Episodes.CSV", "episodes"),
        ("SSDA903_2024_header.csv", "header"),
        ("PlacedAdoption.csv", "placed_for_adoption"),
        ("placed_for_adoption.csv", "placed_for_adoption"),
        ("oc2.csv", "oc2"),
        ("uasc.csv", "uasc"),
        ("header_last.csv", None),
        ("reviews.csv", "reviews"),
        ("SWEpisodes.csv", "sw_episodes"),
        ("SSDA903_Missing.csv", "missing"),
        ("notes.csv", None),
    ],
)
def test_files_are_recognised_by_name(name: str, table: str | None) -> None:
    assert table_of_file(name) == table


def test_read_extract_takes_a_directory_or_an_xml_file(tmp_path: Path) -> None:
    (tmp_path / "header.csv").write_text(HEADER_CSV)
    (tmp_path / "episodes.csv").write_text(EPISODES_CSV)
    (tmp_path / "reviews.csv").write_text("CHILD\n1\n")
    ext = ssda903.read_extract(tmp_path)
    assert ext.form == "csv" and set(ext.tables) == {"header", "episodes", "reviews"}
    rows = {n: [dict(r.values) for r in t.rows] for n, t in ext.tables.items() if n != "reviews"}
    xml = tmp_path / "return.xml"
    xml.write_text(ssda903.to_xml(rows))
    assert _children(ssda903.read_extract(xml)) == _children(ext)
    with pytest.raises(FileNotFoundError):
        ssda903.read_extract(tmp_path / "nowhere")


XML = """<?xml version="1.0" encoding="us-ascii"?>
<EXPSSDA903><CHILD><HEADER><CHILDID>1</CHILDID><UPN>UN4</UPN><SEX>2</SEX><DOB>01/01/2010</DOB>
<ETHNIC>BAFR</ETHNIC><UASC>1</UASC><DUC>01/01/2028</DUC><AREVIEW><REVIEW>01/02/2024</REVIEW>
<REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW><MOTHER>0</MOTHER><MC_DOB/><OC2><SDQ_SCORE>20</SDQ_SCORE>
</OC2><AD_PLACED><DATE_PLACED>01/02/2024</DATE_PLACED><DATE_PLACED_CEASED/>
<REASON_PLACED_CEASED/></AD_PLACED></HEADER><EPISODE><DECOM>01/01/2024</DECOM><RNE>S</RNE>
<LS>C2</LS><CIN>N1</CIN><PL>U6</PL><PL_POST>LS12 1AA</PL_POST><HOME_POST/><URN/>
<PLACE_PROVIDER>PR1</PLACE_PROVIDER><DEC/><REC/><REASON_PLACE_CHANGE/></EPISODE></CHILD>
<CHILD><EPISODE><DECOM>01/01/2024</DECOM></EPISODE></CHILD></EXPSSDA903>
"""


def test_the_xml_form_reads_header_episodes_uasc_oc2_and_ad_placed() -> None:
    ext = ssda903.extract_from_xml(XML.encode("ascii"))
    assert {n: len(t.rows) for n, t in ext.tables.items()} == {
        "header": 1,
        "episodes": 2,
        "uasc": 1,
        "placed_for_adoption": 1,
        "oc2": 1,
        "reviews": 1,
    }
    imp = ssda903.import_extract(ext, la="Leeds", as_of=date(2024, 3, 31))
    [child] = imp.child_records()
    assert child["needs"] == ["emotional_behavioural", "uasc"]
    assert child["adoption"] == {"waiting_since": "2024-02-01"}
    [orphan] = [i for i in imp.report.issues if i.rule == "required_blank"]
    assert (orphan.table, orphan.row, orphan.where) == ("episodes", 2, "EPISODE 1")


def test_xml_with_a_namespace_reads_the_same() -> None:
    namespaced = XML.replace("<EXPSSDA903>", '<EXPSSDA903 xmlns="urn:example:903">')
    a = ssda903.extract_from_xml(XML)
    b = ssda903.extract_from_xml(namespaced)
    assert a.tables == b.tables


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><EXPSSDA903>&a;</EXPSSDA903>',
            "DOCTYPE",
        ),
        (
            '<!DOCTYPE x SYSTEM "file:///etc/passwd"><EXPSSDA903/>',
            "DOCTYPE",
        ),
        ("<EXPSSDA903><CHILD></EXPSSDA903>", "not well-formed"),
        ("<CLA><CHILD/></CLA>", "not <EXPSSDA903>"),
    ],
)
def test_unsafe_or_broken_xml_is_refused_as_a_whole(text: str, why: str) -> None:
    with pytest.raises(ssda903.ExtractUnreadable, match=why):
        ssda903.extract_from_xml(text.encode())


def test_utf16_xml_cannot_hide_a_doctype() -> None:
    text = '<?xml version="1.0" encoding="utf-16"?><!DOCTYPE x><EXPSSDA903/>'
    with pytest.raises(ssda903.ExtractUnreadable, match="DOCTYPE"):
        ssda903.extract_from_xml(text.encode("utf-16"))


def test_every_table_has_its_standard_columns() -> None:
    assert COLUMNS["episodes"][:3] == ("CHILD", "DECOM", "RNE")
    assert set(COLUMNS) == {"header", "episodes", "uasc", "placed_for_adoption", "oc2"}
