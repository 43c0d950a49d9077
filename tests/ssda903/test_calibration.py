"""The baseline figures of a generated region match what the generator was calibrated to
(issue 7): a standing population of children looked after (synth.looked_after) is
written as 903 extracts, read back, imported and counted with `ssda903.baseline`, and
every figure is within about three standard errors of the figures file's.

The targets are written out here from the figures file, not taken from the generator's
constants, so that a generator drifting from the figures fails. Three seeds of 2,000
children are pooled (6,000 children); a tolerance is three binomial standard errors of
the pooled share, plus half a child.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from statistics import mean, stdev

import pytest

import ssda903
from geo import KM_PER_MILE
from ssda903 import codes
from ssda903.baseline import BANDS, ENGLAND_2015
from synth import WEST_YORKSHIRE, generate_region
from synth.looked_after import LookedAfter, generate_looked_after, targets
from tests.ssda903.helpers import without_export_faults
from vocab import ETHNIC_GROUPS

SEEDS = (0, 1, 2)
CHILDREN = 2000

#: §1.4 "suggested calibration mix" (ranges at their middle), scaled by its total 101.65%.
MIX_TOTAL = 1.0165
BY_GROUP = {
    codes.FOSTER_OTHER: (0.28 + 0.25) / MIX_TOTAL,
    codes.FOSTER_KIN: 0.16 / MIX_TOTAL,
    codes.HOMES: 0.115 / MIX_TOTAL,
    codes.SUPPORTED: 0.10 / MIX_TOTAL,
    codes.PARENTS: 0.06 / MIX_TOTAL,
    codes.ADOPTION: 0.025 / MIX_TOTAL,
    codes.SECURE: 0.0015 / MIX_TOTAL,
}
OTHER = 0.025 / MIX_TOTAL  # residential schools, care homes, NHS, family centres, custody
IN_HOUSE_OF_FOSTER = 0.28 / 0.53
#: §1.5 (2015), in the baseline's band order, scaled by their total 96%. No outcode of a
#: West Yorkshire LA is more than 20 miles from another of the same LA, so "inside, more
#: than 20 miles" cannot happen there and its 4% move outside at the same distance.
BANDS_2015 = (0.53, 0.04, 0.23, 0.14, 0.02)
WEST_YORKSHIRE_BANDS = (0.53 / 0.96, 0.0, 0.23 / 0.96, 0.18 / 0.96, 0.02 / 0.96)
#: §1.2: age at 31 March (2022) scaled by its total 101%; sex (2025).
AGE_BANDS = {(0, 0): 0.05, (1, 4): 0.14, (5, 9): 0.18, (10, 15): 0.39, (16, 17): 0.25}
MALE, MALE_NON_UASC = 0.56, 0.53
ETHNICITY = {"White": 0.71, "Mixed": 0.11, "Black": 0.08, "Asian": 0.05, "Other": 0.04}
#: §1.1: UASC 8.0% of children looked after (2025).
UASC = 0.08
#: §1.3 (2020): care order 77% (full and interim), s20 17%, placement order 6%.
LEGAL_STATUS = {("C1", "C2"): 0.77, ("V2",): 0.17, ("E1",): 0.06}
#: §1.5: Ofsted, children in children's homes live 36 miles from home on average.
HOMES_MEAN_MILES = 36.0


def _within(count: float, n: int, p: float, what: str, *, z: float = 3.0) -> None:
    tol = z * math.sqrt(p * (1 - p) / n) + 0.5 / n
    assert abs(count / n - p) <= tol, f"{what}: {count / n:.2%} against {p:.2%} (±{tol:.2%}, n={n})"


@pytest.fixture(scope="module")
def generated(
    tmp_path_factory: pytest.TempPathFactory,
) -> list[tuple[LookedAfter, list[ssda903.Import]]]:
    """Each seed's population written (CSV; XML for the last seed), read and imported."""
    out = []
    for seed in SEEDS:
        pop = generate_looked_after(CHILDREN, seed=seed)
        folder = tmp_path_factory.mktemp(f"seed{seed}")
        pop.write(folder, xml=seed == SEEDS[-1])
        imports = [
            ssda903.import_extract(
                ssda903.read_extract(folder / la), la=la, as_of=pop.as_of, id_prefix=""
            )
            for la in pop.las
        ]
        out.append((pop, imports))
    return out


@pytest.fixture(scope="module")
def kids(
    generated: list[tuple[LookedAfter, list[ssda903.Import]]],
) -> list[ssda903.CareChild]:
    return [k for _, imports in generated for imp in imports for k in imp.children]


@pytest.fixture(scope="module")
def pooled(generated: list[tuple[LookedAfter, list[ssda903.Import]]]) -> ssda903.Baseline:
    return ssda903.baseline([imp for _, imports in generated for imp in imports])


