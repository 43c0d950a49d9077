"""Expected places (issue 19): a household's places expected to come free later (a
placement with a planned end date, an approval expected, a hold about to expire), each
`{"from", "places", "why"}` as in the problem format; an empty list for every household
stored before.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("household") as batch:
        batch.add_column(sa.Column("expected_places", sa.JSON(), nullable=True))
    op.execute("UPDATE household SET expected_places = '[]'")
    with op.batch_alter_table("household") as batch:
        batch.alter_column("expected_places", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("household") as batch:
        batch.drop_column("expected_places")
