"""The 903 exports against the DfE's validation rules, without the DfE validator.

Every export path (the standing population of `ssda903 generate`, a region's referrals
placed or not, an adoption region's waiting children) is checked for the rules the
export used to break: each test names its DfE rule and fails if the fault comes back.
docs/ssda903.md lists the rules the exports still break on purpose, and why.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, datetime

import pytest

import ssda903
from matching.problem import parse_problem
from matching.yardsticks.baselines import greedy
from ssda903 import codes
from ssda903.export import NO_PREVIOUS_PERMANENCE, SYNTHETIC_UPN_LA, upn
from ssda903.records import birthday
from synth import generate_region
from synth.adoption import generate_adoption_region
from synth.looked_after import NO_URN, generate_looked_after

Rows = dict[str, list[dict[str, str]]]
REGION_AS_OF = date(2026, 3, 1)


def _day(text: str) -> date:
    return datetime.strptime(text, "%d/%m/%Y").date()


@pytest.fixture(scope="module")
def exports() -> dict[str, tuple[Rows, int]]:
    """Each export path's Leeds tables, with the return year (the year ending 31 March)."""
    pop = generate_looked_after(None, seed=0, las=("Leeds",))  # 1,346: one placed at birth
    region = generate_region(300, 900, seed=0, as_of=REGION_AS_OF)
    adoption = generate_adoption_region(seed=0, as_of=REGION_AS_OF)
    placed = greedy(parse_problem(region, generated=True)).carer_of()
    adopted = greedy(parse_problem(adoption, generated=True)).carer_of()
    return {
        "generate": (pop.rows("Leeds"), 2026),
        "generate 2024-25": (
            generate_looked_after(200, seed=2, las=("Leeds",), as_of=date(2025, 3, 31)).rows(),
            2025,
        ),
        "region": (ssda903.export_rows(region, la="Leeds"), 2026),
        "region placed": (ssda903.export_rows(region, placed, la="Leeds"), 2026),
        "adoption": (ssda903.export_rows(adoption, la="Leeds"), 2026),
        "adoption placed": (ssda903.export_rows(adoption, adopted, la="Leeds"), 2026),
    }


