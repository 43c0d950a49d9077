"""SSDA903 import: every check with one bad row, and how children are rebuilt.

`extract(...)` builds a small clean extract of three Leeds children (one foster, one in a
children's home in Calderdale, one UASC in semi-independent living) as CSV text; each
test changes what it is about and leaves the rest clean.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import ssda903
from ssda903 import codes
from ssda903.children import periods_of_care
from ssda903.read import COLUMNS
from tests.ssda903.helpers import (
    AS_OF,
    EPISODES,
    HEADER,
    OC2,
    UASC,
    changed,
    csv_text,
    extract,
    imported,
)


def by_code(imp: ssda903.Import) -> dict[str, ssda903.CareChild]:
    return {k.code: k for k in imp.children}


# -- the clean extract ------------------------------------------------------------------


def test_the_clean_extract_imports_three_children_without_issues() -> None:
    imp = imported()
    assert imp.report.issues == []
    assert [k.id for k in imp.children] == ["Leeds-101", "Leeds-102", "Leeds-103"]
    assert imp.report.children["looked_after"] == 3
    kids = by_code(imp)
    assert kids["101"].child == {
        "id": "Leeds-101",
        "la": "Leeds",
        "age": 11,
        "sex": "M",
        "ethnicity": "WBRI",
        "home": "LS9",
        "accepts": ["foster"],
        "needs": [],
    }
    p = kids["101"].placement
    assert (p.kind, p.provider, p.outcode, p.out_of_la, p.urn) == (
        "foster",
        "in_house",
        "LS12",
        False,
        "SC000101",
    )
    assert p.distance_km == pytest.approx(5.886, abs=0.01)
    assert p.start == date(2023, 5, 1)
    home = kids["102"].placement
    assert (home.kind, home.provider, home.outcode, home.out_of_la) == (
        "residential",
        "private",
        "HX1",
        True,
    )
    uasc = kids["103"]
    assert uasc.child["needs"] == ["uasc"] and uasc.child["home"] is None
    assert uasc.placement.kind == "supported" and uasc.placement.distance_km is None


# -- every check, one bad row each --------------------------------------------------------

#: (id, table changes, expected (table, row, column, rule, severity))
CASES: list[tuple[str, dict[str, Any], tuple[str, int, str, str, str]]] = [
    # header
    ("header CHILD blank", {"header": changed(HEADER, 1, CHILD="")},
     ("header", 2, "CHILD", "required_blank", "error")),
    ("header duplicate CHILD", {"header": [*HEADER, HEADER[0] | {"SEX": "2"}]},
     ("header", 4, "CHILD", "duplicate_child", "error")),
    ("DOB not a date", {"header": changed(HEADER, 1, DOB="31/02/2015")},
     ("header", 2, "DOB", "not_a_date", "error")),
    ("DOB blank", {"header": changed(HEADER, 1, DOB="")},
     ("header", 2, "DOB", "required_blank", "error")),
    ("DOB in the future", {"header": changed(HEADER, 1, DOB="01/01/2030")},
     ("header", 2, "DOB", "dob_in_future", "error")),
    ("SEX not a code", {"header": changed(HEADER, 1, SEX="7")},
     ("header", 2, "SEX", "unknown_code", "warning")),
    ("SEX blank", {"header": changed(HEADER, 1, SEX="")},
     ("header", 2, "SEX", "value_blank", "warning")),
    ("ETHNIC not a code", {"header": changed(HEADER, 1, ETHNIC="WXYZ")},
     ("header", 2, "ETHNIC", "unknown_code", "warning")),
    ("ETHNIC blank", {"header": changed(HEADER, 1, ETHNIC="")},
     ("header", 2, "ETHNIC", "value_blank", "warning")),
    ("header without episodes",
     {"header": [*HEADER, {"CHILD": "104", "SEX": "2", "DOB": "01/01/2010", "ETHNIC": "WBRI"}]},
     ("header", 4, "CHILD", "no_episodes", "warning")),
    # episodes: rows skipped
    ("episode CHILD blank", {"episodes": changed(EPISODES, 1, CHILD="")},
     ("episodes", 2, "CHILD", "required_blank", "error")),
    ("episode for a child with no header", {"episodes": changed(EPISODES, 1, CHILD="999")},
     ("episodes", 2, "CHILD", "no_header", "error")),
    ("DECOM blank", {"episodes": changed(EPISODES, 1, DECOM="")},
     ("episodes", 2, "DECOM", "required_blank", "error")),
    ("DECOM not a date", {"episodes": changed(EPISODES, 1, DECOM="31/02/2024")},
     ("episodes", 2, "DECOM", "not_a_date", "error")),
    ("DEC not a date", {"episodes": changed(EPISODES, 1, DEC="32/01/2024", REC="E8")},
     ("episodes", 2, "DEC", "not_a_date", "error")),
    ("DEC before DECOM", {"episodes": changed(EPISODES, 1, DEC="01/10/2023", REC="E8")},
     ("episodes", 2, "DEC", "dec_before_decom", "error")),
    ("two episodes starting the same day", {"episodes": [*EPISODES, EPISODES[0] | {"PLACE": "U4"}]},
     ("episodes", 4, "DECOM", "duplicate_episode", "error")),
    # episodes: imported with a warning
    ("DECOM before DOB", {"episodes": changed(EPISODES, 1, DECOM="01/09/2015")},
     ("episodes", 2, "DECOM", "decom_before_dob", "warning")),
    ("DEC after the year", {"episodes": changed(EPISODES, 1, DEC="01/04/2024", REC="E8")},
     ("episodes", 2, "DEC", "dec_after_year_end", "warning")),
    ("PLACE not a code", {"episodes": changed(EPISODES, 1, PLACE="Q9")},
     ("episodes", 2, "PLACE", "unknown_code", "warning")),
    ("LS not a code", {"episodes": changed(EPISODES, 1, LS="X9")},
     ("episodes", 2, "LS", "unknown_code", "warning")),
    ("RNE not a code", {"episodes": changed(EPISODES, 1, RNE="Z")},
     ("episodes", 2, "RNE", "unknown_code", "warning")),
    ("CIN not a code", {"episodes": changed(EPISODES, 1, CIN="N9")},
     ("episodes", 2, "CIN", "unknown_code", "warning")),
    ("PLACE_PROVIDER not a code", {"episodes": changed(EPISODES, 1, PLACE_PROVIDER="PR9")},
     ("episodes", 2, "PLACE_PROVIDER", "unknown_code", "warning")),
    ("REC not a code", {"episodes": changed(EPISODES, 1, DEC="01/02/2024", REC="E99")},
     ("episodes", 2, "REC", "unknown_code", "warning")),
    ("REASON_PLACE_CHANGE not a code",
     {"episodes": changed(EPISODES, 1, REASON_PLACE_CHANGE="WHIM")},
     ("episodes", 2, "REASON_PLACE_CHANGE", "unknown_code", "warning")),
    ("PLACE blank", {"episodes": changed(EPISODES, 1, PLACE="")},
     ("episodes", 2, "PLACE", "value_blank", "warning")),
    ("LS blank", {"episodes": changed(EPISODES, 1, LS="")},
     ("episodes", 2, "LS", "value_blank", "warning")),
    ("RNE blank", {"episodes": changed(EPISODES, 1, RNE="")},
     ("episodes", 2, "RNE", "value_blank", "warning")),
    ("PLACE_PROVIDER blank", {"episodes": changed(EPISODES, 1, PLACE_PROVIDER="")},
     ("episodes", 2, "PLACE_PROVIDER", "value_blank", "warning")),
    ("PL_POST blank", {"episodes": changed(EPISODES, 1, PL_POST="")},
     ("episodes", 2, "PL_POST", "value_blank", "warning")),
    ("HOME_POST blank", {"episodes": changed(EPISODES, 1, HOME_POST="")},
     ("episodes", 2, "HOME_POST", "value_blank", "warning")),
    ("PLACE not in this year's list", {"episodes": changed(EPISODES, 1, PLACE="K3")},
     ("episodes", 2, "PLACE", "code_not_in_year", "warning")),
    ("historic PLACE", {"episodes": changed(EPISODES, 1, PLACE="Q2")},
     ("episodes", 2, "PLACE", "code_not_in_year", "warning")),
    ("PR0 with a children's home", {"episodes": changed(EPISODES, 1, PLACE_PROVIDER="PR0")},
     ("episodes", 2, "PLACE_PROVIDER", "provider_conflict", "warning")),
    ("REC without DEC", {"episodes": changed(EPISODES, 1, REC="X1")},
     ("episodes", 2, "REC", "rec_without_dec", "warning")),
    ("DEC without REC", {"episodes": changed(EPISODES, 1, DEC="01/02/2024")},
     ("episodes", 2, "REC", "dec_without_rec", "warning")),
    ("X1 with no next episode", {"episodes": changed(EPISODES, 1, DEC="01/02/2024", REC="X1")},
     ("episodes", 2, "REC", "x1_without_next", "warning")),
    ("PL_POST not a known outcode", {"episodes": changed(EPISODES, 1, PL_POST="EG19 7TT")},
     ("episodes", 2, "PL_POST", "unknown_outcode", "warning")),
    ("HOME_POST not a postcode", {"episodes": changed(EPISODES, 1, HOME_POST="LEEDS")},
     ("episodes", 2, "HOME_POST", "unknown_outcode", "warning")),
    ("overlapping episodes",
     {"episodes": [*EPISODES, EPISODES[1] | {"DECOM": "01/12/2023", "RNE": "P", "PLACE": "U6"}]},
     ("episodes", 2, "DEC", "overlapping_episodes", "warning")),
    # uasc
    ("UASC CHILD blank", {"uasc": changed(UASC, 0, CHILD="")},
     ("uasc", 1, "CHILD", "required_blank", "error")),
    ("UASC child with no header", {"uasc": [*UASC, {"CHILD": "999", "DUC": "01/01/2027"}]},
     ("uasc", 2, "CHILD", "no_header", "error")),
    ("DUC not a date", {"uasc": changed(UASC, 0, DUC="30/02/2026")},
     ("uasc", 1, "DUC", "not_a_date", "error")),
    ("DUC after 18", {"uasc": changed(UASC, 0, DUC="20/02/2027")},
     ("uasc", 1, "DUC", "duc_after_18", "warning")),
    ("UASC SEX differs", {"uasc": changed(UASC, 0, SEX="2")},
     ("uasc", 1, "SEX", "differs_from_header", "warning")),
    ("UASC twice", {"uasc": [*UASC, UASC[0]]},
     ("uasc", 2, "CHILD", "duplicate_row", "warning")),
    # oc2
    ("OC2 child with no header", {"oc2": [*OC2, {"CHILD": "999", "SDQ_SCORE": "20"}]},
     ("oc2", 2, "CHILD", "no_header", "error")),
    ("SDQ above 40", {"oc2": changed(OC2, 0, SDQ_SCORE="41")},
     ("oc2", 1, "SDQ_SCORE", "not_a_score", "warning")),
    ("SDQ not a number", {"oc2": changed(OC2, 0, SDQ_SCORE="high")},
     ("oc2", 1, "SDQ_SCORE", "not_a_score", "warning")),
    ("OC2 DOB differs", {"oc2": changed(OC2, 0, DOB="02/06/2012")},
     ("oc2", 1, "DOB", "differs_from_header", "warning")),
    ("OC2 twice", {"oc2": [*OC2, OC2[0]]},
     ("oc2", 2, "CHILD", "duplicate_row", "warning")),
    # placed for adoption
    ("DATE_PLACED blank", {"placed_for_adoption": [{"CHILD": "102", "DATE_PLACED": ""}]},
     ("placed_for_adoption", 1, "DATE_PLACED", "required_blank", "error")),
    ("DATE_PLACED not a date", {"placed_for_adoption": [{"CHILD": "102", "DATE_PLACED": "2024"}]},
     ("placed_for_adoption", 1, "DATE_PLACED", "not_a_date", "error")),
    ("DATE_PLACED_CEASED not a date",
     {"placed_for_adoption": [{"CHILD": "102", "DATE_PLACED": "01/11/2023",
                               "DATE_PLACED_CEASED": "1/13/2024"}]},
     ("placed_for_adoption", 1, "DATE_PLACED_CEASED", "not_a_date", "error")),
    ("decision ceased before it was made",
     {"placed_for_adoption": [{"CHILD": "102", "DATE_PLACED": "01/11/2023",
                               "DATE_PLACED_CEASED": "01/10/2023", "REASON_PLACED_CEASED": "RD1"}]},
     ("placed_for_adoption", 1, "DATE_PLACED_CEASED", "ceased_before_placed", "error")),
    ("REASON_PLACED_CEASED not a code",
     {"placed_for_adoption": [{"CHILD": "102", "DATE_PLACED": "01/11/2023",
                               "DATE_PLACED_CEASED": "01/12/2023", "REASON_PLACED_CEASED": "XXX"}]},
     ("placed_for_adoption", 1, "REASON_PLACED_CEASED", "unknown_code", "warning")),
    ("REASON_PLACED_CEASED blank",
     {"placed_for_adoption": [{"CHILD": "102", "DATE_PLACED": "01/11/2023",
                               "DATE_PLACED_CEASED": "01/12/2023"}]},
     ("placed_for_adoption", 1, "REASON_PLACED_CEASED", "value_blank", "warning")),
    ("placement order with no decision", {"episodes": changed(EPISODES, 1, LS="E1")},
     ("episodes", 2, "LS", "no_date_placed", "warning")),
    # whole tables
    ("header table missing", {"header": None}, ("header", 0, "", "missing_table", "error")),
    ("episodes table missing", {"episodes": None}, ("episodes", 0, "", "missing_table", "error")),
    ("required column missing",
     {"columns_episodes": [c for c in COLUMNS["episodes"] if c != "PLACE"]},
     ("episodes", 0, "PLACE", "missing_column", "error")),
    ("optional column missing",
     {"columns_episodes": [c for c in COLUMNS["episodes"] if c != "URN"]},
     ("episodes", 0, "URN", "missing_optional_column", "warning")),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_check_reports_its_row_and_the_other_rows_still_import(
    changes: dict[str, Any], expected: tuple[str, int, str, str, str]
) -> None:
    table, row, column, rule, severity = expected
    imp = imported(extract(**changes))
    found = [i for i in imp.report.issues if i.rule == rule]
    assert len(found) == 1, imp.report.text()
    issue = found[0]
    assert (issue.table, issue.row, issue.column, issue.severity) == (table, row, column, severity)
    assert issue.message and str(issue).startswith(table)
    counts = imp.report.tables[table]
    if row == 0 and severity == "error":  # the whole table
        assert counts.imported == 0
        assert imp.children == ()
        return
    if severity == "error":
        assert counts.skipped == 1 and counts.imported == counts.read - 1
    else:
        assert counts.skipped == 0 and counts.imported == counts.read
    # The children not touched still come through: 101 as it was, 103 looked after.
    kids = by_code(imp)
    assert kids["101"].child == by_code(imported())["101"].child
    assert "103" in kids


def test_every_rule_the_checks_can_raise_has_a_case() -> None:
    tested = {c[2][3] for c in CASES} | {"ragged_row"}  # ragged rows: raw text, below
    rules = {
        "required_blank", "not_a_date", "dec_before_decom", "no_header", "duplicate_child",
        "duplicate_episode", "dob_in_future", "ceased_before_placed", "missing_table",
        "missing_column", "missing_optional_column", "ragged_row", "unknown_code",
        "value_blank", "code_not_in_year", "provider_conflict", "unknown_outcode",
        "rec_without_dec", "dec_without_rec", "x1_without_next", "overlapping_episodes",
        "decom_before_dob", "dec_after_year_end", "no_episodes", "duc_after_18",
        "differs_from_header", "duplicate_row", "not_a_score", "no_date_placed",
    }  # fmt: skip
    assert rules <= tested


def test_messages_name_the_value_and_what_happens() -> None:
    cases = {
        "DECOM 31/02/2024 is not a date: episode skipped": {
            "episodes": changed(EPISODES, 1, DECOM="31/02/2024")
        },
        "PLACE Q9 is not a 903 code: placement type unknown": {
            "episodes": changed(EPISODES, 1, PLACE="Q9")
        },
        "CHILD is blank: episode skipped": {"episodes": changed(EPISODES, 1, CHILD="")},
        "PL_POST 'EG19 7TT' is not a known outcode: distance unknown": {
            "episodes": changed(EPISODES, 1, PL_POST="EG19 7TT")
        },
    }
    for message, change in cases.items():
        assert message in [i.message for i in imported(extract(**change)).report.issues]


def test_a_ragged_line_is_read_with_blanks_and_reported() -> None:
    text = csv_text(HEADER, COLUMNS["header"]).replace(
        "102,2,15/09/2015,APKN,,,", "102,2,15/09/2015,APKN"
    )
    ext = ssda903.extract_from_csv(
        {"header": text, "episodes": csv_text(EPISODES, COLUMNS["episodes"])}
    )
    imp = imported(ext)
    [issue] = [i for i in imp.report.issues if i.rule == "ragged_row"]
    assert (issue.table, issue.row, issue.severity) == ("header", 2, "warning")
    assert by_code(imp)["102"].child["ethnicity"] == "APKN"


def test_a_skipped_header_takes_its_episodes_with_it_and_says_why() -> None:
    imp = imported(extract(header=changed(HEADER, 1, DOB="31/02/2015")))
    [episode] = [i for i in imp.report.issues if i.rule == "no_header"]
    assert episode.row == 2 and "header row was skipped" in episode.message
    assert "102" not in by_code(imp)


# -- what the warnings leave behind ------------------------------------------------------------


def test_blanked_fields_read_as_unknown() -> None:
    kids = by_code(imported(extract(header=changed(HEADER, 0, SEX="7", ETHNIC="ZZZZ"))))
    assert kids["101"].child["sex"] == "U" and "ethnicity" not in kids["101"].child
    kids = by_code(imported(extract(episodes=changed(EPISODES, 1, PLACE_PROVIDER="PR0"))))
    assert kids["102"].placement.provider is None
    assert kids["102"].placement.kind == "residential"
    kids = by_code(imported(extract(episodes=changed(EPISODES, 0, PL_POST="EG19 7TT"))))
    p = kids["101"].placement
    assert p.postcode == "EG19 7TT" and p.outcode is None and p.distance_km is None
    assert p.out_of_la is None


def test_an_overlapping_episode_is_cut_at_the_next_start() -> None:
    later = EPISODES[1] | {"DECOM": "01/12/2023", "RNE": "P", "PLACE": "U6", "PL_POST": "LS6 1AA"}
    imp = imported(extract(episodes=[*EPISODES, later]))
    kid = by_code(imp)["102"]
    assert kid.placement.kind == "foster" and kid.placement.start == date(2023, 12, 1)
    [period] = imp.periods["102"]
    assert period.episodes[0].dec == date(2023, 12, 1)


# -- periods of care and the child on the day ------------------------------------------------


def _episode(decom: str, **values: str) -> dict[str, str]:
    return EPISODES[0] | {"DECOM": decom, "RNE": "P"} | values


def test_periods_chain_on_x1_and_break_at_rne_s_and_at_leaving_care() -> None:
    rows = [
        _episode("01/05/2022", RNE="S", DEC="01/08/2022", REC="X1"),
        _episode("01/08/2022", RNE="L", LS="E1", DEC="01/09/2022", REC="E13"),
        _episode("01/10/2022", RNE="S", DEC="01/11/2022", REC="X1"),
        _episode("01/11/2022", RNE="S", DEC="01/01/2023", REC="X1"),
        _episode("01/01/2023", RNE="T", PLACE="U4"),
    ]
    checked = ssda903.check_extract(extract(episodes=[*rows, *EPISODES[1:]]), as_of=AS_OF)
    periods = periods_of_care(checked.episodes["101"])
    starts = [(p.start, p.end) for p in periods]
    assert starts == [
        (date(2022, 5, 1), date(2022, 9, 1)),
        (date(2022, 10, 1), date(2022, 11, 1)),
        (date(2022, 11, 1), None),
    ]
    kid = by_code(imported(extract(episodes=[*rows, *EPISODES[1:]])))["101"]
    assert kid.period_start == date(2022, 11, 1)
    # RNE T (same carers, new placement type) keeps the placement's start.
    assert kid.placement.place == "U4" and kid.placement.start == date(2022, 11, 1)


def test_as_of_picks_the_current_episode_and_children_who_left_are_counted_only() -> None:
    rows = [
        _episode("01/05/2023", RNE="S", DEC="01/09/2023", REC="X1"),
        _episode("01/09/2023", PLACE="K2", PLACE_PROVIDER="PR4", DEC="01/02/2024", REC="E4A"),
    ]
    ext = extract(episodes=[*rows, *EPISODES[1:]])
    assert by_code(imported(ext, as_of=date(2023, 6, 1)))["101"].placement.kind == "foster"
    assert by_code(imported(ext, as_of=date(2023, 12, 1)))["101"].placement.kind == "residential"
    late = imported(ext)
    assert "101" not in by_code(late)
    assert late.report.children["left_care"] == 1
    early = imported(ext, as_of=date(2023, 5, 15))
    assert early.report.children["not_yet_looked_after"] == 2  # 102 and 103 start later


def test_as_of_defaults_to_the_latest_date_in_the_extract() -> None:
    ext = extract(episodes=changed(EPISODES, 0, DEC="05/03/2024", REC="E8"))
    imp = ssda903.import_extract(ext, la="Leeds")
    assert imp.as_of == date(2024, 3, 5) and imp.year == 2024
    assert imp.report.children["left_care"] == 1


def test_short_breaks_are_not_counted_as_looked_after() -> None:
    imp = imported(extract(episodes=changed(EPISODES, 0, LS="V3")))
    assert "101" not in by_code(imp)
    assert imp.report.children["short_breaks_only"] == 1


def test_a_temporary_move_keeps_the_usual_placement_as_the_plan() -> None:
    rows = [
        _episode(
            "01/05/2023", RNE="S", PLACE="K2", PLACE_PROVIDER="PR4", DEC="01/03/2024", REC="X1"
        ),
        _episode("01/03/2024", RNE="T", PLACE="T1", PLACE_PROVIDER="", PL_POST=""),
    ]
    kid = by_code(imported(extract(episodes=[*rows, *EPISODES[1:]])))["101"]
    assert kid.placement.place == "T1" and kid.placement.kind is None
    assert kid.child["accepts"] == ["residential"]


def test_a_placement_with_no_product_kind_accepts_foster() -> None:
    rows = changed(EPISODES, 0, PLACE="P1", PLACE_PROVIDER="PR0", PL_POST="LS9 7TF")
    kid = by_code(imported(extract(episodes=rows)))["101"]
    assert kid.placement.kind is None and kid.child["accepts"] == ["foster"]
    assert kid.placement.distance_km == 0.0


def test_the_home_postcode_falls_back_to_an_earlier_episode_of_the_period() -> None:
    rows = [
        _episode("01/05/2023", RNE="S", DEC="01/09/2023", REC="X1"),
        _episode("01/09/2023", HOME_POST=""),
    ]
    kid = by_code(imported(extract(episodes=[*rows, *EPISODES[1:]])))["101"]
    assert kid.child["home"] == "LS9"


def test_ids_take_a_prefix_and_an_unknown_la_is_refused() -> None:
    assert imported(id_prefix="").children[0].id == "101"
    assert imported(id_prefix="BD:").children[0].id == "BD:101"
    with pytest.raises(ValueError, match="Atlantis"):
        ssda903.import_extract(extract(), la="Atlantis")


@pytest.mark.parametrize(
    ("place", "provider", "kind", "product"),
    [
        ("U1", "PR1", "kinship", "in_house"),
        ("U3", "PR2", "kinship", "other_la"),
        ("U4", "PR4", "foster", "ifa"),
        ("U6", "PR5", "foster", "ifa"),
        ("U6", "PR1", "foster", "in_house"),
        ("K2", "PR4", "residential", "private"),
        ("K2", "PR5", "residential", "voluntary"),
        ("K1", "PR1", "residential", "in_house"),
        ("S1", "PR3", "residential", None),
        ("H5", "PR4", "supported", "private"),
        ("P2", "PR1", "supported", "in_house"),
        ("P3", "PR4", "supported", "private"),
        ("A6", "PR1", "adoption", "in_house"),
        ("A4", "PR5", "adoption", "voluntary"),
        ("P1", "PR0", None, None),
        ("R2", "PR3", None, None),
        ("R5", "PR3", None, None),
        ("Z1", "", None, None),
    ],
)
def test_place_and_provider_map_to_the_product(
    place: str, provider: str, kind: str | None, product: str | None
) -> None:
    assert codes.place_kind(place) == kind
    assert codes.product_provider(place, provider) == product


# -- needs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "need"), [("16", False), ("17", True), ("40", True), ("", False)]
)
def test_sdq_of_17_or_more_is_an_emotional_and_behavioural_need(score: str, need: bool) -> None:
    kid = by_code(imported(extract(oc2=changed(OC2, 0, SDQ_SCORE=score))))["101"]
    assert ("emotional_behavioural" in kid.child["needs"]) is need
    assert codes.SDQ_CONCERN == 17


def test_the_latest_oc2_row_gives_the_sdq() -> None:
    rows = [OC2[0] | {"SDQ_SCORE": "25"}, OC2[0] | {"SDQ_SCORE": "10"}]
    kid = by_code(imported(extract(oc2=rows)))["101"]
    assert kid.sdq_score == 10 and kid.child["needs"] == []


@pytest.mark.parametrize(
    ("duc", "need"),
    [("20/02/2026", True), ("", True), ("01/03/2024", False), ("31/03/2024", False)],
)
def test_uasc_is_a_need_until_the_status_ceases(duc: str, need: bool) -> None:
    kid = by_code(imported(extract(uasc=changed(UASC, 0, DUC=duc))))["103"]
    assert ("uasc" in kid.child["needs"]) is need


# -- adoption plans ---------------------------------------------------------------------------


def _baby_extract(**episode: str) -> ssda903.Extract:
    header = [*HEADER, {"CHILD": "201", "SEX": "2", "DOB": "05/04/2022", "ETHNIC": "MWBC"}]
    episodes = [
        *EPISODES,
        {"CHILD": "201", "DECOM": "10/06/2022", "RNE": "S", "LS": "C2", "PLACE": "U6",
         "PLACE_PROVIDER": "PR1", "HOME_POST": "LS9 7TF", "PL_POST": "LS12 1AA",
         "DEC": "15/08/2023", "REC": "X1"},
        {"CHILD": "201", "DECOM": "15/08/2023", "RNE": "L", "LS": "E1", "PLACE": "U6",
         "PLACE_PROVIDER": "PR1", "HOME_POST": "LS9 7TF", "PL_POST": "LS12 1AA"} | episode,
    ]  # fmt: skip
    placed = [{"CHILD": "201", "DOB": "05/04/2022", "DATE_PLACED": "01/07/2023"}]
    return extract(header=header, episodes=episodes, placed_for_adoption=placed)


def test_a_placement_order_and_an_open_decision_make_an_adoption_plan() -> None:
    kid = by_code(imported(_baby_extract()))["201"]
    assert kid.child["accepts"] == ["foster", "adoption"]
    assert kid.child["adoption"] == {
        "waiting_since": "2023-07-01",
        "placement_order_date": "2023-08-15",
    }
    # The placement goes on through a change of legal status (RNE L).
    assert kid.placement.start == date(2022, 6, 10)


def test_an_open_decision_alone_is_an_adoption_plan_and_a_ceased_one_is_not() -> None:
    placed = [{"CHILD": "101", "DATE_PLACED": "01/01/2024"}]
    kid = by_code(imported(extract(placed_for_adoption=placed)))["101"]
    assert kid.child["adoption"] == {"waiting_since": "2024-01-01"}
    ceased = [placed[0] | {"DATE_PLACED_CEASED": "01/03/2024", "REASON_PLACED_CEASED": "RD1"}]
    kid = by_code(imported(extract(placed_for_adoption=ceased)))["101"]
    assert "adoption" not in kid.child and kid.child["accepts"] == ["foster"]


def test_fostering_for_adoption_is_early_permanence() -> None:
    kid = by_code(imported(_baby_extract(PLACE="U5")))["201"]
    assert kid.child["adoption"]["early_permanence"] is True


def test_a_child_placed_for_adoption_is_not_waiting() -> None:
    imp = imported(_baby_extract(PLACE="A5", RNE="B"))
    kid = by_code(imp)["201"]
    assert kid.placement.kind == "adoption" and kid.child["accepts"] == ["adoption"]
    assert "adoption" not in kid.child
    assert imp.report.children["placed_for_adoption"] == 1


def test_a_placement_order_without_a_decision_waits_from_the_order() -> None:
    imp = imported(_baby_extract())
    kid = by_code(imported(extract(episodes=changed(EPISODES, 0, LS="E1"))))["101"]
    assert kid.child["adoption"] == {
        "waiting_since": "2023-05-01",
        "placement_order_date": "2023-05-01",
    }
    assert not [i for i in imp.report.issues if i.rule == "no_date_placed"]


# -- siblings ---------------------------------------------------------------------------------


def _siblings(text: str) -> ssda903.Import:
    header = [*HEADER, {"CHILD": "104", "SEX": "2", "DOB": "01/01/2014", "ETHNIC": "WBRI"}]
    episodes = [*EPISODES, EPISODES[0] | {"CHILD": "104", "URN": "SC000101"}]
    return imported(
        extract(header=header, episodes=episodes), siblings=ssda903.parse_siblings(text)
    )


def test_sibling_links_become_groups_of_the_children_looked_after() -> None:
    imp = _siblings("child,sibling,policy\n101,104,should\n104,102,should\n")
    assert imp.sibling_groups == (
        {
            "id": "Leeds-G-101",
            "children": ["Leeds-101", "Leeds-102", "Leeds-104"],
            "policy": "should",
        },
    )
    assert imp.report.tables["siblings"].imported == 2
    # without a header line too
    assert _siblings("101,104,must\n").sibling_groups[0]["policy"] == "must"


def test_conflicting_sibling_policies_take_the_least_binding_with_a_warning() -> None:
    imp = _siblings("child,sibling,policy\n101,104,must\n104,102,apart\n")
    assert imp.sibling_groups[0]["policy"] == "apart"
    [issue] = [i for i in imp.report.issues if i.rule == "policy_conflict"]
    assert (issue.table, issue.row, issue.column, issue.severity) == (
        "siblings",
        1,
        "policy",
        "warning",
    )


@pytest.mark.parametrize(
    ("line", "column", "rule"),
    [
        ("101,,should", "sibling", "required_blank"),
        ("101,101,should", "sibling", "same_child"),
        ("101,104,maybe", "policy", "unknown_policy"),
        ("101,999,should", "sibling", "no_header"),
    ],
)
def test_a_bad_sibling_link_is_skipped_and_the_rest_kept(line: str, column: str, rule: str) -> None:
    imp = _siblings(f"child,sibling,policy\n{line}\n102,104,should\n")
    [issue] = [i for i in imp.report.issues if i.table == "siblings"]
    assert (issue.row, issue.column, issue.rule, issue.severity) == (1, column, rule, "error")
    assert [g["children"] for g in imp.sibling_groups] == [["Leeds-102", "Leeds-104"]]


def test_siblings_no_longer_looked_after_leave_the_group() -> None:
    header = [*HEADER]
    episodes = changed(EPISODES, 1, DEC="01/02/2024", REC="E4A")
    imp = imported(
        extract(header=header, episodes=episodes),
        siblings=ssda903.parse_siblings("101,102,should\n102,103,should\n"),
    )
    assert [g["children"] for g in imp.sibling_groups] == [["Leeds-101", "Leeds-103"]]
    one = imported(extract(episodes=episodes), siblings=ssda903.parse_siblings("101,102,must\n"))
    assert one.sibling_groups == ()


# -- report ---------------------------------------------------------------------------------


def test_the_report_counts_and_serialises() -> None:
    imp = imported(extract(episodes=changed(EPISODES, 1, PLACE="Q9", DECOM="x"), oc2=None))
    report = imp.report
    d = report.to_dict()
    assert d["tables"]["episodes"] == {"present": True, "read": 3, "imported": 2, "skipped": 1}
    assert d["tables"]["oc2"]["present"] is False
    assert d["by_rule"] == {"not_a_date": 1, "no_episodes": 1}
    assert d["errors"] == 1 and d["warnings"] == 1 and d["year"] == "2023-24"
    assert d["children"]["looked_after"] == 2
    text = report.text()
    assert "episodes row 2: DECOM x is not a date: episode skipped" in text
    assert "(not sent)" in text
    assert report.to_dict(issues=0)["issues"] == []


def test_rebuilding_again_leaves_the_checked_report_as_it_was() -> None:
    checked = ssda903.check_extract(extract(episodes=changed(EPISODES, 1, LS="E1")), as_of=AS_OF)
    before = len(checked.report.issues)
    siblings = ssda903.parse_siblings("101,103,should\n")
    first = ssda903.rebuild(checked, la="Leeds", siblings=siblings)
    second = ssda903.rebuild(checked, la="Leeds", id_prefix="", siblings=siblings)
    assert len(checked.report.issues) == before and "siblings" not in checked.report.tables
    assert first.report.to_dict() | {"la": None} == second.report.to_dict() | {"la": None}
    assert first.report.by_rule() == {"no_date_placed": 1, "order_without_decision": 1}
