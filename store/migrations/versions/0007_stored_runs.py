"""Background work kept in the database (issue 13): batch match runs, family-finding
rounds and scenario comparisons, with their progress, result and report, so any
process reads them and they outlive a restart; one queued or running run per kind and
LA set, kept by a partial unique index across processes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "status IN ('queued', 'running')"


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    moment = sqlmodel.sql.sqltypes.UTCDateTime
    op.create_table(
        "background_run",
        sa.Column("id", _text(32), nullable=False),
        sa.Column("kind", _text(16), nullable=False),
        sa.Column("las", sa.JSON(), nullable=False),
        sa.Column("la_key", _text(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("time_limit_s", sa.Float(), nullable=True),
        sa.Column("status", _text(16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("children", sa.Integer(), nullable=True),
        sa.Column("carers", sa.Integer(), nullable=True),
        sa.Column("child_ids", sa.JSON(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("owner", _text(128), nullable=True),
        sa.Column("created_at", moment(), nullable=False),
        sa.Column("started_at", moment(), nullable=True),
        sa.Column("finished_at", moment(), nullable=True),
        sa.Column("heartbeat_at", moment(), nullable=False),
        sa.Column("summary", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("result", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("restarted_from", _text(32), nullable=True),
        sa.Column("restarted_as", _text(32), nullable=True),
        sa.CheckConstraint(
            "kind IN ('match', 'family_finding', 'scenarios')", name=op.f("ck_background_run_kind")
        ),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed', 'interrupted')",
            name=op.f("ck_background_run_status"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_background_run_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_background_run")),
    )
    op.create_index(op.f("ix_background_run_created_at"), "background_run", ["created_at"])
    op.create_index(op.f("ix_background_run_status"), "background_run", ["status"])
    op.create_index(
        "uq_background_run_active",
        "background_run",
        ["kind", "la_key"],
        unique=True,
        sqlite_where=sa.text(ACTIVE),
        postgresql_where=sa.text(ACTIVE),
    )


def downgrade() -> None:
    op.drop_index("uq_background_run_active", table_name="background_run")
    op.drop_index(op.f("ix_background_run_status"), table_name="background_run")
    op.drop_index(op.f("ix_background_run_created_at"), table_name="background_run")
    op.drop_table("background_run")
