"""The DfE's rules across a child's rows (ssda903.episode_rules, adoption_rules) and the
field rules of placements (178, 213, 214, 222): one small extract per rule, changed from
the clean three-child extract, and the warning it must give, with its DfE rule number.

Each case names the row the DfE's validator flags; removing the check leaves no warning
of that name and number on that row, so the case fails.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from ssda903 import codes
from tests.ssda903.helpers import EPISODES, HEADER, changed, extract, imported

#: The clean extract's other two children, kept after child 101's episodes.
OTHERS = EPISODES[1:]


def ep(**values: str) -> dict[str, str]:
    """Child 101's clean episode (U6 with in-house carers from 01/05/2023, open) changed."""
    return EPISODES[0] | values


def of_101(*episodes: dict[str, str]) -> list[dict[str, str]]:
    """Child 101's episodes (rows 1..n), then the other children's."""
    return [*episodes, *OTHERS]


def chain(*changes: dict[str, str]) -> list[dict[str, str]]:
    """Child 101's episodes one after another: each ends (X1) the day the next starts,
    given as DECOM; the last stays open unless it says otherwise."""
    rows = [ep(**c) for c in changes]
    for a, b in zip(rows, rows[1:], strict=False):
        a["DEC"] = a.get("DEC") or b["DECOM"]
        a["REC"] = a.get("REC") or "X1"
    return of_101(*rows)


T = {"PLACE_PROVIDER": "", "URN": ""}  # a temporary move takes no provider or URN


def placed(**values: str) -> list[dict[str, str]]:
    return [{"CHILD": "101", "DOB": "01/06/2012"} | values]


