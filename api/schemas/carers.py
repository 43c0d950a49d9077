"""Carer households and homes, and an adopter's approval: create, patch and read."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
)

from api.schemas.common import Body, Out
from api.schemas.types import (
    LA,
    Age,
    ApprovalDay,
    AvailableFrom,
    Bool,
    CarerSex,
    Contact,
    Ethnicity,
    Id,
    Int,
    Kind,
    Lang,
    Need,
    NeedLevel,
    Num,
    Outcode,
    Provider,
    Religion,
    Uncertainty,
    clean_text,
    optional,
    unique,
)
from vocab import (
    CONTACT,
    NEEDS,
    UNCERTAINTIES,
)

ExpectedWhy = Literal["placement_ends", "approval", "hold_expires"]


class ExpectedPlacesIn(Body):
    """Places a household expects to have free later (problem format `expected_places`):
    a placement with a planned end date, an approval expected, a hold about to expire.
    Not free today; a ranked match says when one is likely to give a clearly better
    home before the child's date needed."""

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, serialize_by_alias=True, validate_by_alias=True
    )

    day: AvailableFrom = Field(alias="from", description="the day they come free")
    places: Annotated[Int, Field(ge=1, le=100)]
    why: ExpectedWhy


class ExpectedPlacesOut(Out):
    model_config = ConfigDict(
        allow_inf_nan=False, from_attributes=True, serialize_by_alias=True, validate_by_alias=True
    )

    day: date = Field(alias="from")
    places: int
    why: str


class AdopterIn(Body):
    """An adoptive family's approval and stated limits (problem format
    `adopter_approval`): only for a household of kind `adoption`. The children they are
    approved for is `vacancies`: one child or one sibling group of up to that many."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "approved_on": "2025-01-10",
                    "agency": "One Adoption West Yorkshire",
                    "region": "Yorkshire and the Humber",
                    "early_permanence": True,
                    "uncertainties": ["developmental_uncertainty", "family_mental_health"],
                    "contact": ["letterbox", "direct_siblings"],
                    "needs": {"learning_disability": "medium"},
                }
            ]
        }
    )

    approved_on: ApprovalDay = Field(description="within the last 30 years")
    agency: Annotated[
        str, Strict(), StringConstraints(max_length=200), AfterValidator(clean_text)
    ] = ""
    region: Annotated[
        str, Strict(), StringConstraints(max_length=200), AfterValidator(clean_text)
    ] = ""
    early_permanence: Bool = Field(
        default=False, description="approved for fostering for adoption / concurrent planning"
    )
    uncertainties: list[Uncertainty] = unique(
        default=[],
        max_length=len(UNCERTAINTIES),
        description="uncertainties in a child's history the family can accept",
    )
    contact: list[Contact] = unique(
        default=[],
        max_length=len(CONTACT),
        description="contact arrangements the family can support",
    )
    needs: dict[Need, NeedLevel] = Field(
        default={},
        max_length=len(NEEDS),
        description="the level of each need the family could manage (low, medium, high); "
        "a need in the household's skills counts as high",
    )


class AdopterOut(Out):
    approved_on: date
    agency: str
    region: str
    early_permanence: bool
    uncertainties: list[str]
    contact: list[str]
    needs: dict[str, str]


CARER_EXAMPLE: dict[str, Any] = {
    "id": "H-0901",
    "la": "Leeds",
    "kind": "foster",
    "provider": "in_house",
    "location": "LS12",
    "min_age": 0,
    "max_age": 17,
    "sexes": [],
    "places": 2,
    "vacancies": 1,
    "available_from": "2026-11-20",
    "skills": ["emotional_behavioural", "therapeutic"],
    "household_children_ages": [12],
    "years_experience": 6,
    "weekly_cost": 520,
}


class CarerIn(Body):
    """A carer household (or a home) in the problem format's words, plus `places`."""

    model_config = ConfigDict(json_schema_extra={"examples": [CARER_EXAMPLE]})

    id: Id
    la: LA
    kind: Kind
    provider: Provider
    location: Outcode
    min_age: Age
    max_age: Age
    sexes: list[CarerSex] = unique(default=[], max_length=2, description="empty: any")
    places: Annotated[Int, Field(ge=0, le=100)] | None = optional(
        description="approved places (default: vacancies)"
    )
    vacancies: Annotated[Int, Field(ge=0, le=100)] = Field(description="free places now")
    available_from: AvailableFrom = Field(description="at most 50 years ago, 2 years ahead")
    skills: list[Need] = unique(default=[], max_length=len(NEEDS))
    languages: list[Lang] = unique(default=["en"], max_length=20)
    ethnicity: Ethnicity = "NOBT"
    religion: Religion = "none"
    household_children_ages: list[Age] = Field(default=[], max_length=30)
    smoker: Bool = False
    pets: Bool = False
    wheelchair_access: Bool = False
    years_experience: Annotated[Num, Field(ge=0, le=80)] = 0.0
    weekly_cost: Annotated[Num, Field(ge=0, le=1e7)]
    connected_children: list[Id] = unique(
        default=[], max_length=50, description="kinship: the children it is approved for"
    )
    adopter: AdopterIn | None = Field(
        default=None, description="kind adoption: the approval and what the family can accept"
    )
    expected_places: list[ExpectedPlacesIn] = Field(
        default=[], max_length=20, description="places expected to come free later"
    )


