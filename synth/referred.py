"""When each referral of a generated problem document was made, for a database that
loads the document as a region's open referrals (the served demo): the document says
which children wait, how urgently and by when they need a home, relative to its
`as_of`; this says since when, so the waiting time, the needed-by date and the order
of a referral list read as they would in an LA.

Drawn from a generator of its own (seeded by `seed`), so the problem document, and
everything solved from it, is the same with or without these dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np

from synth import calibration as cal

__all__ = ["referred_at"]

#: Mixed into the seed so this stream is not the region's own.
_STREAM = 903


def referred_at(doc: Mapping[str, Any], seed: int = 0) -> dict[str, datetime]:
    """The time (aware UTC) each child of `doc` was referred, by child id.

    A child with an adoption plan was referred when the plan started (its
    `waiting_since`); any other child by their urgency (`cal.REFERRED_DAYS_AGO` days
    before `as_of`), in office hours, and never after their needed-by date. Brothers
    and sisters in a sibling group are referred together, at the earliest of their times.
    """
    as_of = date.fromisoformat(doc["as_of"])
    rng = np.random.default_rng([seed, _STREAM])
    children = list(doc["children"])
    n = len(children)
    draws = rng.random(n)
    hours = rng.integers(cal.REFERRED_HOURS[0], cal.REFERRED_HOURS[1], n)
    minutes = rng.integers(0, 60, n)
    at: dict[str, datetime] = {}
    for k, child in enumerate(children):
        plan = child.get("adoption")
        if plan and plan.get("waiting_since"):
            day = date.fromisoformat(plan["waiting_since"])
        else:
            lo, hi = cal.REFERRED_DAYS_AGO[child.get("urgency", "planned")]
            day = as_of - timedelta(days=lo + int(draws[k] * (hi - lo + 1)))
        if child.get("needed_by"):
            day = min(day, date.fromisoformat(child["needed_by"]))
        clock = time(int(hours[k]), int(minutes[k]))
        at[child["id"]] = datetime.combine(day, clock, tzinfo=UTC)
    for group in doc.get("sibling_groups", ()):
        members = [c for c in group["children"] if c in at]
        if members:
            together = min(at[c] for c in members)
            at.update(dict.fromkeys(members, together))
    return at