def test_the_extract_imports_every_child_as_generated(
    generated: list[tuple[LookedAfter, list[ssda903.Import]]], tmp_path: Path
) -> None:
    for pop, imports in generated:
        want = {c["id"]: c for c in pop.children}
        got = {k.id: k for imp in imports for k in imp.children}
        assert sorted(got) == sorted(want)
        for cid, kid in got.items():
            c, p = want[cid], pop.placed[cid]
            assert {f: kid.child.get(f) for f in ("la", "age", "sex", "ethnicity", "home")} == {
                f: c[f] for f in ("la", "age", "sex", "ethnicity", "home")
            }
            assert (kid.placement.place, kid.placement.place_provider) == (
                p.place,
                p.place_provider,
            )
            # Placed for adoption with the current foster carers (A3, A5: RNE T or U), the
            # child has lived with them since the foster placement before.
            same = p.earlier and p.rne in codes.SAME_CARER
            start = p.earlier[0].start if same else p.start
            assert (kid.placement.outcode, kid.placement.start) == (p.postcode, start)
            assert kid.legal_status == p.legal_status
            assert ("adoption" in kid.child) == (p.legal_status == "E1" and p.place[0] != "A")
        for imp in imports:
            assert imp.report.errors == []
            assert imp.report.children["looked_after"] == len(imp.children)
            # The only warnings: a home postcode not recorded for a child who is not UASC
            # (the "distance not known" band; UASC need none, rule 406).
            assert {(i.rule, i.column) for i in without_export_faults(imp.report.warnings)} <= {
                ("value_blank", "HOME_POST")
            }
    # The same seed writes the same extract.
    pop = generated[0][0]
    again = generate_looked_after(CHILDREN, seed=SEEDS[0])
    assert again.rows("Leeds") == pop.rows("Leeds")
    assert generate_looked_after(CHILDREN, seed=99).rows("Leeds") != pop.rows("Leeds")


def test_placement_mix_by_903_group(
    pooled: ssda903.Baseline, kids: list[ssda903.CareChild]
) -> None:
    n = pooled.looked_after
    assert n == CHILDREN * len(SEEDS)
    for group, share in BY_GROUP.items():
        _within(pooled.by_group[group], n, share, group)
    rest = n - sum(pooled.by_group[g] for g in BY_GROUP)
    _within(rest, n, OTHER, "other placements")
    assert pooled.by_group[codes.NOT_RECORDED] == 0
    foster = [k for k in kids if k.placement.group == codes.FOSTER_OTHER]
    in_house = sum(k.placement.provider == "in_house" for k in foster)
    _within(in_house, len(foster), IN_HOUSE_OF_FOSTER, "in-house of foster")
    assert {k.placement.provider for k in foster} == {"in_house", "ifa"}
    assert pooled.tables()["by_placement_type"]["rows"][0][0] == codes.FOSTER_KIN


def test_distance_and_locality_bands(pooled: ssda903.Baseline) -> None:
    n = pooled.looked_after
    assert tuple(ENGLAND_2015.values()) == BANDS_2015
    region = targets(WEST_YORKSHIRE)
    assert region.bands == pytest.approx(WEST_YORKSHIRE_BANDS)
    for band, share in zip(BANDS, WEST_YORKSHIRE_BANDS, strict=True):
        _within(pooled.bands[band], n, share, band)
    assert pooled.bands[BANDS[1]] == 0  # inside the LA and more than 20 miles: impossible
    over = (WEST_YORKSHIRE_BANDS[1] + WEST_YORKSHIRE_BANDS[3]) / (1 - WEST_YORKSHIRE_BANDS[4])
    assert region.over_20_miles == pytest.approx(over)
    _within(pooled.over_20_miles, pooled.distance_known, over, "more than 20 miles")
    assert 0.18 <= over <= 0.22  # §1.5: 21-22% in 2023-24
    outside = WEST_YORKSHIRE_BANDS[2] + WEST_YORKSHIRE_BANDS[3]
    _within(pooled.outside_la, pooled.location_known, outside, "outside the LA")
    assert 0.38 <= outside <= 0.5  # §1.5: 40% in 2015, "almost half" in 2024
    assert pooled.location_known == n  # every placement outcode is a real one


def test_a_region_where_every_band_can_be_true_keeps_the_national_bands() -> None:
    """North Yorkshire spans 130 km: placements inside it can be more than 20 miles
    away, so it shows all five bands of §1.5."""
    region = targets(["North Yorkshire"])
    assert region.bands[1] > 0.03
    assert sum(region.bands) == pytest.approx(1.0)
    pop = generate_looked_after(1500, seed=4, las=["North Yorkshire"])
    imp = ssda903.import_extract(
        ssda903.extract_from_xml(ssda903.to_xml(pop.rows())), la="North Yorkshire", as_of=pop.as_of
    )
    b = ssda903.baseline(imp)
    for band, share in zip(BANDS, region.bands, strict=True):
        _within(b.bands[band], b.looked_after, share, band)