#: (id, table changes, (table, row, column, product rule, DfE rule))
CASES: list[tuple[str, dict[str, Any], tuple[str, int, str, str, str]]] = [
    # -- 1. episode chaining and temporary moves
    ("357 first episode not S", {"episodes": of_101(ep(RNE="P"))},
     ("episodes", 1, "RNE", "first_episode_not_s", "357")),
    ("380 temporary move not P or B",
     {"episodes": chain({}, {"DECOM": "01/08/2023", "RNE": "L", "PLACE": "T2"} | T)},
     ("episodes", 2, "RNE", "temporary_without_move", "380")),
    ("381 care ends in a temporary move",
     {"episodes": chain({}, {"DECOM": "01/08/2023", "RNE": "P", "PLACE": "T2",
                             "DEC": "01/09/2023", "REC": "E8"} | T)},
     ("episodes", 2, "REC", "period_ends_temporary", "381")),
    ("382 short break in a temporary move",
     {"episodes": of_101(ep(LS="V3", PLACE="T2", DEC="05/05/2023", REC="E8", **T))},
     ("episodes", 1, "PLACE", "short_break_placement", "382")),
    ("383 no return after a temporary move",
     {"episodes": chain({}, {"DECOM": "01/06/2023", "RNE": "P", "PLACE": "T3"} | T,
                        {"DECOM": "10/06/2023", "RNE": "P", "PLACE": "K2",
                         "PLACE_PROVIDER": "PR4"})},
     ("episodes", 3, "PLACE", "no_return_after_temporary", "383")),
    ("384 short break in long-term foster care",
     {"episodes": of_101(ep(LS="V3", PLACE="U4", DEC="05/05/2023", REC="E8", PL_POST="", URN=""))},
     ("episodes", 1, "PLACE", "short_break_placement", "384")),
    ("431 new period the day the last ends",
     {"episodes": of_101(ep(DEC="01/08/2023", REC="E8"), ep(DECOM="01/08/2023"))},
     ("episodes", 2, "RNE", "new_period_same_day", "431")),
    ("432 care goes on after leaving",
     {"episodes": of_101(ep(DEC="01/08/2023", REC="E8"), ep(DECOM="05/08/2023", RNE="P"))},
     ("episodes", 2, "RNE", "continued_after_leaving", "432")),
    ("433 care goes on after a gap",
     {"episodes": of_101(ep(DEC="01/08/2023", REC="X1"), ep(DECOM="05/08/2023", RNE="P",
                                                           PLACE="K2", PLACE_PROVIDER="PR4"))},
     ("episodes", 2, "RNE", "continued_with_gap", "433")),
    ("434 RNE L, legal status the same",
     {"episodes": chain({}, {"DECOM": "01/08/2023", "RNE": "L"})},
     ("episodes", 2, "RNE", "rne_contradicts_episode", "434")),
    ("435 RNE P, legal status changed",
     {"episodes": chain({}, {"DECOM": "01/08/2023", "RNE": "P", "LS": "C1", "PLACE": "K2",
                             "PLACE_PROVIDER": "PR4"})},
     ("episodes", 2, "RNE", "rne_contradicts_episode", "435")),
    ("436 RNE B, legal status the same",
     {"episodes": chain({}, {"DECOM": "01/08/2023", "RNE": "B", "PLACE": "K2",
                             "PLACE_PROVIDER": "PR4"})},
     ("episodes", 2, "RNE", "rne_contradicts_episode", "436")),
    ("437 episodes after death",
     {"episodes": of_101(ep(DEC="01/08/2023", REC="E2"), ep(DECOM="05/08/2023"))},
     ("episodes", 1, "REC", "episodes_after_final", "437")),
    # -- 2. age plausibility (child 102 was born 15/09/2015)
    ("358 remand under 10", {"episodes": changed(EPISODES, 1, LS="J1")},
     ("episodes", 2, "LS", "too_young_for_status", "358")),
    ("372 custody under 10",
     {"episodes": changed(EPISODES, 1, PLACE="R5", PLACE_PROVIDER="PR3", URN="")},
     ("episodes", 2, "PLACE", "too_young_for_placement", "372")),
    ("373 residential school under 4",
     {"header": changed(HEADER, 1, DOB="15/09/2021"), "episodes": changed(EPISODES, 1, PLACE="S1")},
     ("episodes", 2, "PLACE", "too_young_for_placement", "373")),
    ("374 residential employment under 14",
     {"episodes": changed(EPISODES, 1, PLACE="P3", URN="")},
     ("episodes", 2, "PLACE", "too_young_for_placement", "374")),
    ("387 independent living under 14",
     {"episodes": changed(EPISODES, 1, DEC="01/12/2023", REC="E5")},
     ("episodes", 2, "REC", "too_young_to_leave_so", "387")),
    ("389 adult social care under 16",
     {"episodes": changed(EPISODES, 1, DEC="01/12/2023", REC="E7")},
     ("episodes", 2, "REC", "too_young_to_leave_so", "389")),
    ("460 Staying Put under 18",
     {"episodes": changed(EPISODES, 1, DEC="01/12/2023", REC="E17")},
     ("episodes", 2, "REC", "too_young_to_leave_so", "460")),
    # -- 3. legal-status time limits
    ("361 police protection over 72 hours",
     {"episodes": of_101(ep(LS="L1", DEC="10/05/2023", REC="E8"))},
     ("episodes", 1, "LS", "status_too_long", "361")),
    ("362 EPO over 21 days", {"episodes": of_101(ep(LS="L2", DEC="01/06/2023", REC="E8"))},
     ("episodes", 1, "LS", "status_too_long", "362")),
    ("363 CAO over 7 days", {"episodes": of_101(ep(LS="L3", DEC="10/05/2023", REC="E8"))},
     ("episodes", 1, "LS", "status_too_long", "363")),
    ("364 PACE over 21 days, over two episodes",
     {"episodes": [*EPISODES[:2], EPISODES[2] | {"LS": "J2", "DEC": "20/01/2024", "REC": "X1"},
                   EPISODES[2] | {"LS": "J2", "DECOM": "20/01/2024", "RNE": "P", "PLACE": "K2"}]},
     ("episodes", 3, "LS", "status_too_long", "364")),
    ("365 short break over 17 days",
     {"episodes": of_101(ep(LS="V3", PLACE="U6", DEC="01/06/2023", REC="E8", PL_POST="", URN=""))},
     ("episodes", 1, "DEC", "short_break_too_long", "365")),
    ("366 short break not a new episode",
     {"episodes": of_101(ep(LS="V3", RNE="P", DEC="05/05/2023", REC="E8", PL_POST="", URN=""))},
     ("episodes", 1, "RNE", "short_break_not_new", "366")),
    ("367 short breaks over 75 days in the year",
     {"episodes": of_101(*(ep(LS="V3", DECOM=f"01/{m:02}/2023", DEC=f"17/{m:02}/2023", REC="E8",
                              PL_POST="", URN="") for m in (5, 6, 7, 8, 9)))},
     ("episodes", 5, "LS", "short_breaks_over_75_days", "367")),
    ("375 hospital over six weeks",
     {"episodes": chain({}, {"DECOM": "01/06/2023", "RNE": "P", "PLACE": "T1"} | T,
                        {"DECOM": "01/08/2023", "RNE": "P"})},
     ("episodes", 2, "DEC", "temporary_too_long", "375")),
    ("376 carer's holiday over three weeks",
     {"episodes": chain({}, {"DECOM": "01/06/2023", "RNE": "P", "PLACE": "T3"} | T,
                        {"DECOM": "01/07/2023", "RNE": "P"})},
     ("episodes", 2, "DEC", "temporary_too_long", "376")),
    ("379 other temporary move over seven days",
     {"episodes": chain({}, {"DECOM": "01/06/2023", "RNE": "P", "PLACE": "T4"} | T,
                        {"DECOM": "11/06/2023", "RNE": "P"})},
     ("episodes", 2, "DEC", "temporary_too_long", "379")),
    ("377 three holiday moves in 12 months",
     {"episodes": chain({}, *(c for m in (6, 7, 8) for c in (
         {"DECOM": f"01/{m:02}/2023", "RNE": "P", "PLACE": "T3"} | T,
         {"DECOM": f"05/{m:02}/2023", "RNE": "P"})))},
     ("episodes", 6, "PLACE", "holiday_moves_over_two", "377")),
    ("378 s20 with parents",
     {"episodes": of_101(ep(LS="V2", PLACE="P1", PLACE_PROVIDER="PR0", URN=""))},
     ("episodes", 1, "LS", "s20_with_parents", "378")),
    # -- 4. adoption dates and codes
    ("117 decision after the return", {"placed_for_adoption": placed(DATE_PLACED="01/04/2024")},
     ("placed_for_adoption", 1, "DATE_PLACED", "decision_after_care", "117")),
    ("118 decision ceased before the return",
     {"placed_for_adoption": placed(DATE_PLACED="01/06/2023", DATE_PLACED_CEASED="01/07/2023",
                                    REASON_PLACED_CEASED="RD1"),
      "episodes": of_101(ep(DECOM="01/08/2023"))},
     ("placed_for_adoption", 1, "DATE_PLACED_CEASED", "decision_ceased_early", "118")),
    ("1003 decision before care", {"placed_for_adoption": placed(DATE_PLACED="01/03/2023")},
     ("placed_for_adoption", 1, "DATE_PLACED", "decision_before_care", "1003")),
    ("184 decision before birth", {"placed_for_adoption": placed(DATE_PLACED="01/03/2012")},
     ("placed_for_adoption", 1, "DATE_PLACED", "decision_before_birth", "184")),
    ("554 decision after the placement order",
     {"episodes": of_101(ep(LS="E1")), "placed_for_adoption": placed(DATE_PLACED="01/06/2023")},
     ("placed_for_adoption", 1, "DATE_PLACED", "decision_after_order", "554")),
    ("408 A5 without a placement order", {"episodes": of_101(ep(PLACE="A5"))},
     ("episodes", 1, "LS", "adoption_without_order", "408")),
    ("551 placed for adoption without a decision", {"episodes": of_101(ep(PLACE="A3", LS="E1"))},
     ("episodes", 1, "PLACE", "placed_without_decision", "551")),
    ("553 placement order without a decision", {"episodes": of_101(ep(LS="E1"))},
     ("episodes", 1, "LS", "order_without_decision", "553")),
    ("553 decision ceased while the order is open",
     {"episodes": of_101(ep(LS="E1")),
      "placed_for_adoption": placed(DATE_PLACED="01/06/2023", DATE_PLACED_CEASED="01/09/2023",
                                    REASON_PLACED_CEASED="RD1")},
     ("placed_for_adoption", 1, "DATE_PLACED_CEASED", "order_without_decision", "553")),
    ("555 freeing order without a decision (to 2023-24)", {"episodes": of_101(ep(LS="D1"))},
     ("episodes", 1, "LS", "order_without_decision", "555")),
    ("557 left care under an order, decision not ceased",
     {"episodes": of_101(ep(LS="E1", DEC="01/12/2023", REC="E8")),
      "placed_for_adoption": placed(DATE_PLACED="01/06/2023")},
     ("episodes", 1, "REC", "left_without_decision_ceased", "557")),
    # -- 5. fields required or forbidden by placement
    ("178/213 provider on a temporary move",
     {"episodes": chain({}, {"DECOM": "01/08/2023", "RNE": "P", "PLACE": "T2", "URN": ""})},
     ("episodes", 2, "PLACE_PROVIDER", "provider_not_needed", "213")),
    ("178 provider on a temporary move",
     {"episodes": chain({}, {"DECOM": "01/08/2023", "RNE": "P", "PLACE": "T2", "URN": ""})},
     ("episodes", 2, "PLACE_PROVIDER", "provider_not_needed", "178")),
    ("178 provider not a code", {"episodes": changed(EPISODES, 1, PLACE_PROVIDER="PR9")},
     ("episodes", 2, "PLACE_PROVIDER", "unknown_code", "178")),
    ("214 placement postcode on a short break",
     {"episodes": of_101(ep(LS="V3", DEC="05/05/2023", REC="E8", URN=""))},
     ("episodes", 1, "PL_POST", "location_not_needed", "214")),
    ("222 URN with parents", {"episodes": of_101(ep(PLACE="P1", PLACE_PROVIDER="PR0"))},
     ("episodes", 1, "URN", "urn_not_needed", "222")),
]  # fmt: skip


