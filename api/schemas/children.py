"""A child's record and adoption plan in the problem format's words: create, patch
and read."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import (
    ConfigDict,
    Field,
)

from api.schemas.common import Body, Out
from api.schemas.types import (
    LA,
    AdoptionDay,
    Age,
    BirthDay,
    Bool,
    Contact,
    Ethnicity,
    Flag,
    Id,
    Kind,
    Lang,
    Need,
    NeedLevel,
    Num,
    Outcode,
    Place,
    Religion,
    Sex,
    Text,
    Uncertainty,
    optional,
    unique,
)
from vocab import (
    CONTACT,
    FLAGS,
    KINDS,
    NEEDS,
    UNCERTAINTIES,
)


class Wishes(Body):
    areas: list[Outcode] = Field(default=[], max_length=50)
    carers: list[Id] = Field(default=[], max_length=50)


class ChildBase(Body):
    date_of_birth: BirthDay | None = Field(
        default=None,
        description="when given, the age is worked out on each problem's date (at most 26 "
        "years ago, not in the future)",
    )
    school: Outcode | None = None
    max_distance_km: Annotated[Num, Field(gt=0)] | None = Field(
        default=None, description="the child's own distance limit (else the policy's per kind)"
    )


class AdoptionIn(Body):
    """A child's adoption plan (problem format `adoption_plan`): only for a child whose
    `accepts` includes `adoption`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "waiting_since": "2025-03-01",
                    "placement_order_date": "2025-05-14",
                    "early_permanence": False,
                    "uncertainties": ["developmental_uncertainty"],
                    "contact": ["letterbox"],
                    "notes": "needs a calm family with time for her",
                    "min_distance_km": 30,
                    "need_levels": {"learning_disability": "medium"},
                }
            ]
        }
    )

    waiting_since: AdoptionDay = Field(
        description="the agency decision that the child should be placed for adoption; "
        "time waiting counts from here (within the last 18 years)"
    )
    placement_order_date: AdoptionDay | None = None
    early_permanence: Bool = Field(
        default=False,
        description="placed before the order with carers approved to foster and adopt",
    )
    uncertainties: list[Uncertainty] = unique(
        default=[],
        max_length=len(UNCERTAINTIES),
        description="what adopters must be able to accept about the child's history",
    )
    contact: list[Contact] = unique(
        default=[], max_length=len(CONTACT), description="contact arrangements in the plan"
    )
    notes: Text = Field(
        default="", description="the family-finder's notes on what the child needs from a family"
    )
    min_distance_km: Annotated[Num, Field(ge=0, le=1000)] | None = Field(
        default=None,
        description="adopters nearer than this (km) to the child's home, the birth family's "
        "area, are ruled out; null: no minimum",
    )
    need_levels: dict[Need, NeedLevel] = Field(
        default={},
        max_length=len(NEEDS),
        description="how much of each of the child's needs they have (low, medium, high); "
        "a need without a level counts as high",
    )


class AdoptionOut(Out):
    waiting_since: date
    placement_order_date: date | None
    early_permanence: bool
    uncertainties: list[str]
    contact: list[str]
    notes: str
    min_distance_km: float | None
    need_levels: dict[str, str]


CHILD_EXAMPLE: dict[str, Any] = {
    "id": "C-0301",
    "la": "Leeds",
    "age": 9,
    "sex": "F",
    "ethnicity": "WBRI",
    "languages": ["en"],
    "home": "LS9",
    "school": "LS9",
    "school_must_stay": True,
    "accepts": ["foster", "kinship"],
    "needs": ["emotional_behavioural"],
    "flags": ["no_pets"],
    "wishes": {"areas": ["LS8"], "carers": []},
}


class ChildIn(ChildBase):
    """A child's record in the problem format's words (the referral is separate)."""

    model_config = ConfigDict(json_schema_extra={"examples": [CHILD_EXAMPLE]})

    id: Id
    la: LA = Field(description="the looking-after LA (a gazetteer name, e.g. Leeds)")
    age: Age | None = optional(description="required unless date_of_birth")
    sex: Sex
    ethnicity: Ethnicity = "NOBT"
    religion: Religion = "none"
    languages: list[Lang] = unique(default=["en"], max_length=20)
    home: Outcode
    school_must_stay: Bool = False
    avoid: list[Place] = unique(default=[], max_length=100)
    accepts: list[Kind] = unique(min_length=1, max_length=len(KINDS))
    needs: list[Need] = unique(default=[], max_length=len(NEEDS))
    flags: list[Flag] = unique(default=[], max_length=len(FLAGS))
    siblings_placed_with: list[Id] = unique(default=[], max_length=50)
    wishes: Wishes = Field(default_factory=Wishes)
    adoption: AdoptionIn | None = Field(
        default=None, description="the adoption plan, if the plan accepts adoption"
    )


class ChildPatch(ChildBase):
    """Fields to change; the rest stay. The whole record is checked again."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"needs": ["emotional_behavioural", "autism"]}]}
    )

    la: LA | None = optional()
    age: Age | None = optional()
    sex: Sex | None = optional()
    ethnicity: Ethnicity | None = optional()
    religion: Religion | None = optional()
    languages: Annotated[list[Lang], Field(max_length=20)] | None = optional(unique_items=True)
    home: Outcode | None = optional()
    school_must_stay: Bool | None = optional()
    avoid: Annotated[list[Place], Field(max_length=100)] | None = optional(unique_items=True)
    accepts: Annotated[list[Kind], Field(min_length=1, max_length=len(KINDS))] | None = optional(
        unique_items=True
    )
    needs: Annotated[list[Need], Field(max_length=len(NEEDS))] | None = optional(unique_items=True)
    flags: Annotated[list[Flag], Field(max_length=len(FLAGS))] | None = optional(unique_items=True)
    siblings_placed_with: Annotated[list[Id], Field(max_length=50)] | None = optional(
        unique_items=True
    )
    wishes: Wishes | None = optional()
    adoption: AdoptionIn | None = Field(
        default=None, description="replaces the adoption plan whole; null removes it"
    )


class WishesOut(Out):
    areas: list[str]
    carers: list[str]


class ChildOut(Out):
    model_config = ConfigDict(json_schema_extra={"examples": [CHILD_EXAMPLE]})

    id: str
    la: str
    age: int
    date_of_birth: date | None
    sex: str
    ethnicity: str
    religion: str
    languages: list[str]
    home: str | None = Field(description="null until known (an imported 903 record)")
    school: str | None
    school_must_stay: bool
    avoid: list[str]
    accepts: list[str]
    needs: list[str]
    flags: list[str]
    max_distance_km: float | None
    siblings_placed_with: list[str]
    wishes: WishesOut
    adoption: AdoptionOut | None = Field(description="null: no adoption plan")
