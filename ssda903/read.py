"""An LA's 903 extract as plain rows: the CSV tables or the XML return, in one form.

Nothing is checked here beyond what it takes to read the text (its encoding, and CSV the
reader can read: a file that is not is refused whole, as ExtractUnreadable naming the
file, the row and the reason); `ssda903.checks` says what is wrong with the rows. A CSV
file is told by its exact set of columns, as the DfE's standard and validator tell it,
else by its name (`read_csv_file`). Only `read_extract`, `read_siblings` and
`table_of_path` open files; the rest reads text or a binary stream, so the API can hand
over an upload from where the server spooled it, read as it goes.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "COLUMNS",
    "TABLES",
    "OTHER_COLUMNS",
    "STANDARD_COLUMNS",
    "Extract",
    "ExtractUnreadable",
    "Row",
    "Table",
    "decode",
    "encoding_of",
    "extract_from_csv",
    "extract_from_xml",
    "parse_csv_table",
    "parse_siblings",
    "passed_over_file",
    "read_csv_file",
    "read_csv_rows",
    "read_csv_table",
    "read_extract",
    "read_siblings",
    "read_siblings_table",
    "table_of_columns",
    "table_of_file",
    "table_of_path",
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
#: The return's other tables (the DfE validator's `column_names`): read, so that a file is
#: recognised whatever its name, and reported; `missing` feeds the child's needs
#: (ssda903.children), the rest are read and not used (docs/ssda903.md, "Reading").
OTHER_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "oc3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "ad1": (
        "CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR",
        "LS_ADOPTR",
    ),
    "prev_perm": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    "sw_episodes": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
    "dolo": ("CHILD", "DOB", "DOLO_START", "DOLO_END"),
}  # fmt: skip
#: Every table of the return: the DfE identifies a CSV by its exact set of columns.
STANDARD_COLUMNS: Mapping[str, tuple[str, ...]] = {**COLUMNS, **OTHER_COLUMNS}
SIBLING_COLUMNS: tuple[str, ...] = ("child", "sibling", "policy")

#: File names (lower case, letters and digits only) that end like these hold the table;
#: e.g. "SSDA903_2024_header.csv", "PlacedAdoption.csv" (the longest ending wins, so
#: "SWEpisodes.csv" is not the episodes). "_last" files are last year's (`is_last_year`).
_FILE_ENDINGS: Mapping[str, tuple[str, ...]] = {
    "header": ("header",),
    "episodes": ("episodes",),
    "uasc": ("uasc",),
    "placed_for_adoption": ("placedforadoption", "placedadoption", "adplaced"),
    "oc2": ("oc2",),
    "missing": ("missing",),
    "reviews": ("reviews",),
    "oc3": ("oc3",),
    "ad1": ("ad1",),
    "prev_perm": ("prevperm", "permanence"),
    "sw_episodes": ("swepisodes",),
    "dolo": ("dolo",),
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
    """The tables found; a table the LA did not send is absent, not empty. `passed_over`
    names the files seen and not read, with why (last year's tables, sibling links)."""

    form: str  # "csv" or "xml"
    tables: Mapping[str, Table] = field(default_factory=dict)
    passed_over: tuple[str, ...] = ()

    def table(self, name: str) -> Table | None:
        return self.tables.get(name)


def decode(data: bytes | str) -> str:
    """Text of a CSV file in the encoding `encoding_of` finds (see there)."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    encoding = encoding_of(data[:_SAMPLE], "the file")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


#: Bytes looked at to tell a file's encoding and line ends.
_SAMPLE = 65536
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def encoding_of(sample: bytes, source: str) -> str:
    """The encoding of a CSV file from its first bytes: a byte-order mark says it (UTF-8,
    UTF-16 as Excel's "Unicode" exports are, UTF-32); UTF-16 without one shows as NUL
    bytes in every other place; else UTF-8 (Windows-1252, Excel's own CSV encoding, is
    the reader's fallback). Any other NUL byte means the file is not text at all: it is
    refused naming the file, as ExtractUnreadable."""
    for bom, encoding in _BOMS:
        if sample.startswith(bom):
            return encoding
    if b"\x00" not in sample:
        return "utf-8"
    even, odd = sample[0::2], sample[1::2]
    if odd and odd.count(0) > 0.9 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even and even.count(0) > 0.9 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    raise ExtractUnreadable(
        f"{source} is not a CSV text file: it holds NUL bytes (a spreadsheet saved as .xlsx, "
        "or another binary file?): save it as CSV"
    )


class _Fields(Mapping[str, str]):
    """A CSV line's values by column: one tuple, the column index shared by the table's
    rows (a dict per row costs several times the text it holds)."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: Mapping[str, int], values: tuple[str, ...]) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, column: str) -> str:
        i = self._index[column]
        return self._values[i] if i < len(self._values) else ""

    def get(self, column: str, default: str = "") -> str:  # type: ignore[override]  # a row always answers a str
        i = self._index.get(column)
        return default if i is None else self._values[i] if i < len(self._values) else ""

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


def _text(stream: BinaryIO, source: str) -> io.TextIOWrapper:
    """The file as text, line by line (detach it after). Lines end at LF (or CR LF); a
    file whose lines all end in a bare CR (old Mac exports) is read at CR. A bare CR
    anywhere else stays in its line, so the CSV reader can say where it is."""
    sample = stream.read(_SAMPLE)
    encoding = encoding_of(sample, source)
    if encoding == "utf-8" and not _is_utf8(stream):
        encoding = "cp1252"
    stream.seek(0)
    head = sample.decode(encoding, errors="ignore")
    return io.TextIOWrapper(
        stream,
        encoding=encoding,
        errors="replace" if encoding == "cp1252" else "strict",
        newline="" if "\r" in head and "\n" not in head else "\n",
    )


def _is_utf8(stream: BinaryIO) -> bool:
    """Whether the whole stream is UTF-8, read in pieces (memory stays flat)."""
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while piece := stream.read(1 << 20):
            decoder.decode(piece)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def read_csv_rows(
    stream: BinaryIO,
    source: str,
    columns: tuple[str, ...] | None = None,
    is_header: Callable[[Sequence[str]], bool] | None = None,
) -> tuple[tuple[str, ...], list[Row]]:
    """The columns (the first line, unless `columns` are given: then a first line that
    `is_header` is skipped) and the rows of a CSV file, read as a stream. A line the CSV
    reader cannot read (a bare CR in a field not in quotes, a field over 131,072
    characters) refuses the file as ExtractUnreadable, naming it, the row and the reason."""
    text = _text(stream, source)
    reader = csv.reader(text)
    rows: list[Row] = []
    seen: dict[str, str] = {}  # one copy of each repeated value (codes, dates)
    try:
        if columns is None:
            columns = tuple(c.strip().upper() for c in next(reader, []))
        index = {c: i for i, c in enumerate(columns)}
        for fields in reader:
            values = tuple(seen.setdefault(v, v) for v in map(str.strip, fields))
            if not any(values):
                continue
            if is_header is not None and not rows and is_header(values):
                is_header = None
                continue
            number = len(rows) + 1
            rows.append(Row(number, _Fields(index, values), width=len(fields)))
    except csv.Error as exc:
        raise ExtractUnreadable(
            f"{source}, row {len(rows) + 1} (line {reader.line_num}): {_csv_fault(exc)}"
        ) from None
    except UnicodeDecodeError as exc:
        raise ExtractUnreadable(
            f"{source}, row {len(rows) + 1}: not valid {exc.encoding} text"
        ) from None
    finally:
        text.detach()  # the caller's stream stays open
    return columns, rows


def _csv_fault(exc: csv.Error) -> str:
    text = str(exc)
    if "new-line character" in text:
        return (
            "a line break (CR) inside a field that is not in double quotes: quote the field, "
            "or save the file again as CSV"
        )
    if "field larger than field limit" in text:
        return (
            f"a field is longer than {csv.field_size_limit():,} characters (a 903 field is a "
            "code, a date or a postcode): is it the right file?"
        )
    return f"not readable as CSV ({text})"


def parse_csv_table(name: str, text: str | bytes, source: str = "") -> Table:
    """One CSV table. The first line names the columns (any order, any case)."""
    return read_csv_table(name, io.BytesIO(_bytes(text)), source)


def read_csv_table(name: str, stream: BinaryIO, source: str = "") -> Table:
    """One CSV table read from a binary stream (a file, an upload spooled to disk)."""
    columns, rows = read_csv_rows(stream, source or f"{name}.csv")
    return Table(name, columns, tuple(rows), source)


def _bytes(text: str | bytes) -> bytes:
    return text.encode("utf-8") if isinstance(text, str) else text


def extract_from_csv(texts: Mapping[str, str | bytes]) -> Extract:
    """An extract from CSV texts keyed by table name (see STANDARD_COLUMNS) or by file
    name (then recognised as `read_csv_file` does)."""
    tables: dict[str, Table] = {}
    passed_over: list[str] = []
    for key, text in texts.items():
        if key in STANDARD_COLUMNS:
            table = parse_csv_table(key, text, f"{key}.csv")
        elif (why := passed_over_file(key)) is not None:
            passed_over.append(why)
            continue
        else:
            table = read_csv_file(io.BytesIO(_bytes(text)), key)
        _add_table(tables, table)
    return Extract("csv", tables, tuple(passed_over))


def table_of_file(filename: str) -> str | None:
    """Which 903 table a CSV file holds, from its name; None for any other file."""
    stem = Path(filename).stem.lower()
    key = re.sub(r"[^a-z0-9]", "", stem)
    found = [
        (len(e), name)
        for name, endings in _FILE_ENDINGS.items()
        for e in endings
        if key.endswith(e)
    ]
    return max(found)[1] if found else None


def table_of_columns(columns: Sequence[str]) -> str | None:
    """Which 903 table has exactly these columns (in any order), as the DfE's validator
    tells a CSV's table; None if none has."""
    given = set(columns)
    return next((n for n, cols in STANDARD_COLUMNS.items() if set(cols) == given), None)


def passed_over_file(filename: str) -> str | None:
    """Why a CSV file of an extract is not read, or None: last year's tables ("_last",
    which the validator compares with this year's and the import does not need)."""
    key = re.sub(r"[^a-z0-9]", "", Path(filename).stem.lower())
    if key.endswith("last") and table_of_file(key.removesuffix("last")) is not None:
        return f"{filename} (last year's table)"
    return None


def read_csv_file(stream: BinaryIO, source: str) -> Table:
    """A CSV file of the extract, recognised by its columns (any file name), else by its
    name; a file that is neither is refused as ExtractUnreadable, naming the file, its
    columns, the nearest table and the columns that differ."""
    columns, rows = read_csv_rows(stream, source)
    return _recognised(source, columns, rows)


def _recognised(source: str, columns: tuple[str, ...], rows: list[Row]) -> Table:
    name = table_of_columns(columns) or table_of_file(source)
    if name is None:
        raise ExtractUnreadable(unrecognised(source, columns))
    return Table(name, columns, tuple(rows), source)


def unrecognised(source: str, columns: Sequence[str]) -> str:
    """Why a file is no 903 table: its columns against the nearest table's."""
    given = set(columns)

    def overlap(name: str) -> float:
        cols = set(STANDARD_COLUMNS[name])
        return len(cols & given) / len(cols | given)

    nearest = max(STANDARD_COLUMNS, key=overlap)
    missing = [c for c in STANDARD_COLUMNS[nearest] if c not in given]
    extra = [c for c in columns if c not in STANDARD_COLUMNS[nearest]]
    differ = "; ".join(
        part
        for part in (
            f"it lacks {', '.join(missing)}" if missing else "",
            f"it has {', '.join(extra)} besides" if extra else "",
        )
        if part
    )
    shown = ", ".join(columns[:15]) + (", ..." if len(columns) > 15 else "")
    return (
        f"{source} is not a 903 table by its columns ({shown or 'none'}) nor by its name; "
        f"the nearest is {nearest} ({differ}): name the file after its table (e.g. "
        f"{nearest}.csv) or give it the table's columns"
    )


def _add_table(tables: dict[str, Table], table: Table) -> None:
    """Add a recognised table; a second file of the same table refuses the extract."""
    first = tables.get(table.name)
    if first is not None:
        raise ExtractUnreadable(
            f"two files hold the {table.name} table: {first.source} and {table.source}"
        )
    tables[table.name] = table


def read_extract(path: str | PathLike[str]) -> Extract:
    """A directory of 903 CSV files, or one XML file of the return."""
    p = Path(path)
    if p.is_file():
        if p.suffix.lower() == ".xml":
            return extract_from_xml(p.read_bytes())
        return Extract("csv", {(t := _read_table_file(p)).name: t})
    if not p.is_dir():
        raise FileNotFoundError(f"no such file or directory: {p}")
    csvs = sorted(f for f in p.iterdir() if f.suffix.lower() == ".csv" and f.is_file())
    if not csvs:
        xmls = sorted(f for f in p.iterdir() if f.suffix.lower() == ".xml")
        if len(xmls) == 1:
            return extract_from_xml(xmls[0].read_bytes())
    tables: dict[str, Table] = {}
    passed_over: list[str] = []
    for f in csvs:
        if (why := passed_over_file(f.name)) is not None:
            passed_over.append(why)
            continue
        with f.open("rb") as stream:
            columns, rows = read_csv_rows(stream, f.name)
        if set(columns) == {c.upper() for c in SIBLING_COLUMNS}:
            passed_over.append(f"{f.name} (sibling links: give them as the siblings file)")
            continue
        _add_table(tables, _recognised(f.name, columns, rows))
    return Extract("csv", tables, tuple(passed_over))


def table_of_path(path: str | PathLike[str]) -> str | None:
    """Which 903 table a CSV file holds, by the columns on its first line, else by its
    name; None for any other file (only the first line is read)."""
    p = Path(path)
    if p.suffix.lower() != ".csv" or not p.is_file() or passed_over_file(p.name):
        return None
    with p.open("rb") as stream:
        text = _text(stream, p.name)
        try:
            first = next(csv.reader(text), [])
        except (csv.Error, UnicodeDecodeError):
            first = []
        finally:
            text.detach()
    return table_of_columns([c.strip().upper() for c in first]) or table_of_file(p.name)


def _read_table_file(path: Path) -> Table:
    with path.open("rb") as stream:
        return read_csv_file(stream, path.name)


# -- XML -------------------------------------------------------------------------------

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
#: HEADER fields that make the header table (the rest feed uasc, oc2, ...).
_HEADER_FIELDS = ("CHILDID", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
#: HEADER parts a child may have several of, and their tables.
_REPEATED_PARTS: Mapping[str, str] = {
    "AD_PLACED": "placed_for_adoption",
    "AMISSING": "missing",
    "AREVIEW": "reviews",
    "PERMANENCE": "prev_perm",
}
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
    rows: dict[str, list[Row]] = {name: [] for name in STANDARD_COLUMNS}
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
                elif tag in _REPEATED_PARTS:
                    found = rows[_REPEATED_PARTS[tag]]
                    k = sum(1 for r in found if r.number == number) + 1
                    found.append(Row(number, base | _fields(part), f"HEADER/{tag} {k}"))
        episodes = [e for e in child if _local(e.tag) == "EPISODE"]
        for k, episode in enumerate(episodes, start=1):
            f = _fields(episode)
            values = {c: f.get(c, "") for c in _EPISODE_FIELDS if c != "PL"}
            values["PLACE"] = f.get("PL", f.get("PLACE", ""))
            rows["episodes"].append(Row(number, {"CHILD": code} | values, f"EPISODE {k}"))
    tables = {
        name: Table(name, STANDARD_COLUMNS[name], tuple(found), "XML")
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
    return read_siblings_table(io.BytesIO(_bytes(text)), source)


def read_siblings_table(stream: BinaryIO, source: str = "siblings.csv") -> Table:
    """`parse_siblings` from a binary stream (a file, an upload)."""
    _, rows = read_csv_rows(stream, source, SIBLING_COLUMNS, _is_siblings_header)
    return Table("siblings", SIBLING_COLUMNS, tuple(rows), source)


def _is_siblings_header(values: Sequence[str]) -> bool:
    return len(values) >= 3 and values[2].lower() == "policy"


def read_siblings(path: str | PathLike[str]) -> Table:
    p = Path(path)
    with p.open("rb") as stream:
        return read_siblings_table(stream, p.name)
