"""Tests that each family of 903 rules (ssda903.checks, one function per family) gives
its issues on one row, and that the sibling links' union-find joins the right codes."""

from __future__ import annotations

from datetime import date

from ssda903.checks import (
    _Check,
    _day_and_return,
    _episode_codes,
    _episode_dates,
    _ethnicity,
    _header_child,
    _header_dob,
    _provider,
    _reason_ceased,
    _sex,
)
from ssda903.children import _DisjointSets
from ssda903.read import Row, Table
from ssda903.report import Report


def _row(**values: str) -> Row:
    return Row(number=3, values=values)


def _rules(check: _Check) -> list[tuple[str, str, str]]:
    return [(i.rule, i.column, i.severity) for i in check.report.issues]


def test_header_child_refuses_blank_bad_and_second_rows() -> None:
    """Tests that a blank CHILD, one the product cannot keep, and a second header row
    are errors that skip the row, and a good one is returned."""
    check = _Check(Report(form="csv"))
    assert _header_child(_row(CHILD=""), check, {}) is None
    assert _header_child(_row(CHILD="a b"), check, {}) is None
    assert _header_child(_row(CHILD="101"), check, {}) == "101"
    assert _rules(check) == [
        ("required_blank", "CHILD", "error"),
        ("not_a_child_code", "CHILD", "error"),
    ]
    assert check.skipped == {("header", 3, "")}


def test_header_dob_future_is_an_error() -> None:
    """Tests that a DOB after the extract's day skips the child."""
    check = _Check(Report(form="csv"))
    assert _header_dob(_row(DOB="01/01/2030"), check, date(2025, 3, 31)) is None
    assert _header_dob(_row(DOB="01/01/2020"), check, date(2025, 3, 31)) == date(2020, 1, 1)
    assert _rules(check) == [("dob_in_future", "DOB", "error")]


def test_sex_and_ethnicity_unknown_or_blank_warn() -> None:
    """Tests that SEX reads 1/2 and letters, and unknown or blank SEX and ETHNIC warn
    and read as not known."""
    check = _Check(Report(form="csv"))
    assert _sex(_row(SEX="1"), check) == "M"
    assert _sex(_row(SEX="9"), check) == "U"
    assert _sex(_row(SEX=""), check) == "U"
    assert _ethnicity(_row(ETHNIC="WBRI"), check) == "WBRI"
    assert _ethnicity(_row(ETHNIC="XXXX"), check) is None
    assert _ethnicity(_row(ETHNIC=""), check) is None
    assert _rules(check) == [
        ("unknown_code", "SEX", "warning"),
        ("value_blank", "SEX", "warning"),
        ("unknown_code", "ETHNIC", "warning"),
        ("value_blank", "ETHNIC", "warning"),
    ]


def test_episode_dates_order_birth_and_year_end() -> None:
    """Tests that DEC before DECOM skips the episode, and a start before birth or an end
    after the return's 31 March warn but keep it."""
    check = _Check(Report(form="csv"))
    dob = date(2015, 6, 1)
    assert _episode_dates(_row(DECOM="02/02/2020", DEC="01/02/2020"), check, dob, 2020) is None
    kept = _episode_dates(_row(DECOM="01/01/2015", DEC="01/05/2020"), check, dob, 2020)
    assert kept == (date(2015, 1, 1), date(2020, 5, 1))
    assert _rules(check) == [
        ("dec_before_decom", "DEC", "error"),
        ("decom_before_dob", "DECOM", "warning"),
        ("dec_after_year_end", "DEC", "warning"),
    ]


def test_episode_codes_blank_unknown_ones() -> None:
    """Tests that a code not in the 903 lists is blanked with a warning, and a blank
    RNE warns."""
    check = _Check(Report(form="csv"))
    values = _episode_codes(_row(RNE="", LS="C2", PLACE="ZZ", PLACE_PROVIDER="PR1"), check)
    assert values["LS"] == "C2" and values["PLACE"] == "" and values["RNE"] == ""
    assert ("value_blank", "RNE", "warning") in _rules(check)
    assert ("unknown_code", "PLACE", "warning") in _rules(check)


def test_provider_and_reason_ceased() -> None:
    """Tests that a provider that cannot go with PLACE is dropped, and that REC without
    DEC is dropped while DEC without REC only warns."""
    check = _Check(Report(form="csv"))
    assert _provider(_row(PLACE_PROVIDER="PR1"), check, "U1", "PR1", 2024) == "PR1"
    assert _reason_ceased(_row(REC="E11"), check, None, "E11") == ""
    assert _reason_ceased(_row(REC=""), check, date(2020, 1, 1), "") == ""
    assert _rules(check) == [
        ("rec_without_dec", "REC", "warning"),
        ("dec_without_rec", "REC", "warning"),
    ]


def test_day_and_return_default_from_episodes() -> None:
    """Tests that the day defaults to the latest DECOM or DEC and the return to the
    latest DECOM's, and that given values win."""
    rows = (_row(DECOM="01/06/2023", DEC="01/05/2024"), _row(DECOM="01/02/2024", DEC=""))
    episodes = Table("episodes", ("DECOM", "DEC"), rows)
    assert _day_and_return(episodes, None, None) == (date(2024, 5, 1), 2024)
    assert _day_and_return(episodes, date(2022, 1, 1), 2021) == (date(2022, 1, 1), 2021)


def test_disjoint_sets_join_linked_codes() -> None:
    """Tests that codes linked directly or through others share a root, and others not."""
    sets = _DisjointSets()
    sets.union("1", "2")
    sets.union("3", "4")
    sets.union("2", "4")
    sets.union("5", "6")
    assert len({sets.find(c) for c in "1234"}) == 1
    assert sets.find("5") == sets.find("6") != sets.find("1")
    assert set(sets.parent) == set("123456")
