"""An LA's 903 extract as plain rows: the CSV tables or the XML return, in one form.

Nothing is checked here beyond what it takes to read the text; `ssda903.checks` says
what is wrong with the rows. Only `read_extract` and `read_siblings` touch files; the
rest works on text, so the API can hand over an upload as it is.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

__all__ = [
    "COLUMNS",
    "TABLES",
    "Extract",
    "ExtractUnreadable",
    "Row",
    "Table",
    "decode",
    "extract_from_csv",
    "extract_from_xml",
    "parse_csv_table",
    "parse_siblings",
    "read_extract",
    "read_siblings",
    "table_of_file",
]

#: The tables the import reads, with their standard CSV columns (figures file §2.2).
COLUMNS: Mapping[str, tuple[str, ...]] = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "episodes": (
        "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
        "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
    ),
    "uasc": ("CHILD", "SEX", "DOB", "DUC"),
    "placed_for_adoption": (
        "CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED",
    ),
    "oc2": (
        "CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS",
        "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ),
}  # fmt: skip
TABLES: tuple[str, ...] = tuple(COLUMNS)
SIBLING_COLUMNS: tuple[str, ...] = ("child", "sibling", "policy")

#: File names (lower case, letters and digits only) that end like these hold the table;
#: e.g. "SSDA903_2024_header.csv", "PlacedAdoption.csv". "_last" files are last year's.
_FILE_ENDINGS: Mapping[str, tuple[str, ...]] = {
    "header": ("header",),
    "episodes": ("episodes",),
    "uasc": ("uasc",),
    "placed_for_adoption": ("placedforadoption", "placedadoption", "adplaced"),
    "oc2": ("oc2",),
}


class ExtractUnreadable(ValueError):
    """The file cannot be read as a 903 extract at all (not a bad row: a bad file)."""


@dataclass(frozen=True, slots=True)
class Row:
    """One record: `number` is the 1-based data row (CSV) or CHILD element (XML).

    `where` places an XML record inside its CHILD ("EPISODE 2"); `width` is the number
    of fields a CSV line had (None for XML), so a ragged line can be reported.
    """

    number: int
    values: Mapping[str, str]
    where: str = ""
    width: int | None = None

    def get(self, column: str) -> str:
        return self.values.get(column, "")


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]
    source: str = ""


@dataclass(frozen=True, slots=True)
class Extract:
    """The tables found; a table the LA did not send is absent, not empty."""

    form: str  # "csv" or "xml"
    tables: Mapping[str, Table] = field(default_factory=dict)

    def table(self, name: str) -> Table | None:
        return self.tables.get(name)


def decode(data: bytes | str) -> str:
    """Text of a CSV file: UTF-8 (with or without a byte-order mark), else Windows-1252,
    the encoding Excel on Windows saves CSV in."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def parse_csv_table(name: str, text: str, source: str = "") -> Table:
    """One CSV table. The first line names the columns (any order, any case)."""
    reader = csv.reader(io.StringIO(decode(text)))
    head = next(reader, [])
    columns = tuple(c.strip().upper() for c in head)
    rows: list[Row] = []
    for fields in reader:
        if not any(f.strip() for f in fields):
            continue
        values = {c: (fields[i].strip() if i < len(fields) else "") for i, c in enumerate(columns)}
        rows.append(Row(len(rows) + 1, values, width=len(fields)))
    return Table(name, columns, tuple(rows), source)


def extract_from_csv(texts: Mapping[str, str | bytes]) -> Extract:
    """An extract from CSV texts keyed by table name (see TABLES); others are ignored."""
    tables = {
        name: parse_csv_table(name, decode(text), f"{name}.csv")
        for name, text in texts.items()
        if name in COLUMNS
    }
    return Extract("csv", tables)


def table_of_file(filename: str) -> str | None:
    """Which 903 table a CSV file holds, from its name; None for any other file."""
    stem = Path(filename).stem.lower()
    key = re.sub(r"[^a-z0-9]", "", stem)
    for name, endings in _FILE_ENDINGS.items():
        if any(key.endswith(e) for e in endings):
            return name
    return None


def read_extract(path: str | PathLike[str]) -> Extract:
    """A directory of 903 CSV files, or one XML file of the return."""
    p = Path(path)
    if p.is_file():
        if p.suffix.lower() == ".xml":
            return extract_from_xml(p.read_bytes())
        name = table_of_file(p.name)
        if name is None:
            raise ExtractUnreadable(f"{p.name}: not a 903 table name and not an .xml file")
        return Extract("csv", {name: parse_csv_table(name, decode(p.read_bytes()), p.name)})
    if not p.is_dir():
        raise FileNotFoundError(f"no such file or directory: {p}")
    found: dict[str, Path] = {}
    for f in sorted(p.iterdir()):
        name = table_of_file(f.name) if f.suffix.lower() == ".csv" else None
        if name is None:
            continue
        if name in found:
            raise ExtractUnreadable(
                f"two files look like the {name} table: {found[name].name} and {f.name}"
            )
        found[name] = f
    if not found:
        xmls = sorted(f for f in p.iterdir() if f.suffix.lower() == ".xml")
        if len(xmls) == 1:
            return extract_from_xml(xmls[0].read_bytes())
    tables = {n: parse_csv_table(n, decode(f.read_bytes()), f.name) for n, f in found.items()}
    return Extract("csv", tables)


