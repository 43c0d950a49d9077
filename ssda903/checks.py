"""Checks on a 903 extract, and the clean, typed records that pass them (ssda903.records).

Every fault becomes an `Issue` naming table, row, column, value and rule, in words a data
officer can act on. A fault that leaves a row unusable (no child, no start date, dates the
wrong way round, a child with no header) skips the row: an `error`. Anything else imports
the row with the field blanked or as it is: a `warning`. Nothing here raises on bad data,
and nothing reads files. The rules and their choices are listed in docs/ssda903.md; the
DfE validator's rule numbers are given where one matches.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date

from geo import Gazetteer, UnknownOutcode, gazetteer
from ssda903 import codes
from ssda903.adoption_rules import adoption_rules
from ssda903.episode_rules import episode_rules
from ssda903.read import OTHER_COLUMNS, STANDARD_COLUMNS, Extract, Row, Table, table_of_file
from ssda903.records import (
    AdoptionDecision,
    Checked,
    Episode,
    HeaderRecord,
    MissingEpisode,
    Oc2Record,
    UascRecord,
    birthday,
    collection_year,
    parse_date,
)
from ssda903.report import Issue, Report, TableCounts, year_label

__all__ = ["check_extract"]

#: Columns without which a table cannot be used at all (the table is skipped).
REQUIRED: Mapping[str, tuple[str, ...]] = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC"),
    "episodes": (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "HOME_POST",
        "PL_POST",
    ),
    "uasc": ("CHILD", "DUC"),
    "placed_for_adoption": ("CHILD", "DATE_PLACED", "DATE_PLACED_CEASED"),
    "oc2": ("CHILD", "SDQ_SCORE"),
    "missing": ("CHILD", "MISSING", "MIS_START"),
}
#: Columns the import uses when present (read as blank when the LA left them out).
OPTIONAL: Mapping[str, tuple[str, ...]] = {
    "header": (),
    "episodes": ("CIN", "REASON_PLACE_CHANGE", "URN"),
    "uasc": ("SEX", "DOB"),
    "placed_for_adoption": ("DOB", "REASON_PLACED_CEASED"),
    "oc2": ("DOB",),
    "missing": ("MIS_END",),
}
#: The return's tables the import reads and does not use: named in the report.
UNUSED: tuple[str, ...] = tuple(n for n in OTHER_COLUMNS if n not in REQUIRED)
#: The tables an import cannot do without.
ESSENTIAL: tuple[str, ...] = ("header", "episodes")
#: A CHILD code the product can keep: it becomes part of the child's id ("Leeds-101")
#: and goes into the audit log, which holds ids of these characters only. The DfE's
#: codes are up to 10 letters and digits; 32 leaves room for any LA's own, and keeps
#: every LA's ids (the longest prefix is 31 characters with "-G-") within 64.
CHILD_CODE = re.compile(r"^[A-Za-z0-9_.:\-]{1,32}$")
#: An Ofsted URN as the store keeps it (the 903's are 7 characters: SC123456 or digits).
URN = re.compile(r"^[A-Za-z0-9_\-]{1,16}$")

_EPISODE_CODES: Mapping[str, Mapping[str, str]] = {
    "RNE": codes.REASON_NEW_EPISODE,
    "LS": codes.LEGAL_STATUS,
    "CIN": codes.CATEGORY_OF_NEED,
    "PLACE_PROVIDER": codes.PLACE_PROVIDER,
    "REC": codes.REASON_EPISODE_CEASED,
    "REASON_PLACE_CHANGE": codes.REASON_PLACE_CHANGE,
}
_WHAT_IF_UNKNOWN: Mapping[str, str] = {
    "RNE": "reason for the new episode unknown",
    "LS": "legal status unknown",
    "CIN": "category of need unknown",
    "PLACE": "placement type unknown",
    "PLACE_PROVIDER": "provider unknown",
    "REC": "reason the episode ended unknown",
    "REASON_PLACE_CHANGE": "reason for the change unknown",
}


# -- values ----------------------------------------------------------------------------

_FLOAT_INT = re.compile(r"^(\d+)\.0+$")


def _code(text: str) -> str:
    """Codes are compared in upper case; '1.0' (a spreadsheet's number) is read as '1'."""
    text = text.strip().upper()
    m = _FLOAT_INT.match(text)
    return m.group(1) if m else text


def _postcode(text: str) -> str:
    return " ".join(text.upper().split())


# -- the checker -----------------------------------------------------------------------


class _Check:
    """Collects issues and knows which rows were skipped."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.skipped: set[tuple[str, int, str]] = set()

    def error(
        self, table: str, row: Row | None, column: str, value: str, rule: str, msg: str
    ) -> None:
        number, where = (row.number, row.where) if row else (0, "")
        self.report.add(Issue(table, number, column, value, rule, msg, "error", where))
        if row is not None:
            self.skipped.add((table, row.number, row.where))

    def warn(
        self, table: str, row: Row | None, column: str, value: str, rule: str, msg: str
    ) -> None:
        number, where = (row.number, row.where) if row else (0, "")
        self.report.add(Issue(table, number, column, value, rule, msg, "warning", where))


def check_extract(
    extract: Extract,
    *,
    as_of: date | None = None,
    year: int | None = None,
    gaz: Gazetteer | None = None,
) -> Checked:
    """Check every table and keep the rows that can be used.

    `as_of` (the day the children are described on) defaults to the latest DECOM or DEC
    in the episodes; `year` (the return, named by the year it ends) to the return of the
    latest DECOM. Codes are checked against that return's code lists.
    """
    gaz = gaz or gazetteer()
    report = Report(form=extract.form)
    check = _Check(report)
    _table_shapes(extract, check)
    usable = _usable_tables(extract, check)
    report.unused = {n: len(t.rows) for n in UNUSED if (t := extract.table(n)) is not None}
    report.passed_over = list(extract.passed_over)
    as_of, year = _day_and_return(usable.get("episodes"), as_of, year)
    report.as_of, report.year = as_of, year
    _ragged_rows(usable, check)

    headers = _headers(usable.get("header"), check, as_of)
    rejected = {
        r.get("CHILD") for r in (usable["header"].rows if "header" in usable else ())
    } - set(headers)
    # UASC have no home address in England to measure from (rule 406): no warning.
    uasc_children = {r.get("CHILD") for r in (usable["uasc"].rows if "uasc" in usable else ())}
    episodes = _episodes(
        usable.get("episodes"), check, headers, rejected, uasc_children, as_of, year, gaz
    )
    _children_without_episodes(usable.get("header"), headers, episodes, check)
    uasc = _uasc(usable.get("uasc"), check, headers, rejected)
    oc2 = _oc2(usable.get("oc2"), check, headers, rejected)
    adoption = _placed_for_adoption(usable.get("placed_for_adoption"), check, headers, rejected)
    missing = _missing(usable.get("missing"), check, headers, rejected)
    _dfe_rules(report, headers, episodes, adoption, year)
    _count_rows(report, usable, check)
    return Checked(
        extract.form, as_of, year, headers, episodes, uasc, oc2, adoption, report, missing
    )


def _table_shapes(extract: Extract, check: _Check) -> None:
    """Warn of a CSV file whose columns are not its table's exact set (the DfE validator
    tells a table by them and would refuse the file), and of one whose name says another
    table than its columns do (the columns are followed)."""
    for table in extract.tables.values():
        if table.source == "XML":
            continue
        standard = STANDARD_COLUMNS[table.name]
        lacking = [c for c in standard if c not in table.columns]
        extra = [c for c in table.columns if c not in standard]
        if lacking or extra:
            differ = "; ".join(
                p
                for p in (
                    f"it lacks {', '.join(lacking)}" if lacking else "",
                    f"it has {', '.join(extra)} besides (ignored)" if extra else "",
                )
                if p
            )
            check.warn(
                table.name,
                None,
                ", ".join(lacking + extra),
                "",
                "non_standard_columns",
                f"{table.source} is read as the {table.name} table by its name, but its "
                f"columns are not the table's: {differ}; the DfE's validator tells a table "
                "by its exact columns and would refuse this file",
            )
        by_name = table_of_file(table.source)
        if by_name is not None and by_name != table.name:
            check.warn(
                table.name,
                None,
                "",
                "",
                "file_name_differs",
                f"{table.source} is named like the {by_name} table but has the {table.name} "
                f"table's columns: read as {table.name}",
            )


def _dfe_rules(
    report: Report,
    headers: Mapping[str, HeaderRecord],
    episodes: Mapping[str, tuple[Episode, ...]],
    adoption: Mapping[str, tuple[AdoptionDecision, ...]],
    year: int,
) -> None:
    """The DfE's rules across a child's rows (ssda903.episode_rules, adoption_rules): all
    warnings, on the rows as the checks above left them."""
    for child, header in headers.items():
        chain = episodes.get(child, ())
        for issue in episode_rules(child, header.dob, chain, year):
            report.add(issue)
        if chain or child in adoption:
            for issue in adoption_rules(child, header.dob, chain, adoption.get(child, ()), year):
                report.add(issue)


def _usable_tables(extract: Extract, check: _Check) -> dict[str, Table]:
    """The tables present with their required columns, each counted in the report; a
    missing essential table or a missing required column is an error."""
    report = check.report
    usable: dict[str, Table] = {}
    for name, required in REQUIRED.items():
        table = extract.table(name)
        if table is None and name in OTHER_COLUMNS:
            continue  # few returns carry it: not listed as "not sent"
        if table is None:
            report.tables[name] = TableCounts(present=False)
            if name in ESSENTIAL:
                check.error(
                    name,
                    None,
                    "",
                    "",
                    "missing_table",
                    f"the {name} table is missing: no child can be imported without it",
                )
            continue
        report.tables[name] = TableCounts(read=len(table.rows))
        missing = [c for c in required if c not in table.columns]
        if missing:
            found = ", ".join(table.columns[:8]) or "nothing"
            check.error(
                name,
                None,
                ", ".join(missing),
                "",
                "missing_column",
                f"the {name} table has no {', '.join(missing)} column "
                f"(is the first line the column names? it reads: {found}): table skipped",
            )
            continue
        for column in OPTIONAL[name]:
            if column not in table.columns:
                check.warn(
                    name,
                    None,
                    column,
                    "",
                    "missing_optional_column",
                    f"the {name} table has no {column} column: read as blank",
                )
        usable[name] = table
    return usable


def _day_and_return(
    episodes: Table | None, as_of: date | None, year: int | None
) -> tuple[date, int]:
    """`as_of` and `year` as given, or their defaults from the episodes' dates."""
    episode_rows = episodes.rows if episodes is not None else ()
    latest_start = max((d for r in episode_rows if (d := parse_date(r.get("DECOM")))), default=None)
    latest = max(
        (d for r in episode_rows for c in ("DECOM", "DEC") if (d := parse_date(r.get(c)))),
        default=None,
    )
    day = as_of or latest or date.today()
    return day, year or collection_year(latest_start or day)


