"""Request and response bodies: the problem format's fields, vocabularies and limits.

Every request field is typed with the problem format's own vocabularies (`vocab`) and
bounds, so a bad value is refused by name (`body.needs[0]`) before any record is read,
and the OpenAPI document shows what is allowed. The store then checks what a schema
cannot (outcodes in the gazetteer, LA names, carers that exist) with the same JSON
Schema definitions as a problem file. Numbers are strict (no "9" for 9, no NaN), and
text may not hold NUL characters or broken Unicode (PostgreSQL refuses them).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
)

from matching.eligibility import RULE_IDS
from matching.family_finding import PRIORITIES
from store.models import ROLES
from store.validate import TEXT_MAX
from vocab import (
    CONTACT,
    ETHNICITIES,
    FLAGS,
    KINDS,
    NEEDS,
    PROVIDERS,
    SEXES,
    SIBLING_POLICIES,
    UNCERTAINTIES,
    URGENCIES,
)

#: Largest integer accepted anywhere (ids, offsets): what every database column holds.
MAX_INT = 2**31 - 1
#: The characters an id may use: what the audit log keeps (store.audit.ID_TEXT).
ID_PATTERN = r"^[A-Za-z0-9_.:\-]{1,64}$"


def clean_text(value: str) -> str:
    """Refuse NUL characters and lone surrogates (no database can store them)."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("is not valid Unicode text") from None
    return value


def _iso_day(value: Any) -> Any:
    if not isinstance(value, str | date):
        raise ValueError("expected a date as text, YYYY-MM-DD")
    return value


Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]
Num = Annotated[float, Strict()]
Day = Annotated[date, BeforeValidator(_iso_day)]