def _cites(message: str, rule: str) -> bool:
    return re.search(rf"DfE rules? [\d, ]*\b{rule}\b", message) is not None


@pytest.mark.parametrize(
    ("tables", "expected"), [(t, e) for _, t, e in CASES], ids=[c[0] for c in CASES]
)
def test_each_dfe_rule_warns_on_the_row_the_validator_flags(
    tables: dict[str, Any], expected: tuple[str, int, str, str, str]
) -> None:
    """Tests that the rule gives its warning, with its DfE number, on the row, and that
    the row is still imported (no error)."""
    table, row, column, rule, dfe = expected
    report = imported(extract(**tables)).report
    found = [
        i
        for i in report.issues
        if (i.table, i.row, i.column, i.rule) == (table, row, column, rule)
        and _cites(i.message, dfe)
    ]
    assert found, [str(i) for i in report.issues]
    assert all(i.severity == "warning" for i in found)
    assert report.errors == []


def test_each_warning_says_what_the_import_did() -> None:
    """Tests that every new warning's message ends with what the import made of the row."""
    for _, tables, (*_, rule, dfe) in CASES:
        report = imported(extract(**tables)).report
        for i in report.issues:
            if i.rule == rule and _cites(i.message, dfe):
                assert re.search(r"\): (imported|read as|provider|URN)", i.message), i.message