def _ragged_rows(usable: Mapping[str, Table], check: _Check) -> None:
    """Warn of lines with more or fewer fields than the table has columns."""
    for table in usable.values():
        for row in table.rows:
            if row.width is not None and row.width != len(table.columns):
                check.warn(
                    table.name,
                    row,
                    "",
                    "",
                    "ragged_row",
                    f"the line has {row.width} fields but the table has {len(table.columns)} "
                    "columns: missing fields read as blank, extra ones ignored",
                )


def _children_without_episodes(
    table: Table | None,
    headers: Mapping[str, HeaderRecord],
    episodes: Mapping[str, tuple[Episode, ...]],
    check: _Check,
) -> None:
    """Warn of children with a header but no usable episode (not looked after)."""
    header_rows = {r.number: r for r in table.rows} if table is not None else {}
    for child, h in headers.items():
        if child not in episodes:
            check.warn(
                "header",
                header_rows[h.row],
                "CHILD",
                child,
                "no_episodes",
                f"CHILD {child} has no usable episodes: not looked after in this extract",
            )


def _count_rows(report: Report, usable: Mapping[str, Table], check: _Check) -> None:
    """Each present table's rows skipped and imported (an unusable table: all skipped)."""
    for name, counts in report.tables.items():
        if not counts.present:
            continue
        if name not in usable:
            counts.skipped = counts.read
            continue
        counts.skipped = sum(1 for t, _, _ in check.skipped if t == name)
        counts.imported = counts.read - counts.skipped


