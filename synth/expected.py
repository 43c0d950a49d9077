"""Expected places for a generated region: placements with a planned end, approvals at
panel, holds running out (issue 19, "Place now or wait").

They are drawn from their own random stream (`[seed, EXPECTED_STREAM]`) after every
other draw, from the finished document alone, so that a region's children, carers and
links are exactly those drawn before expected places existed: the demo's and the
benchmarks' problems and results are unchanged, each carer only gaining the field.
The shares and their sources are in synth.calibration and docs/calibration.md.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np

from synth import calibration as cal

#: The stream's second key: the issue that added expected places.
EXPECTED_STREAM = 19

_ENDING_KINDS = frozenset({"foster", "residential", "supported"})


def add_expected_places(doc: dict[str, Any], seed: int) -> None:
    """Give every carer of `doc` its `expected_places` (most an empty list)."""
    rng = np.random.default_rng([seed, EXPECTED_STREAM])
    as_of = date.fromisoformat(doc["as_of"])
    carers = doc["carers"]
    r = rng.random((len(carers), 3))
    day = rng.random((len(carers), 3))
    for i, h in enumerate(carers):
        h["expected_places"] = _entries(h, r[i], day[i], as_of)


def _entries(
    h: dict[str, Any], r: np.ndarray, day: np.ndarray, as_of: date
) -> list[dict[str, Any]]:
    """One household's expected places from its three draws (chance, then day)."""
    out: list[tuple[int, str]] = []
    kind, provider, full = h["kind"], h["provider"], h["vacancies"] == 0
    if kind in _ENDING_KINDS and r[0] < cal.PLANNED_ENDING_SHARE:
        out.append((_day(day[0], 1, cal.EXPECTED_HORIZON_DAYS), "placement_ends"))
    if kind == "foster" and provider in ("in_house", "ifa") and full and r[1] < cal.APPROVAL_SHARE:
        out.append((_day(day[1], *cal.APPROVAL_DAYS), "approval"))
    held = provider != "in_house" and kind != "adoption"  # as INDEPENDENT_PLACE_OFFERED
    if held and full and r[2] < cal.HOLD_EXPIRES_SHARE:
        out.append((_day(day[2], *cal.HOLD_EXPIRES_DAYS), "hold_expires"))
    return [
        {"from": (as_of + timedelta(days=d)).isoformat(), "places": 1, "why": why}
        for d, why in sorted(out)
    ]


def _day(u: float, lo: int, hi: int) -> int:
    """A whole day from `lo` to `hi` (inclusive) for a uniform draw `u` in [0, 1)."""
    return lo + int(u * (hi - lo + 1))
