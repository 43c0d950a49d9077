"""A generated population written as a 903 extract, so any 903 tool can read the demo.

The problem document's children become header and episode rows (with UASC, OC2,
PlacedAdoption and PrevPerm rows where the 903 has a place for what the product holds,
placeholders where the return wants what it does not: docs/ssda903.md), placed with
the carers a matching result gave them. The 903 carries only part of a child's record;
docs/ssda903.md lists what survives an export and import, and what cannot.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from os import PathLike
from pathlib import Path
from typing import Any

from ssda903 import codes
from ssda903.read import COLUMNS
from ssda903.records import birthday, collection_year

__all__ = [
    "Placed",
    "born_between",
    "date_of_birth",
    "export_903",
    "export_placed",
    "export_rows",
    "siblings_csv",
    "to_csv",
    "to_xml",
    "upn",
    "write_extract",
]

Rows = dict[str, list[dict[str, str]]]

#: The 903 code for a (kind, provider) placement. Foster carers of an IFA are written as
#: private provision (PR4); a private or voluntary foster placement reads back as `ifa`.
_PLACE: Mapping[str, str] = {
    "foster": "U6",
    "kinship": "U3",
    "residential": "K2",
    "supported": "K3",  # H5 before the 2024-25 return
    "adoption": "A6",  # A4 without a placement order
}
_FFA: Mapping[str, str] = {"foster": "U5", "kinship": "U2"}
_PROVIDER: Mapping[str, str] = {
    "in_house": "PR1",
    "ifa": "PR4",
    "private": "PR4",
    "voluntary": "PR5",
    "other_la": "PR2",
}
#: The product's referrals wait for a placement, which the 903 has no code for. An
#: unplaced child is written in a temporary move (T0, valid in every year, provider and
#: placement postcode not required: rules 178, 213, 214) with RNE S, the start of the
#: period of care as far as the export knows (rule 357); rule 380 (a period cannot start
#: with a temporary placement) flags it on purpose (docs/ssda903.md). It reads back as
#: no placement kind, with distance and location unknown.
UNPLACED_PLACE = "T0"
#: PREV_PERM Z1: no permanence order before this period of care. The product holds no
#: earlier orders, so a child whose period began in the return's year gets Z1 (rule 630).
NO_PREVIOUS_PERMANENCE = "Z1"
#: Tables the export writes that the import does not read, with their CSV columns.
EXPORT_ONLY: Mapping[str, tuple[str, ...]] = {
    "prev_perm": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
}
URN_MAX = 8


def date_of_birth(child_id: str, age: int, as_of: date, not_after: date | None = None) -> date:
    """A fixed date of birth that makes the child `age` on `as_of`, so that ages survive
    an export: the birthday falls 0-364 days before `as_of`, spread by the id, and on or
    before `not_after` (the first episode) when the age allows it."""
    spread = zlib.crc32(child_id.encode())
    earliest, latest = born_between(age, as_of)
    dob = latest - timedelta(days=spread % 365)
    dob = max(dob, earliest)
    if not_after is not None and dob > not_after >= earliest:
        dob = not_after - timedelta(days=spread % ((not_after - earliest).days + 1))
    return dob


def born_between(age: int, as_of: date) -> tuple[date, date]:
    """The earliest and the latest date of birth of a child who is `age` on `as_of`."""
    try:
        latest = as_of.replace(year=as_of.year - age)
    except ValueError:  # 29 February
        latest = date(as_of.year - age, 2, 28)
    return birthday(latest, -1) + timedelta(days=1), latest


def _day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


@dataclass(frozen=True, slots=True)
class Placed:
    """A child's current placement as the 903 writes it: the episode's codes, given.

    `place` and `place_provider` are 903 codes (PLACE, PLACE_PROVIDER), `postcode` the
    PL_POST (an outcode here) and `urn` the URN. `start` is the DECOM of the episode;
    None means `as_of`, or the placement order date of a child with one. `legal_status`
    is the LS; None means V2 for UASC, E1 from a placement order, otherwise C2. `rne` is
    the reason for the new episode (S: started to be looked after). `earlier` are the
    episodes of the same period of care before this one, oldest first, each with its
    `start` (the first's `rne` S): the export writes them ended the day the next begins.
    """

    place: str
    place_provider: str = ""
    postcode: str = ""
    urn: str = ""
    start: date | None = None
    legal_status: str | None = None
    rne: str = "S"
    earlier: tuple[Placed, ...] = ()


def export_rows(
    doc: Mapping[str, Any],
    placements: Mapping[str, str] | None = None,
    *,
    la: str | None = None,
    year: int | None = None,
) -> Rows:
    """The 903 tables (table -> rows of column -> text) for a problem document.

    `placements` maps child id to carer id (e.g. `SolveResult.carer_of()`); children
    without one are written as unplaced (UNPLACED_PLACE). `la` keeps one LA's children
    (a 903 return is one LA's); `year` (the return, by the year it ends) defaults to the
    return `as_of` falls in, and decides SEX codes (1/2 before 2024-25) and K3 or H5.
    """
    year = year or collection_year(date.fromisoformat(doc["as_of"]))
    carers = {c["id"]: c for c in doc.get("carers", [])}
    placements = placements or {}
    placed: dict[str, Placed] = {}
    for c in doc["children"]:
        carer = carers.get(placements.get(c["id"], ""))
        if carer is not None:
            placed[c["id"]] = _placement(c, carer, year)
    return export_placed(doc, placed, la=la, year=year)


def export_placed(
    doc: Mapping[str, Any],
    placed: Mapping[str, Placed],
    *,
    la: str | None = None,
    year: int | None = None,
) -> Rows:
    """The 903 tables for a document's children placed as `placed` says (child id ->
    `Placed`, the 903 codes given as they are): e.g. a generated standing population,
    whose children live with parents, in hospital or in custody as well as with carers.

    `doc` needs `as_of` and `children` (problem-format fields: id, la, age, sex, and
    optionally ethnicity, home, needs, adoption). A child with no entry is written as
    unplaced (UNPLACED_PLACE). `la` and `year` as for `export_rows`.
    """
    as_of = date.fromisoformat(doc["as_of"])
    year = year or collection_year(as_of)
    rows: Rows = {name: [] for name in (*COLUMNS, "prev_perm")}
    for c in doc["children"]:
        if la is not None and c["la"] != la:
            continue
        needs = set(c.get("needs", []))
        plan = c.get("adoption")
        order = plan.get("placement_order_date") if plan else None
        p = placed.get(c["id"]) or Placed(UNPLACED_PLACE)
        start = p.start or (date.fromisoformat(order) if order and order <= doc["as_of"] else as_of)
        episodes = _period(c, replace(p, start=start), plan, as_of)
        dob = date_of_birth(c["id"], c["age"], as_of, episodes[0][0])
        sex = c["sex"] if year >= codes.SEX_LETTERS_FROM else {"M": "1", "F": "2"}.get(c["sex"], "")
        rows["header"].append(_placed_header(c, sex, dob, year))
        rows["episodes"] += _placed_episodes(c, episodes, needs)
        base = {"CHILD": c["id"], "DOB": _day(dob)}
        if "uasc" in needs:
            eighteen = birthday(dob, 18)
            rows["uasc"].append(base | {"SEX": sex, "DUC": _day(eighteen)})
        if episodes[0][0] >= date(year - 1, 4, 1):  # began this year: rule 630
            rows["prev_perm"].append(base | {"PREV_PERM": NO_PREVIOUS_PERMANENCE})
        oc2 = _oc2(dob, episodes[0][0], year, "emotional_behavioural" in needs)
        if oc2:
            rows["oc2"].append(base | oc2)
        # A child placed for adoption has a decision (rule 551): at the latest, the day
        # the period began when the document has none.
        decided = plan["waiting_since"] if plan else None
        if decided is None and _adoptive(episodes[-1][1].place):
            decided = episodes[0][0].isoformat()
        if decided is not None:
            rows["placed_for_adoption"].append(
                base
                | {
                    "DATE_PLACED": _day(date.fromisoformat(decided)),
                    "DATE_PLACED_CEASED": "",
                    "REASON_PLACED_CEASED": "",
                }
            )
    return rows


Episode = tuple[date, Placed, str]  # DECOM, the placement, LS


def _period(
    c: Mapping[str, Any], p: Placed, plan: Mapping[str, Any] | None, as_of: date
) -> list[Episode]:
    """The child's period of care as episodes (DECOM, placement, LS), oldest first.

    The period begins no later than the decision that the child should be placed for
    adoption (DATE_PLACED: rule 1003), so the first episode starts then if the
    placements given begin later. A placement order (LS E1) starts on its date: an
    episode that spans it is split there with RNE L, a change of legal status only, so
    that the decision is on or before the order (rule 554) and the order date survives.
    """
    order_text = plan.get("placement_order_date") if plan else None
    order = (
        date.fromisoformat(order_text) if order_text and order_text <= as_of.isoformat() else None
    )
    default = "V2" if "uasc" in c.get("needs", []) else "C2"
    chain = [*p.earlier, p]
    starts = [e.start or as_of for e in chain]
    decided = date.fromisoformat(plan["waiting_since"]) if plan else None
    if decided is not None and decided < starts[0] and _adoptive(chain[0].place):
        # Placed with adopters after the decision: in foster care (U6) until then.
        foster = replace(chain[0], place="U6", place_provider="PR1", legal_status="C2")
        moved = "P" if (chain[0].legal_status or ("E1" if order else default)) == "C2" else "B"
        chain = [foster, replace(chain[0], rne=moved), *chain[1:]]
        starts = [decided, *starts]
    elif decided is not None and decided < starts[0]:
        starts[0] = decided
    out: list[Episode] = []
    for i, (begin, e) in enumerate(zip(starts, chain, strict=True)):
        end = starts[i + 1] if i + 1 < len(chain) else None
        ls = e.legal_status or ("E1" if order else default)
        if order is None or ls not in codes.ADOPTION_ORDERS:
            out.append((begin, e, ls))
        elif begin < order and (end is None or order < end):
            out.append((begin, e, "C2" if ls in codes.ADOPTION_ORDERS else ls))
            out.append((order, replace(e, rne="L"), ls))
        else:
            out.append((begin, e, ls))
    first_begin, first, first_ls = out[0]
    out[0] = (first_begin, replace(first, rne="S"), first_ls)
    return out


#: OC2 placeholders for a child looked after 12 months: the product holds no health,
#: conviction or substance-misuse data, so the commonest answers stand in (immunisations
#: up to date, teeth checked, health assessed, health check for under-5s: 1; no
#: substance misuse, no conviction for 10s and over: 0) and a child with no SDQ score
#: gets reason SDQ4, "other" (docs/ssda903.md).
_OC2_TWELVE_MONTHS = {"IMMUNISATIONS": "1", "TEETH_CHECK": "1", "HEALTH_ASSESSMENT": "1",
                      "SUBSTANCE_MISUSE": "0"}  # fmt: skip


def _oc2(dob: date, period_start: date, year: int, concern: bool) -> dict[str, str]:
    """A child's OC2 fields: for a child looked after continuously since the return's
    first day (rules 191, 543, 545, 186, 197B; none for the others, rule 190), and the
    SDQ score that carries an emotional or behavioural need (SDQ_CONCERN)."""
    first, last = date(year - 1, 4, 1), date(year, 3, 31)
    sdq = {"SDQ_SCORE": str(codes.SDQ_CONCERN)} if concern else {}
    if period_start > first:
        return sdq
    row = dict(_OC2_TWELVE_MONTHS)
    if birthday(dob, 10) < last:
        row["CONVICTED"] = "0"
    if birthday(dob, 5) > last:
        row["HEALTH_CHECK"] = "1"
    if not sdq and birthday(dob, 4) <= last and birthday(dob, 17) >= first:
        sdq = {"SDQ_REASON": "SDQ4"}
    return row | sdq


def _adoptive(place: str) -> bool:
    """A placement for adoption (A3-A6)."""
    code = codes.PLACE.get(place)
    return code is not None and code.group == codes.ADOPTION


def _placed_header(c: Mapping[str, Any], sex: str, dob: date, year: int) -> dict[str, str]:
    """The header row of a child of `export_placed` (UPN as `upn` says; MOTHER 0 for
    girls, as a placeholder)."""
    return {
        "CHILD": c["id"],
        "SEX": sex,
        "DOB": _day(dob),
        "ETHNIC": c.get("ethnicity", "NOBT"),
        "UPN": upn(c["id"], dob, year),
        "MOTHER": "0" if c["sex"] == "F" else "",
        "MC_DOB": "",
    }


#: Characters 2-13 of a UPN weigh 2..13 in its check letter; the sum modulo 23 picks a
#: letter of this alphabet (A-Z without I, O and S): the DfE's "Unique pupil numbers"
#: guidance.
_UPN_CHECK = "ABCDEFGHJKLMNPQRTUVWXYZ"
#: The LA number of a synthetic UPN: no LA has number 000, so none is a real pupil's.
SYNTHETIC_UPN_LA = "000"


def upn(child_id: str, dob: date, year: int) -> str:
    """A child's UPN in a generated return: UN1 ("not of school age", rule 209: the
    fourth birthday after 31 August of the year before the return began), else a
    synthetic UPN with a valid check letter, LA number 000 and 9 digits from a hash of
    the id (the same every run; rule 444 wants them unique, rule 210 forbids UN4 for
    children looked after more than a week)."""
    school_from = date(year - 2, 8, 31)
    if birthday(dob, 4) > school_from:
        return "UN1"
    body = SYNTHETIC_UPN_LA + f"{zlib.crc32(child_id.encode()) % 10**9:09d}"
    check = sum(int(ch) * w for ch, w in zip(body, range(2, 14), strict=True)) % 23
    return _UPN_CHECK[check] + body


def _placed_episodes(
    c: Mapping[str, Any], episodes: Sequence[Episode], needs: set[str]
) -> list[dict[str, str]]:
    """The episode rows of a child's period: each ends (REC X1) the day the next begins,
    with a reason for the placement change when the next one moves the child; the last
    is open."""
    rows = []
    for i, (begin, p, ls) in enumerate(episodes):
        nxt = episodes[i + 1] if i + 1 < len(episodes) else None
        moves = nxt is not None and nxt[1].rne != "L"  # L: legal status only
        rows.append(
            {
                "CHILD": c["id"],
                "DECOM": _day(begin),
                "RNE": p.rne,
                "LS": ls,
                "CIN": "N8" if "uasc" in needs else "N1",
                "PLACE": p.place,
                "PLACE_PROVIDER": p.place_provider,
                "DEC": _day(nxt[0]) if nxt else "",
                "REC": codes.NEW_EPISODE_SAME_DAY if nxt else "",
                "REASON_PLACE_CHANGE": "CARPL" if moves else "",
                "HOME_POST": c.get("home") or "",
                "PL_POST": p.postcode,
                "URN": p.urn,
            }
        )
    return rows


def _placement(child: Mapping[str, Any], carer: Mapping[str, Any], year: int) -> Placed:
    """The 903 codes of a child's placement with a carer household of the product."""
    plan = child.get("adoption")
    kind = carer["kind"]
    place = _PLACE[kind]
    if kind == "supported" and year < 2025:
        place = "H5"
    if kind == "adoption" and not (plan and plan.get("placement_order_date")):
        place = "A4"
    if plan and plan.get("early_permanence") and kind in _FFA:
        place = _FFA[kind]
    provider = _PROVIDER.get(carer["provider"], "")
    urn = carer["id"] if len(carer["id"]) <= URN_MAX else ""
    return Placed(place, provider, carer["location"], urn)


