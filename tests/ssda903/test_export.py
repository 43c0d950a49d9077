"""Export of a generated region as a 903 extract, the round trip back, and the baseline.

An import of an export gives back the same children: ids, sex, ages (from a fixed date
of birth), ethnicity, home outcodes, the needs the 903 can carry (UASC, and an
emotional or behavioural need through the SDQ), adoption plans, sibling groups and
placements. The baseline figures of the imported region are the region's own, computed
straight from the problem and the placements; its children match what the generator
was calibrated to (docs/calibration.md).
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from statistics import median
from typing import Any

import pytest

import ssda903
from geo import gazetteer
from matching.problem import parse_problem
from matching.result import SolveResult
from matching.yardsticks.baselines import greedy
from ssda903 import codes
from ssda903.export import date_of_birth
from ssda903.records import age_on
from synth import WEST_YORKSHIRE, generate_region
from synth import calibration as cal
from synth.adoption import generate_adoption_region
from tests.ssda903.helpers import without_export_faults

#: The fields of a problem-format child the 903 carries (everything else is not in it:
#: school, religion, languages, flags, wishes, avoid, distance limits, urgency...).
CARRIED = ("id", "la", "age", "sex", "ethnicity", "home")
CARRIED_NEEDS = {"uasc", "emotional_behavioural"}


def _import(files: dict[str, str], la: str, **kw: Any) -> ssda903.Import:
    ext = ssda903.extract_from_csv({name.removesuffix(".csv"): t for name, t in files.items()})
    return ssda903.import_extract(ext, la=la, id_prefix="", **kw)


def _round_trip(
    doc: dict[str, Any], placements: dict[str, str] | None = None
) -> list[ssda903.Import]:
    las = sorted({c["la"] for c in doc["children"]})
    return [
        _import(
            ssda903.export_903(doc, placements, la=la),
            la,
            siblings=ssda903.parse_siblings(ssda903.siblings_csv(doc, la=la)),
        )
        for la in las
    ]


@pytest.fixture(scope="module")
def region() -> tuple[dict[str, Any], SolveResult]:
    """300 referrals and 900 households in West Yorkshire, placed as officers do today
    (the greedy baseline: nearest eligible carer, most urgent first)."""
    doc = generate_region(300, 900, seed=0)
    return doc, greedy(parse_problem(doc, generated=True))


def _same_child(got: dict[str, Any], want: dict[str, Any]) -> None:
    assert {k: got.get(k) for k in CARRIED} == {
        k: want.get(k, "NOBT" if k == "ethnicity" else None) for k in CARRIED
    }
    assert got["needs"] == [n for n in want["needs"] if n in CARRIED_NEEDS]


def test_an_import_of_an_export_gives_back_the_same_children(
    region: tuple[dict[str, Any], SolveResult],
) -> None:
    doc, _ = region
    imports = _round_trip(doc)
    got = {k.id: k.child for imp in imports for k in imp.children}
    assert sorted(got) == sorted(c["id"] for c in doc["children"])
    for want in doc["children"]:
        _same_child(got[want["id"]], want)
    for imp in imports:
        assert imp.report.errors == [] and without_export_faults(imp.report.warnings) == []
        assert imp.as_of == date.fromisoformat(doc["as_of"])
    # brothers and sisters
    groups = {tuple(g["children"]): g["policy"] for imp in imports for g in imp.sibling_groups}
    assert groups == {tuple(sorted(g["children"])): g["policy"] for g in doc["sibling_groups"]}


def test_placements_survive_the_round_trip(region: tuple[dict[str, Any], SolveResult]) -> None:
    doc, result = region
    carer_of = result.carer_of()
    carers = {c["id"]: c for c in doc["carers"]}
    kids = {k.id: k for imp in _round_trip(doc, carer_of) for k in imp.children}
    assert len(kids) == len(doc["children"])
    for child_id, kid in kids.items():
        p = kid.placement
        carer = carers.get(carer_of.get(child_id, ""))
        if carer is None:
            assert (p.place, p.kind, p.outcode, p.distance_km) == ("T0", None, None, None)
            continue
        assert (p.kind, p.provider, p.outcode, p.urn) == (
            carer["kind"],
            carer["provider"],
            carer["location"],
            carer["id"],
        )
        assert kid.child["accepts"][0] == carer["kind"]


def test_csv_and_xml_of_the_same_data_give_the_same_children(
    region: tuple[dict[str, Any], SolveResult],
) -> None:
    doc, result = region
    rows = ssda903.export_rows(doc, result.carer_of(), la="Bradford")
    from_csv = _import(ssda903.to_csv(rows), "Bradford")
    ext = ssda903.extract_from_xml(ssda903.to_xml(rows))
    from_xml = ssda903.import_extract(ext, la="Bradford", id_prefix="")
    assert [k.to_dict() for k in from_xml.children] == [k.to_dict() for k in from_csv.children]
    assert from_xml.report.form == "xml"
    assert without_export_faults(from_xml.report.issues) == []


def test_adoption_plans_survive_the_round_trip() -> None:
    doc = generate_adoption_region(120, 40, seed=1)
    as_of = date.fromisoformat(doc["as_of"])
    want = {c["id"]: c for c in doc["children"]}
    for la in WEST_YORKSHIRE:
        imp = _import(ssda903.export_903(doc, la=la), la, as_of=as_of)
        # every child comes back: none waits since before they could have been born
        assert sorted(k.id for k in imp.children) == sorted(c for c in want if want[c]["la"] == la)
        assert "decom_before_dob" not in imp.report.by_rule()
        for kid in imp.children:
            plan = want[kid.id]["adoption"]
            assert kid.child["adoption"] == {
                k: plan[k] for k in ("waiting_since", "placement_order_date") if plan.get(k)
            }
            assert "adoption" in kid.child["accepts"]
            _same_child(dict(kid.child), want[kid.id])


def test_export_writes_the_903_codes_of_the_placement(
    region: tuple[dict[str, Any], SolveResult],
) -> None:
    doc, result = region
    rows = ssda903.export_rows(doc, result.carer_of())
    assert len(rows["header"]) == len(rows["episodes"]) == 300
    places = Counter((r["PLACE"], r["PLACE_PROVIDER"]) for r in rows["episodes"])
    assert set(places) <= {
        ("U6", "PR1"), ("U6", "PR4"), ("U3", "PR1"), ("K2", "PR1"), ("K2", "PR4"), ("K2", "PR5"),
        ("K2", "PR2"), ("K3", "PR1"), ("K3", "PR4"), ("K3", "PR5"), ("A4", "PR1"), ("A4", "PR5"),
        ("T0", ""),
    }  # fmt: skip
    assert {r["SEX"] for r in rows["header"]} <= {"M", "F", "U"}  # the 2026-27 return
    older = ssda903.export_rows(doc, result.carer_of(), year=2024)
    assert {r["SEX"] for r in older["header"]} <= {"1", "2", ""}
    assert "H5" in {r["PLACE"] for r in older["episodes"]}
    assert len(rows["uasc"]) == sum("uasc" in c["needs"] for c in doc["children"])


def test_a_fixed_date_of_birth_keeps_the_age() -> None:
    as_of = date(2026, 11, 23)
    for age in range(18):
        for i in range(40):
            dob = date_of_birth(f"C-{i:04d}", age, as_of)
            assert age_on(dob, as_of) == age
            first = date(2026 - age, 6, 1)
            early = date_of_birth(f"C-{i:04d}", age, as_of, first)
            assert age_on(early, as_of) == age
            if age_on(first, as_of) <= age:  # the first episode can come after birth
                assert early <= first
    assert date_of_birth("C-0001", 9, as_of) == date_of_birth("C-0001", 9, as_of)


# -- baseline figures ---------------------------------------------------------------------


def test_baseline_figures_are_the_regions_own(region: tuple[dict[str, Any], SolveResult]) -> None:
    """Every figure, through export and import, equals the one computed straight from the
    problem and the placements with the DfE's method (straight line between outcodes)."""
    doc, result = region
    gaz = gazetteer()
    carer_of = result.carer_of()
    carers = {c["id"]: c for c in doc["carers"]}
    placed = [(c, carers[carer_of[c["id"]]]) for c in doc["children"] if c["id"] in carer_of]
    km = [gaz.km(c["home"], h["location"]) for c, h in placed]
    outside = sum(gaz.area_of(h["location"]) != c["la"] for c, h in placed)

    b = ssda903.baseline(_round_trip(doc, carer_of))
    assert b.looked_after == 300
    assert b.distance_known == len(placed) == result.placed
    assert b.over_20_miles == sum(d > 20 * 1.609344 for d in km)
    assert b.outside_la == outside and b.location_known == len(placed)
    assert b.median_km == pytest.approx(median(km))
    assert {k: v for k, v in b.by_kind.items() if k} == Counter(h["kind"] for _, h in placed)
    assert b.by_kind[None] == 300 - len(placed)
    together = Counter(g.policy for g in result.sibling_groups if g.outcome == "together")
    assert {p: c["together"] for p, c in b.sibling_groups.items() if c["together"]} == together
    tables = b.tables()
    assert set(tables) == {
        "headline", "by_placement_type", "by_kind", "by_provider", "distance_locality",
        "siblings",
    }  # fmt: skip
    assert tables["headline"]["rows"][0] == ["children looked after", "300"]


