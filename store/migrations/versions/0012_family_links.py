"""Family-finding links and expressions of interest (issue 18): a family-finder's link
of a child, or brothers and sisters, with an adopter, moved through proposed, exploring,
to_panel, placed or declined with a reason (one link at to_panel or placed per adopter:
a partial unique index); its children give its LA scope. Interest in a child and an
adopter from either side, one per child, adopter and side (store/family_links.py).

Revises 0010 for now: the lead re-chains it after 0011 (part B's) when merging.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 20:18:04
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "family_interest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("child_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("household_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("side", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.CheckConstraint("side IN ('adopter', 'finder')", name=op.f("ck_family_interest_side")),
        sa.ForeignKeyConstraint(
            ["child_id"], ["child.id"], name=op.f("fk_family_interest_child_id_child")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_family_interest_household_id_household"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["user_account.id"],
            name=op.f("fk_family_interest_recorded_by_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_interest")),
    )
    with op.batch_alter_table("family_interest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_family_interest_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(
            "uq_family_interest_pair_side", ["child_id", "household_id", "side"], unique=True
        )

    op.create_table(
        "family_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("household_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("round_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("decline_reason", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(state = 'declined') = (decline_reason IS NOT NULL)",
            name=op.f("ck_family_link_declined_why"),
        ),
        sa.CheckConstraint(
            "decline_reason IS NULL OR decline_reason IN ('adopters_declined', "
            "'childs_social_worker_declined', 'needs_not_met', 'sibling_plan', "
            "'distance_or_area', 'other')",
            name=op.f("ck_family_link_decline_reason_known"),
        ),
        sa.CheckConstraint(
            "state IN ('proposed', 'exploring', 'declined', 'to_panel', 'placed')",
            name=op.f("ck_family_link_state"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_family_link_created_by_user_account")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["household.id"], name=op.f("fk_family_link_household_id_household")
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["user_account.id"], name=op.f("fk_family_link_updated_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_link")),
    )
    with op.batch_alter_table("family_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_family_link_household_id"), ["household_id"], unique=False
        )
        batch_op.create_index(
            "ix_family_link_state_updated_at", ["state", "updated_at"], unique=False
        )
        batch_op.create_index(
            "uq_family_link_progressing_adopter",
            ["household_id"],
            unique=True,
            sqlite_where=sa.text("state IN ('to_panel', 'placed')"),
            postgresql_where=sa.text("state IN ('to_panel', 'placed')"),
        )

    op.create_table(
        "family_link_child",
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("child_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"], ["child.id"], name=op.f("fk_family_link_child_child_id_child")
        ),
        sa.ForeignKeyConstraint(
            ["link_id"], ["family_link.id"], name=op.f("fk_family_link_child_link_id_family_link")
        ),
        sa.PrimaryKeyConstraint("link_id", "child_id", name=op.f("pk_family_link_child")),
    )
    with op.batch_alter_table("family_link_child", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_family_link_child_child_id"), ["child_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("family_link_child", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_family_link_child_child_id"))

    op.drop_table("family_link_child")
    with op.batch_alter_table("family_link", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_family_link_progressing_adopter",
            sqlite_where=sa.text("state IN ('to_panel', 'placed')"),
            postgresql_where=sa.text("state IN ('to_panel', 'placed')"),
        )
        batch_op.drop_index("ix_family_link_state_updated_at")
        batch_op.drop_index(batch_op.f("ix_family_link_household_id"))

    op.drop_table("family_link")
    with op.batch_alter_table("family_interest", schema=None) as batch_op:
        batch_op.drop_index("uq_family_interest_pair_side")
        batch_op.drop_index(batch_op.f("ix_family_interest_household_id"))

    op.drop_table("family_interest")
