"""A household offering placements: foster or kinship carers, a children's home,
supported accommodation, or approved adopters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class AdopterApproval:
    """An adoptive family's approval and the limits they have stated.

    How many children they are approved for is the household's `vacancies` (one child,
    or one sibling group of up to that many); ages and sexes are the household's.
    `uncertainties` and `contact` are what they said they can accept: hard rules, as
    only the family can widen them. `early_permanence` is approval as foster carers
    too (fostering for adoption / concurrent planning). `needs` grades the needs they
    could manage (low, medium, high, as on Link Maker); a need in the household's
    `skills` counts as high.
    """

    approved_on: date
    agency: str = ""
    region: str = ""
    early_permanence: bool = False
    uncertainties: frozenset[str] = field(default_factory=frozenset)
    contact: frozenset[str] = field(default_factory=frozenset)
    needs: Mapping[str, str] = field(default_factory=dict, hash=False)

    def weeks_waiting(self, as_of: date) -> int:
        """Whole weeks since approval: how long the family has waited for a child."""
        return max(0, (as_of - self.approved_on).days // 7)


#: Why places are expected to come free: a placement with a planned end date, a household
#: in assessment with an expected approval date, a hold on a place about to expire.
EXPECTED_WHY: tuple[str, ...] = ("placement_ends", "approval", "hold_expires")


@dataclass(frozen=True, slots=True)
class ExpectedPlaces:
    """Places a household expects to have free from a day on (`from` in the problem
    format), and why. They add to `vacancies` from that day; they are not free today."""

    day: date
    places: int
    why: str


@dataclass(frozen=True, slots=True)
class Household:
    """One carer household (or home) as the matching core sees it.

    `sexes` empty means either sex; `vacancies` counts free, available places now;
    `household_children_ages` lists every child living there now (birth, adopted and
    already placed). A kinship household takes only its `connected_children`.
    `expected_places` are places expected to come free later (the near future a
    placement officer may wait for); no rule counts them as free today.
    """

    id: str
    la: str
    kind: str
    provider: str
    location: str
    min_age: int
    max_age: int
    vacancies: int
    available_from: date
    weekly_cost: float
    sexes: frozenset[str] = field(default_factory=frozenset)
    skills: frozenset[str] = field(default_factory=frozenset)
    languages: tuple[str, ...] = ("en",)
    ethnicity: str = "NOBT"
    religion: str = "none"
    household_children_ages: tuple[int, ...] = ()
    smoker: bool = False
    pets: bool = False
    wheelchair_access: bool = False
    years_experience: float = 0.0
    connected_children: tuple[str, ...] = ()
    adopter: AdopterApproval | None = None
    expected_places: tuple[ExpectedPlaces, ...] = ()

    def free_from(self, size: int = 1) -> tuple[date, ExpectedPlaces] | None:
        """The first day `size` places are expected free, counting today's `vacancies`
        and the expected places in date order, with the entry that makes them enough;
        None when they never are. Not asked of a household with enough places today."""
        free = self.vacancies
        for entry in sorted(self.expected_places, key=lambda e: e.day):
            free += entry.places
            if free >= size:
                return entry.day, entry
        return None

    @property
    def one_family(self) -> bool:
        """Adopters take one child or one sibling group, never unrelated children
        together, however many places they are approved for."""
        return self.kind == "adoption"

    def takes_sex(self, sex: str) -> bool:
        """U is allowed wherever sexes is empty or has both F and M (problem format)."""
        if not self.sexes or {"F", "M"} <= self.sexes:
            return True
        return sex in self.sexes