def test_each_placement_is_in_the_band_drawn_for_it(
    generated: list[tuple[LookedAfter, list[ssda903.Import]]],
) -> None:
    """The outcode makes the band true: inside or outside the LA by the gazetteer, within
    20 miles or beyond by the straight line the import measures."""
    for pop, imports in generated:
        for kid in (k for imp in imports for k in imp.children):
            p = kid.placement
            band = pop.bands[kid.id]
            if p.distance_km is None:
                assert band == 4 and kid.child["home"] is None and p.out_of_la is False
            else:
                far = p.distance_km > codes.TWENTY_MILES_KM
                assert band == 2 * int(p.out_of_la) + int(far)


def test_childrens_homes_are_further_away_and_kin_and_parents_nearer(
    pooled: ssda903.Baseline, kids: list[ssda903.CareChild]
) -> None:
    homes = [d / KM_PER_MILE for d in pooled.distances_by_group[codes.HOMES]]
    tol = 3 * stdev(homes) / math.sqrt(len(homes))
    assert abs(mean(homes) - HOMES_MEAN_MILES) <= tol, (mean(homes), tol)

    def mean_km(group: str, provider: str | None = None) -> float:
        return mean(
            k.placement.distance_km
            for k in kids
            if k.placement.group == group
            and k.placement.distance_km is not None
            and provider in (None, k.placement.provider)
        )

    parents = mean_km(codes.PARENTS)
    kin = mean_km(codes.FOSTER_KIN)
    in_house = mean_km(codes.FOSTER_OTHER, "in_house")
    ifa = mean_km(codes.FOSTER_OTHER, "ifa")
    assert parents < kin < ifa < mean_km(codes.HOMES)
    assert in_house < ifa
    assert mean_km(codes.SECURE) > mean_km(codes.HOMES) / 2  # few secure homes: far


def test_age_sex_uasc_and_ethnicity(kids: list[ssda903.CareChild]) -> None:
    n = len(kids)
    for (lo, hi), share in AGE_BANDS.items():
        band = sum(lo <= k.child["age"] <= hi for k in kids)
        _within(band, n, share / 1.01, f"age {lo}-{hi}")
    uasc = [k for k in kids if "uasc" in k.child["needs"]]
    _within(len(uasc), n, UASC, "UASC")
    _within(sum(k.child["sex"] == "M" for k in kids), n, MALE, "boys")
    others = [k for k in kids if "uasc" not in k.child["needs"]]
    _within(sum(k.child["sex"] == "M" for k in others), len(others), MALE_NON_UASC, "boys")
    groups = Counter(ETHNIC_GROUPS[k.child["ethnicity"]] for k in kids)
    for group, share in ETHNICITY.items():
        _within(groups[group], n, share, group)
    assert {k.child["la"] for k in kids} == set(WEST_YORKSHIRE)


def test_legal_status(kids: list[ssda903.CareChild]) -> None:
    n = len(kids)
    statuses = Counter(k.legal_status for k in kids)
    for ls, share in LEGAL_STATUS.items():
        _within(sum(statuses[s] for s in ls), n, share, "/".join(ls))
    assert all(k.legal_status == "V2" for k in kids if "uasc" in k.child["needs"])
    assert all(k.legal_status in ("C1", "C2") for k in kids if k.placement.place == "P1")


def test_the_referral_generator_keeps_its_own_calibration() -> None:
    """Referrals (children waiting, synth.generate_region) are calibrated to children
    starting care, not to the standing population: 15% UASC, age at entry (§1.2, 2025:
    under 1 16%, 1-4 14%, 5-9 15%, 10-15 27%, 16-17 28%), 53% of non-UASC boys. Read
    back through an export (unplaced: T0) they still are."""
    doc = generate_region(1500, 10, seed=5)
    got = [
        k.child
        for la in WEST_YORKSHIRE
        for k in ssda903.import_extract(
            ssda903.extract_from_csv(
                {f.removesuffix(".csv"): t for f, t in ssda903.export_903(doc, la=la).items()}
            ),
            la=la,
        ).children
    ]
    n = len(got)
    assert n == 1500
    starters = {(0, 0): 0.16, (1, 4): 0.14, (5, 9): 0.15, (10, 15): 0.27, (16, 17): 0.28}
    for (lo, hi), share in starters.items():
        _within(sum(lo <= c["age"] <= hi for c in got), n, share, f"age at entry {lo}-{hi}")
    # The UASC count is fixed (15% of referrals, rounded), not drawn.
    assert sum("uasc" in c["needs"] for c in got) == round(0.15 * n)
    others = [c for c in got if "uasc" not in c["needs"]]
    _within(sum(c["sex"] == "M" for c in others), len(others), MALE_NON_UASC, "boys")
