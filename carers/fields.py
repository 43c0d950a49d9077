"""A household's fields and its adopter approval's: declared once.

Every layer that lists them (the problem format, the store, the API, the generators) is
checked against these declarations by tests/test_record_fields.py; docs/problem-format.md
explains how to add a field. The 903 names no carer, so it gives none of them.
"""

from __future__ import annotations

from vocab.fields import BOOKKEEPING, ID_FIXED, FieldSpec, Layer, RecordFields, store_only

ADOPTER_APPROVAL = RecordFields(
    "adopter approval",
    tables=("household",),
    column_prefix="adopter_",
    fields=(
        FieldSpec("approved_on", "date", "when the family was approved", required=True),
        FieldSpec("agency", "string", "the approving agency", default=""),
        FieldSpec("region", "string", "the agency's region", default=""),
        FieldSpec(
            "early_permanence",
            "boolean",
            "approved for fostering for adoption / concurrent planning",
            default=False,
        ),
        FieldSpec(
            "uncertainties",
            "list of uncertainties",
            "uncertainties in a child's history the family can accept",
            default=[],
        ),
        FieldSpec(
            "contact", "list of contact kinds", "contact arrangements they can support", default=[]
        ),
        FieldSpec(
            "needs",
            "map of need to level",
            "the level of each need the family could manage: low, medium or high (a skill "
            "counts as high)",
            default={},
        ),
    ),
)

_PLACES = "the problem format knows only the free places, `vacancies`"
_OCCUPIED = "kept by the workflow as placements start and end"

HOUSEHOLD = RecordFields(
    "household",
    tables=("household",),
    fields=(
        FieldSpec("id", "string", "the household's id", required=True, left_out=ID_FIXED),
        FieldSpec("la", "LA name", "the LA that approved it", required=True),
        FieldSpec(
            "kind", "kind", "foster, kinship, residential, supported or adoption", required=True
        ),
        FieldSpec("provider", "provider", "who provides it", required=True),
        FieldSpec("location", "outcode", "where it is", required=True),
        FieldSpec("min_age", "integer 0-25", "the youngest child it takes", required=True),
        FieldSpec("max_age", "integer 0-25", "the oldest child it takes", required=True),
        FieldSpec("sexes", "list of F, M", "the sexes it takes; empty: either", default=[]),
        FieldSpec(
            "places",
            "integer",
            "approved places",
            left_out=store_only(_PLACES),
        ),
        FieldSpec("vacancies", "integer", "free, available places now", required=True),
        FieldSpec(
            "occupied",
            "integer",
            "approved places children placed through the service live in",
            left_out=store_only(_OCCUPIED)
            | {Layer.API_CREATE: _OCCUPIED, Layer.API_PATCH: _OCCUPIED},
        ),
        FieldSpec("available_from", "date", "when it can take a child", required=True),
        FieldSpec("skills", "list of needs", "needs it can meet", default=[]),
        FieldSpec("languages", "list of language codes", "languages spoken", default=["en"]),
        FieldSpec("ethnicity", "903 ethnicity code", "the carers' ethnicity", default="NOBT"),
        FieldSpec("religion", "string", "the carers' religion", default="none"),
        FieldSpec(
            "household_children_ages",
            "list of integers",
            "ages of every child living there now",
            default=[],
        ),
        FieldSpec("smoker", "boolean", "someone in the household smokes", default=False),
        FieldSpec("pets", "boolean", "there are pets", default=False),
        FieldSpec(
            "wheelchair_access", "boolean", "the home is wheelchair accessible", default=False
        ),
        FieldSpec("years_experience", "number", "the carers' years of experience", default=0.0),
        FieldSpec("weekly_cost", "number", "cost per child per week", required=True),
        FieldSpec(
            "connected_children",
            "list of child ids",
            "the children a kinship household takes",
            default=[],
        ),
        FieldSpec(
            "adopter",
            "object",
            "an adopter's approval (kind adoption only)",
            parts=ADOPTER_APPROVAL,
        ),
        FieldSpec(
            "expected_places",
            "list of expected places",
            "places expected to come free later: each `from` (date), `places` and `why` "
            "(placement_ends, approval or hold_expires)",
            default=[],
        ),
        FieldSpec("created_at", "time", "when the row was written", left_out=BOOKKEEPING),
        FieldSpec("updated_at", "time", "when the row last changed", left_out=BOOKKEEPING),
    ),
)

#: Every record declared here, nested parts after their parent.
RECORDS: tuple[RecordFields, ...] = tuple(HOUSEHOLD.nested())

__all__ = ["ADOPTER_APPROVAL", "HOUSEHOLD", "RECORDS"]
