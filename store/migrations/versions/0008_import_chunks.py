"""SSDA903 imports written in chunks (issue 13): each import records its state
(`writing`, `done`, `interrupted`), how many children it has to write and how many it
skipped, and when it finished, so an import cut short by a dead process shows as not
finished. Imports made before this were one transaction each: they are `done`.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ssda903_import") as batch:
        batch.add_column(
            sa.Column(
                "state",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                server_default="done",
                nullable=False,
            )
        )
        batch.add_column(sa.Column("children", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("skipped", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(
            sa.Column("finished_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("ssda903_import") as batch:
        batch.drop_column("finished_at")
        batch.drop_column("skipped")
        batch.drop_column("children")
        batch.drop_column("state")