def _years_from(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def day_within(what: str, *, years_back: int, years_ahead: int) -> Any:
    """A date no earlier than `years_back` and no later than `years_ahead` years from
    today: 0001-01-01 and 9999-12-31 are typing slips, and a child born in 9999 would be
    worked out as "age 14". The refusal names the field and the range."""

    def plausible(value: date) -> date:
        today = datetime.now(UTC).date()
        earliest, latest = _years_from(today, -years_back), _years_from(today, years_ahead)
        if not earliest <= value <= latest:
            raise ValueError(f"{value} is not a plausible {what}: expected {earliest} to {latest}")
        return value

    return Annotated[date, BeforeValidator(_iso_day), AfterValidator(plausible)]


#: A child looked after or a care leaver is at most 25; nobody is born tomorrow.
BirthDay = day_within("date of birth", years_back=26, years_ahead=0)
#: A placement needed by a date up to a year overdue or two years ahead.
NeededBy = day_within("date the placement is needed by", years_back=1, years_ahead=2)
#: An adoption decision or order about a child (so within a childhood, not ahead).
AdoptionDay = day_within("adoption date", years_back=18, years_ahead=0)
#: An adopter's approval (reviewed long before 30 years).
ApprovalDay = day_within("approval date", years_back=30, years_ahead=0)
#: When a carer is available from: any time in a career, or up to two years ahead.
AvailableFrom = day_within("availability date", years_back=50, years_ahead=2)


def text(**constraints: Any) -> Any:
    """A text type: strict, constrained, then cleaned (constraints first, so the OpenAPI
    document shows them)."""
    return Annotated[str, Strict(), StringConstraints(**constraints), AfterValidator(clean_text)]


Str = text()
Id = text(max_length=64, pattern=ID_PATTERN)
LA = text(min_length=1, max_length=64)
Outcode = Annotated[
    text(min_length=2, max_length=8, pattern=r"^[A-Za-z0-9 ]{2,8}$"),
    Field(description="UK outcode (LS9) or full postcode (LS9 8AB)"),
]
Lang = text(max_length=3, pattern=r"^[a-z]{2,3}$")
Religion = text(min_length=1, max_length=64)
Place = Annotated[text(min_length=1, max_length=64), Field(description="an outcode or an LA name")]
Text = text(max_length=TEXT_MAX)
Reason = text(min_length=1, max_length=TEXT_MAX)
Age = Annotated[Int, Field(ge=0, le=25)]

Sex = Literal[SEXES]  # type: ignore[valid-type]
CarerSex = Literal["F", "M"]
Kind = Literal[KINDS]  # type: ignore[valid-type]
Provider = Literal[PROVIDERS]  # type: ignore[valid-type]
Need = Literal[NEEDS]  # type: ignore[valid-type]
Flag = Literal[FLAGS]  # type: ignore[valid-type]
Ethnicity = Literal[ETHNICITIES]  # type: ignore[valid-type]
Urgency = Literal[URGENCIES]  # type: ignore[valid-type]
SiblingPolicy = Literal[SIBLING_POLICIES]  # type: ignore[valid-type]
Role = Literal[ROLES]  # type: ignore[valid-type]
RuleId = Literal[RULE_IDS]  # type: ignore[valid-type]
Uncertainty = Literal[UNCERTAINTIES]  # type: ignore[valid-type]
Contact = Literal[CONTACT]  # type: ignore[valid-type]
Priority = Literal[PRIORITIES]  # type: ignore[valid-type]

T = TypeVar("T")


def items(item: Any, **constraints: Any) -> Any:
    """A list type with its own length limits (kept on the list when made optional)."""
    return Annotated[list[item], Field(**constraints)]


def unique(**kw: Any) -> Any:
    """A list field whose items must differ (JSON Schema uniqueItems, as the format)."""
    return Field(json_schema_extra={"uniqueItems": True}, **kw)


def optional(*, unique_items: bool = False, **kw: Any) -> Any:
    """A field a request may leave out (not nullable: an explicit null is refused by the
    store, naming the field)."""

    def extra(schema: dict[str, Any]) -> None:
        schema.pop("default", None)
        choices = [c for c in schema.pop("anyOf", []) if c != {"type": "null"}]
        if len(choices) == 1:
            schema.update({k: v for k, v in choices[0].items() if k not in schema})
        elif choices:
            schema["anyOf"] = choices
        if unique_items:
            schema["uniqueItems"] = True

    return Field(default=None, json_schema_extra=extra, **kw)


class Body(BaseModel):
    """A request body: unknown fields refused, numbers finite."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class Out(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False, from_attributes=True)


# --- errors ------------------------------------------------------------------------


class ErrorOut(Out):
    detail: str = Field(examples=["no child 'C-9999'"])


class FieldError(Out):
    field: str = Field(examples=["body.needs[0]"])
    message: str = Field(examples=["'flying' is not allowed here (expected one of: ...)"])


class RuleBreak(Out):
    """A hard rule a proposed match breaks, for one child."""

    child: str
    rule: str = Field(examples=["age_range"])
    detail: str = Field(examples=["approved for ages 0–8; the child is 9"])
    exception_allowed: bool


class ValidationErrorOut(Out):
    detail: str = Field(examples=["invalid request"])
    errors: list[FieldError] = []
    rules: list[RuleBreak] = Field(
        default=[], description="for a refused proposal: the hard rules the match breaks"
    )


# --- pages -------------------------------------------------------------------------


class Page(Out, Generic[T]):
    items: list[T]
    offset: int
    limit: int
    next_offset: int | None = Field(description="offset of the next page, or null at the end")


# --- children ----------------------------------------------------------------------


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


class AdoptionOut(Out):
    waiting_since: date
    placement_order_date: date | None
    early_permanence: bool
    uncertainties: list[str]
    contact: list[str]
    notes: str


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
    languages: items(Lang, max_length=20) | None = optional(unique_items=True)
    home: Outcode | None = optional()
    school_must_stay: Bool | None = optional()
    avoid: items(Place, max_length=100) | None = optional(unique_items=True)
    accepts: items(Kind, min_length=1, max_length=len(KINDS)) | None = optional(unique_items=True)
    needs: items(Need, max_length=len(NEEDS)) | None = optional(unique_items=True)
    flags: items(Flag, max_length=len(FLAGS)) | None = optional(unique_items=True)
    siblings_placed_with: items(Id, max_length=50) | None = optional(unique_items=True)
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


# --- carers ------------------------------------------------------------------------


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
                }
            ]
        }
    )

    approved_on: ApprovalDay = Field(description="within the last 30 years")
    agency: text(max_length=200) = ""
    region: text(max_length=200) = ""
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


class AdopterOut(Out):
    approved_on: date
    agency: str
    region: str
    early_permanence: bool
    uncertainties: list[str]
    contact: list[str]


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


class CarerPatch(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"vacancies": 2, "places": 3}]})

    la: LA | None = optional()
    kind: Kind | None = optional()
    provider: Provider | None = optional()
    location: Outcode | None = optional()
    min_age: Age | None = optional()
    max_age: Age | None = optional()
    sexes: items(CarerSex, max_length=2) | None = optional(unique_items=True)
    places: Annotated[Int, Field(ge=0, le=100)] | None = optional()
    vacancies: Annotated[Int, Field(ge=0, le=100)] | None = optional()
    available_from: AvailableFrom | None = optional()
    skills: items(Need, max_length=len(NEEDS)) | None = optional(unique_items=True)
    languages: items(Lang, max_length=20) | None = optional(unique_items=True)
    ethnicity: Ethnicity | None = optional()
    religion: Religion | None = optional()
    household_children_ages: items(Age, max_length=30) | None = optional()
    smoker: Bool | None = optional()
    pets: Bool | None = optional()
    wheelchair_access: Bool | None = optional()
    years_experience: Annotated[Num, Field(ge=0, le=80)] | None = optional()
    weekly_cost: Annotated[Num, Field(ge=0, le=1e7)] | None = optional()
    connected_children: items(Id, max_length=50) | None = optional(unique_items=True)
    adopter: AdopterIn | None = Field(
        default=None, description="replaces the approval whole; null removes it"
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
    occupied: int = Field(
        description="approved places children placed through the service live in now"
    )


# --- sibling groups ----------------------------------------------------------------


class SiblingGroupIn(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": "G-0050", "children": ["C-0301", "C-0302"], "policy": "should"}]
        }
    )

    id: Id
    children: list[Id] = unique(min_length=2, max_length=20)
    policy: SiblingPolicy


class SiblingGroupPatch(Body):
    children: items(Id, min_length=2, max_length=20) | None = optional(unique_items=True)
    policy: SiblingPolicy | None = optional()


class SiblingGroupOut(Out):
    id: str
    children: list[str]
    policy: str


# --- referrals ---------------------------------------------------------------------


class ReferralIn(Body):
    """A need for a placement, and what the child said they want."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "urgency": "urgent",
                    "needed_by": "2026-11-30",
                    "views_where": "near my school and my friends",
                    "views_who": "with my brother",
                    "views_matters": "keeping my dog",
                }
            ]
        }
    )

    urgency: Urgency
    needed_by: NeededBy = Field(description="from a year ago to two years ahead")
    views_where: Text | None = Field(default=None, description="where the child wants to live")
    views_who: Text | None = Field(default=None, description="who they want to live with")
    views_matters: Text | None = Field(default=None, description="what matters to them")