def to_csv(rows: Rows) -> dict[str, str]:
    """CSV texts by file name (header.csv, episodes.csv, ...), in the standard columns."""
    out: dict[str, str] = {}
    for name, columns in {**COLUMNS, **EXPORT_ONLY}.items():
        if name in EXPORT_ONLY and not rows.get(name):
            continue
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        for r in rows.get(name, []):
            writer.writerow({c: r.get(c, "") for c in columns})
        out[f"{name}.csv"] = buf.getvalue()
    return out


def export_903(
    doc: Mapping[str, Any],
    placements: Mapping[str, str] | None = None,
    *,
    la: str | None = None,
    year: int | None = None,
) -> dict[str, str]:
    """A problem document's children as 903 CSV texts by file name (see export_rows)."""
    return to_csv(export_rows(doc, placements, la=la, year=year))


_HEADER_XML = ("UPN", "SEX", "DOB", "ETHNIC")
_EPISODE_XML = (
    "DECOM", "RNE", "LS", "CIN", "PL", "PL_POST", "HOME_POST", "URN", "PLACE_PROVIDER", "DEC",
    "REC", "REASON_PLACE_CHANGE",
)  # fmt: skip
_OC2_XML = COLUMNS["oc2"][2:]
_AD_PLACED_XML = ("DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED")


