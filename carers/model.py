"""A household offering placements: foster or kinship carers, a children's home,
supported accommodation, or approved adopters."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Household:
    """One carer household (or home) as the matching core sees it.

    `sexes` empty means either sex; `vacancies` counts free, available places now;
    `household_children_ages` lists every child living there now (birth, adopted and
    already placed). A kinship household takes only its `connected_children`.
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

    def takes_sex(self, sex: str) -> bool:
        """U is allowed wherever sexes is empty or has both F and M (problem format)."""
        if not self.sexes or {"F", "M"} <= self.sexes:
            return True
        return sex in self.sexes