class ReferralPatch(Body):
    """Change an open referral: urgency, date, or the child's views (null clears one)."""

    urgency: Urgency | None = optional()
    needed_by: NeededBy | None = optional()
    views_where: Text | None = None
    views_who: Text | None = None
    views_matters: Text | None = None


class HoldOut(Out):
    """The live proposal holding a place for a referred child."""

    id: int
    household_id: str
    hold_until: datetime


class ReferralOut(Out):
    id: int
    child_id: str
    urgency: str
    needed_by: date
    status: Literal["open", "placed", "closed"]
    views_where: str | None
    views_who: str | None
    views_matters: str | None
    opened_at: datetime
    opened_by: int | None
    closed_at: datetime | None
    proposal: HoldOut | None = Field(
        default=None, description="open and held: the live proposal holding a place"
    )


# --- ranked matches ----------------------------------------------------------------


class MatchOut(Out):
    carer: str
    score: float
    distance_km: float
    reasons: list[str]


class NearMissOut(Out):
    carer: str
    failed_rule: str
    detail: str
    distance_km: float
    exception_allowed: bool


class RankingOut(Out):
    """Who could take this child (or these children): eligible carers best first, each
    with its reasons, then near misses that fail one hard rule."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "subject": "C-0015",
                    "children": ["C-0015"],
                    "eligible_count": 33,
                    "matches": [
                        {
                            "carer": "H-0306",
                            "score": 79.5,
                            "distance_km": 9.0,
                            "reasons": [
                                "9.0 km from home (LS26 to LS8)",
                                "in the child's home LA (Leeds)",
                            ],
                        }
                    ],
                    "near_misses": [
                        {
                            "carer": "H-0138",
                            "failed_rule": "vacancy",
                            "detail": "no free place",
                            "distance_km": 3.1,
                            "exception_allowed": True,
                        }
                    ],
                }
            ]
        }
    )

    subject: str
    children: list[str]
    eligible_count: int
    matches: list[MatchOut]
    near_misses: list[NearMissOut]
    note: str | None = None


class ChildMatchOut(Out):
    child: str
    score: float
    distance_km: float
    reasons: list[str]


class ChildNearMissOut(Out):
    child: str
    failed_rule: str
    detail: str
    distance_km: float
    exception_allowed: bool


class CarerRankingOut(Out):
    """Which of your LAs' referred children a carer could take: eligible children best
    first, each with its reasons, then children who fail one hard rule only."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "carer": "H-0306",
                    "eligible_count": 78,
                    "matches": [
                        {
                            "child": "C-0172",
                            "score": 93.4,
                            "distance_km": 4.1,
                            "reasons": ["4.1 km from home (LS17 to LS8)"],
                        }
                    ],
                    "near_misses": [
                        {
                            "child": "C-0118",
                            "failed_rule": "age_range",
                            "detail": "approved for ages 11–17; the child is 0",
                            "distance_km": 3.0,
                            "exception_allowed": True,
                        }
                    ],
                }
            ]
        }
    )

    carer: str
    eligible_count: int
    matches: list[ChildMatchOut]
    near_misses: list[ChildNearMissOut]


