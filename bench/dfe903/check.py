"""The product's 903 exports checked by the DfE's own validator (issue 17).

Each export the product writes (bench.dfe903.exports: every path, CSV or XML, each
return year asked for) is generated, written to a temporary folder and validated by
`csc-validator-be-903` in its own venv (bench.dfe903.venv) through its Python API
(bench/dfe903/runner.py). Every rule that fails must be in `EXPLAINED`, with the reason
the product accepts it; every rule the validator could not run must be in `NOT_RUN`.
Anything else is unexplained, and the check fails. docs/ssda903.md ("Checked by the DfE
validator") justifies each entry and records what failed, per year and path.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import ssda903
from bench.dfe903.exports import PATHS, Export, describe, export_files, exports, path_rows

__all__ = [
    "EXPLAINED",
    "NOT_RUN",
    "Accepted",
    "CheckResult",
    "Finding",
    "dfe_check",
    "findings_of",
    "validate_export",
]

RUNNER = Path(__file__).with_name("runner.py")
_OUTCODES = (
    "The product holds outcodes, not full postcodes (its gazetteer has outcode "
    "centroids only; docs/ssda903.md 'Distance'), so HOME_POST and PL_POST are outcodes"
)

_SDQ = "The SDQ score is how a child's emotional or behavioural need travels in the 903"
_REFERRALS = frozenset({"region", "adoption"})


@dataclass(frozen=True, slots=True)
class Accepted:
    """Why a failing rule is accepted; on which export `paths` and return `years` (None:
    all), and, with `values`, only while every failing row's value of each field named
    is one of those given (e.g. PLACE K3 only)."""

    reason: str
    paths: frozenset[str] | None = None
    years: frozenset[int] | None = None
    values: Mapping[str, frozenset[str]] | None = None

    def covers(self, export: Export, values: Mapping[str, Mapping[str, int] | None]) -> bool:
        """Whether this acceptance holds for the rule failing on `export` with the
        failing rows' `values` (field -> value -> rows, None when too many to list)."""
        if self.paths is not None and export.path not in self.paths:
            return False
        if self.years is not None and export.year not in self.years:
            return False
        for field_, allowed in (self.values or {}).items():
            seen = values.get(field_)
            if seen is None or not set(seen) <= allowed:
                return False
        return True


#: Rules the product's exports break on purpose, each for a reason that holds as long
#: as the product's design does (docs/ssda903.md justifies each one).
EXPLAINED: Mapping[str, Accepted] = MappingProxyType({
    "392c": Accepted(f"{_OUTCODES}: an outcode is not a valid postcode"),
    "392a": Accepted(f"{_OUTCODES}: the validator derives no distance from them"),
    "169": Accepted(f"{_OUTCODES}: the validator derives no placement LA from them"),
    "241": Accepted(
        f"{_OUTCODES}: the validator derives no placement LA to compare with the LA of a "
        "supported accommodation (K3) provider's premises"
    ),
    "179": Accepted(f"{_OUTCODES}: the validator derives no IN/OUT location from them"),
    "1015": Accepted(
        f"{_OUTCODES}: with no placement LA derived, every own-provision placement (PR1) "
        "outside fostering and adoption reads as outside the LA"
    ),
    "392d": Accepted(
        f"{_OUTCODES}: a child placed in their home outcode has the same HOME_POST and "
        "PL_POST, where full postcodes would differ"
    ),
    "146": Accepted(
        "In 2024-25 the validator's list of placement types has 'k3' in lower case, and "
        "its reader upper-cases every code, so K3 (valid from 2024-25) never passes",
        years=frozenset({2025}),
        values={"PLACE": frozenset({"K3"})},
    ),
    "392b": Accepted(
        "The standing population leaves the home postcode blank for as many children as "
        "the DfE's figures have no distance for (§1.5 'not known' band), to reproduce "
        "them; and a referral not yet placed has no placement postcode"
    ),
    "380": Accepted(
        "A referral not yet placed is written as a T0 episode (the 903 has no code for a "
        "child waiting; T0 reads back as 'no placement'); RNE P instead would break 357 "
        "and make the child 'looked after 12 months' (191)",
        _REFERRALS,
    ),
    "185": Accepted(
        f"{_SDQ}, and referrals are new to care (looked after under 12 months)", _REFERRALS
    ),
    "188": Accepted(
        f"{_SDQ}, written for a referral under 4 at the year's end too (no other field "
        "carries it)",
        _REFERRALS,
    ),
    "189": Accepted(f"{_SDQ}, written for a referral aged 17 at the year's start too", _REFERRALS),
})  # fmt: skip

