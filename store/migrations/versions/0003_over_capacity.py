"""Children placed beyond a household's approved places by a `vacancy` exception (a
fourth foster child): how many a proposal covers, and which placements they are, so
that ending one frees no place.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("proposal") as batch:
        batch.add_column(
            sa.Column("over_capacity", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("placement") as batch:
        batch.add_column(
            sa.Column("over_capacity", sa.Boolean(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("placement") as batch:
        batch.drop_column("over_capacity")
    with op.batch_alter_table("proposal") as batch:
        batch.drop_column("over_capacity")