# --- batch runs --------------------------------------------------------------------


class RunIn(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"las": ["Leeds"], "time_limit_s": 10}]}
    )

    las: items(LA, min_length=1, max_length=50) | None = optional(
        unique_items=True,
        description="the LAs whose open referrals to match (default: all of yours)",
    )
    time_limit_s: Annotated[Num, Field(ge=0.5, le=120)] | None = optional(
        description="solver time limit (default: the policy's)"
    )


#: `interrupted`: the process doing it stopped (a restart, a crash); it may be restarted.
RunStatus = Literal["queued", "running", "done", "failed", "interrupted"]
RESTARTED_FROM = "the interrupted or failed run this one starts again"
RESTARTED_AS = "the run that started this one again (POST .../restart)"


class RunSummary(Out):
    status: str
    placed: int
    children: int
    gap: float


class RunOut(Out):
    id: str
    status: RunStatus
    las: list[str]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: float = Field(ge=0, le=1, description="share of the time limit used")
    message: str | None = Field(description="the solver's last progress line")
    children: int | None = Field(description="open referrals in the run")
    carers: int | None
    summary: RunSummary | None
    error: str | None
    restarted_from: str | None = Field(default=None, description=RESTARTED_FROM)
    restarted_as: str | None = Field(default=None, description=RESTARTED_AS)


class ObjectiveOut(Out):
    placed: int
    placed_by_urgency: dict[str, int] = {}
    siblings_together: int
    quality: float
    weekly_cost: float


class BoundOut(Out):
    placed: int
    quality: float


class AssignmentOut(Out):
    child: str
    carer: str
    score: float
    distance_km: float
    reasons: list[str]


class UnplacedOut(Out):
    child: str
    reasons: list[str]


class SiblingOutcomeOut(Out):
    id: str
    policy: str
    outcome: Literal["together", "split", "unplaced"]


class StageOut(Out):
    name: str
    status: str
    value: float | None
    bound: float | None
    seconds: float


class ResultOut(Out):
    """A batch run's result in the contract's shape (matching/schema/result.schema.json)."""

    status: Literal["OPTIMAL", "FEASIBLE", "INFEASIBLE", "UNKNOWN", "MODEL_INVALID"]
    objective: ObjectiveOut
    bound: BoundOut
    gap: float = Field(ge=0)
    solve_seconds: float = Field(ge=0)
    assignments: list[AssignmentOut]
    unplaced: list[UnplacedOut]
    sibling_groups: list[SiblingOutcomeOut]
    stages: list[StageOut] = []


# --- family-finding ----------------------------------------------------------------


class AdopterSearchOut(Out):
    """Adopters for a waiting child (or the brothers and sisters placed with them): the
    agency's own LAs' adopters first, then, when asked, adopters elsewhere."""

    subject: str = Field(description="the child, or the sibling group searched for together")
    in_region: RankingOut = Field(description="adopters in your LAs")
    beyond: RankingOut | None = Field(
        description="adopters outside your LAs (beyond_region=true), else null"
    )


