"""A child's fields, their wishes' and adoption plan's, and a sibling group's: declared once.

Every layer that lists them (the problem format, the store, the API, the 903 import,
the generators) is checked against these declarations by tests/test_record_fields.py;
docs/problem-format.md explains how to add a field.
"""

from __future__ import annotations

from vocab.fields import BOOKKEEPING, ID_FIXED, FieldSpec, Layer, RecordFields, store_only

#: `left_out` for the referral's fields: the API opens a referral with its urgency and
#: date (POST /children/{id}/referrals); a child's record does not hold them.
ON_THE_REFERRAL: dict[Layer, str] = {
    layer: "the referral's, not the child record's"
    for layer in (Layer.API_CREATE, Layer.API_PATCH, Layer.API_READ)
}

#: `left_out` for `adoption.ruled_out`: the service keeps each link and its state, and
#: a round it starts sets the field from the declined ones (issue 18).
ON_THE_LINKS: dict[Layer, str] = {
    layer: "set by a round from the links declined, which the service keeps"
    for layer in (Layer.STORE, Layer.API_CREATE, Layer.API_PATCH, Layer.API_READ)
}

WISHES = RecordFields(
    "wishes",
    tables=("child",),
    column_prefix="wish_",
    fields=(
        FieldSpec(
            "areas", "list of outcodes", "places the child said they want to live", default=[]
        ),
        FieldSpec("carers", "list of carer ids", "carers the child named", default=[]),
    ),
)

ADOPTION_PLAN = RecordFields(
    "adoption plan",
    tables=("child",),
    column_prefix="adoption_",
    fields=(
        FieldSpec(
            "waiting_since",
            "date",
            "the agency decision that the child should be placed for adoption (903 "
            "DATE_PLACED); time waiting counts from here",
            required=True,
            ssda903="owns",
        ),
        FieldSpec("placement_order_date", "date or null", "the placement order", ssda903="part"),
        FieldSpec(
            "early_permanence",
            "boolean",
            "placed before the order with carers approved as foster carers and adopters",
            default=False,
            ssda903="part",
        ),
        FieldSpec(
            "uncertainties",
            "list of uncertainties",
            "what adopters must be able to accept about the child's history",
            default=[],
        ),
        FieldSpec(
            "contact", "list of contact kinds", "contact arrangements in the plan", default=[]
        ),
        FieldSpec("notes", "text", "the family-finder's notes on what the child needs", default=""),
        FieldSpec(
            "ruled_out",
            "list of carer ids",
            "adopters ruled out for this child because a link with them was declined: never "
            "linked or shortlisted again (an id not in the problem is ignored)",
            default=[],
            left_out=ON_THE_LINKS,
        ),
        FieldSpec(
            "min_distance_km",
            "number or null",
            "adopters nearer than this to the child's home (the birth family's area) are ruled out",
        ),
        FieldSpec(
            "need_levels",
            "map of need to level",
            "how much of each need the child has: low, medium or high (a need without a "
            "level counts as high)",
            default={},
        ),
    ),
)

CHILD = RecordFields(
    "child",
    tables=("child",),
    fields=(
        FieldSpec(
            "id", "string", "the child's id", required=True, ssda903="part", left_out=ID_FIXED
        ),
        FieldSpec("la", "LA name", "the LA looking after the child", required=True, ssda903="owns"),
        FieldSpec(
            "age",
            "integer 0-25",
            "age in years on the day",
            required=True,
            ssda903="owns",
            optional_on_create="a record may give `date_of_birth` instead",
        ),
        FieldSpec(
            "date_of_birth",
            "date or null",
            "the store's source of `age`",
            left_out=store_only("exported as the age on the day"),
            ssda903="owns",
        ),
        FieldSpec("sex", "F, M or U", "the child's sex", required=True, ssda903="owns"),
        FieldSpec(
            "ethnicity",
            "903 ethnicity code",
            "the child's ethnicity",
            default="NOBT",
            ssda903="owns",
        ),
        FieldSpec("religion", "string", "the child's religion", default="none"),
        FieldSpec("languages", "list of language codes", "languages spoken", default=["en"]),
        FieldSpec(
            "home",
            "outcode",
            "where the child lived (903 HOME_POST); the store may hold none until known",
            required=True,
            ssda903="part",
        ),
        FieldSpec("school", "outcode or null", "the child's school"),
        FieldSpec(
            "school_must_stay", "boolean", "the placement must keep the school", default=False
        ),
        FieldSpec("avoid", "list of outcodes or LA names", "places to keep away from", default=[]),
        FieldSpec(
            "accepts",
            "list of kinds",
            "placement kinds the care plan accepts",
            required=True,
            ssda903="part",
        ),
        FieldSpec(
            "needs",
            "list of needs",
            "needs a carer must have the skill for",
            default=[],
            ssda903="part",
        ),
        FieldSpec("flags", "list of flags", "who the child can live alongside", default=[]),
        FieldSpec(
            "urgency",
            "emergency, urgent or planned",
            "how soon a placement is needed",
            required=True,
            store=("referral.urgency",),
            left_out=ON_THE_REFERRAL,
        ),
        FieldSpec(
            "needed_by",
            "date",
            "the date a placement is needed by",
            required=True,
            store=("referral.needed_by",),
            left_out=ON_THE_REFERRAL,
        ),
        FieldSpec(
            "max_distance_km",
            "number or null",
            "the child's own distance limit, over the policy's",
        ),
        FieldSpec(
            "siblings_placed_with",
            "list of carer ids",
            "households where a brother or sister already lives",
            default=[],
        ),
        FieldSpec(
            "wishes",
            "object",
            "what the child said they want",
            default={"areas": [], "carers": []},
            parts=WISHES,
        ),
        FieldSpec(
            "adoption",
            "object",
            "the plan when it is adoption",
            parts=ADOPTION_PLAN,
            ssda903="part",
        ),
        FieldSpec("created_at", "time", "when the row was written", left_out=BOOKKEEPING),
        FieldSpec("updated_at", "time", "when the row last changed", left_out=BOOKKEEPING),
    ),
)

SIBLING_GROUP = RecordFields(
    "sibling group",
    tables=("sibling_group", "sibling_member"),
    fields=(
        FieldSpec("id", "string", "the group's id", required=True, left_out=ID_FIXED),
        FieldSpec(
            "children",
            "list of child ids",
            "the brothers and sisters, two or more",
            required=True,
            store=(
                "sibling_member.group_id",
                "sibling_member.child_id",
                "sibling_member.position",
            ),
        ),
        FieldSpec("policy", "must, should or apart", "whether they live together", required=True),
        FieldSpec("created_at", "time", "when the row was written", left_out=BOOKKEEPING),
    ),
)

#: Every record declared here, nested parts after their parent.
RECORDS: tuple[RecordFields, ...] = (*CHILD.nested(), *SIBLING_GROUP.nested())

__all__ = ["ADOPTION_PLAN", "CHILD", "RECORDS", "SIBLING_GROUP", "WISHES"]
