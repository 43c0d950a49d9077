"""SSDA903 import (issue 7): a child's home may be unknown (most 903 extracts lack a
usable HOME_POST for some children), each import with its report, and each child's
care record (where the LA's own data says they live now).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    with op.batch_alter_table("child") as batch:
        batch.alter_column("home", existing_type=_text(8), nullable=True)
    op.create_table(
        "ssda903_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("la", _text(64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("form", _text(8), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("by", sa.Integer(), nullable=True),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("sibling_groups", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("issues", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["by"], ["user_account.id"], name=op.f("fk_ssda903_import_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ssda903_import")),
    )
    op.create_index(op.f("ix_ssda903_import_la"), "ssda903_import", ["la"])
    op.create_table(
        "care_record",
        sa.Column("child_id", sa.String(length=64), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("code", _text(64), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("legal_status", _text(4), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("placed_since", sa.Date(), nullable=False),
        sa.Column("place", _text(4), nullable=True),
        sa.Column("place_provider", _text(4), nullable=True),
        sa.Column("kind", _text(16), nullable=True),
        sa.Column("provider", _text(16), nullable=True),
        sa.Column("outcode", _text(8), nullable=True),
        sa.Column("distance_km", sa.Float(), nullable=True),
        sa.Column("out_of_la", sa.Boolean(), nullable=True),
        sa.Column("urn", _text(16), nullable=True),
        sa.Column("address_key", _text(16), nullable=True),
        sa.Column("sdq_score", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["child.id"],
            name=op.f("fk_care_record_child_id_child"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["ssda903_import.id"],
            name=op.f("fk_care_record_import_id_ssda903_import"),
        ),
        sa.PrimaryKeyConstraint("child_id", name=op.f("pk_care_record")),
    )
    op.create_index(op.f("ix_care_record_import_id"), "care_record", ["import_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_care_record_import_id"), table_name="care_record")
    op.drop_table("care_record")
    op.drop_index(op.f("ix_ssda903_import_la"), table_name="ssda903_import")
    op.drop_table("ssda903_import")
    with op.batch_alter_table("child") as batch:
        batch.alter_column("home", existing_type=_text(8), nullable=False)
