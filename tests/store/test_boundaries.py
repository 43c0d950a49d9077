"""LA boundaries kept by the store and the database (issue 13): the audit log's LAs, a
household's lived-in places, and migration 0006's backfill of both."""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

import store
from store.models import User
from tests.store.helpers import add_child, add_household


def test_an_entry_keeps_the_childs_la_at_the_time(engine: Engine, officer: User) -> None:
    """Tests that a child who moves from Leeds to Bradford leaves their Leeds trail to
    Leeds and their Bradford trail to Bradford."""
    add_child(engine, "C1", referral=False)
    with store.transaction(engine) as s:
        store.record(s, officer, "child.read", ["C1"], "C1")
        store.update_child(s, "C1", {"la": "Bradford", "home": "BD1"}, by=None)
        store.record(s, officer, "child.read", ["C1"], "C1")
    with store.transaction(engine, write=False) as s:
        leeds = store.list_audit(s, las=["Leeds"], child_id="C1")
        bradford = store.list_audit(s, las=["Bradford"], child_id="C1")
        assert [e.action for e in leeds] == ["child.read", "child.create"]
        assert [e.action for e in bradford] == ["child.read", "child.update"]
        assert leeds[0].id < bradford[0].id
        # The move concerns both: Leeds sees it happen, naming no child now Bradford's.
        [moved] = store.list_audit(s, las=["Leeds"], action="child.update")
        assert moved.child_ids == [] and moved.object_id == "C1"
        assert store.list_audit(s, las=["York"]) == []


def test_an_import_is_its_las_alone(engine: Engine) -> None:
    """Tests that a `child.import` entry naming one LA's children (as a 903 import writes
    it) is not shown to another LA's admin at all, even when made by a two-LA user."""
    for c in ("C1", "C2"):
        add_child(engine, c, referral=False)
    regional = User(id=None, name="x", role="admin", las=["Leeds", "Bradford"], token_hash="1")
    with store.transaction(engine) as s:
        store.record(s, regional, "child.import", ["C1", "C2"], "1", {"created": 2})
    with store.transaction(engine, write=False) as s:
        assert store.list_audit(s, las=["Bradford"], action="child.import") == []
        [leeds] = store.list_audit(s, las=["Leeds"], action="child.import")
    assert leeds.child_ids == ["C1", "C2"] and leeds.las == ["Leeds"]


def test_an_entry_about_no_child_falls_back_to_the_users_las(engine: Engine) -> None:
    """Tests the LAs of entries naming no known child: those given, else the user's."""
    leeds_and_york = User(id=None, name="x", role="admin", las=["Leeds", "York"], token_hash="0")
    with store.transaction(engine) as s:
        a = store.record(s, None, "household.update", (), "H1", las=["Wakefield"])
        b = store.record(s, leeds_and_york, "audit.read")
        c = store.record(s, None, "proposal.expire", ["GONE"], 1)
    with store.transaction(engine, write=False) as s:
        las = {e.id: e.las for e in store.list_audit(s)}
    assert (las[a], las[b], las[c]) == (["Wakefield"], ["Leeds", "York"], [])


def test_the_database_keeps_lived_in_places_taken(engine: Engine, officer: User) -> None:
    """Tests the CHECK: once a child lives in H1's one place, no UPDATE shows it free,
    and confirming and ending move `occupied` with `vacancies`."""
    add_household(engine, "H1", vacancies=1, places=1)
    add_child(engine, "C1")
    with store.transaction(engine) as s:
        p = store.propose(s, "H1", child_id="C1", by=officer)
        (placement,) = store.confirm(s, p.id, by=officer)
    assert _capacity(engine) == (1, 0, 1)
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("UPDATE household SET vacancies = 1 WHERE id = 'H1'"))
    with store.transaction(engine) as s:
        store.end_placement(s, placement.id, "returned home", by=officer)
    assert _capacity(engine) == (1, 1, 0)


def _capacity(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT places, vacancies, occupied FROM household WHERE id = 'H1'")
        ).one()
    return tuple(row)  # type: ignore[return-value]


# --- migration 0006 on a database with records ----------------------------------------

NOW = "2026-11-01 10:00:00"
CHILD_COLUMNS = (
    "id, la, age, sex, ethnicity, religion, languages, home, school_must_stay, avoid, "
    "accepts, needs, flags, siblings_placed_with, wish_areas, wish_carers, created_at, "
    "updated_at"
)
HOUSEHOLD_COLUMNS = (
    "id, la, kind, provider, location, min_age, max_age, sexes, places, vacancies, "
    "available_from, skills, languages, ethnicity, religion, household_children_ages, "
    "smoker, pets, wheelchair_access, years_experience, weekly_cost, connected_children, "
    "created_at, updated_at"
)


