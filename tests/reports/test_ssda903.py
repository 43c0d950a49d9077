"""The baseline report of a 903 import: real PNGs, one self-contained page with every
table of the baseline, the import's issues by rule, and the files `write_report` leaves."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

import ssda903
from reports.ssda903 import charts, render_html, write_report
from synth.looked_after import LookedAfter, generate_looked_after
from tests.ssda903.helpers import SAMPLE, needs_sample

PNG = b"\x89PNG\r\n\x1a\n"


def charts_of_a_baseline() -> tuple[str, ...]:
    """The plots of a baseline without sibling groups (a stand-in PNG for each saves
    drawing them where only the page's text is tested)."""
    return ("placements.png", "bands.png", "distances.png")


def _import(pop: LookedAfter, la: str, siblings: str | None = None) -> ssda903.Import:
    files = ssda903.to_csv(pop.rows(la))
    ext = ssda903.extract_from_csv({name.removesuffix(".csv"): t for name, t in files.items()})
    table = ssda903.parse_siblings(siblings) if siblings is not None else None
    return ssda903.import_extract(ext, la=la, as_of=pop.as_of, siblings=table)


@pytest.fixture(scope="module")
def region() -> tuple[ssda903.Baseline, list[ssda903.Report]]:
    """A generated West Yorkshire standing population, pooled over its five LAs."""
    pop = generate_looked_after(600, seed=3)
    imports = [_import(pop, la) for la in pop.las]
    return ssda903.baseline(imports), [imp.report for imp in imports]


@pytest.fixture(scope="module")
def region_pngs(region: tuple[ssda903.Baseline, list[ssda903.Report]]) -> dict[str, bytes]:
    return charts(region[0])


@pytest.fixture(scope="module")
def with_siblings() -> ssda903.Baseline:
    """Leeds's children with a siblings file: pairs in one placement (outcode and URN:
    together when they share it), pairs in different ones (apart), a 'must' and an
    'apart' group."""
    pop = generate_looked_after(400, seed=4, las=["Leeds"])
    by_outcode: dict[tuple[str, str], list[str]] = {}
    for cid, p in pop.placed.items():
        by_outcode.setdefault((p.postcode, p.urn), []).append(cid)
    shared = [ids for ids in by_outcode.values() if len(ids) >= 2][:4]
    lines = ["child,sibling,policy"]
    lines += [f"{ids[0]},{ids[1]},should" for ids in shared[:3]]
    lines.append(f"{shared[3][0]},{shared[3][1]},must")
    singles = [ids[0] for ids in by_outcode.values() if len(ids) == 1]
    lines += [f"{singles[0]},{singles[1]},should", f"{singles[2]},{singles[3]},apart"]
    return ssda903.baseline(_import(pop, "Leeds", "\n".join(lines) + "\n"))


def test_charts_are_real_pngs(
    region_pngs: dict[str, bytes], with_siblings: ssda903.Baseline
) -> None:
    pngs = region_pngs
    assert set(pngs) == {"placements.png", "bands.png", "distances.png"}  # no siblings file
    for data in pngs.values():
        assert data.startswith(PNG) and len(data) > 10_000
    drawn = charts(with_siblings)
    assert drawn["siblings.png"].startswith(PNG)
    assert with_siblings.sibling_groups["should"]["together"] == 3
    assert with_siblings.sibling_groups["should"]["apart"] == 1


def test_the_page_holds_every_table_the_plots_and_the_issues_by_rule(
    region: tuple[ssda903.Baseline, list[ssda903.Report]], region_pngs: dict[str, bytes]
) -> None:
    b, reports = region
    page = render_html(b, reports, region_pngs)
    for table in b.tables().values():
        assert html.escape(table["title"]) in page
    assert page.count("data:image/png;base64,") == 3
    body = page.split("<body>", 1)[1]
    assert "http" not in body  # self-contained: nothing fetched
    assert f"{b.looked_after:,} children looked after" in body
    assert "England 2015" in body and "53%" in body
    # each LA's import: counts by table, children by state, issues by rule
    assert body.count("Rows read, imported and skipped, by table") == 5
    assert "The import for Leeds (CSV)" in body
    warned = [r for r in reports if r.warnings]
    assert warned and "value_blank" in body
    assert "What the import found" not in render_html(b, pngs=region_pngs)


def test_sibling_groups_are_shown_when_present(with_siblings: ssda903.Baseline) -> None:
    page = render_html(with_siblings)
    assert "Brothers and sisters" in page
    assert html.escape(with_siblings.tables()["siblings"]["title"]) in page
    assert page.count("data:image/png;base64,") == 4


def test_write_report_leaves_the_page_the_json_and_the_pngs(
    region: tuple[ssda903.Baseline, list[ssda903.Report]], tmp_path: Path
) -> None:
    b, reports = region
    written = write_report(b, tmp_path / "out", reports[0])
    names = {p.name for p in written}
    assert names == {
        "baseline.html", "baseline.json", "placements.png", "bands.png", "distances.png",
    }  # fmt: skip
    assert all(p.is_file() and p.stat().st_size > 0 for p in written)
    assert (tmp_path / "out" / "bands.png").read_bytes().startswith(PNG)
    doc = json.loads((tmp_path / "out" / "baseline.json").read_text())
    assert doc["looked_after"] == b.looked_after
    assert set(doc["tables"]) == set(b.tables())
    distances = [d for ds in doc["distances_km_by_group"].values() for d in ds]
    assert len(distances) == b.distance_known == len(b.distances_km)
    assert doc["reports"][0]["la"] == "Bradford"
    assert "Bradford" in (tmp_path / "out" / "baseline.html").read_text()


def test_an_extract_with_no_children_still_draws() -> None:
    ext = ssda903.extract_from_csv({"header": "CHILD,SEX,DOB\n", "episodes": "CHILD,DECOM\n"})
    imp = ssda903.import_extract(ext, la="Leeds")
    b = ssda903.baseline(imp)
    assert b.looked_after == 0
    pngs = charts(b)
    assert all(data.startswith(PNG) for data in pngs.values())
    assert "0 children looked after" in render_html(b, imp.report)


@needs_sample
def test_the_sample_report_names_its_traps(tmp_path: Path) -> None:
    imp = ssda903.import_extract(ssda903.read_extract(SAMPLE), la="Leeds")
    b = ssda903.baseline(imp)
    page = render_html(b, imp.report, dict.fromkeys(charts_of_a_baseline(), PNG))
    for rule in ("unknown_outcode", "provider_conflict", "rec_without_dec"):
        assert rule in page
    assert "EG19 7TT" in page  # the first example of a random postcode
    assert "Temporary placements" in page
