"""The child referred for a placement, as the matching core sees them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Wishes:
    """What the child said they want: places (outcodes) and named carers."""

    areas: tuple[str, ...] = ()
    carers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AdoptionPlan:
    """What family-finders hold about a child whose plan is adoption.

    `waiting_since` is the agency's decision that the child should be placed for
    adoption (903 DATE_PLACED), from which time waiting is counted; the placement order
    may come later, and an early-permanence plan places the child with carers approved
    as both foster carers and adopters before it. The sibling plan is the child's
    sibling group's policy, not a field here, so the two cannot disagree.

    `min_distance_km` keeps adopters at least that far from the child's `home` (the
    birth family's area), where closeness is a risk; areas the child must not live in
    are the child's `avoid`, one list for every kind of placement. `need_levels` grades
    the child's needs (low, medium, high); a need without a level counts as high, so a
    plan that grades nothing asks of adopters what it always did.
    """

    waiting_since: date
    placement_order_date: date | None = None
    early_permanence: bool = False
    uncertainties: frozenset[str] = field(default_factory=frozenset)
    contact: frozenset[str] = field(default_factory=frozenset)
    notes: str = ""
    #: Adopters (ids) ruled out for this child: a link with them was declined. A round
    #: never links or shortlists them again (a hard rule, not set aside).
    ruled_out: frozenset[str] = field(default_factory=frozenset)
    min_distance_km: float | None = None
    need_levels: Mapping[str, str] = field(default_factory=dict, hash=False)

    def weeks_waiting(self, as_of: date) -> int:
        return max(0, (as_of - self.waiting_since).days // 7)

    def need_level(self, need: str) -> str:
        """The level of one of the child's needs: high unless the plan says less."""
        return self.need_levels.get(need, "high")


@dataclass(frozen=True, slots=True)
class Child:
    """A child needing a placement.

    `home`, `school` and the outcodes in `avoid` are normalised outcodes; `avoid` may
    also name LAs. `siblings_placed_with` lists the carers (household ids) where a
    brother or sister already lives.
    """

    id: str
    la: str
    age: int
    sex: str
    home: str
    accepts: tuple[str, ...]
    urgency: str
    needed_by: date
    ethnicity: str = "NOBT"
    religion: str = "none"
    languages: tuple[str, ...] = ("en",)
    school: str | None = None
    school_must_stay: bool = False
    avoid: tuple[str, ...] = ()
    needs: frozenset[str] = field(default_factory=frozenset)
    flags: frozenset[str] = field(default_factory=frozenset)
    max_distance_km: float | None = None
    siblings_placed_with: tuple[str, ...] = ()
    wishes: Wishes = Wishes()
    adoption: AdoptionPlan | None = None

    @property
    def living_flags(self) -> frozenset[str]:
        """Who the child can live alongside, with the flags the rules imply.

        Harmful sexual behaviour implies `no_younger_children` (problem format).
        """
        if "harmful_sexual_behaviour" in self.needs:
            return self.flags | {"no_younger_children"}
        return self.flags

    def cannot_live_with(self, other: Child) -> bool:
        """True when safeguarding forbids these two children in one household."""
        a, b = self.living_flags, other.living_flags
        if "only_child" in a or "only_child" in b:
            return True
        if ("no_younger_children" in a and other.age < self.age) or (
            "no_younger_children" in b and self.age < other.age
        ):
            return True
        return ("no_older_children" in a and other.age > self.age) or (
            "no_older_children" in b and self.age > other.age
        )