def _child_of(
    table: str, row: Row, check: _Check, headers: Mapping[str, HeaderRecord], rejected: set[str]
) -> str | None:
    """The row's CHILD, or None (and an error) when it is blank or has no usable header."""
    child = row.get("CHILD")
    what = "episode" if table == "episodes" else "row"
    if not child:
        check.error(table, row, "CHILD", "", "required_blank", f"CHILD is blank: {what} skipped")
        return None
    if child not in headers:
        why = (
            "whose header row was skipped (see the header issues)"
            if child in rejected
            else "with no header row"
        )
        check.error(
            table,
            row,
            "CHILD",
            child,
            "no_header",
            f"CHILD {child} is a child {why}: {what} skipped",
        )
        return None
    return child


def _date(
    table: str, row: Row, column: str, check: _Check, *, required: bool, what: str
) -> tuple[bool, date | None]:
    """(ok, value): a blank optional date is (True, None); a bad one is an error."""
    text = row.get(column)
    if not text:
        if required:
            check.error(table, row, column, "", "required_blank", f"{column} is blank: {what}")
            return False, None
        return True, None
    day = parse_date(text)
    if day is None:
        check.error(
            table, row, column, text, "not_a_date", f"{column} {text} is not a date: {what}"
        )
        return False, None
    return True, day


def _headers(table: Table | None, check: _Check, as_of: date) -> dict[str, HeaderRecord]:
    """One record per child with a usable header row (the first, where there are two)."""
    out: dict[str, HeaderRecord] = {}
    if table is None:
        return out
    for row in table.rows:
        child = _header_child(row, check, out)
        if child is None:
            continue
        dob = _header_dob(row, check, as_of)
        if dob is None:
            continue
        sex = _sex(row, check)
        out[child] = HeaderRecord(child, sex, dob, _ethnicity(row, check), row.number)
    return out


