"""Every way the product writes a 903 return, generated for one LA and one return year.

The product writes a 903 extract on three paths, each in CSV or XML:

- `generate`: the standing population (synth.looked_after), what `placematch ssda903
  generate` writes: the children looked after on 31 March, each where they live now;
- `region`: a generated region's referrals (synth.generate_region) placed by the greedy
  baseline and exported with `ssda903.export_rows`: placed children with their carers,
  the rest unplaced;
- `adoption`: a regional adoption agency's waiting children (synth.adoption), exported
  with their adoption plans and no placement.

A return is named by the year it ends (2026 = 2025-26). Each path is generated with
`as_of` = 31 March of that year, the day the return describes, so the export writes the
year's codes (SEX letters or digits, K3 or H5) as the product does for that day.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import ssda903
from matching.problem import parse_problem
from matching.yardsticks.baselines import greedy
from synth import WEST_YORKSHIRE, generate_region
from synth.adoption import generate_adoption_region
from synth.looked_after import generate_looked_after

__all__ = ["FORMS", "PATHS", "Export", "describe", "export_files", "exports", "path_rows"]

Rows = dict[str, list[dict[str, str]]]
PATHS: tuple[str, ...] = ("generate", "region", "adoption")
FORMS: tuple[str, ...] = ("csv", "xml")


@dataclass(frozen=True, slots=True)
class Export:
    """One return the product writes: `path` (PATHS), `form` (csv or xml), the return
    `year` (by the year it ends) and the `la` whose return it is."""

    year: int
    path: str
    form: str
    la: str

    @property
    def name(self) -> str:
        return f"{self.year} {self.path} {self.form.upper()}"


def _standing(la: str, as_of: date, seed: int, children: int | None) -> Rows:
    pop = generate_looked_after(children, seed=seed, las=(la,), as_of=as_of)
    return pop.rows(la)


def _region(la: str, as_of: date, seed: int, children: int | None) -> Rows:
    las = WEST_YORKSHIRE if la in WEST_YORKSHIRE else (la,)
    n = children or 300
    doc = generate_region(n, 3 * n, seed=seed, las=las, as_of=as_of)
    placed = greedy(parse_problem(doc, generated=True)).carer_of()
    return ssda903.export_rows(doc, placed, la=la)


def _adoption(la: str, as_of: date, seed: int, children: int | None) -> Rows:
    las = WEST_YORKSHIRE if la in WEST_YORKSHIRE else (la,)
    n = children or 240
    doc = generate_adoption_region(n, max(1, n // 3), seed=seed, las=las, as_of=as_of)
    return ssda903.export_rows(doc, la=la)


_BUILDERS: dict[str, Callable[[str, date, int, int | None], Rows]] = {
    "generate": _standing,
    "region": _region,
    "adoption": _adoption,
}


def path_rows(export: Export, *, seed: int = 0, children: int | None = None) -> Rows:
    """The 903 tables `export.path` writes for its LA on 31 March of its year.
    `children` sizes the generated population (None: each generator's default; the
    region and adoption paths generate the whole region and keep the LA's children)."""
    as_of = date(export.year, 3, 31)
    return _BUILDERS[export.path](export.la, as_of, seed, children)


def export_files(export: Export, rows: Rows) -> dict[str, str]:
    """The files of the return as the product writes them: the CSV tables by file name,
    or one <LA>.xml."""
    if export.form == "xml":
        return {f"{export.la}.xml": ssda903.to_xml(rows)}
    return ssda903.to_csv(rows)


def exports(
    years: tuple[int, ...], paths: tuple[str, ...], forms: tuple[str, ...], la: str
) -> Iterator[Export]:
    """Every (year, path, form) asked for, year by year."""
    for year in years:
        for path in paths:
            for form in forms:
                yield Export(year, path, form, la)


def describe(rows: dict[str, list[Any]]) -> str:
    """'1,346 children, 100 adoption decisions' for a progress line."""
    return (
        f"{len(rows.get('header', [])):,} children, "
        f"{len(rows.get('placed_for_adoption', [])):,} adoption decisions"
    )
