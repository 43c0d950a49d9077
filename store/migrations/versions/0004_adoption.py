"""Adoption (issue 5): a child's adoption plan and an adopter's approval, each as
nullable columns that are all NULL when the child has no plan or the household is not
an adopter.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("child") as batch:
        batch.add_column(sa.Column("adoption_waiting_since", sa.Date(), nullable=True))
        batch.add_column(sa.Column("adoption_placement_order_date", sa.Date(), nullable=True))
        batch.add_column(sa.Column("adoption_early_permanence", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("adoption_uncertainties", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("adoption_contact", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("adoption_notes", sa.Text(), nullable=True))
    with op.batch_alter_table("household") as batch:
        batch.add_column(sa.Column("adopter_approved_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("adopter_agency", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch.add_column(
            sa.Column("adopter_region", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch.add_column(sa.Column("adopter_early_permanence", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("adopter_uncertainties", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("adopter_contact", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("household") as batch:
        for name in (
            "adopter_contact",
            "adopter_uncertainties",
            "adopter_early_permanence",
            "adopter_region",
            "adopter_agency",
            "adopter_approved_on",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("child") as batch:
        for name in (
            "adoption_notes",
            "adoption_contact",
            "adoption_uncertainties",
            "adoption_early_permanence",
            "adoption_placement_order_date",
            "adoption_waiting_since",
        ):
            batch.drop_column(name)