def _header_child(row: Row, check: _Check, seen: Mapping[str, HeaderRecord]) -> str | None:
    """The row's CHILD, or None (and an error) when blank, not a code the product can
    keep, or already given a header row."""
    child = row.get("CHILD")
    if not child:
        check.error("header", row, "CHILD", "", "required_blank", "CHILD is blank: child skipped")
        return None
    if not CHILD_CODE.match(child):
        check.error(
            "header",
            row,
            "CHILD",
            child,
            "not_a_child_code",
            f"CHILD {child[:40]!r}{'…' if len(child) > 40 else ''} is not a child code "
            "the product can keep (1 to 32 letters, "
            "digits, '-', '_', '.' or ':'; it becomes the child's id): child skipped",
        )
        return None
    if child in seen:
        check.error(
            "header",
            row,
            "CHILD",
            child,
            "duplicate_child",
            f"CHILD {child} has a second header row (the first is row {seen[child].row}): "
            "this one skipped",
        )
        return None
    return child


def _header_dob(row: Row, check: _Check, as_of: date) -> date | None:
    """The child's DOB, or None (and an error) when blank, not a date or after `as_of`."""
    ok, dob = _date("header", row, "DOB", check, required=True, what="child skipped")
    if not ok or dob is None:
        return None
    if dob > as_of:
        check.error(
            "header",
            row,
            "DOB",
            row.get("DOB"),
            "dob_in_future",
            f"DOB {row.get('DOB')} is after {as_of:%d/%m/%Y}, the date of the extract: "
            "child skipped",
        )
        return None
    return dob


def _sex(row: Row, check: _Check) -> str:
    """The header's SEX as the product's "F", "M" or "U" (a warning when not known)."""
    sex_text = _code(row.get("SEX"))
    sex = codes.SEX.get(sex_text)
    if sex is not None:
        return sex
    if sex_text:
        check.warn(
            "header",
            row,
            "SEX",
            row.get("SEX"),
            "unknown_code",
            f"SEX {row.get('SEX')} is not a 903 code (1, 2 or M, F, U): recorded as not known",
        )
    else:
        check.warn("header", row, "SEX", "", "value_blank", "SEX is blank: recorded as not known")
    return "U"


def _ethnicity(row: Row, check: _Check) -> str | None:
    """The header's ETHNIC code, or None (with a warning) when blank or not a 903 code."""
    ethnic_text = _code(row.get("ETHNIC"))
    if ethnic_text in codes.ETHNIC:
        return ethnic_text
    if ethnic_text:
        check.warn(
            "header",
            row,
            "ETHNIC",
            row.get("ETHNIC"),
            "unknown_code",
            f"ETHNIC {row.get('ETHNIC')} is not a 903 code: ethnicity not recorded",
        )
    else:
        check.warn(
            "header", row, "ETHNIC", "", "value_blank", "ETHNIC is blank: ethnicity not recorded"
        )
    return None


def _episodes(
    table: Table | None,
    check: _Check,
    headers: Mapping[str, HeaderRecord],
    rejected: set[str],
    uasc_children: set[str],
    as_of: date,
    year: int,
    gaz: Gazetteer,
) -> dict[str, tuple[Episode, ...]]:
    """Each child's usable episodes, checked row by row and then chained in date order."""
    if table is None:
        return {}
    locations = _Locations(check, gaz, uasc_children)
    by_child: dict[str, list[Episode]] = defaultdict(list)
    rows = {(r.number, r.where): r for r in table.rows}
    for row in table.rows:
        child = _child_of("episodes", row, check, headers, rejected)
        if child is None:
            continue
        episode = _episode(row, child, check, headers[child].dob, year, locations)
        if episode is not None:
            by_child[child].append(episode)
    return {child: tuple(_chain(child, eps, check, rows)) for child, eps in by_child.items()}


def _episode(
    row: Row, child: str, check: _Check, dob: date, year: int, locations: _Locations
) -> Episode | None:
    """One episode row checked field by field, or None when its dates make it unusable."""
    dates = _episode_dates(row, check, dob, year)
    if dates is None:
        return None
    decom, dec = dates
    values = _episode_codes(row, check)
    place = values["PLACE"]
    _place_in_year(row, check, place, year)
    provider = _provider(row, check, place, values["PLACE_PROVIDER"], year)
    rec = _reason_ceased(row, check, dec, values["REC"])
    home_post, home = locations.resolve(row, "HOME_POST", place, values["LS"])
    pl_post, pl = locations.resolve(row, "PL_POST", place, values["LS"])
    _short_break_location(row, check, values["LS"])
    return Episode(
        child=child,
        row=row.number,
        where=row.where,
        decom=decom,
        dec=dec,
        rne=values["RNE"],
        ls=values["LS"],
        cin=values["CIN"],
        place=place,
        provider=provider,
        rec=rec,
        reason=values["REASON_PLACE_CHANGE"],
        home_post=home_post,
        home=home,
        pl_post=pl_post,
        pl=pl,
        urn=_urn(row, check, place, year),
    )


