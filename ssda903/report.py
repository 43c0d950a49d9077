"""What an import found: every issue where a data officer can find it, and the counts.

An `error` means the row was skipped; a `warning` means the row was imported with the
field blanked, or as it is with a caveat (docs/ssda903.md lists each rule's choice).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

__all__ = ["ISSUE_COLUMNS", "Issue", "Report", "TableCounts", "issues_csv", "year_label"]

#: Messages of checks that follow a DfE validator rule say "(DfE rule N)".
DFE_RULE = "DfE rule"


@dataclass(frozen=True, slots=True)
class Issue:
    """One fault: `row` is the 1-based data row (CSV) or the CHILD element (XML), 0 for
    the table as a whole; `where` places an XML record inside its CHILD."""

    table: str
    row: int
    column: str
    value: str
    rule: str
    message: str
    severity: str  # "error" (row skipped) or "warning" (imported)
    where: str = ""

    def location(self, form: str | None = None) -> str:
        """'episodes row 5' (CSV) or 'CHILD element 3, EPISODE 2' (XML, which has `where`)."""
        if self.row == 0:
            return self.table
        if form == "xml" or (form is None and self.where):
            return f"CHILD element {self.row}" + (f", {self.where}" if self.where else "")
        return f"{self.table} row {self.row}"

    def to_dict(self) -> dict[str, Any]:
        out = {
            "table": self.table,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "rule": self.rule,
            "message": self.message,
            "severity": self.severity,
        }
        if self.where:
            out["where"] = self.where
        return out

    def __str__(self) -> str:
        return f"{self.location()}: {self.message}"


@dataclass(slots=True)
class TableCounts:
    read: int = 0
    imported: int = 0
    skipped: int = 0
    present: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "present": self.present,
            "read": self.read,
            "imported": self.imported,
            "skipped": self.skipped,
        }


@dataclass
class Report:
    """The import's account: rows per table, children by state on `as_of`, issues."""

    form: str
    as_of: date | None = None
    year: int | None = None
    la: str | None = None
    tables: dict[str, TableCounts] = field(default_factory=dict)
    children: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    #: The return's tables read and not used (name -> rows), and files not read, with why.
    unused: dict[str, int] = field(default_factory=dict)
    passed_over: list[str] = field(default_factory=list)

    def copy(self) -> Report:
        """A copy to add to, leaving this one as it was (issues are immutable)."""
        return Report(
            self.form,
            self.as_of,
            self.year,
            self.la,
            {name: replace(c) for name, c in self.tables.items()},
            dict(self.children),
            list(self.issues),
            dict(self.unused),
            list(self.passed_over),
        )

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    def by_rule(self) -> dict[str, int]:
        """Issues counted by rule, most frequent first."""
        return dict(Counter(i.rule for i in self.issues).most_common())

    def rule_summary(self) -> list[dict[str, Any]]:
        """One line per (severity, rule, table, column), with a first example."""
        seen: dict[tuple[str, str, str, str], dict[str, Any]] = {}
        for i in self.issues:
            key = (i.severity, i.rule, i.table, i.column)
            if key not in seen:
                seen[key] = {
                    "severity": i.severity,
                    "rule": i.rule,
                    "table": i.table,
                    "column": i.column,
                    "count": 0,
                    "example": f"{i.location(self.form)}: {i.message}",
                }
            seen[key]["count"] += 1
        order = {"error": 0, "warning": 1}
        return sorted(seen.values(), key=lambda s: (order[s["severity"]], -s["count"], s["rule"]))

    def dfe_warnings(self) -> int:
        """Warnings on rows the DfE's validator would reject (their message names the
        rule): the import kept them, and the LA should correct them before the return."""
        return sum(1 for i in self.warnings if DFE_RULE in i.message)

    def to_dict(self, *, issues: int | None = None) -> dict[str, Any]:
        """JSON-ready; `issues` caps the listed issues (None: all of them)."""
        listed = self.issues if issues is None else self.issues[:issues]
        return {
            "form": self.form,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "year": year_label(self.year),
            "la": self.la,
            "tables": {name: c.to_dict() for name, c in self.tables.items()},
            "children": dict(self.children),
            "read_not_used": dict(self.unused),
            "not_read": list(self.passed_over),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "dfe_warnings": self.dfe_warnings(),
            "by_rule": self.by_rule(),
            "summary": self.rule_summary(),
            "issues": [i.to_dict() for i in listed],
            "issues_listed": len(listed),
        }

    def text(self, *, examples: int = 1) -> str:
        """The report as a data officer reads it: counts, then each rule with an example."""
        lines = [
            f"SSDA903 import ({self.form.upper()})"
            + (f" for {self.la}" if self.la else "")
            + (f", as of {self.as_of.isoformat()}" if self.as_of else "")
            + (f", return {year_label(self.year)}" if self.year else "")
        ]
        lines.append(f"{'table':<22}{'read':>8}{'imported':>10}{'skipped':>9}")
        for name, c in self.tables.items():
            if not c.present:
                lines.append(f"{name:<22}{'(not sent)':>27}")
                continue
            lines.append(f"{name:<22}{c.read:>8,}{c.imported:>10,}{c.skipped:>9,}")
        if self.unused:
            lines.append(
                "read, not used: "
                + ", ".join(
                    f"{n} ({k:,} row{'' if k == 1 else 's'})" for n, k in self.unused.items()
                )
            )
        if self.passed_over:
            lines.append("not read: " + ", ".join(self.passed_over))
        if self.children:
            lines.append(
                "children: "
                + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in self.children.items())
            )
        errors, warnings = len(self.errors), len(self.warnings)
        lines.append(f"{errors:,} error(s) (rows skipped), {warnings:,} warning(s) (rows imported)")
        dfe = self.dfe_warnings()
        if dfe:
            lines.append(
                f"{dfe:,} of the warnings name a DfE rule: the DfE's validator would reject "
                "those rows in the return; this import keeps them as each message says, so "
                "correct them in the case system before the return is sent"
            )
        for s in self.rule_summary():
            where = f"{s['table']}.{s['column']}" if s["column"] else s["table"]
            lines.append(f"  {s['severity']:<8}{s['rule']:<30}{where:<30}{s['count']:>7,}")
            if examples:
                lines.append(f"          e.g. {s['example']}")
        return "\n".join(lines)


ISSUE_COLUMNS: tuple[str, ...] = (
    "table", "row", "column", "value", "rule", "severity", "message", "where",
)  # fmt: skip


def issues_csv(issues: Iterable[Mapping[str, Any]]) -> str:
    """Issues (as `Issue.to_dict()` gives them) as CSV, one a line, for a data officer to
    sort and filter in a spreadsheet beside the case system."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=ISSUE_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for issue in issues:
        writer.writerow({k: _cell(issue.get(k, "")) for k in ISSUE_COLUMNS})
    return buf.getvalue()


def _cell(value: Any) -> Any:
    """A value a spreadsheet shows as written: a leading =, +, - or @ would be read as a
    formula (CSV injection), so it gets a leading apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return "" if value is None else value


def year_label(year: int | None) -> str | None:
    """'2017-18' for the return of the year ending 31 March 2018."""
    return f"{year - 1}-{year % 100:02d}" if year else None
