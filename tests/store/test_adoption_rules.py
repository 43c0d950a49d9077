"""Issue 18's adoption fields in the store: kept, exported unchanged, and added to (and
removed from) an existing database by migration 0011."""

from __future__ import annotations

import json
from datetime import date

from alembic import command
from sqlalchemy import Engine, inspect, text

import store
from tests.conftest import carer, child, doc

AS_OF = date(2026, 11, 23)
PLAN = {
    "waiting_since": "2025-03-01",
    "min_distance_km": 25.0,
    "need_levels": {"autism": "low"},
}
APPROVAL = {"approved_on": "2025-01-10", "needs": {"autism": "medium", "complex_health": "high"}}


def document() -> dict:
    return doc(
        [
            child("A1", accepts=["adoption"], needs=["autism"], adoption=PLAN),
            child("F1", age=12),
        ],
        [carer("P1", kind="adoption", adopter=APPROVAL), carer("H1")],
    )


def test_the_new_fields_are_kept_and_exported(engine: Engine) -> None:
    with store.transaction(engine) as s:
        store.load_problem(s, document(), by=None)
    with store.transaction(engine, write=False) as s:
        back = store.problem_dict(s, None, as_of=AS_OF)
        problem = store.build_problem(s, None, as_of=AS_OF)
    kids = {c["id"]: c for c in back["children"]}
    assert kids["A1"]["adoption"]["min_distance_km"] == 25.0
    assert kids["A1"]["adoption"]["need_levels"] == {"autism": "low"}
    homes = {h["id"]: h for h in back["carers"]}
    assert homes["P1"]["adopter"]["needs"] == APPROVAL["needs"]
    plan = problem.child_by_id["A1"].adoption
    assert plan is not None and plan.need_level("autism") == "low"


def test_migration_0011_adds_and_removes_the_columns(db_url: str) -> None:
    """Tests that a database holding plans and approvals from before 0011 upgrades to
    no minimum and no levels (the rules then ask what they always asked), children and
    households without a plan staying NULL; and that 0011 goes down cleanly."""
    engine = store.make_engine(db_url)
    config = store.db.alembic_config(engine=engine)
    command.downgrade(config, "0010")
    columns = {c["name"] for c in inspect(engine).get_columns("child")}
    assert "adoption_min_distance_km" not in columns
    with engine.begin() as conn:
        for cid, since in (("A1", "2025-03-01"), ("F1", None)):
            conn.execute(
                text(
                    "INSERT INTO child (id, la, age, sex, ethnicity, religion, languages, "
                    "school_must_stay, avoid, accepts, needs, flags, siblings_placed_with, "
                    "wish_areas, wish_carers, adoption_waiting_since, created_at, updated_at) "
                    "VALUES (:id, 'Leeds', 3, 'F', 'NOBT', 'none', '[\"en\"]', false, '[]', "
                    "'[\"adoption\"]', '[]', '[]', '[]', '[]', '[]', :since, "
                    "'2026-11-22 10:00:00', '2026-11-22 10:00:00')"
                ),
                {"id": cid, "since": since},
            )
    command.upgrade(config, "head")
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, adoption_min_distance_km, adoption_need_levels FROM child ORDER BY id")
        ).all()
    levels = [r[2] if r[2] is None or isinstance(r[2], dict) else json.loads(r[2]) for r in rows]
    assert [(r[0], r[1]) for r in rows] == [("A1", None), ("F1", None)]
    assert levels == [{}, None]
    command.downgrade(config, "0010")
    assert "adopter_needs" not in {c["name"] for c in inspect(engine).get_columns("household")}
    command.upgrade(config, "head")
    engine.dispose()