#: Rules of the validator that cannot run on any upload: why (the exception they raise).
NOT_RUN: Mapping[str, str] = MappingProxyType({
    "231": "reads Header column UASC_STATUS, which no 903 table has (the column is UASC): "
    "a fault of csc-validator-be-903 0.1.17 (KeyError: 'UASC_STATUS')",
    "233": "reads Episodes column DATE_EPISODE_CEASED, which no 903 table has (the column is "
    "DEC): a fault of csc-validator-be-903 0.1.17 (KeyError: 'DATE_EPISODE_CEASED')",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Finding:
    """A rule that failed (or could not run) on one export: `rows` failing rows, a few
    (table, row, child) `examples`, and why it is accepted, or None when unexplained."""

    export: Export
    code: str
    description: str
    rows: int
    examples: tuple[tuple[str, int, str | None], ...] = ()
    accepted: str | None = None
    ran: bool = True

    @property
    def explained(self) -> bool:
        return self.accepted is not None


@dataclass(frozen=True)
class CheckResult:
    """Every finding of every export checked, with the seconds each took."""

    findings: tuple[Finding, ...]
    exports: tuple[Export, ...]
    seconds: Mapping[Export, float] = field(default_factory=dict)

    @property
    def unexplained(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.explained)

    @property
    def passed(self) -> bool:
        return not self.unexplained

    def rules(self, export: Export) -> dict[str, int]:
        """Rule code -> failing rows, for one export (rules that ran)."""
        return {f.code: f.rows for f in self.findings if f.export == export and f.ran}


def findings_of(export: Export, verdict: Mapping[str, Any]) -> list[Finding]:
    """The runner's JSON verdict as findings, each matched against EXPLAINED / NOT_RUN."""
    found = []
    for rule in verdict["failing"]:
        accepted = EXPLAINED.get(rule["code"])
        examples = tuple((e["table"], e["row"], e["child"]) for e in rule["examples"])
        values = rule.get("values", {})
        found.append(
            Finding(
                export, rule["code"], rule["description"], rule["rows"], examples,
                accepted.reason if accepted and accepted.covers(export, values) else None,
            )
        )  # fmt: skip
    for code, why in verdict["could_not_run"].items():
        known = NOT_RUN.get(code)
        found.append(Finding(export, code, f"could not run: {why}", 0, (), known, ran=False))
    return found


def validate_export(
    export: Export, rows: Mapping[str, list[dict[str, str]]], python: Path, folder: Path
) -> list[Finding]:
    """Write one export's files to `folder` and validate them with the validator's
    `python`; the findings. Raises RuntimeError if the runner fails."""
    folder.mkdir(parents=True, exist_ok=True)
    ssda903.write_extract(export_files(export, dict(rows)), folder)
    command = [str(python), str(RUNNER), str(folder), "--year", str(export.year),
               "--la", export.la]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-6:])
        raise RuntimeError(f"the validator failed on {export.name}:\n{tail}")
    return findings_of(export, json.loads(done.stdout))


def dfe_check(
    python: Path,
    *,
    years: Iterable[int] = (2025, 2026, 2027),
    paths: Iterable[str] = PATHS,
    forms: Iterable[str] = ("csv",),
    la: str = "Leeds",
    seed: int = 0,
    children: int | None = None,
    say: Callable[[str], None] = lambda _: None,
) -> CheckResult:
    """Generate every export asked for, validate each, and compare with EXPLAINED.
    `children` sizes each generated population (None: the generators' defaults)."""
    findings: list[Finding] = []
    seconds: dict[Export, float] = {}
    todo = list(exports(tuple(years), tuple(paths), tuple(forms), la))
    rows_of: dict[tuple[int, str], Any] = {}
    with tempfile.TemporaryDirectory(prefix="dfe903-") as scratch:
        for k, export in enumerate(todo, 1):
            started = time.perf_counter()
            key = (export.year, export.path)
            if key not in rows_of:  # CSV and XML of one path: the same rows
                rows_of = {key: path_rows(export, seed=seed, children=children)}
            folder = Path(scratch) / f"{export.year}-{export.path}-{export.form}"
            found = validate_export(export, rows_of[key], python, folder)
            findings += found
            seconds[export] = time.perf_counter() - started
            bad = sum(not f.explained for f in found)
            say(
                f"[{k}/{len(todo)}] {export.name} ({describe(rows_of[key])}): "
                f"{sum(f.ran for f in found)} rule(s) failing, {bad} unexplained "
                f"({seconds[export]:.1f} s)"
            )
    return CheckResult(tuple(findings), tuple(todo), seconds)
