"""The tables: one SQLModel class per record, in the problem format's own words.

List fields (needs, skills, languages...) are JSON columns: they are read and written
whole, never queried inside, and the vocabularies are checked before a row is written
(store.validate). Times are timezone-aware UTC (`utcnow()`); SQLite keeps them as UTC text.
Invariants that must hold under concurrency are also constraints in the database: a
vacancy count never below zero nor above the approved places, one open referral and
one current placement per child, one sibling group per child, and a household's free
places never more than its approved places less the children living there.
"""

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    String,
    Text,
    text,
)
from sqlmodel import Field, SQLModel

#: Constraint names that are the same on every backend, so migrations can name them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = SQLModel.metadata

REFERRAL_STATUSES: tuple[str, ...] = ("open", "placed", "closed")
#: `refused`: a proposal the hard rules refused (kept so an officer can see why later);
#: it never held a place.
PROPOSAL_STATUSES: tuple[str, ...] = ("proposed", "confirmed", "declined", "expired", "refused")
#: Who may use the service; planners read aggregates only, admins manage users and audit.
ROLES: tuple[str, ...] = ("placement_officer", "family_finder", "planner", "admin")


def utcnow() -> datetime:
    """Now, as the store keeps times: aware UTC."""
    return datetime.now(UTC)


def _json(**kw: Any) -> Any:
    return Field(sa_type=JSON, nullable=False, **kw)