def test_baseline_of_a_generated_region_matches_its_calibration() -> None:
    """What the generator is calibrated to, read back from the 903 (docs/calibration.md):
    15% of referrals UASC; 53% of non-UASC boys; age at entry under 1 16%, 1-4 14%, 5-9
    15%, 10-15 27%, 16-17 28% (DfE 2025 starters); children spread over the LAs as their
    children looked after (§1.11). Tolerances are about three standard errors at 1,000
    children. Placement distance and location are NOT calibrated: they come out of the
    matching (docs/ssda903.md, "Baseline figures"), so they are only checked for being
    the region's own (above) and local, as the generator's geography makes them."""
    doc = generate_region(1000, 3000, seed=3)
    result = greedy(parse_problem(doc, generated=True))
    imports = _round_trip(doc, result.carer_of())
    kids = [k.child for imp in imports for k in imp.children]
    n = len(kids)
    assert n == 1000
    uasc = [k for k in kids if "uasc" in k["needs"]]
    assert len(uasc) / n == pytest.approx(cal.UASC_SHARE, abs=0.03)
    others = [k for k in kids if "uasc" not in k["needs"]]
    boys = sum(k["sex"] == "M" for k in others) / len(others)
    assert boys == pytest.approx(cal.NON_UASC_MALE_SHARE, abs=0.05)
    for (lo, hi), share in zip(cal.AGE_BANDS, cal.AGE_AT_ENTRY, strict=True):
        band = sum(lo <= k["age"] <= hi for k in kids) / n
        assert band == pytest.approx(share, abs=0.04), (lo, hi)
    total = sum(cal.LA_CLA_COUNTS.values())
    for la, count in cal.LA_CLA_COUNTS.items():
        assert sum(k["la"] == la for k in kids) / n == pytest.approx(count / total, abs=0.04)

    b = ssda903.baseline(imports)
    # Within West Yorkshire almost every placement is within 20 miles (national: 22%).
    assert b.share_over_20_miles is not None and b.share_over_20_miles < 0.05
    assert b.share_outside_la is not None and 0.1 < b.share_outside_la < 0.6
    assert round(codes.TWENTY_MILES_KM, 2) == 32.19
