"""Exception requests (issue 15): an officer asks an admin to set aside one hard rule
for one named match; the admin authorises it (the proposal is made with the exception)
or refuses it with a reason (store/workflow/requests.py). One pending request per
match and rule (partial unique indexes); its children give its LA scope, as a
proposal's do.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING_CHILD = sa.text("state = 'pending' AND child_id IS NOT NULL")
PENDING_GROUP = sa.text("state = 'pending' AND group_id IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "exception_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("group_id", sa.String(length=64), nullable=True),
        sa.Column("household_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("rule", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("hold_hours", sa.Float(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("asked_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("asked_by", sa.Integer(), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("proposal_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "state IN ('pending', 'authorised', 'refused', 'withdrawn', 'lapsed')",
            name=op.f("ck_exception_request_state"),
        ),
        sa.CheckConstraint(
            "(child_id IS NULL AND group_id IS NOT NULL) OR "
            "(child_id IS NOT NULL AND group_id IS NULL)",
            name=op.f("ck_exception_request_child_or_group"),
        ),
        sa.CheckConstraint("hold_hours > 0", name=op.f("ck_exception_request_hold_positive")),
        sa.CheckConstraint(
            "state = 'pending' OR decided_at IS NOT NULL",
            name=op.f("ck_exception_request_decided_when"),
        ),
        sa.CheckConstraint(
            "state <> 'refused' OR refusal_reason IS NOT NULL",
            name=op.f("ck_exception_request_refusal_reason"),
        ),
        sa.CheckConstraint(
            "state <> 'authorised' OR proposal_id IS NOT NULL",
            name=op.f("ck_exception_request_authorised_proposal"),
        ),
        sa.ForeignKeyConstraint(
            ["asked_by"],
            ["user_account.id"],
            name=op.f("fk_exception_request_asked_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["child_id"], ["child.id"], name=op.f("fk_exception_request_child_id_child")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"],
            ["user_account.id"],
            name=op.f("fk_exception_request_decided_by_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["sibling_group.id"],
            name=op.f("fk_exception_request_group_id_sibling_group"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_exception_request_household_id_household"),
        ),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["proposal.id"], name=op.f("fk_exception_request_proposal_id_proposal")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exception_request")),
    )
    with op.batch_alter_table("exception_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_exception_request_state_asked_at", ["state", "asked_at"], unique=False
        )
        batch_op.create_index(
            "uq_exception_request_pending_child",
            ["child_id", "household_id", "rule"],
            unique=True,
            sqlite_where=PENDING_CHILD,
            postgresql_where=PENDING_CHILD,
        )
        batch_op.create_index(
            "uq_exception_request_pending_group",
            ["group_id", "household_id", "rule"],
            unique=True,
            sqlite_where=PENDING_GROUP,
            postgresql_where=PENDING_GROUP,
        )

    op.create_table(
        "exception_request_child",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["child.id"], name=op.f("fk_exception_request_child_child_id_child")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["exception_request.id"],
            name=op.f("fk_exception_request_child_request_id_exception_request"),
        ),
        sa.PrimaryKeyConstraint("request_id", "child_id", name=op.f("pk_exception_request_child")),
    )
    with op.batch_alter_table("exception_request_child", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_exception_request_child_child_id"), ["child_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("exception_request_child", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_exception_request_child_child_id"))
    op.drop_table("exception_request_child")
    with op.batch_alter_table("exception_request", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_exception_request_pending_group",
            sqlite_where=PENDING_GROUP,
            postgresql_where=PENDING_GROUP,
        )
        batch_op.drop_index(
            "uq_exception_request_pending_child",
            sqlite_where=PENDING_CHILD,
            postgresql_where=PENDING_CHILD,
        )
        batch_op.drop_index("ix_exception_request_state_asked_at")
    op.drop_table("exception_request")
