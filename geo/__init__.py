"""Outcodes, grid references and straight-line distance.

Distances follow the DfE's method for the SSDA903 return: straight line between the
grid references of two postcodes. We hold outcode centroids (OS OpenData, OGL; see
ATTRIBUTION.md), so distances are outcode to outcode.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

__all__ = [
    "Gazetteer",
    "UnknownOutcode",
    "gazetteer",
    "outcode_of",
    "KM_PER_MILE",
    "TWENTY_MILES_KM",
]

KM_PER_MILE = 1.609344
#: The DfE's band for a placement far from home (children looked after statistics).
TWENTY_MILES_KM = 20 * KM_PER_MILE

_OUTCODE = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")
_INWARD = re.compile(r"^[0-9][A-Z]{2}$")


class UnknownOutcode(ValueError):
    """An outcode (or postcode) that is malformed or not in the gazetteer."""

    def __init__(self, value: str, why: str) -> None:
        super().__init__(f"{value!r} {why}")
        self.value = value
        self.why = why


def outcode_of(postcode: str) -> str:
    """The outcode of a postcode or outcode ('ls9 7tf', 'LS97TF', 'LS9' -> 'LS9').

    Raises UnknownOutcode when the text cannot be a UK postcode.
    """
    text = " ".join(str(postcode).upper().split())
    if " " in text:
        out, _, inward = text.partition(" ")
        if not _INWARD.match(inward):
            raise UnknownOutcode(postcode, "is not a UK postcode")
    elif len(text) >= 5 and _INWARD.match(text[-3:]):
        out = text[:-3]
    else:
        out = text
    if not _OUTCODE.match(out):
        raise UnknownOutcode(postcode, "is not a UK postcode or outcode")
    return out


@dataclass(frozen=True)
class Gazetteer:
    """Outcode -> grid reference and principal LA area, with vectorised distance."""

    index: dict[str, int]
    easting: np.ndarray
    northing: np.ndarray
    area: tuple[str, ...]

    @classmethod
    def from_csv(cls, text: str) -> Gazetteer:
        rows = list(csv.DictReader(io.StringIO(text)))
        return cls(
            index={r["outcode"]: i for i, r in enumerate(rows)},
            easting=np.array([float(r["easting"]) for r in rows]),
            northing=np.array([float(r["northing"]) for r in rows]),
            area=tuple(r["area"] for r in rows),
        )

    def __contains__(self, outcode: str) -> bool:
        return outcode in self.index

    @property
    def outcodes(self) -> tuple[str, ...]:
        return tuple(self.index)

    def resolve(self, postcode: str) -> str:
        """Normalise a postcode or outcode to a known outcode, or raise UnknownOutcode.

        A known outcode as written is its own answer (every key is already normal, see
        tests/geo), which spares the parse for most of a large problem's fields.
        """
        if isinstance(postcode, str) and postcode in self.index:
            return postcode
        out = outcode_of(postcode)
        if out not in self.index:
            raise UnknownOutcode(postcode, "is not a known UK outcode")
        return out

    def grid(self, outcode: str) -> tuple[float, float]:
        i = self.index[outcode]
        return float(self.easting[i]), float(self.northing[i])

    def area_of(self, outcode: str) -> str:
        return self.area[self.index[outcode]]

    def km(self, a: str, b: str) -> float:
        """Straight-line km between two known outcodes."""
        ea, na = self.grid(a)
        eb, nb = self.grid(b)
        return math.hypot(ea - eb, na - nb) / 1000.0

    def outcodes_in(self, area: str) -> tuple[str, ...]:
        return tuple(o for o, i in self.index.items() if self.area[i] == area)


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The shipped UK outcode gazetteer (read once from package data)."""
    text = resources.files(__package__).joinpath("uk-outcodes.csv").read_text("utf-8")
    return Gazetteer.from_csv(text)
