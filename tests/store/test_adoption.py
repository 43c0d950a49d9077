"""Adoption in the store: children's adoption plans and adopters' approvals are kept,
checked as the problem format checks them, and come back out unchanged."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, text

import matching
import store
from matching.problem import problem_to_dict
from store.validate import ADOPTER_COLUMNS, ADOPTION_COLUMNS, child_values, household_values
from synth.adoption import generate_adoption_region
from tests.conftest import carer, child, doc, group
from tests.store.helpers import add_child, child_data, household_data

AS_OF = date(2026, 11, 23)

PLAN = {
    "waiting_since": "2025-03-01",
    "placement_order_date": "2025-05-14",
    "early_permanence": False,
    "uncertainties": ["family_mental_health", "developmental_uncertainty"],
    "contact": ["letterbox"],
    "notes": "needs a calm family with time for her",
}
APPROVAL = {
    "approved_on": "2025-01-10",
    "agency": "One Adoption West Yorkshire",
    "region": "Yorkshire and the Humber",
    "early_permanence": True,
    "uncertainties": ["developmental_uncertainty", "family_mental_health"],
    "contact": ["letterbox", "direct_siblings"],
}


def adoption_doc() -> dict[str, Any]:
    """Two brothers and a sister waiting (one plan with every field, one with the least),
    a foster child, two adopters (one with an approval), a foster household."""
    kids = [
        child("A1", age=2, accepts=["adoption"], adoption=PLAN),
        child("A2", age=4, sex="M", accepts=["adoption"], adoption={"waiting_since": "2024-02-01"}),
        child("A3", age=1, sex="M", accepts=["adoption", "foster"], adoption=PLAN),
        child("F1", age=12),
    ]
    homes = [
        carer("P1", kind="adoption", max_age=5, vacancies=3, adopter=APPROVAL),
        carer("P2", kind="adoption", la="Bradford", location="BD3", provider="other_la"),
        carer("H1"),
    ]
    return doc(kids, homes, [group("G1", ["A1", "A2", "A3"], "must")])


def normalised(document: dict[str, Any]) -> dict[str, Any]:
    out = problem_to_dict(matching.parse_problem(document))
    out.pop("as_of")
    for part in ("children", "carers", "sibling_groups"):
        out[part].sort(key=lambda e: e["id"])
    return out


def fields(info: pytest.ExceptionInfo[store.Invalid]) -> set[str]:
    return {i.field for i in info.value.issues}


def test_migration_adds_the_columns(engine: Engine) -> None:
    columns = inspect(engine)
    assert set(ADOPTION_COLUMNS) <= {c["name"] for c in columns.get_columns("child")}
    assert set(ADOPTER_COLUMNS) <= {c["name"] for c in columns.get_columns("household")}
    with store.transaction(engine, write=False) as s:
        assert s.exec(text("SELECT version_num FROM alembic_version")).one()[0] >= "0004"


def test_a_document_with_adoption_round_trips(engine: Engine) -> None:
    document = adoption_doc()
    with store.transaction(engine) as s:
        store.load_problem(s, document, by=None)
    with store.transaction(engine, write=False) as s:
        back = store.problem_dict(s, None, as_of=AS_OF)
        problem = store.build_problem(s, None, as_of=AS_OF)
    assert normalised(back) == normalised(document)
    assert problem.child_by_id["A1"].adoption is not None
    assert problem.child_by_id["A1"].adoption.placement_order_date == date(2025, 5, 14)
    assert problem.child_by_id["F1"].adoption is None
    adopters = {h.id: h.adopter for h in problem.carers}
    assert adopters["P1"] is not None and adopters["P1"].early_permanence
    assert adopters["P2"] is None and adopters["H1"] is None
    assert "adoption" not in next(c for c in back["children"] if c["id"] == "F1")
    assert "adopter" not in next(h for h in back["carers"] if h["id"] == "H1")


def test_a_generated_adoption_region_round_trips(engine: Engine) -> None:
    region = generate_adoption_region(40, 20, seed=5)
    with store.transaction(engine) as s:
        summary = store.load_problem(s, region, by=None)
    assert (summary.children, summary.households) == (40, 20)
    with store.transaction(engine, write=False) as s:
        back = store.problem_dict(s, None, as_of=date.fromisoformat(region["as_of"]))
    assert normalised(back) == normalised(region)
    assert all("adoption" in c for c in back["children"])
    assert all("adopter" in h for h in back["carers"])


def test_absent_means_null_columns(engine: Engine) -> None:
    """No plan, no approval: every adoption column is SQL NULL (not JSON null)."""
    with store.transaction(engine) as s:
        store.load_problem(s, adoption_doc(), by=None)
    nulls = " AND ".join(f"{c} IS NULL" for c in ADOPTION_COLUMNS)
    none = " AND ".join(f"{c} IS NULL" for c in ADOPTER_COLUMNS)
    with engine.connect() as conn:
        kids = conn.execute(text(f"SELECT id FROM child WHERE {nulls}")).scalars()
        homes = conn.execute(text(f"SELECT id FROM household WHERE {none}")).scalars()
        assert (sorted(kids), sorted(homes)) == (["F1"], ["H1", "P2"])


def test_records_carry_the_plan_and_the_approval(engine: Engine) -> None:
    with store.transaction(engine) as s:
        kid = store.create_child(
            s, child_data("A1", age=2, accepts=["adoption"], adoption=PLAN), by=None
        )
        home = store.create_household(
            s, household_data("P1", kind="adoption", adopter=APPROVAL), by=None
        )
        shown = store.child_to_dict(kid)["adoption"]
        assert shown == PLAN | {
            "uncertainties": sorted(PLAN["uncertainties"]),
            "min_distance_km": None,
            "need_levels": {},
        }
        assert store.household_to_dict(home)["adopter"] == APPROVAL | {
            "uncertainties": sorted(APPROVAL["uncertainties"]),
            "contact": sorted(APPROVAL["contact"]),
            "needs": {},
        }
    with store.transaction(engine) as s:
        least = store.update_child(s, "A1", {"adoption": {"waiting_since": "2025-04-01"}}, by=None)
        assert store.child_to_dict(least)["adoption"] == {
            "waiting_since": "2025-04-01",
            "placement_order_date": None,
            "early_permanence": False,
            "uncertainties": [],
            "contact": [],
            "notes": "",
            "min_distance_km": None,
            "need_levels": {},
        }
        same = store.update_child(s, "A1", {"needs": ["autism"]}, by=None)
        assert same.adoption_waiting_since == date(2025, 4, 1)  # kept when not sent
        gone = store.update_child(s, "A1", {"adoption": None, "accepts": ["foster"]}, by=None)
        assert store.child_to_dict(gone)["adoption"] is None
        assert gone.adoption_uncertainties is None
        store.update_household(s, "P1", {"adopter": None}, by=None)
    with store.transaction(engine, write=False) as s:
        assert store.household_to_dict(store.get_household(s, "P1"))["adopter"] is None
        entries = store.list_audit(s, action="child.update", object_id="A1")
        assert "adoption_waiting_since" in entries[-1].detail["fields"]


def test_adoption_fields_checked_by_name() -> None:
    with pytest.raises(store.Invalid) as info:
        child_values(child_data(accepts=["foster"], adoption=PLAN))
    assert fields(info) == {"adoption"}
    assert "does not accept adoption" in info.value.issues[0].message
    bad = {
        "waiting_since": "2025-02-30",
        "uncertainties": ["psychic"],
        "contact": ["carrier_pigeon"],
        "notes": "x" * 4001,
        "colour": "blue",
    }
    with pytest.raises(store.Invalid) as info:
        child_values(child_data(accepts=["adoption"], adoption=bad))
    assert fields(info) == {
        "adoption",
        "adoption.waiting_since",
        "adoption.uncertainties[0]",
        "adoption.contact[0]",
        "adoption.notes",
    }
    with pytest.raises(store.Invalid) as info:
        child_values(child_data(accepts=["adoption"], adoption={}))
    assert fields(info) == {"adoption.waiting_since"}


def test_adopter_fields_only_on_adopters() -> None:
    with pytest.raises(store.Invalid) as info:
        household_values(household_data(kind="foster", adopter=APPROVAL))
    assert fields(info) == {"adopter"}
    assert "kind 'foster'" in info.value.issues[0].message
    with pytest.raises(store.Invalid) as info:
        household_values(
            household_data(kind="adoption", adopter={"approved_on": "soon", "agency": "x" * 201})
        )
    assert fields(info) == {"adopter.approved_on", "adopter.agency"}
    plain = household_values(household_data(kind="adoption"))
    assert all(plain[c] is None for c in ADOPTER_COLUMNS)


def test_changes_that_break_the_plan_are_refused(engine: Engine) -> None:
    """A plan that stops accepting adoption, or an adopter that becomes a foster home,
    must drop the adoption details in the same change."""
    add_child(engine, "A1", accepts=["adoption"], adoption=PLAN)
    with store.transaction(engine) as s:
        store.create_household(s, household_data("P1", kind="adoption", adopter=APPROVAL), by=None)
    with store.transaction(engine) as s:
        with pytest.raises(store.Invalid) as info:
            store.update_child(s, "A1", {"accepts": ["foster"]}, by=None)
        assert fields(info) == {"adoption"}
        with pytest.raises(store.Invalid) as info:
            store.update_household(s, "P1", {"kind": "foster"}, by=None)
        assert fields(info) == {"adopter"}
        home = store.update_household(s, "P1", {"kind": "foster", "adopter": None}, by=None)
        assert home.adopter_approved_on is None


def test_load_refuses_adoption_details_out_of_place(engine: Engine) -> None:
    bad = doc(
        [child("C1", adoption={"waiting_since": "2025-01-01"})],
        [carer("H1", adopter={"approved_on": "2025-01-01"})],
    )
    with pytest.raises(store.Invalid) as info, store.transaction(engine) as s:
        store.load_problem(s, bad, by=None)
    assert {"$.children[0].adoption", "$.carers[0].adopter"} <= fields(info)
    with store.transaction(engine, write=False) as s:
        assert store.list_children(s) == []


def test_problem_of_adopters_only(engine: Engine) -> None:
    """`carer_kinds` keeps the households of those kinds and any a child names."""
    document = adoption_doc()
    document["children"][3]["wishes"] = {"areas": [], "carers": ["H1"]}
    with store.transaction(engine) as s:
        store.load_problem(s, document, by=None)
        store.create_household(s, household_data("H2"), by=None)
    with store.transaction(engine, write=False) as s:
        out = store.problem_dict(s, ["Leeds"], carer_kinds=["adoption"], as_of=AS_OF)
    assert [h["id"] for h in out["carers"]] == ["H1", "P1", "P2"]
