"""The clean, typed records of a checked 903 extract (what ssda903.checks keeps), and the
903's dates: reading them, the return (collection year) a day falls in, ages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from ssda903.report import Report

__all__ = [
    "AdoptionDecision",
    "Checked",
    "Episode",
    "MissingEpisode",
    "HeaderRecord",
    "Oc2Record",
    "UascRecord",
    "age_on",
    "birthday",
    "collection_year",
    "parse_date",
]


@dataclass(frozen=True, slots=True)
class HeaderRecord:
    child: str
    sex: str  # M, F or U
    dob: date
    ethnicity: str | None
    row: int


@dataclass(frozen=True, slots=True)
class Episode:
    """One episode of care. Codes are '' when blank or not a 903 code; `home` and `pl`
    are gazetteer outcodes (None when unknown), `home_post` and `pl_post` the postcodes
    as recorded (normalised). `dec` is the end date after overlaps are resolved."""

    child: str
    row: int
    where: str
    decom: date
    dec: date | None
    rne: str
    ls: str
    cin: str
    place: str
    provider: str
    rec: str
    reason: str
    home_post: str | None
    home: str | None
    pl_post: str | None
    pl: str | None
    urn: str | None

    def open_on(self, day: date) -> bool:
        return self.decom <= day and (self.dec is None or self.dec > day)


@dataclass(frozen=True, slots=True)
class UascRecord:
    child: str
    duc: date | None
    row: int


@dataclass(frozen=True, slots=True)
class Oc2Record:
    child: str
    sdq: int | None
    row: int


@dataclass(frozen=True, slots=True)
class AdoptionDecision:
    """A PlacedAdoption row: the decision that the child should be placed for adoption."""

    child: str
    placed: date
    ceased: date | None
    reason: str
    row: int

    def open_on(self, day: date) -> bool:
        return self.placed <= day and (self.ceased is None or self.ceased > day)


@dataclass(frozen=True, slots=True)
class MissingEpisode:
    """A Missing row: the child missing (MISSING M) or away from the placement without
    authorisation (A) from `start` to `end` (None: not back by the extract's end)."""

    child: str
    kind: str
    start: date
    end: date | None
    row: int


@dataclass(frozen=True)
class Checked:
    """What passed the checks, keyed by 903 CHILD code, and the report so far."""

    form: str
    as_of: date
    year: int
    headers: Mapping[str, HeaderRecord]
    episodes: Mapping[str, tuple[Episode, ...]]
    uasc: Mapping[str, UascRecord]
    oc2: Mapping[str, Oc2Record]
    adoption: Mapping[str, tuple[AdoptionDecision, ...]]
    report: Report
    missing: Mapping[str, tuple[MissingEpisode, ...]] = field(default_factory=dict)


# -- dates ---------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: 00:00(?::00)?)?$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00)?)?$")


def parse_date(text: str) -> date | None:
    """A 903 date (dd/mm/yyyy; ISO yyyy-mm-dd is also read), or None if it is not one."""
    m = _DMY.match(text)
    if m:
        d, mo, y = (int(g) for g in m.groups())
    else:
        m = _ISO.match(text)
        if not m:
            return None
        y, mo, d = (int(g) for g in m.groups())
    try:
        return date(y, mo, d)
    except ValueError:
        return None


def collection_year(day: date) -> int:
    """The return a date falls in, named by the year it ends (31 March)."""
    return day.year + 1 if day.month >= 4 else day.year


def age_on(born: date, day: date) -> int:
    """Age in whole years on `day`."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def birthday(born: date, age: int) -> date:
    """The day a child born on `born` turns `age` (1 March for 29 February)."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:  # 29 February
        return date(born.year + age, 3, 1)
