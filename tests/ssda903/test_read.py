"""Reading 903 CSV files that are not plain UTF-8 text (issue 13): faults the CSV reader
finds refuse the file naming it, the row and the reason; UTF-16 and CR-only files are
read; a binary file is refused; CHILD codes and URNs the store cannot keep are issues of
their row, the same in a check and in an import."""

from __future__ import annotations

import codecs
import io

import pytest

import ssda903
from ssda903.read import COLUMNS, ExtractUnreadable, read_csv_table
from tests.ssda903.helpers import EPISODES, HEADER, changed, csv_text, extract, imported

#: The clean header table as CSV bytes, and one line of it spoiled in each way issue 13
#: found a 500 (row 2 is the second data row).
HEADER_CSV = csv_text(HEADER, COLUMNS["header"]).encode()
BARE_CR = HEADER_CSV.replace(b"102,2,", b"10\r2,2,")
LONG_FIELD = HEADER_CSV.replace(b"102,2,", b"102," + b"x" * 140_000 + b",")
BINARY = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256)) * 40
#: (the file's bytes, words the refusal must hold)
FAULTS = {
    "bare CR": (BARE_CR, ["header.csv, row 2", "a line break (CR) inside a field"]),
    "long field": (LONG_FIELD, ["header.csv, row 2", "longer than 131,072 characters"]),
    "binary": (BINARY, ["header.csv is not a CSV text file", "NUL bytes"]),
}


@pytest.mark.parametrize("fault", FAULTS)
def test_a_file_the_csv_reader_cannot_read_is_refused_naming_file_row_and_reason(
    fault: str,
) -> None:
    """Tests that each CSV fault is an ExtractUnreadable naming the file and the row (not
    a csv.Error, which the API answered with a 500)."""
    data, words = FAULTS[fault]
    with pytest.raises(ExtractUnreadable) as caught:
        read_csv_table("header", io.BytesIO(data), "header.csv")
    for w in words:
        assert w in str(caught.value)


@pytest.mark.parametrize("fault", FAULTS)
def test_a_siblings_file_the_csv_reader_cannot_read_is_refused_too(fault: str) -> None:
    data, _ = FAULTS[fault]
    links = data.replace(b"CHILD,SEX", b"child,sibling,policy,SEX")
    with pytest.raises(ExtractUnreadable, match="siblings.csv"):
        ssda903.parse_siblings(links)


@pytest.mark.parametrize(
    "encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig", "cp1252"]
)
def test_text_in_the_encodings_case_systems_export_is_read(encoding: str) -> None:
    """Tests that UTF-16 (Excel's "Unicode" export, with or without a byte-order mark),
    UTF-32, UTF-8 with a BOM and Windows-1252 all give the same three children."""
    text = HEADER_CSV.decode().replace("WBRI,", "WBRI,Zoë")  # in the UPN column
    data = text.encode(encoding)
    if encoding == "utf-16":
        assert data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    table = read_csv_table("header", io.BytesIO(data), "header.csv")
    assert [r.get("CHILD") for r in table.rows] == ["101", "102", "103"]
    assert table.columns[:4] == ("CHILD", "SEX", "DOB", "ETHNIC")
    assert table.rows[0].get("UPN") == "Zoë"


def test_a_file_whose_lines_end_in_a_bare_cr_is_read() -> None:
    """Tests that old Mac line ends (CR only) are lines, not a fault."""
    data = HEADER_CSV.replace(b"\r\n", b"\r")
    table = read_csv_table("header", io.BytesIO(data), "header.csv")
    assert [r.get("CHILD") for r in table.rows] == ["101", "102", "103"]


def test_a_quoted_field_may_hold_a_line_break() -> None:
    data = HEADER_CSV.replace(b"102,2,", b'"10\r2",2,')
    table = read_csv_table("header", io.BytesIO(data), "header.csv")
    assert table.rows[1].get("CHILD") == "10\r2"


@pytest.mark.parametrize("code", ["1 02", '10"2', "10/2", "<102>", "=1+2", "102\u200f", "x" * 33])
def test_a_child_code_the_store_cannot_keep_is_an_error_of_its_row(code: str) -> None:
    """Tests that a CHILD code with a space, quote, slash, '<', '=', an RTL mark, or longer
    than 32 characters skips that child with a `not_a_child_code` error (table, row,
    column, value), its episodes with it, and imports the others."""
    imp = imported(
        extract(header=changed(HEADER, 1, CHILD=code), episodes=changed(EPISODES, 1, CHILD=code))
    )
    assert [k.code for k in imp.children] == ["101", "103"]
    [issue] = [i for i in imp.report.issues if i.rule == "not_a_child_code"]
    assert (issue.table, issue.row, issue.column, issue.value) == ("header", 2, "CHILD", code)
    assert issue.severity == "error"
    [episode] = [i for i in imp.report.issues if i.table == "episodes"]
    assert episode.rule == "no_header" and "header row was skipped" in episode.message


def test_a_urn_the_store_cannot_keep_is_blanked_with_a_warning() -> None:
    imp = imported(extract(episodes=changed(EPISODES, 0, URN="SC" + "1" * 20)))
    assert imp.children[0].placement.urn is None
    [issue] = [i for i in imp.report.issues if i.rule == "not_a_urn"]
    assert (issue.table, issue.row, issue.column, issue.severity) == (
        "episodes",
        1,
        "URN",
        "warning",
    )


@pytest.mark.parametrize(
    ("la", "prefix"),
    [("Leeds", "Leeds-"), ("County Durham", "County-Durham-"), ("Bath and North East Somerset",
     "Bath-and-North-East-Somerset-")],
)  # fmt: skip
def test_an_las_ids_hold_only_id_characters(la: str, prefix: str) -> None:
    """Tests that an LA whose name has spaces gets ids the audit log and URLs accept."""
    assert ssda903.la_id_prefix(la) == prefix
    imp = ssda903.import_extract(extract(), la=la, as_of=imported().as_of)
    assert [k.id for k in imp.children] == [prefix + c for c in ("101", "102", "103")]


def test_a_long_bad_value_is_not_repeated_whole_in_its_message() -> None:
    """Tests that a 5,000-character CHILD or URN is shown shortened in the message (the
    value itself stays in the issue's value)."""
    code, urn = "x" * 5000, "U" * 5000
    imp = imported(
        extract(
            header=changed(HEADER, 1, CHILD=code),
            episodes=changed(changed(EPISODES, 1, CHILD=code), 0, URN=urn),
        )
    )
    bad = [i for i in imp.report.issues if i.rule in ("not_a_child_code", "not_a_urn")]
    assert len(bad) == 2 and all(len(i.message) < 200 for i in bad)
    assert {i.value for i in bad} == {code, urn}