class ChildSearchOut(Out):
    """Your LAs' waiting children (open referral, plan accepting adoption) an adopter
    could take, best first, then children who fail one rule only."""

    subject: str = Field(description="the adopter")
    in_region: CarerRankingOut
    beyond: CarerRankingOut | None = Field(description="always null: you see your LAs only")


class RoundIn(Body):
    """A family-finding round over your LAs' waiting children and adopters
    (docs/family-finding.md: whom it puts first, and why)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "time_limit_s": 10,
                    "seed": 0,
                    "long_wait_weeks": 78,
                    "wait_weeks": 26,
                    "few_families": 3,
                    "priority": "waiting_and_hardest",
                    "beyond_region": False,
                }
            ]
        }
    )

    time_limit_s: Annotated[Num, Field(ge=0.5, le=120)] = Field(
        default=10.0, description="solver time limit"
    )
    seed: Annotated[Int, Field(ge=0, le=MAX_INT)] = 0
    long_wait_weeks: Annotated[Int, Field(ge=0, le=1040)] = Field(
        default=78, description="first priority from this many weeks waiting"
    )
    wait_weeks: Annotated[Int, Field(ge=0, le=1040)] = Field(
        default=26, description="second priority from this many weeks (at most long_wait_weeks)"
    )
    few_families: Annotated[Int, Field(ge=0, le=1000)] = Field(
        default=3, description="hard to place: this many adopters in the round or fewer could"
    )
    priority: Priority = Field(
        default="waiting_and_hardest",
        description="waiting_and_hardest: long waits and the hard to place first; waiting: "
        "by time waiting only; none: everyone alike",
    )
    beyond_region: Bool = Field(
        default=False, description="also adopters approved outside your LAs"
    )


class RoundPolicyOut(Out):
    long_wait_weeks: int
    wait_weeks: int
    few_families: int
    priority: str
    beyond_region: bool
    seed: int


class RoundSummaryOut(Out):
    model_config = ConfigDict(extra="allow")

    children: int
    adopters: int
    children_linked: int
    links: int
    siblings_together: int
    status: str
    gap: float
    solve_seconds: float
    linked_by_priority: dict[str, int]


class SubjectOut(Out):
    model_config = ConfigDict(extra="allow")

    id: str = Field(description="a child, or brothers and sisters linked as one")
    children: list[str]
    weeks_waiting: int
    adopters_possible: int
    priority: str
    why: list[str]


class LinkOut(Out):
    model_config = ConfigDict(extra="allow")

    subject: str
    children: list[str]
    adopter: str
    priority: str
    score: float
    distance_km: float
    why_priority: list[str]
    reasons: list[str]


class NoLinkOut(Out):
    model_config = ConfigDict(extra="allow")

    subject: str
    children: list[str]
    priority: str
    weeks_waiting: int
    reasons: list[str]
    what_would_change: list[str]


class RoundResultOut(Out):
    """A finished round (matching.family_finding.FamilyFindingRound.to_dict)."""

    model_config = ConfigDict(extra="allow")

    as_of: date
    policy: dict[str, Any]
    summary: RoundSummaryOut
    subjects: list[SubjectOut]
    links: list[LinkOut]
    unlinked: list[NoLinkOut] = Field(description="with what would change for each")
    sibling_groups: list[SiblingOutcomeOut]
    crowding: dict[str, Any] = Field(
        description="how many children's top-5 lists name each adopter, against the round"
    )
    fairness: list[dict[str, Any]] = Field(
        description="the round against deferred acceptance and an officer-style pass"
    )
    region: dict[str, Any] = Field(description="the region report's tables")


class RoundOut(Out):
    id: str
    status: RunStatus
    las: list[str] = Field(description="the agency's LAs: yours")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: float = Field(ge=0, le=1, description="share of the time limit used")
    message: str | None = Field(description="the round's last progress line")
    children: int | None = Field(description="waiting children in the round")
    adopters: int | None = Field(description="adopters in the round")
    policy: RoundPolicyOut
    summary: RoundSummaryOut | None
    error: str | None
    restarted_from: str | None = Field(default=None, description=RESTARTED_FROM)
    restarted_as: str | None = Field(default=None, description=RESTARTED_AS)
    round: RoundResultOut | None = Field(
        default=None, description="when done, on GET /family-finding/rounds/{round_id}"
    )


# --- scenario comparisons (planners) ---------------------------------------------

#: Scenarios in a comparison, replications of each, and YAML characters in one.
MIN_SCENARIOS, MAX_SCENARIOS = 2, 6
MAX_REPLICATIONS = 50
MAX_YAML = 20_000
ScenarioYaml = text(min_length=1, max_length=MAX_YAML)

_EXAMPLE_BASELINE = "base: baseline.yaml\nhorizon_weeks: 26\n"
_EXAMPLE_TEENS = (
    "base: teen-carers-leeds-east.yaml\n"
    "name: 40 teen carers, east Leeds\n"
    "description: 40 more foster households for 11-17s in LS9, LS14, LS15 from week 4\n"
    "horizon_weeks: 26\n"
    "supply:\n"
    "  recruit:\n"
    "    - {week: 4, count: 40, la: Leeds, kind: foster, min_age: 11, max_age: 17,\n"
    "       skills: [emotional_behavioural], areas: [LS9, LS14, LS15]}\n"
)


class ExampleOut(Out):
    file: str = Field(examples=["baseline.yaml"], description="what `base:` names")
    name: str
    description: str
    yaml: str = Field(description="the file as shipped")


class ComparisonIn(Body):
    """Scenarios to simulate and compare, as YAML (docs/scenarios.md); the first is the
    baseline."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"scenarios": [_EXAMPLE_BASELINE, _EXAMPLE_TEENS], "replications": 5}]
        }
    )

    scenarios: list[ScenarioYaml] = Field(
        min_length=MIN_SCENARIOS,
        max_length=MAX_SCENARIOS,
        description="each a scenario in YAML; `base:` may name an example "
        "(GET /scenarios/examples) whose fields it changes. Names must differ. A scenario's "
        "own `replications` is ignored (the comparison's is used)",
    )
    replications: Annotated[Int, Field(ge=1, le=MAX_REPLICATIONS)] = Field(
        default=5, description="simulated runs of each scenario"
    )


