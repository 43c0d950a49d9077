"""Persistence: tables, repositories, transactions and migrations, in one place.

SQLite file by default, PostgreSQL through `DATABASE_URL`. Every repository function
takes a session and never commits; wrap one unit of work in `transaction(engine)`:

    engine = store.make_engine()          # DATABASE_URL or ./placematch.db
    store.migrate(engine=engine)          # alembic upgrade head, safe on every start
    with store.transaction(engine) as s:
        user = store.authenticate(s, token)
        proposal = store.propose(s, "H-0001", child_id="C-0001", by=user, las=user.las)
    with store.transaction(engine) as s:
        store.confirm(s, proposal.id, by=user, las=user.las)   # VacancyTaken -> 409

See docs/store.md.
"""

from store.audit import LoggedEntry, entry_values, list_audit, record, record_many
from store.children import child_to_dict, create_child, get_child, list_children, update_child
from store.db import database_url, make_engine, migrate, read_session, transaction
from store.errors import (
    Conflict,
    DuplicateId,
    FieldIssue,
    Forbidden,
    HoldExpired,
    Invalid,
    NotFound,
    ProposalClosed,
    StoreError,
    Unauthenticated,
    VacancyTaken,
)
from store.households import (
    create_household,
    free_places,
    get_household,
    held_places,
    household_to_dict,
    households_as_seen,
    list_households,
    update_household,
)
from store.models import (
    ROLES,
    AuditEntry,
    CareRecord,
    ChildRecord,
    HouseholdRecord,
    ImportRun,
    Placement,
    Proposal,
    Referral,
    User,
    utcnow,
)
from store.problems import (
    LoadSummary,
    build_problem,
    get_policy,
    load_problem,
    problem_dict,
    set_policy,
)
from store.referrals import (
    close_referral,
    current_referral,
    get_referral,
    list_referrals,
    open_referral,
    update_referral,
)
from store.siblings import (
    create_group,
    delete_group,
    get_group,
    group_of,
    list_groups,
    update_group,
)
from store.stats import aggregates
from store.users import (
    AUTHORISERS,
    authenticate,
    can_authorise_exceptions,
    create_user,
    deactivate_user,
    get_user,
    list_users,
    reactivate_user,
    within,
)
from store.validate import known_las
from store.version import data_version
from store.workflow import (
    RuleException,
    authorise_exception,
    confirm,
    decline,
    default_hold,
    end_placement,
    expire_holds,
    get_placement,
    get_proposal,
    holding_proposals,
    list_placements,
    list_proposals,
    next_hold_end,
    proposal_children,
    propose,
    refuse,
    set_views_note,
)

__all__ = [
    "AUTHORISERS",
    "ROLES",
    "AuditEntry",
    "CareRecord",
    "ChildRecord",
    "Conflict",
    "DuplicateId",
    "FieldIssue",
    "Forbidden",
    "HoldExpired",
    "HouseholdRecord",
    "ImportRun",
    "Invalid",
    "LoadSummary",
    "LoggedEntry",
    "NotFound",
    "Placement",
    "Proposal",
    "ProposalClosed",
    "Referral",
    "RuleException",
    "StoreError",
    "Unauthenticated",
    "User",
    "VacancyTaken",
    "aggregates",
    "authenticate",
    "authorise_exception",
    "build_problem",
    "can_authorise_exceptions",
    "child_to_dict",
    "close_referral",
    "confirm",
    "create_child",
    "create_group",
    "create_household",
    "create_user",
    "current_referral",
    "data_version",
    "database_url",
    "deactivate_user",
    "decline",
    "default_hold",
    "delete_group",
    "end_placement",
    "entry_values",
    "expire_holds",
    "free_places",
    "get_child",
    "get_group",
    "get_household",
    "get_placement",
    "get_policy",
    "get_proposal",
    "get_referral",
    "get_user",
    "group_of",
    "held_places",
    "holding_proposals",
    "household_to_dict",
    "households_as_seen",
    "known_las",
    "list_audit",
    "list_children",
    "list_groups",
    "list_households",
    "list_placements",
    "list_proposals",
    "list_referrals",
    "list_users",
    "load_problem",
    "make_engine",
    "migrate",
    "next_hold_end",
    "open_referral",
    "problem_dict",
    "proposal_children",
    "propose",
    "reactivate_user",
    "read_session",
    "record",
    "record_many",
    "refuse",
    "set_policy",
    "set_views_note",
    "transaction",
    "update_child",
    "update_group",
    "update_household",
    "update_referral",
    "utcnow",
    "within",
]
