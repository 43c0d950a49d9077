"""Where a synthetic region is: its LAs' outcodes, the out-of-area ring, and "a random
outcode near this one" for many origins at once.

Distances are the gazetteer's straight-line km between outcode grid points, the same
measure the matching rules use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from geo import Gazetteer, gazetteer
from synth.calibration import (
    LA_CLA_COUNTS,
    NON_ENGLISH_AREAS,
    NON_ENGLISH_PREFIXES,
    OUT_OF_AREA_RING_KM,
)

_PREFIX = re.compile(r"^[A-Z]+")


def english_areas(gaz: Gazetteer | None = None) -> tuple[str, ...]:
    """Every English LA area in the gazetteer, sorted.

    An area is left out when its name is a Scottish, Welsh, Northern Irish or Crown
    dependency area, or when any of its outcodes has a non-English postcode-area prefix
    (two independent tests; see synth.calibration).
    """
    gaz = gaz or gazetteer()
    foreign = set(NON_ENGLISH_AREAS)
    for outcode, i in gaz.index.items():
        m = _PREFIX.match(outcode)
        if m and m.group() in NON_ENGLISH_PREFIXES:
            foreign.add(gaz.area[i])
    return tuple(sorted(set(gaz.area) - foreign))


@dataclass
class RegionGeo:
    """The LAs of a region, their outcodes and the English outcodes around them.

    Outcodes are held as gazetteer row indices. `columns` are every English outcode;
    distances from any region or ring outcode to every column are computed once.
    """

    gaz: Gazetteer
    las: tuple[str, ...]
    weights: np.ndarray  # share of children (and of LA-based carers) per LA
    weight_source: str
    la_outcodes: tuple[np.ndarray, ...]  # gazetteer indices of each LA's outcodes
    columns: np.ndarray  # gazetteer indices of English outcodes
    rows: np.ndarray  # gazetteer indices with a distance row: region + ring
    ring: np.ndarray  # English outcodes outside the region within the ring
    dist: np.ndarray  # float32 [len(rows), len(columns)] km
    row_of: np.ndarray  # gazetteer index -> row, -1 if none
    area: np.ndarray  # area name of every gazetteer outcode
    outcode: np.ndarray  # outcode text of every gazetteer row
    _near: dict[float, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)

    @classmethod
    def build(cls, las: Sequence[str] | None, gaz: Gazetteer | None = None) -> RegionGeo:
        gaz = gaz or gazetteer()
        england = english_areas(gaz)
        area = np.array(gaz.area, dtype=object)
        if las is None:
            chosen = england
        else:
            chosen = tuple(dict.fromkeys([las] if isinstance(las, str) else las))
            if not chosen:
                raise ValueError("las is empty: name at least one LA, or pass None for England")
            unknown = [la for la in chosen if la not in england]
            if unknown:
                raise ValueError(
                    "not an English LA area in the gazetteer: " + ", ".join(map(repr, unknown))
                )
        la_outcodes = tuple(np.flatnonzero(area == la) for la in chosen)
        weights, source = _la_weights(chosen, la_outcodes, national=las is None)
        columns = np.flatnonzero(np.isin(area, england))
        region = np.concatenate(la_outcodes)
        ex, ny = gaz.easting / 1000.0, gaz.northing / 1000.0
        d_region = _km(ex, ny, region, columns)
        in_region = np.isin(columns, region)
        ring = columns[(d_region.min(axis=0) <= OUT_OF_AREA_RING_KM) & ~in_region]
        rows = np.concatenate([region, ring])
        dist = np.vstack([d_region, _km(ex, ny, ring, columns)]) if len(ring) else d_region
        row_of = np.full(len(area), -1, dtype=np.int64)
        row_of[rows] = np.arange(len(rows))
        outcode = np.array(list(gaz.index), dtype=object)
        return cls(
            gaz,
            chosen,
            weights,
            source,
            la_outcodes,
            columns,
            rows,
            ring,
            dist,
            row_of,
            area,
            outcode,
        )

    def near(self, rng: np.random.Generator, origins: np.ndarray, radius_km: float) -> np.ndarray:
        """A random English outcode within `radius_km` of each origin (itself included).

        Origins must be region or ring outcodes (gazetteer indices).
        """
        origins = np.asarray(origins, dtype=np.int64)
        if not len(origins):
            return origins
        indptr, cols = self.neighbours(radius_km)
        r = self.row_of[origins]
        assert (r >= 0).all(), "near() needs region or ring outcodes"
        start, count = indptr[r], indptr[r + 1] - indptr[r]
        pick = start + np.floor(rng.random(len(r)) * count).astype(np.int64)
        near: np.ndarray = self.columns[cols[pick]]
        return near

    def km(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Straight-line km between paired gazetteer indices."""
        g = self.gaz
        metres: np.ndarray = np.hypot(g.easting[a] - g.easting[b], g.northing[a] - g.northing[b])
        return metres / 1000.0

    def neighbours(self, radius_km: float) -> tuple[np.ndarray, np.ndarray]:
        """CSR lists of the columns within `radius_km` of each row: (indptr, column)."""
        if radius_km not in self._near:
            mask = self.dist <= radius_km
            indptr = np.concatenate([[0], np.cumsum(mask.sum(axis=1))]).astype(np.int64)
            self._near[radius_km] = (indptr, np.nonzero(mask)[1].astype(np.int64))
        return self._near[radius_km]


def _km(x: np.ndarray, y: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    metres: np.ndarray = np.hypot(x[a][:, None] - x[b][None, :], y[a][:, None] - y[b][None, :])
    return metres.astype(np.float32)


def _la_weights(
    las: tuple[str, ...], outcodes: tuple[np.ndarray, ...], *, national: bool
) -> tuple[np.ndarray, str]:
    """Children per LA in proportion to known CLA counts (§1.11), else to outcode counts.

    A mixed list would compare counts with a proxy, so the proxy is used for all LAs
    unless every LA has a count.
    """
    if not national and all(la in LA_CLA_COUNTS for la in las):
        w = np.array([LA_CLA_COUNTS[la] for la in las], dtype=np.float64)
        source = "CLA counts (figures §1.11)"
    else:
        w = np.array([len(o) for o in outcodes], dtype=np.float64)
        source = "number of outcodes (proxy)"
    return w / w.sum(), source
