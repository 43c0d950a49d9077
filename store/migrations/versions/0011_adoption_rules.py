"""Adoption rules (issue 18): a child's minimum distance from the birth home and the
levels of their needs, in the adoption plan; the levels of need an adopter could
manage, in the approval. Nullable like the rest of the plan and the approval: NULL
when the child has no plan or the household is not an adopter, and a plan without a
minimum distance leaves it NULL.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("child") as batch:
        batch.add_column(sa.Column("adoption_min_distance_km", sa.Float(), nullable=True))
        batch.add_column(sa.Column("adoption_need_levels", sa.JSON(), nullable=True))
    with op.batch_alter_table("household") as batch:
        batch.add_column(sa.Column("adopter_needs", sa.JSON(), nullable=True))
    # Plans and approvals already stored grade nothing: an empty map, as the store
    # writes for a new plan without levels (NULL stays for children without a plan).
    op.execute(
        "UPDATE child SET adoption_need_levels = '{}' WHERE adoption_waiting_since IS NOT NULL"
    )
    op.execute("UPDATE household SET adopter_needs = '{}' WHERE adopter_approved_on IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("household") as batch:
        batch.drop_column("adopter_needs")
    with op.batch_alter_table("child") as batch:
        batch.drop_column("adoption_need_levels")
        batch.drop_column("adoption_min_distance_km")