def _by_child(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        out[r["CHILD"]].append(r)
    return out


def test_sex_codes_follow_the_return_year() -> None:
    """Tests that SEX is 1/2 up to 2023-24 and M/F/U from 2024-25 (rule 101 of each year)."""
    doc = generate_region(40, 60, seed=3, as_of=REGION_AS_OF)
    sexes = {
        y: {r["SEX"] for r in ssda903.export_rows(doc, year=y)["header"]} for y in (2024, 2025)
    }
    assert sexes[2024] <= {"1", "2"}
    assert sexes[2025] <= {"M", "F", "U"}


def test_every_period_of_care_starts_with_rne_s(exports: dict[str, tuple[Rows, int]]) -> None:
    """Tests that each child's first episode is RNE S, unplaced children too (rule 357),
    and that later episodes follow on the day the one before ends, never on the same day
    it began (rule 355)."""
    for path, (rows, _) in exports.items():
        for child, eps in _by_child(rows["episodes"]).items():
            eps.sort(key=lambda r: _day(r["DECOM"]))
            assert eps[0]["RNE"] == "S", (path, child)
            for before, after in zip(eps, eps[1:], strict=False):
                assert before["DEC"] == after["DECOM"] != before["DECOM"], (path, child)
                assert before["REC"] == codes.NEW_EPISODE_SAME_DAY
            assert eps[-1]["DEC"] == "", (path, child)


def test_the_adoption_decision_falls_inside_the_period_and_before_the_order(
    exports: dict[str, tuple[Rows, int]],
) -> None:
    """Tests that DATE_PLACED is on or after birth (rule 184) and the start of the period
    of care (1003), and on or before the first placement order (554)."""
    checked = 0
    for path, (rows, _) in exports.items():
        eps = _by_child(rows["episodes"])
        born = {r["CHILD"]: _day(r["DOB"]) for r in rows["header"]}
        for r in rows["placed_for_adoption"]:
            decided, child = _day(r["DATE_PLACED"]), r["CHILD"]
            starts = [_day(e["DECOM"]) for e in eps[child]]
            orders = [_day(e["DECOM"]) for e in eps[child] if e["LS"] == "E1"]
            assert decided >= born[child], (path, child, "184")
            assert decided >= min(starts), (path, child, "1003")
            assert not orders or decided <= min(orders), (path, child, "554")
            checked += 1
    assert checked > 100


def test_placed_for_adoption_has_a_decision(exports: dict[str, tuple[Rows, int]]) -> None:
    """Tests that every child in an A3-A6 placement has a DATE_PLACED (rule 551), and that
    A5/A6 go with a placement order (rule 408)."""
    for path, (rows, _) in exports.items():
        decided = {r["CHILD"] for r in rows["placed_for_adoption"] if r["DATE_PLACED"]}
        for e in rows["episodes"]:
            if e["PLACE"] in ("A3", "A4", "A5", "A6"):
                assert e["CHILD"] in decided, (path, e)
            if e["PLACE"] in ("A5", "A6"):
                assert e["LS"] == "E1", (path, e)


def test_children_looked_after_a_year_have_an_oc2_row(
    exports: dict[str, tuple[Rows, int]],
) -> None:
    """Tests that every child looked after since the return's first day has OC2 health
    items (rule 191) and conviction data at 10 or over (543), and that no other child
    has them (190)."""
    twelve = ("IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE")
    seen = 0
    for path, (rows, year) in exports.items():
        first, last = date(year - 1, 4, 1), date(year, 3, 31)
        oc2 = {r["CHILD"]: r for r in rows["oc2"]}
        born = {r["CHILD"]: _day(r["DOB"]) for r in rows["header"]}
        for child, eps in _by_child(rows["episodes"]).items():
            looked_after = min(_day(e["DECOM"]) for e in eps) <= first
            row = oc2.get(child, {})
            assert all(row.get(f) for f in twelve) == looked_after, (path, child)
            if looked_after and birthday(born[child], 10) < last:
                assert row["CONVICTED"] == "0", (path, child)
            seen += looked_after
    assert seen > 100


def test_school_age_children_have_a_upn(exports: dict[str, tuple[Rows, int]]) -> None:
    """Tests that no child is UN4 (rule 210), UN1 only before school age (209), and every
    other UPN is well formed (168) and unique (444)."""
    well_formed = re.compile(r"^[A-HJ-NP-RT-Z]\d{12}$")
    for path, (rows, year) in exports.items():
        upns = [r["UPN"] for r in rows["header"]]
        real = [u for u in upns if u != "UN1"]
        assert "UN4" not in upns, path
        assert all(well_formed.match(u) and u[1:4] == SYNTHETIC_UPN_LA for u in real), path
        assert len(set(real)) == len(real), path
        school_from = date(year - 2, 8, 31)
        for r in rows["header"]:
            school_age = birthday(_day(r["DOB"]), 4) <= school_from
            assert (r["UPN"] != "UN1") == school_age, (path, r)


def test_a_upn_check_letter_is_the_dfe_one() -> None:
    """Tests the check letter against the DfE's weighted sum modulo 23."""
    got = upn("100001", date(2010, 1, 1), 2026)
    total = sum(int(ch) * w for ch, w in zip(got[1:], range(2, 14), strict=True))
    assert got[0] == "ABCDEFGHJKLMNPQRTUVWXYZ"[total % 23]


def test_registered_settings_have_a_urn(exports: dict[str, tuple[Rows, int]]) -> None:
    """Tests that the standing population gives a URN to every placement but those the
    DfE exempts (rule 218) and none to those (rule 222)."""
    for path in ("generate", "generate 2024-25"):
        for e in exports[path][0]["episodes"]:
            assert bool(e["URN"]) == (e["PLACE"] not in NO_URN), (path, e)


def test_new_periods_say_there_was_no_previous_permanence(
    exports: dict[str, tuple[Rows, int]],
) -> None:
    """Tests that a child whose period began in the return's year has PREV_PERM (rule
    630), in CSV and XML."""
    for path, (rows, year) in exports.items():
        began = {
            child
            for child, eps in _by_child(rows["episodes"]).items()
            if min(_day(e["DECOM"]) for e in eps) >= date(year - 1, 4, 1)
        }
        perm = {r["CHILD"]: r["PREV_PERM"] for r in rows["prev_perm"]}
        assert perm == dict.fromkeys(began, NO_PREVIOUS_PERMANENCE), path
    rows = exports["region"][0]
    assert "prev_perm.csv" in ssda903.to_csv(rows)
    assert ssda903.to_xml(rows).count("<PREV_PERM>Z1</PREV_PERM>") == len(rows["prev_perm"])
