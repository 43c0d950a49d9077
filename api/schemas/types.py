"""The field types every request body is built from: the problem format's vocabularies
and bounds, strict numbers, clean text and plausible dates.

Every request field is typed with the problem format's own vocabularies (`vocab`) and
bounds, so a bad value is refused by name (`body.needs[0]`) before any record is read,
and the OpenAPI document shows what is allowed. The store then checks what a schema
cannot (outcodes in the gazetteer, LA names, carers that exist) with the same JSON
Schema definitions as a problem file. Numbers are strict (no "9" for 9, no NaN), and
text may not hold NUL characters or broken Unicode (PostgreSQL refuses them).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import AfterValidator, BeforeValidator, Field, Strict, StringConstraints

from matching.eligibility import RULE_IDS
from matching.family_finding import PRIORITIES
from store.models import ROLES
from store.validate import TEXT_MAX
from vocab import (
    CONTACT,
    ETHNICITIES,
    FLAGS,
    KINDS,
    NEED_LEVELS,
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


def plausible(what: str, *, years_back: int, years_ahead: int) -> Callable[[date], date]:
    """A check that a date is no earlier than `years_back` and no later than `years_ahead`
    years from today: 0001-01-01 and 9999-12-31 are typing slips, and a child born in
    9999 would be worked out as "age 14". The refusal names the field and the range."""

    def check(value: date) -> date:
        today = datetime.now(UTC).date()
        earliest, latest = _years_from(today, -years_back), _years_from(today, years_ahead)
        if not earliest <= value <= latest:
            raise ValueError(f"{value} is not a plausible {what}: expected {earliest} to {latest}")
        return value

    return check


#: A child looked after or a care leaver is at most 25; nobody is born tomorrow.
BirthDay = Annotated[
    date,
    BeforeValidator(_iso_day),
    AfterValidator(plausible("date of birth", years_back=26, years_ahead=0)),
]
#: A placement needed by a date up to a year overdue or two years ahead.
NeededBy = Annotated[
    date,
    BeforeValidator(_iso_day),
    AfterValidator(plausible("date the placement is needed by", years_back=1, years_ahead=2)),
]
#: An adoption decision or order about a child (so within a childhood, not ahead).
AdoptionDay = Annotated[
    date,
    BeforeValidator(_iso_day),
    AfterValidator(plausible("adoption date", years_back=18, years_ahead=0)),
]
#: An adopter's approval (reviewed long before 30 years).
ApprovalDay = Annotated[
    date,
    BeforeValidator(_iso_day),
    AfterValidator(plausible("approval date", years_back=30, years_ahead=0)),
]
#: When a carer is available from: any time in a career, or up to two years ahead.
AvailableFrom = Annotated[
    date,
    BeforeValidator(_iso_day),
    AfterValidator(plausible("availability date", years_back=50, years_ahead=2)),
]

# Text types: strict, constrained, then cleaned (constraints before the cleaning, so the
# OpenAPI document shows them).
Str = Annotated[str, Strict(), StringConstraints(), AfterValidator(clean_text)]
Id = Annotated[
    str, Strict(), StringConstraints(max_length=64, pattern=ID_PATTERN), AfterValidator(clean_text)
]
LA = Annotated[
    str, Strict(), StringConstraints(min_length=1, max_length=64), AfterValidator(clean_text)
]
Outcode = Annotated[
    Annotated[
        str,
        Strict(),
        StringConstraints(min_length=2, max_length=8, pattern=r"^[A-Za-z0-9 ]{2,8}$"),
        AfterValidator(clean_text),
    ],
    Field(description="UK outcode (LS9) or full postcode (LS9 8AB)"),
]
Lang = Annotated[
    str,
    Strict(),
    StringConstraints(max_length=3, pattern=r"^[a-z]{2,3}$"),
    AfterValidator(clean_text),
]
Religion = Annotated[
    str, Strict(), StringConstraints(min_length=1, max_length=64), AfterValidator(clean_text)
]
Place = Annotated[
    Annotated[
        str, Strict(), StringConstraints(min_length=1, max_length=64), AfterValidator(clean_text)
    ],
    Field(description="an outcode or an LA name"),
]
Text = Annotated[str, Strict(), StringConstraints(max_length=TEXT_MAX), AfterValidator(clean_text)]
Reason = Annotated[
    str, Strict(), StringConstraints(min_length=1, max_length=TEXT_MAX), AfterValidator(clean_text)
]
Age = Annotated[Int, Field(ge=0, le=25)]
CarerSex = Literal["F", "M"]

# The vocabularies as enums in the OpenAPI document. Their values live in `vocab` (one
# place for the problem format, the store and the API), so the Literal is built from the
# tuple when the app runs; a type checker cannot read a Literal of a variable, and sees
# the text it is.
if TYPE_CHECKING:
    Sex: TypeAlias = str
    Kind: TypeAlias = str
    Provider: TypeAlias = str
    Need: TypeAlias = str
    NeedLevel: TypeAlias = str
    Flag: TypeAlias = str
    Ethnicity: TypeAlias = str
    Urgency: TypeAlias = str
    SiblingPolicy: TypeAlias = str
    Role: TypeAlias = str
    RuleId: TypeAlias = str
    Uncertainty: TypeAlias = str
    Contact: TypeAlias = str
    Priority: TypeAlias = str
else:
    Sex = Literal[SEXES]
    Kind = Literal[KINDS]
    Provider = Literal[PROVIDERS]
    Need = Literal[NEEDS]
    NeedLevel = Literal[NEED_LEVELS]
    Flag = Literal[FLAGS]
    Ethnicity = Literal[ETHNICITIES]
    Urgency = Literal[URGENCIES]
    SiblingPolicy = Literal[SIBLING_POLICIES]
    Role = Literal[ROLES]
    RuleId = Literal[RULE_IDS]
    Uncertainty = Literal[UNCERTAINTIES]
    Contact = Literal[CONTACT]
    Priority = Literal[PRIORITIES]


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
