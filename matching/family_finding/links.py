"""A family-finder's link history, as a round reads it (part D1 writes the shortlists
that use it; this is the minimal interface the service builds, kept in step with D1's:
the lead keeps D1's module at merge)."""

from __future__ import annotations

from dataclasses import dataclass

#: A link's states: proposed, exploring, declined (with a reason), to matching panel, placed.
LINK_STATES = ("proposed", "exploring", "declined", "to_panel", "placed")


@dataclass(frozen=True)
class LinkHistory:
    """What the family-finders have done so far, as (child id, adopter id) pairs:
    declined links, interest from either side, and links at to_panel or placed."""

    declined: frozenset[tuple[str, str]] = frozenset()
    adopter_interest: frozenset[tuple[str, str]] = frozenset()
    finder_interest: frozenset[tuple[str, str]] = frozenset()
    progressing: frozenset[tuple[str, str]] = frozenset()