class CarerPatch(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"vacancies": 2, "places": 3}]})

    la: LA | None = optional()
    kind: Kind | None = optional()
    provider: Provider | None = optional()
    location: Outcode | None = optional()
    min_age: Age | None = optional()
    max_age: Age | None = optional()
    sexes: Annotated[list[CarerSex], Field(max_length=2)] | None = optional(unique_items=True)
    places: Annotated[Int, Field(ge=0, le=100)] | None = optional()
    vacancies: Annotated[Int, Field(ge=0, le=100)] | None = optional()
    available_from: AvailableFrom | None = optional()
    skills: Annotated[list[Need], Field(max_length=len(NEEDS))] | None = optional(unique_items=True)
    languages: Annotated[list[Lang], Field(max_length=20)] | None = optional(unique_items=True)
    ethnicity: Ethnicity | None = optional()
    religion: Religion | None = optional()
    household_children_ages: Annotated[list[Age], Field(max_length=30)] | None = optional()
    smoker: Bool | None = optional()
    pets: Bool | None = optional()
    wheelchair_access: Bool | None = optional()
    years_experience: Annotated[Num, Field(ge=0, le=80)] | None = optional()
    weekly_cost: Annotated[Num, Field(ge=0, le=1e7)] | None = optional()
    connected_children: Annotated[list[Id], Field(max_length=50)] | None = optional(
        unique_items=True
    )
    adopter: AdopterIn | None = Field(
        default=None, description="replaces the approval whole; null removes it"
    )
    expected_places: Annotated[list[ExpectedPlacesIn], Field(max_length=20)] | None = optional(
        description="replaces the list whole"
    )


class CarerOut(Out):
    model_config = ConfigDict(json_schema_extra={"examples": [CARER_EXAMPLE]})

    id: str
    la: str
    kind: str
    provider: str
    location: str
    min_age: int
    max_age: int
    sexes: list[str]
    places: int
    vacancies: int
    available_from: date
    skills: list[str]
    languages: list[str]
    ethnicity: str
    religion: str
    household_children_ages: list[int]
    smoker: bool
    pets: bool
    wheelchair_access: bool
    years_experience: float
    weekly_cost: float
    connected_children: list[str] = Field(description="those of your LAs' children only")
    adopter: AdopterOut | None = Field(description="null: not an approved adopter")
    expected_places: list[ExpectedPlacesOut] = Field(
        default=[], description="places expected to come free later, earliest first"
    )
    occupied: int = Field(
        description="approved places children placed through the service live in now"
    )