class ScenarioFactsOut(Out):
    name: str
    description: str
    base: str | None = Field(description="the example it changes, if any")
    horizon_weeks: int
    children: int = Field(description="children looked after at the start")
    households: int = Field(description="carer households at the start")
    las: list[str]
    referrals_a_year: float
    matching: str


class WorkOut(Out):
    region_years: float = Field(
        description="years of the five-LA region simulated, over every replication"
    )
    solver_seconds: float = Field(description="the solver's time limits over every week")


class OutcomeOut(Out):
    scenario: str
    metric: str = Field(examples=["share_within_20_miles"])
    label: str = Field(examples=["placed within 20 miles of home"])
    higher_is_better: bool | None
    mean: float | None = Field(description="over replications (null: nothing to measure)")
    low: float | None = Field(description="95% interval")
    high: float | None
    n: int = Field(description="replications measured")


class DifferenceOut(Out):
    scenario: str
    baseline: str
    metric: str
    label: str
    mean: float | None = Field(description="scenario minus baseline, paired by replication")
    low: float | None = Field(description="95% interval")
    high: float | None
    n: int
    verdict: Literal["better", "worse", "higher", "lower"] | None = Field(
        description="when the interval excludes zero (with 2 or more replications): better "
        "or worse, or higher or lower for a measure that is not judged (children referred)"
    )


class ComparisonOut(Out):
    id: str
    status: RunStatus
    las: list[str] = Field(description="the LAs of whoever started it: who may see it")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: float = Field(ge=0, le=1, description="share of the replications done")
    message: str | None = Field(description="what it is doing")
    replications: int = Field(description="of each scenario")
    replications_done: int = Field(description="of every scenario together")
    replications_total: int
    scenarios: list[ScenarioFactsOut]
    work: WorkOut
    summary: list[OutcomeOut] | None = Field(
        description="when done: each scenario's outcomes, mean and 95% interval"
    )
    differences: list[DifferenceOut] | None = Field(
        description="when done: each scenario but the first against the first"
    )
    error: str | None
    restarted_from: str | None = Field(default=None, description=RESTARTED_FROM)
    restarted_as: str | None = Field(default=None, description=RESTARTED_AS)


# --- proposals and placements ------------------------------------------------------


class ExceptionIn(Body):
    """A hard rule set aside for this one match, and why (authorising roles only)."""

    rule: RuleId = Field(
        description="a hard rule id whose exception_allowed is true (see GET /rules)"
    )
    reason: Reason