def _episode_dates(
    row: Row, check: _Check, dob: date, year: int
) -> tuple[date, date | None] | None:
    """(DECOM, DEC), or None (and an error) when DECOM is missing or either is not a date
    or DEC is before DECOM; a start before birth or an end after the return warns."""
    ok, decom = _date("episodes", row, "DECOM", check, required=True, what="episode skipped")
    if not ok or decom is None:
        return None
    ok, dec = _date("episodes", row, "DEC", check, required=False, what="episode skipped")
    if not ok:
        return None
    if dec is not None and dec < decom:
        check.error(
            "episodes",
            row,
            "DEC",
            row.get("DEC"),
            "dec_before_decom",
            f"DEC {row.get('DEC')} is before DECOM {row.get('DECOM')}: episode skipped",
        )
        return None
    if decom < dob:
        check.warn(
            "episodes",
            row,
            "DECOM",
            row.get("DECOM"),
            "decom_before_dob",
            f"DECOM {row.get('DECOM')} is before the child's DOB {dob:%d/%m/%Y}: "
            "imported, but one of the two dates is wrong",
        )
    if dec is not None and dec > date(year, 3, 31):
        check.warn(
            "episodes",
            row,
            "DEC",
            row.get("DEC"),
            "dec_after_year_end",
            f"DEC {row.get('DEC')} is after the end of the {year_label(year)} return "
            f"(31/03/{year}; DfE rule 385): imported as it is",
        )
    return decom, dec


def _episode_codes(row: Row, check: _Check) -> dict[str, str]:
    """The episode's coded fields; one that is not a 903 code is blanked (a warning), and
    a blank RNE, LS or PLACE warns."""
    values: dict[str, str] = {}
    for column in (*_EPISODE_CODES, "PLACE"):
        text = _code(row.get(column))
        known = codes.PLACE if column == "PLACE" else _EPISODE_CODES[column]
        if text and text not in known:
            check.warn(
                "episodes",
                row,
                column,
                row.get(column),
                "unknown_code",
                f"{column} {row.get(column)} is not a 903 code"
                + (" (DfE rule 178)" if column == "PLACE_PROVIDER" else "")
                + f": {_WHAT_IF_UNKNOWN[column]}",
            )
            text = ""
        elif not text and column in ("RNE", "LS", "PLACE"):
            check.warn(
                "episodes",
                row,
                column,
                "",
                "value_blank",
                f"{column} is blank: {_WHAT_IF_UNKNOWN[column]}",
            )
        values[column] = text
    return values


def _place_in_year(row: Row, check: _Check, place: str, year: int) -> None:
    """Warn when PLACE is a code of another return's list (it is imported as it is)."""
    if not place or codes.PLACE[place].valid_in(year):
        return
    pc = codes.PLACE[place]
    if pc.historic:
        when = "a historic code"
    elif pc.first_year and year < pc.first_year:
        when = f"only valid from the {year_label(pc.first_year)} return"
    else:
        when = f"not valid after the {year_label(pc.last_year)} return"
    check.warn(
        "episodes",
        row,
        "PLACE",
        row.get("PLACE"),
        "code_not_in_year",
        f"PLACE {place} is {when}, not the {year_label(year)} code list: imported as it is",
    )


def _provider(row: Row, check: _Check, place: str, provider: str, year: int) -> str:
    """PLACE_PROVIDER, blanked (a warning) when it cannot go with PLACE or PLACE takes
    none (both can be said of one row); a blank one warns where PLACE needs one."""
    conflict = bool(provider) and codes.provider_conflict(place, provider)
    if conflict:
        check.warn(
            "episodes",
            row,
            "PLACE_PROVIDER",
            row.get("PLACE_PROVIDER"),
            "provider_conflict",
            f"PLACE_PROVIDER {provider} ({codes.PROVIDER_LABEL[provider]}) cannot go with "
            f"PLACE {place} (DfE rule {codes.PROVIDER_RULE[provider]}): provider unknown",
        )
    if provider and place in codes.no_provider(year):
        rules = codes.no_provider_rules(place, year)
        check.warn(
            "episodes",
            row,
            "PLACE_PROVIDER",
            row.get("PLACE_PROVIDER"),
            "provider_not_needed",
            f"PLACE {place} takes no PLACE_PROVIDER, but {provider} is given (DfE {rules}): "
            "provider ignored",
        )
        return ""
    if conflict:
        return ""
    if place and place not in codes.PROVIDER_OPTIONAL and not row.get("PLACE_PROVIDER"):
        check.warn(
            "episodes",
            row,
            "PLACE_PROVIDER",
            "",
            "value_blank",
            "PLACE_PROVIDER is blank: provider unknown",
        )
    return provider


