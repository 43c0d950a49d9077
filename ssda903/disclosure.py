"""Small numbers hidden from counts shown to planners, as the DfE's statistics do.

A count of 1 to 4 children in a cell (an LA, an urgency, a placement type) can point at
a child someone knows, so it is shown as "fewer than 5". Zero is shown: that there is
no such child says nothing about any child. Where cells add up to a total that is shown,
one hidden cell could be worked out by subtraction, so the smallest other cell is hidden
too ("suppressed", secondary suppression). Pure: counts in, which to hide out.
"""

from __future__ import annotations

from collections.abc import Sequence

#: Counts from 1 to SMALL - 1 are hidden.
SMALL = 5
FEWER_THAN_5 = "fewer than 5"
#: A cell hidden only so that a small one cannot be worked out from the total.
SUPPRESSED = "suppressed"


def is_small(count: int) -> bool:
    """A count that would point at too few children to show."""
    return 0 < count < SMALL


def hidden(counts: Sequence[int], *, total_shown: bool = True) -> dict[int, str]:
    """Which of `counts` to hide, by index, and what to show instead: the small ones,
    and, when exactly one is small and their total is shown, the smallest other cell
    that is not zero (so neither can be worked out from the total)."""
    out = {k: FEWER_THAN_5 for k, n in enumerate(counts) if is_small(n)}
    if total_shown and len(out) == 1:
        others = [(n, k) for k, n in enumerate(counts) if n > 0 and k not in out]
        if others:
            out[min(others)[1]] = SUPPRESSED
    return out


def shown(count: int) -> int | str:
    """A single count as shown to a planner: itself, or "fewer than 5"."""
    return FEWER_THAN_5 if is_small(count) else count