def _json_or_null() -> Any:
    """A JSON list (or map) that is SQL NULL (not JSON `null`) when absent."""
    return Field(default=None, sa_type=JSON(none_as_null=True), nullable=True)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class ChildRecord(SQLModel, table=True):
    """A child known to the service; their referral (urgency, date) is a Referral."""

    __tablename__ = "child"

    id: str = Field(primary_key=True, max_length=64)
    la: str = Field(index=True, max_length=64)
    age: int
    date_of_birth: date | None = None
    sex: str = Field(max_length=1)
    ethnicity: str = Field(default="NOBT", max_length=4)
    religion: str = Field(default="none", max_length=64)
    languages: list[str] = _json(default_factory=lambda: ["en"])
    #: None until known (an imported 903 record without a usable HOME_POST); a
    #: referral cannot be opened without it.
    home: str | None = Field(default=None, max_length=8)
    school: str | None = Field(default=None, max_length=8)
    school_must_stay: bool = False
    avoid: list[str] = _json(default_factory=list)
    accepts: list[str] = _json(default_factory=list)
    needs: list[str] = _json(default_factory=list)
    flags: list[str] = _json(default_factory=list)
    max_distance_km: float | None = None
    siblings_placed_with: list[str] = _json(default_factory=list)
    wish_areas: list[str] = _json(default_factory=list)
    wish_carers: list[str] = _json(default_factory=list)
    # The adoption plan (problem format `adoption`): all NULL when the child has none,
    # else `adoption_waiting_since` and the rest set (the order date may be unknown).
    adoption_waiting_since: date | None = None
    adoption_placement_order_date: date | None = None
    adoption_early_permanence: bool | None = None
    adoption_uncertainties: list[str] | None = _json_or_null()
    adoption_contact: list[str] | None = _json_or_null()
    adoption_notes: str | None = Field(default=None, sa_type=Text)
    adoption_min_distance_km: float | None = None
    adoption_need_levels: dict[str, str] | None = _json_or_null()
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class HouseholdRecord(SQLModel, table=True):
    """A carer household or home; `vacancies` is the free places now, `places` approved,
    `occupied` the approved places children placed through the service live in now.

    `vacancies + occupied <= places` is the database's to keep (migration 0006): a
    confirmation takes a vacancy and fills a place in one UPDATE, ending a placement
    gives it back in one, so no change of `vacancies` can free a place a child lives in.
    """

    __tablename__ = "household"
    __table_args__ = (
        CheckConstraint("vacancies >= 0", name="vacancies_not_negative"),
        CheckConstraint("vacancies <= places", name="vacancies_within_places"),
        CheckConstraint("occupied >= 0", name="occupied_not_negative"),
        CheckConstraint("vacancies + occupied <= places", name="places_free_or_lived_in"),
        CheckConstraint("min_age <= max_age", name="age_range"),
    )

    id: str = Field(primary_key=True, max_length=64)
    la: str = Field(index=True, max_length=64)
    kind: str = Field(max_length=16)
    provider: str = Field(max_length=16)
    location: str = Field(max_length=8)
    min_age: int
    max_age: int
    sexes: list[str] = _json(default_factory=list)
    places: int
    vacancies: int
    #: Current placements within the approved places (over-capacity ones not counted).
    occupied: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    available_from: date
    skills: list[str] = _json(default_factory=list)
    languages: list[str] = _json(default_factory=lambda: ["en"])
    ethnicity: str = Field(default="NOBT", max_length=4)
    religion: str = Field(default="none", max_length=64)
    household_children_ages: list[int] = _json(default_factory=list)
    smoker: bool = False
    pets: bool = False
    wheelchair_access: bool = False
    years_experience: float = 0.0
    weekly_cost: float
    connected_children: list[str] = _json(default_factory=list)
    # An adopter's approval (problem format `adopter`, kind adoption only): all NULL
    # for other households, else `adopter_approved_on` and the rest set.
    adopter_approved_on: date | None = None
    adopter_agency: str | None = Field(default=None, max_length=200)
    adopter_region: str | None = Field(default=None, max_length=200)
    adopter_early_permanence: bool | None = None
    adopter_uncertainties: list[str] | None = _json_or_null()
    adopter_contact: list[str] | None = _json_or_null()
    adopter_needs: dict[str, str] | None = _json_or_null()
    # Places expected to come free later (problem format `expected_places`, issue 19).
    expected_places: list[dict[str, Any]] = _json(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class SiblingGroupRecord(SQLModel, table=True):
    """Brothers and sisters and whether they must, should or need not live together."""

    __tablename__ = "sibling_group"
    __table_args__ = (CheckConstraint(_in("policy", ("must", "should", "apart")), name="policy"),)

    id: str = Field(primary_key=True, max_length=64)
    policy: str = Field(max_length=8)
    created_at: datetime = Field(default_factory=utcnow)


class SiblingMember(SQLModel, table=True):
    """One child in one group; `child_id` is unique: a child is in at most one group."""

    __tablename__ = "sibling_member"

    group_id: str = Field(
        sa_column=Column(
            String(64), ForeignKey("sibling_group.id", ondelete="CASCADE"), primary_key=True
        )
    )
    child_id: str = Field(foreign_key="child.id", primary_key=True, max_length=64, unique=True)
    position: int = 0


class User(SQLModel, table=True):
    """Someone who signs in; `las` are the LAs whose children they may see."""

    __tablename__ = "user_account"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    role: str = Field(max_length=32)
    las: list[str] = _json(default_factory=list)
    token_hash: str = Field(max_length=64, unique=True)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class WebSession(SQLModel, table=True):
    """A signed-in browser (migration 0009): the cookie's value is kept only as its
    SHA-256 (`id_hash`), with the user, the session's CSRF secret, and when it was made,
    last used and ends for good (store/sessions.py)."""

    __tablename__ = "web_session"

    id_hash: str = Field(primary_key=True, max_length=64)
    user_id: int = Field(foreign_key="user_account.id", index=True)
    csrf_secret: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime


class Referral(SQLModel, table=True):
    """A request for a placement for one child, with what the child said they want."""

    __tablename__ = "referral"
    __table_args__ = (
        CheckConstraint(_in("status", REFERRAL_STATUSES), name="status"),
        CheckConstraint(_in("urgency", ("emergency", "urgent", "planned")), name="urgency"),
        Index(
            "uq_referral_open_child",
            "child_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    child_id: str = Field(foreign_key="child.id", index=True, max_length=64)
    urgency: str = Field(max_length=16)
    needed_by: date
    status: str = Field(default="open", max_length=8)
    views_where: str | None = Field(default=None, sa_type=Text)
    views_who: str | None = Field(default=None, sa_type=Text)
    views_matters: str | None = Field(default=None, sa_type=Text)
    opened_at: datetime = Field(default_factory=utcnow)
    opened_by: int | None = Field(default=None, foreign_key="user_account.id")
    closed_at: datetime | None = None


class Proposal(SQLModel, table=True):
    """A proposed match of a child (or a sibling group) with a household.

    While `status` is `proposed` and `hold_until` is in the future it holds `places`
    vacancies of the household. An exception names the hard rule it sets aside, why,
    and who authorised it.
    """

    __tablename__ = "proposal"
    __table_args__ = (
        CheckConstraint(_in("status", PROPOSAL_STATUSES), name="status"),
        CheckConstraint(
            "(child_id IS NULL AND group_id IS NOT NULL) OR "
            "(child_id IS NOT NULL AND group_id IS NULL)",
            name="child_or_group",
        ),
        CheckConstraint(
            "exception_rule IS NULL OR "
            "(exception_reason IS NOT NULL AND exception_authorised_by IS NOT NULL)",
            name="exception_complete",
        ),
        CheckConstraint("places >= 1", name="places_positive"),
        Index("ix_proposal_household_id_status", "household_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    child_id: str | None = Field(default=None, foreign_key="child.id", max_length=64)
    group_id: str | None = Field(
        default=None,
        sa_column=Column(String(64), ForeignKey("sibling_group.id", ondelete="SET NULL")),
    )
    household_id: str = Field(foreign_key="household.id", max_length=64)
    places: int = 1
    status: str = Field(default="proposed", max_length=16)
    hold_until: datetime
    proposed_at: datetime = Field(default_factory=utcnow)
    proposed_by: int | None = Field(default=None, foreign_key="user_account.id")
    decided_at: datetime | None = None
    decided_by: int | None = Field(default=None, foreign_key="user_account.id")
    decline_reason: str | None = Field(default=None, sa_type=Text)
    views_note: str | None = Field(default=None, sa_type=Text)
    exception_rule: str | None = Field(default=None, max_length=32)
    exception_reason: str | None = Field(default=None, sa_type=Text)
    exception_authorised_by: int | None = Field(default=None, foreign_key="user_account.id")
    #: Children beyond the household's free places, by a `vacancy` exception (a fourth
    #: foster child): they hold and take no vacancy.
    over_capacity: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    #: A refused proposal's hard rules broken: [{child, rule, detail, exception_allowed}].
    refused_rules: list[dict[str, Any]] | None = _json_or_null()


class ProposalChild(SQLModel, table=True):
    """Each child a proposal covers (one, or every member of a sibling group)."""

    __tablename__ = "proposal_child"

    proposal_id: int = Field(foreign_key="proposal.id", primary_key=True)
    child_id: str = Field(foreign_key="child.id", primary_key=True, max_length=64, index=True)


#: An exception request's states: asked (`pending`), then decided by an admin
#: (`authorised`: the proposal made; `refused`, with a reason), taken back by the asker or
#: an admin (`withdrawn`), or `lapsed` (a child's referral closed before a decision).
EXCEPTION_REQUEST_STATES: tuple[str, ...] = (
    "pending",
    "authorised",
    "refused",
    "withdrawn",
    "lapsed",
)


class ExceptionRequest(SQLModel, table=True):
    """An officer's request that an admin set aside one hard rule for one named match
    (a child or a sibling group, and a household). Authorising it makes the proposal
    with the exception (`proposal_id`); one pending request per match and rule."""

    __tablename__ = "exception_request"
    __table_args__ = (
        CheckConstraint(_in("state", EXCEPTION_REQUEST_STATES), name="state"),
        CheckConstraint(
            "(child_id IS NULL AND group_id IS NOT NULL) OR "
            "(child_id IS NOT NULL AND group_id IS NULL)",
            name="child_or_group",
        ),
        CheckConstraint("hold_hours > 0", name="hold_positive"),
        CheckConstraint("state = 'pending' OR decided_at IS NOT NULL", name="decided_when"),
        CheckConstraint("state <> 'refused' OR refusal_reason IS NOT NULL", name="refusal_reason"),
        CheckConstraint(
            "state <> 'authorised' OR proposal_id IS NOT NULL", name="authorised_proposal"
        ),
        Index(
            "uq_exception_request_pending_child",
            "child_id",
            "household_id",
            "rule",
            unique=True,
            sqlite_where=text("state = 'pending' AND child_id IS NOT NULL"),
            postgresql_where=text("state = 'pending' AND child_id IS NOT NULL"),
        ),
        Index(
            "uq_exception_request_pending_group",
            "group_id",
            "household_id",
            "rule",
            unique=True,
            sqlite_where=text("state = 'pending' AND group_id IS NOT NULL"),
            postgresql_where=text("state = 'pending' AND group_id IS NOT NULL"),
        ),
        Index("ix_exception_request_state_asked_at", "state", "asked_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    child_id: str | None = Field(default=None, foreign_key="child.id", max_length=64)
    group_id: str | None = Field(
        default=None,
        sa_column=Column(String(64), ForeignKey("sibling_group.id", ondelete="SET NULL")),
    )
    household_id: str = Field(foreign_key="household.id", max_length=64)
    rule: str = Field(max_length=32)
    reason: str = Field(sa_type=Text)
    hold_hours: float
    state: str = Field(default="pending", max_length=16)
    asked_at: datetime = Field(default_factory=utcnow)
    asked_by: int = Field(foreign_key="user_account.id")
    decided_at: datetime | None = None
    decided_by: int | None = Field(default=None, foreign_key="user_account.id")
    refusal_reason: str | None = Field(default=None, sa_type=Text)
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id")


class ExceptionRequestChild(SQLModel, table=True):
    """Each child an exception request covers (one, or every member of a sibling group):
    its LA scope, as a proposal's children are."""

    __tablename__ = "exception_request_child"

    request_id: int = Field(foreign_key="exception_request.id", primary_key=True)
    child_id: str = Field(foreign_key="child.id", primary_key=True, max_length=64, index=True)


class Placement(SQLModel, table=True):
    """A child living with a household from `started_on` until `ended_on` (if ended)."""

    __tablename__ = "placement"
    __table_args__ = (
        CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="dates"),
        Index(
            "uq_placement_current_child",
            "child_id",
            unique=True,
            sqlite_where=text("ended_on IS NULL"),
            postgresql_where=text("ended_on IS NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    child_id: str = Field(foreign_key="child.id", index=True, max_length=64)
    household_id: str = Field(foreign_key="household.id", index=True, max_length=64)
    proposal_id: int | None = Field(default=None, foreign_key="proposal.id")
    started_on: date
    ended_on: date | None = None
    end_reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    #: Beyond the approved places (a `vacancy` exception): ending it frees no place.
    over_capacity: bool = Field(default=False, sa_column_kwargs={"server_default": "0"})


class AuditEntry(SQLModel, table=True):
    """One event in the append-only log: who, when, what, which children; ids only.

    The database refuses UPDATE and DELETE on this table (triggers in the migration).
    """

    __tablename__ = "audit"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="user_account.id", index=True)
    action: str = Field(max_length=64, index=True)
    child_ids: list[str] = _json(default_factory=list)
    object_id: str | None = Field(default=None, max_length=64, index=True)
    detail: dict[str, Any] = _json(default_factory=dict)


class AuditChild(SQLModel, table=True):
    """Which children an audit entry concerns, so the log can be searched by child, and
    each child's LA when the entry was written (NULL: no such child then), so an admin
    is shown only their own LAs' children (migration 0006)."""

    __tablename__ = "audit_child"

    audit_id: int = Field(foreign_key="audit.id", primary_key=True)
    child_id: str = Field(primary_key=True, max_length=64, index=True)
    la: str | None = Field(default=None, max_length=64)


class AuditLa(SQLModel, table=True):
    """The LAs an audit entry concerns (migration 0006): its children's LAs at the time;
    for an entry about no child, the acting user's (or what a system entry touched).
    An admin reads only the entries of their LAs. Append-only, as the log is."""

    __tablename__ = "audit_la"

    audit_id: int = Field(foreign_key="audit.id", primary_key=True)
    la: str = Field(primary_key=True, max_length=64, index=True)


class PolicyRecord(SQLModel, table=True):
    """The matching policy (problem format `policy`) used when rows become a problem."""

    __tablename__ = "policy"

    name: str = Field(primary_key=True, max_length=64)
    document: dict[str, Any] = _json(default_factory=dict)
    updated_at: datetime = Field(default_factory=utcnow)


class DataVersion(SQLModel, table=True):
    """One row counting the committed changes to what a matching problem is built from.

    Bumped at commit by every transaction that wrote a child, household, sibling group,
    referral, proposal, placement or policy (store.version), so a process that keeps a
    built problem in memory knows, with one read, whether it is still current.
    """

    __tablename__ = "data_version"

    id: int = Field(default=1, primary_key=True)
    version: int = Field(default=0, sa_type=BigInteger)


class ImportRun(SQLModel, table=True):
    """One SSDA903 extract brought in: whose, as of when, by whom, and its report.

    `report` and `issues` are the whole checking report (counts, and every issue with
    table, row, column, value and rule) so a data officer can work through it after the
    upload.
    """

    __tablename__ = "ssda903_import"

    id: int | None = Field(default=None, primary_key=True)
    la: str = Field(index=True, max_length=64)
    as_of: date
    year: int
    form: str = Field(max_length=8)
    files: list[str] = _json(default_factory=list)
    at: datetime = Field(default_factory=utcnow)
    by: int | None = Field(default=None, foreign_key="user_account.id")
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    sibling_groups: int = 0
    #: `writing` while its children are written, chunk by chunk (each chunk commits on
    #: its own); `done` when the whole extract is in; `interrupted` when the process
    #: writing it died (found by the next import of the LA). See store.ssda903.
    state: str = Field(default="done", max_length=16, sa_column_kwargs={"server_default": "done"})
    #: Children looked after in the extract: what `writing` is working through.
    children: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    skipped: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    finished_at: datetime | None = None
    #: The report without its issues (counts by table and rule, an example each): small,
    #: read with every listing.
    report: dict[str, Any] = _json(default_factory=dict)
    #: Every issue (the sample extract has 12,882: 2.7 MB of JSON), read only when asked.
    issues: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=Column(JSON, nullable=False),
    )


class CareRecord(SQLModel, table=True):
    """Where a child lives now by their LA's own records (the latest 903 import).

    The 903 names no carer, so this is not a `Placement` with a household: it is the
    903's placement type, provider, placement outcode (never the full postcode: the
    service needs no more to measure distance) and the legal status, for the baseline
    figures and for an officer to see beside the child.
    """

    __tablename__ = "care_record"

    child_id: str = Field(
        sa_column=Column(String(64), ForeignKey("child.id", ondelete="CASCADE"), primary_key=True)
    )
    import_id: int = Field(foreign_key="ssda903_import.id", index=True)
    code: str = Field(max_length=64)
    date_of_birth: date
    legal_status: str | None = Field(default=None, max_length=4)
    period_start: date
    placed_since: date
    place: str | None = Field(default=None, max_length=4)
    place_provider: str | None = Field(default=None, max_length=4)
    kind: str | None = Field(default=None, max_length=16)
    provider: str | None = Field(default=None, max_length=16)
    outcode: str | None = Field(default=None, max_length=8)
    distance_km: float | None = None
    out_of_la: bool | None = None
    #: Ofsted's unique reference number of a registered setting (public).
    urn: str | None = Field(default=None, max_length=16)
    #: Equal for children at one address (store.ssda903.address_key), not the address.
    address_key: str | None = Field(default=None, max_length=16)
    sdq_score: int | None = None


RUN_KINDS: tuple[str, ...] = ("match", "family_finding", "scenarios")
RUN_STATUSES: tuple[str, ...] = ("queued", "running", "done", "failed", "interrupted")
#: A run still to finish: one at a time per kind and LA set (a partial unique index).
RUN_ACTIVE: tuple[str, ...] = ("queued", "running")


class StoredRun(SQLModel, table=True):
    """Background work (a batch match run, a family-finding round, a scenario
    comparison): what was asked, by whom, how far it got, and what it found.

    Any process reads it; the one running it (`owner`) writes its progress and beats
    (`heartbeat_at`) while it works. `la_key` names the LA set, so the database itself
    keeps one queued or running run per kind and LA set, across processes.
    """

    __tablename__ = "background_run"
    __table_args__ = (
        CheckConstraint(_in("kind", RUN_KINDS), name="kind"),
        CheckConstraint(_in("status", RUN_STATUSES), name="status"),
        Index(
            "uq_background_run_active",
            "kind",
            "la_key",
            unique=True,
            sqlite_where=text(_in("status", RUN_ACTIVE)),
            postgresql_where=text(_in("status", RUN_ACTIVE)),
        ),
    )

    id: str = Field(primary_key=True, max_length=32)
    kind: str = Field(max_length=16)
    las: list[str] = _json(default_factory=list)
    la_key: str = Field(max_length=64)
    user_id: int | None = Field(default=None, foreign_key="user_account.id")
    #: A round's policy and seed; a comparison's scenarios (YAML and facts), replications.
    params: dict[str, Any] = _json(default_factory=dict)
    time_limit_s: float | None = None
    status: str = Field(default="queued", max_length=16, index=True)
    progress: float = 0.0
    message: str | None = Field(default=None, sa_type=Text)
    children: int | None = None
    carers: int | None = None
    child_ids: list[str] = _json(default_factory=list)
    #: A comparison's replications done and in all.
    done: int = 0
    total: int = 0
    owner: str | None = Field(default=None, max_length=128)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime = Field(default_factory=utcnow)
    summary: dict[str, Any] | None = Field(default=None, sa_type=JSON(none_as_null=True))
    result: dict[str, Any] | None = Field(default=None, sa_type=JSON(none_as_null=True))
    report: str | None = Field(default=None, sa_type=Text)
    error: str | None = Field(default=None, sa_type=Text)
    #: The run this one starts again, and the run that started this one again.
    restarted_from: str | None = Field(default=None, max_length=32)
    restarted_as: str | None = Field(default=None, max_length=32)


#: A family-finding link's states (matching.family_finding.links.LINK_STATES): proposed,
#: then explored with the adopters' and the child's social workers, then taken to the
#: matching panel and the child placed; or declined, with a reason, at any step before.
LINK_STATES: tuple[str, ...] = ("proposed", "exploring", "declined", "to_panel", "placed")
#: A link past the panel's door: the child (and the adopter) are spoken for.
LINK_PROGRESSING: tuple[str, ...] = ("to_panel", "placed")
#: Why a link was declined (with a note; `other` needs one).
DECLINE_REASONS: tuple[str, ...] = (
    "adopters_declined",
    "childs_social_worker_declined",
    "needs_not_met",
    "sibling_plan",
    "distance_or_area",
    "other",
)
#: Who is interested: the adopter (recorded by their social worker), or the child's
#: family-finder.
INTEREST_SIDES: tuple[str, ...] = ("adopter", "finder")


class FamilyLink(SQLModel, table=True):
    """A family-finder's link of a child, or brothers and sisters, with an adopter
    (store/family_links.py): from a round's shortlist (`round_id`) or by hand, moved
    through its states. One link at to_panel or placed per adopter (a partial unique
    index); per child, the store checks it holding the children's row locks."""

    __tablename__ = "family_link"
    __table_args__ = (
        CheckConstraint(_in("state", LINK_STATES), name="state"),
        CheckConstraint(
            f"decline_reason IS NULL OR {_in('decline_reason', DECLINE_REASONS)}",
            name="decline_reason_known",
        ),
        CheckConstraint("(state = 'declined') = (decline_reason IS NOT NULL)", name="declined_why"),
        Index(
            "uq_family_link_progressing_adopter",
            "household_id",
            unique=True,
            sqlite_where=text(_in("state", LINK_PROGRESSING)),
            postgresql_where=text(_in("state", LINK_PROGRESSING)),
        ),
        Index("ix_family_link_state_updated_at", "state", "updated_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    household_id: str = Field(foreign_key="household.id", max_length=64, index=True)
    state: str = Field(default="proposed", max_length=16)
    round_id: str | None = Field(default=None, max_length=32)
    decline_reason: str | None = Field(default=None, max_length=32)
    note: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow)
    created_by: int = Field(foreign_key="user_account.id")
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int = Field(foreign_key="user_account.id")


class FamilyLinkChild(SQLModel, table=True):
    """Each child a link covers: its LA scope, as a proposal's children are."""

    __tablename__ = "family_link_child"

    link_id: int = Field(foreign_key="family_link.id", primary_key=True)
    child_id: str = Field(foreign_key="child.id", primary_key=True, max_length=64, index=True)


class FamilyInterest(SQLModel, table=True):
    """An expression of interest in a child and an adopter: the adopter's (recorded by
    their social worker) or the child's family-finder's. One per child, adopter and
    side; withdrawing deletes it (the audit log keeps that it was)."""

    __tablename__ = "family_interest"
    __table_args__ = (
        CheckConstraint(_in("side", INTEREST_SIDES), name="side"),
        Index("uq_family_interest_pair_side", "child_id", "household_id", "side", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    child_id: str = Field(foreign_key="child.id", max_length=64)
    household_id: str = Field(foreign_key="household.id", max_length=64, index=True)
    side: str = Field(max_length=8)
    note: str | None = Field(default=None, sa_type=Text)
    recorded_at: datetime = Field(default_factory=utcnow)
    recorded_by: int = Field(foreign_key="user_account.id")