def _reason_ceased(row: Row, check: _Check, dec: date | None, rec: str) -> str:
    """REC, which goes with DEC (both or neither, DfE rule 148): a REC without a DEC is
    dropped (the episode is open); a DEC without a REC warns."""
    if dec is None and row.get("REC"):
        check.warn(
            "episodes",
            row,
            "REC",
            row.get("REC"),
            "rec_without_dec",
            f"REC {row.get('REC')} is given but DEC is blank (both or neither, DfE rule 148): "
            "episode read as still open",
        )
        return ""
    if dec is not None and not row.get("REC"):
        check.warn(
            "episodes",
            row,
            "REC",
            "",
            "dec_without_rec",
            f"DEC {row.get('DEC')} is given but REC is blank (both or neither, DfE rule 148): "
            "the episode ends there, continued only by an episode starting that day",
        )
    return rec


class _Locations:
    """HOME_POST and PL_POST resolved to outcodes in the gazetteer, each postcode once."""

    def __init__(self, check: _Check, gaz: Gazetteer, uasc_children: set[str]) -> None:
        self.check = check
        self.gaz = gaz
        self.uasc_children = uasc_children
        self._found: dict[str, str | UnknownOutcode] = {}

    def resolve(self, row: Row, column: str, place: str, ls: str) -> tuple[str | None, str | None]:
        """(postcode as given, outcode), or Nones; a blank expected one or an unknown one
        warns (the distance is then unknown)."""
        text = row.get(column)
        if not text:
            if self._expected(row, column, place, ls):
                whose = "home" if column == "HOME_POST" else "placement"
                self.check.warn(
                    "episodes",
                    row,
                    column,
                    "",
                    "value_blank",
                    f"{column} is blank: {whose} location unknown, distance unknown",
                )
            return None, None
        post = _postcode(text)
        found = self._outcode(post)
        if isinstance(found, UnknownOutcode):
            why = (
                "is not a UK postcode"
                if "not a UK postcode" in found.why
                else "is not a known outcode"
            )
            self.check.warn(
                "episodes",
                row,
                column,
                text,
                "unknown_outcode",
                f"{column} '{text}' {why}: distance unknown",
            )
            return post, None
        return post, found

    def _expected(self, row: Row, column: str, place: str, ls: str) -> bool:
        """Whether a blank postcode is a fault: a placement that needs a provider, not a
        short break, and (for HOME_POST) not a UASC (rule 406)."""
        return bool(
            place
            and place not in codes.PROVIDER_OPTIONAL
            and ls not in codes.SHORT_BREAKS
            and not (column == "HOME_POST" and row.get("CHILD") in self.uasc_children)
        )

    def _outcode(self, post: str) -> str | UnknownOutcode:
        if post not in self._found:
            try:
                self._found[post] = self.gaz.resolve(post)
            except UnknownOutcode as exc:
                self._found[post] = exc
        return self._found[post]


def _short_break_location(row: Row, check: _Check, ls: str) -> None:
    """Warn of a placement postcode or URN on a short break, which takes neither (rule
    214); both are kept, as short breaks are not counted as looked after."""
    given = [c for c in ("PL_POST", "URN") if row.get(c)]
    if ls in codes.SHORT_BREAKS and given:
        check.warn(
            "episodes",
            row,
            given[0],
            row.get(given[0]),
            "location_not_needed",
            f"a short break (LS {ls}) takes no {' or '.join(given)} (DfE rule 214): "
            "imported; short breaks are not counted as looked after",
        )


def _urn(row: Row, check: _Check, place: str, year: int) -> str | None:
    """The placement's Ofsted URN, or None (with a warning when it is not one, or PLACE
    takes none: rule 222)."""
    text = row.get("URN")
    if text and place in codes.no_urn(year) and text.upper() != codes.NO_URN_PLACEHOLDER:
        check.warn(
            "episodes",
            row,
            "URN",
            text,
            "urn_not_needed",
            f"PLACE {place} takes no Ofsted URN, but {text[:40]!r} is given (DfE rule 222): "
            "URN not recorded",
        )
        return None
    if not text or URN.match(text):
        return text or None
    check.warn(
        "episodes",
        row,
        "URN",
        text,
        "not_a_urn",
        f"URN {text[:40]!r}{'…' if len(text) > 40 else ''} is not an Ofsted URN (letters "
        "and digits, at most 16): not recorded",
    )
    return None