def test_a_temporary_move_and_the_return_to_the_same_placement_is_clean() -> None:
    """Tests that a well-formed temporary move (RNE P into T3 and back to the same PLACE
    and PL_POST, within three weeks) gives none of the new warnings."""
    episodes = chain({}, {"DECOM": "01/06/2023", "RNE": "P", "PLACE": "T3"} | T,
                     {"DECOM": "10/06/2023", "RNE": "P"})  # fmt: skip
    assert imported(extract(episodes=episodes)).report.issues == []


def test_the_return_after_a_temporary_move_compares_the_postcode_from_2025_26() -> None:
    """Tests that rule 383 compares PL_POST only from the 2025-26 return, as the
    validator's rule does."""
    episodes = chain({}, {"DECOM": "01/06/2023", "RNE": "P", "PLACE": "T3"} | T,
                     {"DECOM": "10/06/2023", "RNE": "P", "PL_POST": "LS1 1AA"})  # fmt: skip
    rules = {
        year: {i.rule for i in imported(extract(episodes=episodes), year=year).report.issues}
        for year in (2024, 2026)
    }
    assert "no_return_after_temporary" not in rules[2024]
    assert "no_return_after_temporary" in rules[2026]


def test_freeing_orders_need_a_decision_only_until_2023_24() -> None:
    """Tests that rule 555 (D1 without a decision) is checked to the 2023-24 return only:
    the validator drops it from 2024-25."""
    ext = extract(episodes=of_101(ep(LS="D1")))
    by_year = {
        y: [i for i in imported(ext, year=y).report.issues if i.rule == "order_without_decision"]
        for y in (2024, 2025)
    }
    assert len(by_year[2024]) == 1 and by_year[2025] == []