class ProposalIn(Body):
    """Propose a household for a child or a sibling group (give one of the two)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "household_id": "H-0306",
                    "child_id": "C-0015",
                    "hold_hours": 48,
                    "views_note": "close to her school, as she asked",
                }
            ]
        }
    )

    household_id: Id
    child_id: Id | None = None
    group_id: Id | None = None
    hold_hours: Annotated[Num, Field(gt=0, le=720)] | None = optional(
        description="how long the vacancy is held (default 48)"
    )
    views_note: Text | None = Field(
        default=None, description="how the match meets the child's views, or why not"
    )
    exception: ExceptionIn | None = None


class ExceptionOut(Out):
    rule: str
    reason: str | None
    authorised_by: int | None


class ProposalOut(Out):
    id: int
    status: Literal["proposed", "confirmed", "declined", "expired", "refused"]
    holding: bool = Field(description="proposed and its hold has not lapsed")
    household_id: str
    child_id: str | None
    group_id: str | None
    children: list[str]
    places: int
    hold_until: datetime
    proposed_at: datetime
    proposed_by: int | None
    decided_at: datetime | None
    decided_by: int | None
    decline_reason: str | None
    views_note: str | None
    exception: ExceptionOut | None
    rules: list[RuleBreak] = Field(
        default=[], description="refused: the hard rules the match broke, and why"
    )


class PlacementOut(Out):
    id: int
    child_id: str
    household_id: str
    proposal_id: int | None
    started_on: date
    ended_on: date | None
    end_reason: str | None


class ConfirmIn(Body):
    start: Day | None = Field(default=None, description="start date (default today)")


class ConfirmOut(Out):
    proposal: ProposalOut
    placements: list[PlacementOut]


class DeclineIn(Body):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "carer withdrew after meeting"}]}
    )

    reason: Reason


class ViewsNoteIn(Body):
    """The same field name as on the proposal (`views_note`); null clears the note."""

    views_note: Text | None


class EndIn(Body):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "returned home"}]})

    reason: Reason
    ended_on: Day | None = Field(default=None, description="default today")


# --- rules, audit, stats, users ----------------------------------------------------


class RuleOut(Out):
    id: str
    section: str
    summary: str
    exception_allowed: bool


class AuditOut(Out):
    id: int
    at: datetime
    user_id: int | None
    action: str
    child_ids: list[str]
    object_id: str | None
    detail: dict[str, Any]


class AuditPage(Out):
    items: list[AuditOut]
    next_before_id: int | None = Field(description="pass as before_id for the next page")


class CountOut(Out):
    la: str
    key: str
    count: int | None = Field(description="null when hidden from a planner (`hidden` says why)")
    hidden: Literal["fewer than 5", "suppressed"] | None = Field(
        default=None,
        description="planners only: 'fewer than 5' for 1 to 4 children; 'suppressed' for a "
        "cell hidden so that a small one cannot be worked out from a total",
    )


class CarerCountOut(Out):
    la: str
    kind: str
    households: int
    places: int
    vacancies: int


class StatsOut(Out):
    """Counts only: no child is named (what a planner sees)."""

    as_of: date
    las: list[str]
    open_referrals: int | None = Field(description="null for a planner when fewer than 5")
    referrals_by_la_urgency: list[CountOut]
    referrals_by_kind: list[CountOut] = Field(description="plans accepting each kind, by LA")
    live_proposals: list[CountOut] = Field(description="by LA; key: proposed")
    current_placements: list[CountOut] = Field(description="by LA and carer kind")
    carers: list[CarerCountOut]


class UserIn(Body):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "A. Officer", "role": "placement_officer", "las": ["Leeds"]}]
        }
    )

    name: Annotated[Str, StringConstraints(min_length=1, max_length=200)]
    role: Role
    las: list[LA] = unique(min_length=1, max_length=50)


class UserOut(Out):
    id: int
    name: str
    role: str
    las: list[str]
    active: bool
    created_at: datetime


class UserCreated(Out):
    user: UserOut
    token: str = Field(description="shown once; only its hash is kept")


class HealthOut(Out):
    status: Literal["ok"]
    database: Literal["ok"]


# --- SSDA903 imports -------------------------------------------------------------------


class TableCountsOut(Out):
    read: int
    imported: int
    skipped: int
    present: bool = Field(description="false: the table was not sent")


class RuleCountOut(Out):
    severity: str = Field(examples=["warning"])
    rule: str = Field(examples=["unknown_outcode"])
    table: str = Field(examples=["episodes"])
    column: str = Field(examples=["PL_POST"])
    count: int
    example: str = Field(
        examples=["episodes row 3: PL_POST 'EG19 7TT' is not a known outcode: distance unknown"]
    )


class ImportOut(Out):
    """One SSDA903 import: what was read, kept and skipped, and what the store did."""

    id: int | None = Field(description="null for a check-only upload (nothing written)")
    la: str
    as_of: date
    year: str = Field(examples=["2023-24"], description="the return")
    form: str = Field(examples=["csv"])
    files: list[str]
    at: datetime | None
    by: int | None
    created: int
    updated: int
    unchanged: int
    skipped: int = Field(description="children the store refused (named in the issues)")
    sibling_groups: int
    state: Literal["checked", "writing", "done", "interrupted"] = Field(
        description="checked: a check-only upload; writing: its children are being written "
        "chunk by chunk; done: all written; interrupted: the server stopped while writing it "
        "(run the same extract again to complete it)"
    )
    tables: dict[str, TableCountsOut]
    children: dict[str, int] = Field(
        description="in_header, looked_after, short_breaks_only, left_care, home_unknown, …"
    )
    errors: int = Field(description="rows (or children) skipped")
    warnings: int = Field(description="rows imported with a field blanked or read leniently")
    by_rule: dict[str, int]
    summary: list[RuleCountOut] = Field(description="one line per rule and column, with an example")


class IssueOut(Out):
    table: str = Field(examples=["episodes"])
    row: int = Field(description="1-based data row (CSV) or CHILD element (XML); 0: the table")
    column: str = Field(examples=["PLACE"])
    value: str = Field(examples=["Q9"])
    rule: str = Field(examples=["unknown_code"])
    message: str = Field(examples=["PLACE Q9 is not a 903 code: placement type unknown"])
    severity: str = Field(examples=["warning"])
    where: str | None = Field(default=None, description="inside an XML CHILD: 'EPISODE 2'")


class IssuePage(Page[IssueOut]):
    total: int = Field(description="issues matching the filters")


class BaselineTableOut(Out):
    title: str
    columns: list[str]
    rows: list[list[Any]]


class BaselineOut(Out):
    """Where your LAs' children live now by their latest 903 imports, in the DfE's terms."""

    las: list[str]
    as_of: list[date]
    looked_after: int | None = Field(description="null for a planner when fewer than 5")
    share_over_20_miles: float | None = Field(
        description="of those with both outcodes known; null for a planner when either side "
        "is fewer than 5 children"
    )
    share_outside_la: float | None = Field(
        description="of those whose placement is known; null for a planner as above"
    )
    median_distance_km: float | None
    sibling_groups_together: int | None = Field(
        description="null: no sibling groups (or, for a planner, fewer than 5)"
    )
    sibling_groups_known: int | None = Field(description="groups whose placements are known")
    small_numbers_hidden: bool = Field(
        default=False,
        description="true for a planner: counts of 1 to 4 children are null here and "
        "'fewer than 5' (or 'suppressed') in the tables",
    )
    tables: dict[str, BaselineTableOut]


class CareRecordOut(Out):
    """Where a child lives now by their LA's latest 903 import."""

    child_id: str
    import_id: int
    code: str = Field(description="the 903 CHILD")
    date_of_birth: date
    legal_status: str | None = Field(examples=["C2"])
    period_start: date = Field(description="the start of the current period of care")
    placed_since: date
    place: str | None = Field(examples=["U4"], description="903 PLACE")
    place_provider: str | None = Field(examples=["PR1"], description="903 PLACE_PROVIDER")
    kind: str | None = Field(examples=["foster"], description="the product's kind")
    provider: str | None = Field(examples=["in_house"])
    outcode: str | None = Field(examples=["LS12"], description="of the placement; null: unknown")
    distance_km: float | None = Field(description="straight line from home (outcodes)")
    out_of_la: bool | None
    urn: str | None = Field(description="Ofsted URN of a registered setting")
    sdq_score: int | None


class BaselineScenarioOut(Out):
    """A what-if scenario that starts from your LAs' 903 data (docs/scenarios.md)."""

    name: str = Field(examples=["Leeds from the 903"])
    description: str
    yaml: str = Field(description="send it (or an edited copy) to POST /scenarios/comparisons")
