"""Counts for the user's LAs: no child is named. To a planner, whose only view of
children this is, counts of 1 to 4 children are hidden (docs/security.md)."""

from __future__ import annotations

from typing import Any

import store
from api.deps import Services
from store.stats import without_small_numbers


def counts(svc: Services, user: store.User) -> dict[str, Any]:
    """Open referrals, live proposals, current placements and carers' places, by LA."""
    with store.transaction(svc.engine, write=False) as s:
        stats = store.aggregates(s, user.las)
    return without_small_numbers(stats) if user.role == "planner" else stats