def _fill_at_0005(conn: object) -> None:
    """Records as a service at 0005 had them, with the faults issue 13 found: H1 shows
    its one place free with a child living there; H2 (1 place, lowered under its two
    children) shows none free."""
    run = conn.execute  # type: ignore[attr-defined]
    for uid, las in ((1, ["Leeds"]), (2, ["Bradford"]), (3, ["Leeds", "Bradford"])):
        run(
            text(
                "INSERT INTO user_account (id, name, role, las, token_hash, active, created_at) "
                "VALUES (:id, 'u', 'admin', :las, :h, true, :now)"
            ),
            {"id": uid, "las": json.dumps(las), "h": f"{uid:064d}", "now": NOW},
        )
    for cid, la in (("C1", "Leeds"), ("C2", "Leeds"), ("C3", "Leeds"), ("B1", "Bradford")):
        run(
            text(
                f"INSERT INTO child ({CHILD_COLUMNS}) VALUES (:id, :la, 9, 'F', 'NOBT', "
                "'none', '[]', 'LS9', false, '[]', '[]', '[]', '[]', '[]', '[]', '[]', "
                ":now, :now)"
            ),
            {"id": cid, "la": la, "now": NOW},
        )
    for hid, places, vacancies in (("H1", 1, 1), ("H2", 1, 0)):
        run(
            text(
                f"INSERT INTO household ({HOUSEHOLD_COLUMNS}) VALUES (:id, 'Leeds', "
                "'foster', 'in_house', 'LS12', 0, 17, '[]', :places, :vacancies, "
                "'2026-01-01', '[]', '[]', 'NOBT', 'none', '[]', false, false, false, 0, "
                "500, '[]', :now, :now)"
            ),
            {"id": hid, "places": places, "vacancies": vacancies, "now": NOW},
        )
    for pid, child, household in ((1, "C1", "H1"), (2, "C2", "H2"), (3, "C3", "H2")):
        run(
            text(
                "INSERT INTO placement (id, child_id, household_id, started_on, created_at, "
                "over_capacity) VALUES (:id, :c, :h, '2026-10-01', :now, false)"
            ),
            {"id": pid, "c": child, "h": household, "now": NOW},
        )
    entries = [
        (1, 1, "child.list", ["C1", "B1"], None),  # by a Leeds admin, about both LAs
        (2, 3, "audit.read", [], None),  # by the two-LA user, about no child
        (3, None, "user.create", [], "2"),  # the CLI made the Bradford admin
        (4, None, "household.create", [], "H1"),  # a loader made a Leeds household
        (5, None, "child.read", [], None),  # nothing to go by
    ]
    for aid, uid, action, children, obj in entries:
        run(
            text(
                "INSERT INTO audit (id, at, user_id, action, child_ids, object_id, detail) "
                "VALUES (:id, :now, :u, :a, :c, :o, '{}')"
            ),
            {"id": aid, "now": NOW, "u": uid, "a": action, "c": json.dumps(children), "o": obj},
        )
        for c in children:
            run(
                text("INSERT INTO audit_child (audit_id, child_id) VALUES (:a, :c)"),
                {"a": aid, "c": c},
            )


def test_migration_0006_backfills_las_and_lived_in_places(db_url: str) -> None:
    """Tests that upgrading a database with records gives every old entry its LAs and
    its children's LAs (the log still append-only after), counts lived-in places, and
    mends households whose vacancies or places left a child's place free."""
    engine = store.make_engine(db_url)
    config = store.db.alembic_config(engine=engine)
    command.downgrade(config, "0005")
    with engine.begin() as conn:
        _fill_at_0005(conn)
    command.upgrade(config, "head")
    with store.transaction(engine, write=False) as s:
        las = {e.id: e.las for e in store.list_audit(s)}
        assert las == {
            1: ["Bradford", "Leeds"],
            2: ["Bradford", "Leeds"],
            3: ["Bradford"],
            4: ["Leeds"],
            5: [],
        }
        [listed] = store.list_audit(s, las=["Bradford"], action="child.list")
        assert listed.child_ids == ["B1"]
    with engine.connect() as conn:
        households = conn.execute(
            text("SELECT id, places, vacancies, occupied FROM household ORDER BY id")
        ).all()
        over = conn.execute(
            text("SELECT id FROM placement WHERE over_capacity ORDER BY id")
        ).scalars()
        assert [tuple(h) for h in households] == [("H1", 1, 0, 1), ("H2", 1, 0, 1)]
        assert list(over) == [3]  # the newest of H2's two children
    with pytest.raises(Exception, match="append-only"), engine.begin() as conn:
        conn.execute(text("UPDATE audit_child SET la = 'York'"))
    engine.dispose()
