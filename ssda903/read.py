"""An LA's 903 extract as plain rows: the CSV tables or the XML return, in one form.

Nothing is checked here beyond what it takes to read the text (its encoding, and CSV the
reader can read: a file that is not is refused whole, as ExtractUnreadable naming the
file, the row and the reason); `ssda903.checks` says what is wrong with the rows. Only
`read_extract` and `read_siblings` open files; the rest reads text or a binary stream,
so the API can hand over an upload from where the server spooled it, read as it goes.
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
    "read_csv_rows",
    "read_csv_table",
    "read_extract",
    "read_siblings",
    "read_siblings_table",
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
    """An extract from CSV texts keyed by table name (see TABLES); others are ignored."""
    tables = {
        name: parse_csv_table(name, text, f"{name}.csv")
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
        return Extract("csv", {name: _read_table_file(name, p)})
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
    return Extract("csv", {n: _read_table_file(n, f) for n, f in found.items()})


def _read_table_file(name: str, path: Path) -> Table:
    with path.open("rb") as stream:
        return read_csv_table(name, stream, path.name)


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