def to_xml(rows: Rows) -> str:
    """The same tables in the XML form of the return (root EXPSSDA903, element order of
    the DfE schema): one CHILD per header row, episodes and the other tables inside it."""
    root = ET.Element("EXPSSDA903")
    by_child: dict[str, dict[str, list[Mapping[str, str]]]] = {}
    for name in ("episodes", "uasc", "oc2", "placed_for_adoption", "prev_perm"):
        for r in rows.get(name, []):
            by_child.setdefault(r.get("CHILD", ""), {}).setdefault(name, []).append(r)
    written: set[str] = set()

    def text(parent: ET.Element, tag: str, value: str) -> None:
        ET.SubElement(parent, tag).text = value or None

    def child_element(code: str, head: Mapping[str, str] | None) -> None:
        child = ET.SubElement(root, "CHILD")
        parts = by_child.get(code, {}) if code not in written else {}
        written.add(code)
        if head is not None:
            header = ET.SubElement(child, "HEADER")
            text(header, "CHILDID", code)
            for tag in _HEADER_XML:
                text(header, tag, head.get(tag, ""))
            uasc = parts.get("uasc", [])
            text(header, "UASC", "1" if uasc else "0")
            if uasc:
                text(header, "DUC", uasc[-1].get("DUC", ""))
            text(header, "MOTHER", head.get("MOTHER", ""))
            text(header, "MC_DOB", head.get("MC_DOB", ""))
            for r in parts.get("oc2", [])[-1:]:
                oc2 = ET.SubElement(header, "OC2")
                for tag in _OC2_XML:
                    if r.get(tag, ""):
                        text(oc2, tag, r[tag])
            for r in parts.get("placed_for_adoption", []):
                placed = ET.SubElement(header, "AD_PLACED")
                for tag in _AD_PLACED_XML:
                    text(placed, tag, r.get(tag, ""))
            for r in parts.get("prev_perm", [])[-1:]:
                permanence = ET.SubElement(header, "PERMANENCE")
                for tag in EXPORT_ONLY["prev_perm"][2:]:
                    text(permanence, tag, r.get(tag, ""))
        for r in parts.get("episodes", []):
            episode = ET.SubElement(child, "EPISODE")
            for tag in _EPISODE_XML:
                text(episode, tag, r.get("PLACE" if tag == "PL" else tag, ""))

    for head in rows.get("header", []):
        child_element(head.get("CHILD", ""), head)
    for code in by_child:
        if code not in written:
            child_element(code, None)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def siblings_csv(doc: Mapping[str, Any], *, la: str | None = None) -> str:
    """The problem's sibling groups as the siblings CSV the import reads: each member
    linked to the group's first, with the group's policy."""
    las = {c["id"]: c["la"] for c in doc["children"]}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["child", "sibling", "policy"])
    for g in doc.get("sibling_groups", []):
        members: Sequence[str] = [m for m in g["children"] if la is None or las.get(m) == la]
        for other in members[1:]:
            writer.writerow([members[0], other, g["policy"]])
    return buf.getvalue()


def write_extract(files: Mapping[str, str], directory: str | PathLike[str]) -> list[Path]:
    """Write texts by file name into `directory` (made if missing); the paths written."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in files.items():
        path = out / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
