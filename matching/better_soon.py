"""Place now or wait: whether a clearly better match is likely before the date needed.

What the product knows about the near future is each household's `expected_places`
(a placement with a planned end date, an approval expected, a hold about to expire).
For a referral that is not an emergency, the households whose places come free on or
before the child's `needed_by` are ranked as if those places were free (every other hard
rule as today); when the best of them beats the best match available now by
`WAIT_MARGIN` points, or nothing fits now, the ranking carries a `BetterSoon` advisory.
The officer decides; nothing here holds a referral back. See docs/matching.md §
"Place now or wait".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from carers.model import ExpectedPlaces, Household
from children.model import Child

#: How many points (of 0-100) a household coming free must score above the best match
#: available now for the officer to be told: a clear margin, well above the spread
#: between neighbouring matches (docs/matching.md, "Place now or wait").
WAIT_MARGIN = 10.0


@dataclass(frozen=True, slots=True)
class BetterSoon:
    """A clearly better match likely before the date needed: which household, from when
    and why, its score against today's best (None when nothing fits now), and the days
    from the problem's `as_of` to wait."""

    carer: str
    free_from: date
    why: str
    score: float
    best_now: str | None
    best_now_score: float | None
    days_to_wait: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "carer": self.carer,
            "free_from": self.free_from.isoformat(),
            "why": self.why,
            "score": round(self.score, 1),
            "best_now": self.best_now,
            "best_now_score": None
            if self.best_now_score is None
            else round(self.best_now_score, 1),
            "days_to_wait": self.days_to_wait,
        }


def may_wait(members: Sequence[Child]) -> date | None:
    """The date by which the children must be placed, when they may wait at all: never
    for an emergency (one in a sibling group is enough); the earliest `needed_by`."""
    if any(m.urgency == "emergency" for m in members):
        return None
    return min(m.needed_by for m in members)


def coming_free(
    carers: Sequence[Household], size: int, needed_by: date
) -> dict[str, tuple[Household, ExpectedPlaces]]:
    """Households without `size` free places today whose expected places give them
    `size` on or before `needed_by`, each as it will be that day (its free places then,
    available from then), with the expected places that make them enough."""
    out: dict[str, tuple[Household, ExpectedPlaces]] = {}
    for h in carers:
        if h.vacancies >= size or not h.expected_places:
            continue
        found = h.free_from(size)
        if found is None or found[0] > needed_by:
            continue
        day, entry = found
        free = h.vacancies + sum(e.places for e in h.expected_places if e.day <= day)
        future = replace(h, vacancies=free, available_from=max(h.available_from, day))
        out[h.id] = (future, entry)
    return out


def advise(
    best_now: tuple[str, float] | None,
    best_soon: tuple[str, float] | None,
    soon: dict[str, tuple[Household, ExpectedPlaces]],
    as_of: date,
    margin: float = WAIT_MARGIN,
) -> BetterSoon | None:
    """The advisory when the best household coming free beats today's best (carer,
    score) by `margin` points or more, or nothing fits today; else None."""
    if best_soon is None:
        return None
    carer, score = best_soon
    if best_now is not None and score - best_now[1] < margin:
        return None
    entry = soon[carer][1]
    return BetterSoon(
        carer=carer,
        free_from=entry.day,
        why=entry.why,
        score=score,
        best_now=best_now[0] if best_now else None,
        best_now_score=best_now[1] if best_now else None,
        days_to_wait=max(0, (entry.day - as_of).days),
    )