def _chain(
    child: str, episodes: list[Episode], check: _Check, rows: Mapping[tuple[int, str], Row]
) -> Iterable[Episode]:
    """A child's episodes in date order: duplicates dropped, overlaps cut, broken X1
    links reported (the chain itself is built by `ssda903.children`)."""
    kept: list[Episode] = []
    for e in sorted(episodes, key=lambda e: (e.decom, e.row)):
        if kept and kept[-1].decom == e.decom:
            check.error(
                "episodes",
                rows[(e.row, e.where)],
                "DECOM",
                f"{e.decom:%d/%m/%Y}",
                "duplicate_episode",
                f"CHILD {child} has two episodes starting {e.decom:%d/%m/%Y} "
                f"(the other is {_at(kept[-1])}): this one skipped",
            )
            continue
        kept.append(e)
    for i in range(len(kept) - 1):
        a, b = kept[i], kept[i + 1]
        if a.dec is None or a.dec > b.decom:
            shown = f"{a.dec:%d/%m/%Y}" if a.dec else ""
            check.warn(
                "episodes",
                rows[(a.row, a.where)],
                "DEC",
                shown,
                "overlapping_episodes",
                f"the episode starting {a.decom:%d/%m/%Y} "
                + ("is still open" if a.dec is None else f"ends {shown}")
                + f" but CHILD {child}'s next episode starts {b.decom:%d/%m/%Y} ({_at(b)}): "
                f"read as ending {b.decom:%d/%m/%Y}",
            )
            kept[i] = replace(a, dec=b.decom, rec=codes.NEW_EPISODE_SAME_DAY)
    for i, a in enumerate(kept):
        if a.rec != codes.NEW_EPISODE_SAME_DAY or a.dec is None:
            continue
        nxt = kept[i + 1] if i + 1 < len(kept) else None
        if nxt is None or nxt.decom != a.dec:
            follow = "no later episode" if nxt is None else f"the next starts {nxt.decom:%d/%m/%Y}"
            check.warn(
                "episodes",
                rows[(a.row, a.where)],
                "REC",
                a.rec,
                "x1_without_next",
                f"REC X1 says a new episode starts on {a.dec:%d/%m/%Y}, but {follow} "
                "(DfE rule 388): the period of care is read as ending there",
            )
    return kept


def _at(e: Episode) -> str:
    return f"row {e.row}" if not e.where else f"{e.where} of CHILD {e.row}"


def _differs(
    table: str, row: Row, check: _Check, header: HeaderRecord, *, sex: bool = False
) -> None:
    """Warn where a table repeats the header's DOB (or SEX) differently; the header wins."""
    text = row.get("DOB")
    if text and parse_date(text) not in (None, header.dob):
        check.warn(
            table,
            row,
            "DOB",
            text,
            "differs_from_header",
            f"DOB {text} differs from the header's {header.dob:%d/%m/%Y}: the header's is used",
        )
    text = _code(row.get("SEX")) if sex else ""
    if text and codes.SEX.get(text, text) != header.sex:
        check.warn(
            table,
            row,
            "SEX",
            row.get("SEX"),
            "differs_from_header",
            f"SEX {row.get('SEX')} differs from the header's: the header's is used",
        )


def _uasc(
    table: Table | None, check: _Check, headers: Mapping[str, HeaderRecord], rejected: set[str]
) -> dict[str, UascRecord]:
    out: dict[str, UascRecord] = {}
    for row in table.rows if table else ():
        child = _child_of("uasc", row, check, headers, rejected)
        if child is None:
            continue
        ok, duc = _date("uasc", row, "DUC", check, required=False, what="UASC row skipped")
        if not ok:
            continue
        header = headers[child]
        _differs("uasc", row, check, header, sex=True)
        if duc is not None and duc > birthday(header.dob, 18):
            check.warn(
                "uasc",
                row,
                "DUC",
                row.get("DUC"),
                "duc_after_18",
                f"DUC {row.get('DUC')} is after the child's 18th birthday "
                f"({birthday(header.dob, 18):%d/%m/%Y}; DfE rule 304): imported as it is",
            )
        if child in out:
            _second_row("uasc", "UASC", row, check, child, out[child].row)
        out[child] = UascRecord(child, duc, row.number)
    return out


def _second_row(table: str, label: str, row: Row, check: _Check, child: str, first: int) -> None:
    """One child, two rows of a one-row-per-child table: the later one is used."""
    check.warn(
        table,
        row,
        "CHILD",
        child,
        "duplicate_row",
        f"CHILD {child} has a second {label} row (the first is row {first}): the later one is used",
    )