def test_the_placements_that_take_no_provider_or_urn_follow_the_return() -> None:
    """Tests the year-dependent code lists of rules 178, 213 and 222."""
    assert "Z1" in codes.no_provider(2025) and "Z1" not in codes.no_provider(2026)
    assert codes.no_provider_rules("T2", 2026) == "rules 178, 213"
    assert codes.no_provider_rules("T4", 2026) == "rule 213"
    assert codes.no_provider_rules("T4", 2025) == "rules 178, 213"
    assert codes.no_provider_rules("Z1", 2025) == "rule 178"
    assert {"H5", "P2", "Z1"} <= codes.no_urn(2023)
    assert "H5" not in codes.no_urn(2024) and "P2" in codes.no_urn(2024)
    assert "P2" not in codes.no_urn(2025) and "Z1" in codes.no_urn(2025)
    assert "Z1" not in codes.no_urn(2026) and "Z11" in codes.no_urn(2026)
    assert "P1" in codes.no_urn(2026)


#: The DfE rules of issue 17's five groups (553 and 555 with the adoption group).
ISSUE_17_RULES = [
    *("357", "380", "381", "382", "383", "384", "431", "432", "433", "434", "435", "436"),
    *("437", "358", "372", "373", "374", "387", "389", "460", "361", "362", "363", "364"),
    *("365", "366", "367", "375", "376", "377", "378", "379", "117", "118", "408", "551"),
    *("553", "555", "557", "1003", "184", "554", "178", "213", "214", "222"),
]  # fmt: skip


def test_every_rule_has_a_case_and_a_row_in_the_docs() -> None:
    """Tests that each DfE rule of the five groups has a case here, and a row in the table
    of docs/ssda903.md; and that each product check name is documented."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "ssda903.md").read_text()
    assert {c[2][4] for c in CASES} >= set(ISSUE_17_RULES)
    for rule in ISSUE_17_RULES:
        assert f"\n| {rule} | `" in docs, rule
    for name in {c[2][3] for c in CASES}:
        assert f"`{name}`" in docs, name


def test_the_report_says_the_import_keeps_rows_the_dfe_would_reject() -> None:
    """Tests that the report a data officer reads says, in words, that rows the DfE's
    validator would reject were kept, and how many."""
    report = imported(extract(episodes=of_101(ep(PLACE="A5")))).report
    text = report.text()
    assert "2 of the warnings name a DfE rule: the DfE's validator would reject" in text
    assert "imported as it is" not in imported().report.text()
    assert "name a DfE rule" not in imported().report.text()
