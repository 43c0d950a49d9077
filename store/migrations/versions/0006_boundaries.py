"""LA boundaries in the store (issue 13): the audit log bounded by LA, a household's
lived-in places kept by the database, and refused proposals kept.

- `audit_child.la`: each child's LA when the entry was written; `audit_la`: the LAs an
  entry concerns (append-only, as the log is). Existing entries are backfilled: the
  children's LAs now (the best there is for the past), for `user.*` entries the LAs of
  the account, for household entries of the system the household's LA, and otherwise
  the acting user's LAs. The log refuses UPDATE by triggers, so the one backfilling
  UPDATE (of the new column) runs with `audit_child`'s update trigger set aside inside
  this migration's transaction and put back before it commits.
- `household.occupied`: current placements within the approved places, with
  CHECK `vacancies + occupied <= places`. Backfilled from the placements; a household
  already showing more places free than it has left is corrected (its vacancies
  lowered), and children beyond the approved places (places lowered under them) are
  marked as living there over capacity, newest first.
- `proposal.refused_rules` and the status `refused`.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 06:00:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = ("proposed", "confirmed", "declined", "expired")
NEW_STATUSES = (*OLD_STATUSES, "refused")


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _status_check(statuses: tuple[str, ...]) -> str:
    return f"status IN ({', '.join(repr(s) for s in statuses)})"


def upgrade() -> None:
    _audit_las()
    _backfill_audit_las()
    _household_occupied()
    with op.batch_alter_table("proposal") as batch:
        batch.add_column(sa.Column("refused_rules", sa.JSON(none_as_null=True), nullable=True))
        batch.drop_constraint(op.f("ck_proposal_status"), type_="check")
        batch.create_check_constraint("status", _status_check(NEW_STATUSES))


def downgrade() -> None:
    op.execute(
        "DELETE FROM proposal_child WHERE proposal_id IN "
        "(SELECT id FROM proposal WHERE status = 'refused')"
    )
    op.execute("DELETE FROM proposal WHERE status = 'refused'")
    with op.batch_alter_table("proposal") as batch:
        batch.drop_constraint(op.f("ck_proposal_status"), type_="check")
        batch.create_check_constraint("status", _status_check(OLD_STATUSES))
        batch.drop_column("refused_rules")
    with op.batch_alter_table("household") as batch:
        batch.drop_constraint(op.f("ck_household_places_free_or_lived_in"), type_="check")
        batch.drop_constraint(op.f("ck_household_occupied_not_negative"), type_="check")
        batch.drop_column("occupied")
    _drop_append_only("audit_la")
    op.drop_index(op.f("ix_audit_la_la"), table_name="audit_la")
    op.drop_table("audit_la")
    op.execute("ALTER TABLE audit_child DROP COLUMN la")


# --- the audit log -------------------------------------------------------------------


def _audit_las() -> None:
    op.add_column(
        "audit_child",
        sa.Column("la", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.create_table(
        "audit_la",
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("la", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"], ["audit.id"], name=op.f("fk_audit_la_audit_id_audit")
        ),
        sa.PrimaryKeyConstraint("audit_id", "la", name=op.f("pk_audit_la")),
    )
    op.create_index(op.f("ix_audit_la_la"), "audit_la", ["la"], unique=False)
    _append_only("audit_la")


def _append_only(table: str) -> None:
    """The triggers of migration 0001, on a new table of the log."""
    if _postgres():
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()"
        )
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(_sqlite_trigger(table, event))


def _sqlite_trigger(table: str, event: str) -> str:
    return (
        f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only ({event} on {table})'); END"
    )


def _drop_append_only(table: str) -> None:
    if _postgres():
        op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER {table}_no_truncate ON {table}")
        return
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER {table}_no_{event}")


def _backfill_audit_las() -> None:
    """Existing entries get their LAs (see the module docstring), in INSERTs, but for the
    one UPDATE of the new column, with the update trigger set aside only around it."""
    set_child_la = (
        "UPDATE audit_child SET la = "
        "(SELECT child.la FROM child WHERE child.id = audit_child.child_id)"
    )
    if _postgres():
        op.execute("ALTER TABLE audit_child DISABLE TRIGGER audit_child_append_only")
        op.execute(set_child_la)
        op.execute("ALTER TABLE audit_child ENABLE TRIGGER audit_child_append_only")
    else:
        op.execute("DROP TRIGGER audit_child_no_update")
        op.execute(set_child_la)
        op.execute(_sqlite_trigger("audit_child", "UPDATE"))
    unscoped = "NOT EXISTS (SELECT 1 FROM audit_la s WHERE s.audit_id = audit.id)"
    op.execute(
        "INSERT INTO audit_la (audit_id, la) "
        "SELECT DISTINCT audit_id, la FROM audit_child WHERE la IS NOT NULL"
    )
    bind = op.get_bind()
    users = bind.execute(sa.text("SELECT id, las FROM user_account")).all()
    las_of = {uid: _json_list(las) for uid, las in users}
    # Each user's LAs in one INSERT (a UNION ALL of one SELECT per LA), so that `unscoped`
    # sees the table as it was before the statement and every LA is added.
    for uid, las in las_of.items():
        _insert_each_la(las, f"{unscoped} AND action LIKE 'user.%' AND object_id = :uid", str(uid))
    op.execute(
        "INSERT INTO audit_la (audit_id, la) SELECT audit.id, household.la FROM audit "
        "JOIN household ON household.id = audit.object_id "
        f"WHERE audit.user_id IS NULL AND audit.action LIKE 'household.%' AND {unscoped}"
    )
    for uid, las in las_of.items():
        _insert_each_la(las, f"{unscoped} AND user_id = :uid", uid)


def _insert_each_la(las: list[str], where: str, uid: object) -> None:
    if not las:
        return
    selects = " UNION ALL ".join(
        f"SELECT id, :la{k} FROM audit WHERE {where}" for k in range(len(las))
    )
    params = {f"la{k}": la for k, la in enumerate(las)} | {"uid": uid}
    op.get_bind().execute(sa.text(f"INSERT INTO audit_la (audit_id, la) {selects}"), params)


def _json_list(value: object) -> list[str]:
    if isinstance(value, str):
        value = json.loads(value)
    return [str(v) for v in value] if isinstance(value, list) else []


# --- households ----------------------------------------------------------------------


def _household_occupied() -> None:
    op.add_column(
        "household", sa.Column("occupied", sa.Integer(), server_default="0", nullable=False)
    )
    op.execute(
        "UPDATE household SET occupied = (SELECT count(*) FROM placement p "
        "WHERE p.household_id = household.id AND p.ended_on IS NULL AND NOT p.over_capacity)"
    )
    bind = op.get_bind()
    crowded = bind.execute(
        sa.text("SELECT id, places, occupied FROM household WHERE occupied > places")
    ).all()
    for household_id, places, occupied in crowded:
        newest = bind.execute(
            sa.text(
                "SELECT id FROM placement WHERE household_id = :h AND ended_on IS NULL "
                "AND NOT over_capacity ORDER BY id DESC LIMIT :n"
            ),
            {"h": household_id, "n": occupied - places},
        ).scalars()
        for placement_id in list(newest):
            bind.execute(
                sa.text("UPDATE placement SET over_capacity = :t WHERE id = :p"),
                {"t": True, "p": placement_id},
            )
    op.execute("UPDATE household SET occupied = places WHERE occupied > places")
    op.execute(
        "UPDATE household SET vacancies = places - occupied WHERE vacancies + occupied > places"
    )
    with op.batch_alter_table("household") as batch:
        batch.create_check_constraint("occupied_not_negative", "occupied >= 0")
        batch.create_check_constraint("places_free_or_lived_in", "vacancies + occupied <= places")
