"""Run the DfE's 903 validator on one extract and print what fails, as JSON.

This script runs in the validator's own virtual environment (bench.dfe903.venv), never
in the product's: `csc-validator-be-903` pins pandas 1.5 and numpy 1.24. It uses the
standard library and `lac_validator` only and imports nothing of the product, so the
product's code can never decide what the DfE's rules say.

    python runner.py FOLDER --year 2026 --la Leeds [--examples 5]

FOLDER holds the extract as the validator's upload takes it: CSV files (each table
recognised by its columns) or one XML file. `--year` is the return by the year it ends
(2026 = 2025-26; the ruleset lac2025_26); `--la` an LA's name or its ONS code. The JSON
on stdout: the ruleset, the LA code, rows read per table, the rules that could not run
on the data, and per failing rule its code, description, failing rows, a few
(table, row, child) examples and the failing rows' values of the fields it names;
`row` is the 1-based data row of the table (for XML, of the table the validator builds
from the CHILD elements).
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import logging
import sys
from pathlib import Path
from typing import Any


def _la_code(la: str) -> str:
    """The ONS code of an upper-tier LA given by name or code (the validator compares
    placement postcodes' LAs with it), from the validator's own authorities table."""
    authorities = importlib.import_module("qlacref_authorities").records
    for a in authorities:
        if la.casefold() in (a["UTLA21CD"].casefold(), a["UTLA21NM"].casefold()):
            return str(a["UTLA21CD"])
    raise SystemExit(f"unknown LA {la!r}: not an upper-tier authority the validator knows")


def _files(folder: Path) -> list[dict[str, Any]]:
    """The upload: every CSV in `folder`, or its one XML file, as 'This year' files."""
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".csv", ".xml"))
    if not paths:
        raise SystemExit(f"no CSV or XML file in {folder}")
    return [{"name": p.name, "file_content": p.read_bytes(), "description": "This year"}
            for p in paths]  # fmt: skip


def _give_empty_tables_their_columns(engine: Any) -> list[str]:
    """Make the engine's reader give a table with no rows its standard columns.

    The XML reader builds each table from the CHILD elements; a table no child has a
    row of (an XML without any AREVIEW or AMISSING, say) comes out with no columns, and
    then about a hundred rules raise KeyError and are skipped, some on tables that do
    have rows (rule 191 reads OC2 beside Episodes). With the columns, every rule runs
    on what the XML does hold, as it does on the same return sent as CSV. Returns the
    list the names of the tables so completed are added to."""
    columns = importlib.import_module("lac_validator.config").column_names
    read = engine.read_from_text
    completed: list[str] = []

    def read_and_complete(raw_files: Any) -> Any:
        dfs, extras = read(raw_files)
        for name, frame in dfs.items():
            if frame.empty and len(frame.columns) == 0 and name in columns:
                dfs[name] = type(frame)(columns=columns[name], dtype=object)
                completed.append(name)
        return dfs, extras

    engine.read_from_text = read_and_complete
    return completed


def _failures(validator: Any, registry: dict[str, Any], examples: int) -> list[dict[str, Any]]:
    """Per failing rule: code, description, failing rows and the first examples."""
    found: dict[str, dict[str, Any]] = {}
    for table, frame in validator.ds_results.items():
        if table == "metadata":
            continue
        for column in (c for c in frame.columns if str(c).startswith("ERR_")):
            code = str(column)[4:]
            failing = frame.index[frame[column].fillna(False).astype(bool)]
            if len(failing) == 0:
                continue
            rule = found.setdefault(
                code,
                {"code": code, "description": str(registry[code].message), "rows": 0,
                 "examples": [], "values": {}},
            )  # fmt: skip
            rule["rows"] += len(failing)
            _count_values(rule, frame, failing, registry[code].affected_fields or [])
            for row in list(failing)[: max(0, examples - len(rule["examples"]))]:
                rule["examples"].append(
                    {"table": table, "row": int(row) + 1, "child": _child(frame, row)}
                )  # fmt: skip
    return sorted(found.values(), key=_rule_order)


class _Crashes(logging.Handler):
    """The exception of each rule that could not run on the data ("Rule code X failed to
    run!", logged with the traceback), as "KeyError: 'UASC_STATUS'"."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.why: dict[str, str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if record.exc_info and message.startswith("Rule code ") and record.exc_info[1]:
            code = message.removeprefix("Rule code ").split(" ")[0]
            exc = record.exc_info[1]
            self.why[code] = f"{type(exc).__name__}: {exc}"


#: Distinct values counted per field; a field with more is reported as None (too many).
MAX_VALUES = 20


def _child(frame: Any, row: Any) -> str | None:
    """The CHILD of a row of a table, or None (no CHILD column, or blank)."""
    if "CHILD" not in frame.columns:
        return None
    child = frame.loc[[row], "CHILD"]
    return None if bool(child.isna().iloc[0]) else str(child.iloc[0])


def _count_values(rule: dict[str, Any], frame: Any, failing: Any, fields: list[str]) -> None:
    """Add to `rule["values"]` the failing rows' values of the rule's affected fields
    (field -> value -> rows; blank as ""), so that a rule can be accepted for one value
    only (e.g. rule 146 for PLACE K3). A field with over MAX_VALUES values gets None."""
    for field in (f for f in fields if f in frame.columns):
        counts = rule["values"].setdefault(field, {})
        if counts is None:
            continue
        column = frame.loc[failing, field]
        for value, blank in zip(column.tolist(), column.isna().tolist(), strict=True):
            key = "" if blank else str(value)
            counts[key] = counts.get(key, 0) + 1
        if len(counts) > MAX_VALUES:
            rule["values"][field] = None


def _rule_order(rule: dict[str, Any]) -> tuple[int, str]:
    digits = "".join(ch for ch in rule["code"] if ch.isdigit())
    return (int(digits) if digits else 0, rule["code"])


def validate(folder: Path, year: int, la: str, examples: int = 5) -> dict[str, Any]:
    """The validator's verdict on the extract in `folder` for the return ending in
    March of `year`, through its Python API (LacValidator, the engine of the hosted
    903 validator)."""
    ruleset = f"lac{year - 1}_{str(year)[2:]}"
    registry = importlib.import_module(f"lac_validator.rules.{ruleset}").registry
    engine = importlib.import_module("lac_validator.lac_validator")
    code = _la_code(la)
    metadata = {"collectionYear": str(year), "localAuthority": code}
    crashes = _Crashes()
    engine_log = logging.getLogger("lac_validator.lac_validator")
    engine_log.setLevel(logging.ERROR)
    engine_log.propagate = False
    engine_log.addHandler(crashes)
    completed = _give_empty_tables_their_columns(engine)
    validator = engine.LacValidator(metadata=metadata, files=_files(folder), registry=registry)
    return {
        "validator": _version(),
        "ruleset": ruleset,
        "year": year,
        "la": code,
        "tables": {name: len(frame) for name, frame in validator.dfs.items()},
        "rules_run": len(registry),
        "empty_tables_given_columns": completed,
        "could_not_run": {code: crashes.why.get(code, "") for code in sorted(validator.fails)},
        "failing": _failures(validator, registry, examples),
    }


def _version() -> str:
    from importlib.metadata import version

    return f"csc-validator-be-903=={version('csc-validator-be-903')}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--year", type=int, required=True, help="the year the return ends")
    parser.add_argument("--la", required=True, help="LA name or ONS code")
    parser.add_argument("--examples", type=int, default=5)
    args = parser.parse_args(argv)
    # The engine logs every rule at INFO (its basicConfig is a no-op after this one).
    logging.basicConfig(level=logging.CRITICAL, handlers=[logging.NullHandler()])
    chatter = io.StringIO()
    stdout, sys.stdout = sys.stdout, chatter  # rules print; only the JSON goes out
    try:
        verdict = validate(args.folder, args.year, args.la, args.examples)
    finally:
        sys.stdout = stdout
    json.dump(verdict, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