# -- XML -------------------------------------------------------------------------------

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
#: HEADER fields that make the header table (the rest feed uasc, oc2, ...).
_HEADER_FIELDS = ("CHILDID", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
_EPISODE_FIELDS = (
    "DECOM", "RNE", "LS", "CIN", "PL", "PLACE_PROVIDER", "DEC", "REC", "REASON_PLACE_CHANGE",
    "HOME_POST", "PL_POST", "URN",
)  # fmt: skip


def _xml_text(data: str | bytes) -> str:
    """The document as text, in the encoding its declaration names."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    m = _XML_DECL.match(data)
    encoding = m.group(1).decode("ascii") if m else "utf-8"
    try:
        return data.decode(encoding).removeprefix("\ufeff")
    except (LookupError, UnicodeDecodeError) as exc:
        raise ExtractUnreadable(f"the XML file is not valid {encoding}: {exc}") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _fields(elem: ET.Element) -> dict[str, str]:
    """The simple child elements of `elem` as column -> text (nested elements skipped)."""
    return {_local(e.tag): (e.text or "").strip() for e in elem if len(e) == 0}


def extract_from_xml(data: str | bytes) -> Extract:
    """The XML form of the return (root EXPSSDA903, one CHILD per child) as the CSV tables.

    A document type declaration is refused outright: the return has none, and refusing
    it rules out entity expansion and external entities whatever the XML library does.
    """
    text = _xml_text(data)
    if _DTD.search(text):
        raise ExtractUnreadable(
            "the XML file declares a DOCTYPE or ENTITY, which a 903 return never has"
        )
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ExtractUnreadable(f"the XML file is not well-formed: {exc}") from exc
    if _local(root.tag) != "EXPSSDA903":
        raise ExtractUnreadable(f"the XML root is <{_local(root.tag)}>, not <EXPSSDA903>")
    rows: dict[str, list[Row]] = {name: [] for name in COLUMNS}
    for number, child in enumerate((c for c in root if _local(c.tag) == "CHILD"), start=1):
        header = next((e for e in child if _local(e.tag) == "HEADER"), None)
        head = _fields(header) if header is not None else {}
        code = head.get("CHILDID", "")
        base = {"CHILD": code, "DOB": head.get("DOB", "")}
        if header is not None:
            values = {f: head.get(f, "") for f in _HEADER_FIELDS if f != "CHILDID"}
            rows["header"].append(Row(number, {"CHILD": code} | values, "HEADER"))
            if head.get("UASC", "") == "1" or head.get("DUC", ""):
                uasc = base | {"SEX": head.get("SEX", ""), "DUC": head.get("DUC", "")}
                rows["uasc"].append(Row(number, uasc, "HEADER/UASC"))
            for part in header:
                tag = _local(part.tag)
                if tag == "OC2":
                    rows["oc2"].append(Row(number, base | _fields(part), "HEADER/OC2"))
                elif tag == "AD_PLACED":
                    k = sum(1 for r in rows["placed_for_adoption"] if r.number == number) + 1
                    rows["placed_for_adoption"].append(
                        Row(number, base | _fields(part), f"HEADER/AD_PLACED {k}")
                    )
        episodes = [e for e in child if _local(e.tag) == "EPISODE"]
        for k, episode in enumerate(episodes, start=1):
            f = _fields(episode)
            values = {c: f.get(c, "") for c in _EPISODE_FIELDS if c != "PL"}
            values["PLACE"] = f.get("PL", f.get("PLACE", ""))
            rows["episodes"].append(Row(number, {"CHILD": code} | values, f"EPISODE {k}"))
    tables = {
        name: Table(name, COLUMNS[name], tuple(found), "XML")
        for name, found in rows.items()
        if found or name in ("header", "episodes")
    }
    return Extract("xml", tables)


# -- siblings --------------------------------------------------------------------------


def parse_siblings(text: str | bytes, source: str = "siblings.csv") -> Table:
    """The siblings CSV: child, sibling (both 903 CHILD codes) and policy per line.

    The 903 holds no sibling links, so LAs keep them elsewhere; a header line is
    optional (recognised by 'policy' in its third column).
    """
    lines = [r for r in csv.reader(io.StringIO(decode(text))) if any(f.strip() for f in r)]
    if lines and len(lines[0]) >= 3 and lines[0][2].strip().lower() == "policy":
        lines = lines[1:]
    rows = tuple(
        Row(
            i,
            {c: (r[k].strip() if k < len(r) else "") for k, c in enumerate(SIBLING_COLUMNS)},
            width=len(r),
        )
        for i, r in enumerate(lines, start=1)
    )
    return Table("siblings", SIBLING_COLUMNS, rows, source)


def read_siblings(path: str | PathLike[str]) -> Table:
    p = Path(path)
    return parse_siblings(p.read_bytes(), p.name)