def _oc2(
    table: Table | None, check: _Check, headers: Mapping[str, HeaderRecord], rejected: set[str]
) -> dict[str, Oc2Record]:
    out: dict[str, Oc2Record] = {}
    for row in table.rows if table else ():
        child = _child_of("oc2", row, check, headers, rejected)
        if child is None:
            continue
        _differs("oc2", row, check, headers[child])
        text = _code(row.get("SDQ_SCORE"))
        score: int | None = None
        if text:
            if text.isdigit() and int(text) <= codes.SDQ_MAX:
                score = int(text)
            else:
                check.warn(
                    "oc2",
                    row,
                    "SDQ_SCORE",
                    row.get("SDQ_SCORE"),
                    "not_a_score",
                    f"SDQ_SCORE {row.get('SDQ_SCORE')} is not a score from 0 to {codes.SDQ_MAX}: "
                    "no SDQ score recorded",
                )
        if child in out:
            _second_row("oc2", "OC2", row, check, child, out[child].row)
        out[child] = Oc2Record(child, score, row.number)
    return out


def _missing(
    table: Table | None, check: _Check, headers: Mapping[str, HeaderRecord], rejected: set[str]
) -> dict[str, tuple[MissingEpisode, ...]]:
    """The Missing rows (MISSING M or A, from MIS_START), by child, earliest first; a row
    with another code or a bad date is skipped (DfE rules 564, 565, 567, 1004-1006)."""
    out: dict[str, list[MissingEpisode]] = defaultdict(list)
    name = "missing"
    for row in table.rows if table else ():
        child = _child_of(name, row, check, headers, rejected)
        if child is None:
            continue
        kind = _code(row.get("MISSING"))
        if kind not in codes.MISSING:
            check.error(
                name,
                row,
                "MISSING",
                row.get("MISSING"),
                "unknown_code",
                f"MISSING {row.get('MISSING') or '(blank)'} is not M or A (DfE rules 565, 1006): "
                "row skipped",
            )
            continue
        ok, start = _date(name, row, "MIS_START", check, required=True, what="row skipped")
        if not ok or start is None:
            continue
        ok, end = _date(name, row, "MIS_END", check, required=False, what="row skipped")
        if not ok:
            continue
        if end is not None and end < start:
            check.error(
                name,
                row,
                "MIS_END",
                row.get("MIS_END"),
                "ended_before_started",
                f"MIS_END {row.get('MIS_END')} is before MIS_START {row.get('MIS_START')} "
                "(DfE rule 567): row skipped",
            )
            continue
        out[child].append(MissingEpisode(child, kind, start, end, row.number))
    return {c: tuple(sorted(m, key=lambda e: e.start)) for c, m in out.items()}


def _placed_for_adoption(
    table: Table | None, check: _Check, headers: Mapping[str, HeaderRecord], rejected: set[str]
) -> dict[str, tuple[AdoptionDecision, ...]]:
    out: dict[str, list[AdoptionDecision]] = defaultdict(list)
    name = "placed_for_adoption"
    for row in table.rows if table else ():
        child = _child_of(name, row, check, headers, rejected)
        if child is None:
            continue
        ok, placed = _date(name, row, "DATE_PLACED", check, required=True, what="row skipped")
        if not ok or placed is None:
            continue
        ok, ceased = _date(
            name, row, "DATE_PLACED_CEASED", check, required=False, what="row skipped"
        )
        if not ok:
            continue
        if ceased is not None and ceased < placed:
            check.error(
                name,
                row,
                "DATE_PLACED_CEASED",
                row.get("DATE_PLACED_CEASED"),
                "ceased_before_placed",
                f"DATE_PLACED_CEASED {row.get('DATE_PLACED_CEASED')} is before DATE_PLACED "
                f"{row.get('DATE_PLACED')} (DfE rule 522): row skipped",
            )
            continue
        _differs(name, row, check, headers[child])
        reason = _code(row.get("REASON_PLACED_CEASED"))
        if reason and reason not in codes.REASON_PLACED_CEASED:
            check.warn(
                name,
                row,
                "REASON_PLACED_CEASED",
                row.get("REASON_PLACED_CEASED"),
                "unknown_code",
                f"REASON_PLACED_CEASED {row.get('REASON_PLACED_CEASED')} is not a 903 code "
                "(RD1-RD4): reason unknown",
            )
            reason = ""
        elif ceased is not None and not reason:
            check.warn(
                name,
                row,
                "REASON_PLACED_CEASED",
                "",
                "value_blank",
                "REASON_PLACED_CEASED is blank but DATE_PLACED_CEASED is given (DfE rule 119): "
                "reason unknown",
            )
        out[child].append(AdoptionDecision(child, placed, ceased, reason, row.number))
    return {c: tuple(sorted(d, key=lambda a: a.placed)) for c, d in out.items()}
