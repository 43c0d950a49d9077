"""Problem documents in and out: the database holds what the core would read."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

import matching
import store
from matching.problem import problem_to_dict, schema
from matching.schema_check import QuickCheck
from store.models import User
from synth import generate_region
from tests.conftest import carer, child, doc, group

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="module")
def region() -> dict:
    return generate_region(60, 180, seed=3, las=("Leeds", "Bradford"))


def normalised(document: dict) -> dict:
    out = problem_to_dict(matching.parse_problem(document))
    out.pop("as_of")
    return out


def test_region_round_trip(engine: Engine, region: dict, officer: User) -> None:
    with store.transaction(engine) as s:
        summary = store.load_problem(s, region, by=officer)
    assert summary == store.LoadSummary(
        children=60, referrals=60, households=180, sibling_groups=len(region["sibling_groups"])
    )
    with store.transaction(engine, write=False) as s:
        back = store.problem_dict(s, None, as_of=AS_OF)
        assert store.get_policy(s) == region["policy"]
        problem = store.build_problem(s, ["Leeds"], as_of=AS_OF)
    assert normalised(back) == normalised(region)
    assert any(h["expected_places"] for h in region["carers"])  # kept through the store
    # Plain JSON, so the service's problem builds take the quick schema check.
    assert QuickCheck(schema()).passes(back) and QuickCheck(schema()).passes(region)
    assert {c.la for c in problem.children} == {"Leeds"}
    assert len(problem.carers) == 180  # every household may take a Leeds child
    with store.transaction(engine, write=False) as s:
        (entry,) = store.list_audit(s, action="problem.load")
        assert entry.detail["children"] == 60 and len(entry.child_ids) == 60


def test_invalid_document_names_paths_and_writes_nothing(engine: Engine) -> None:
    bad = doc([child("C1", home="EG19"), child("C1")], [carer("H1", kind="castle")])
    with pytest.raises(store.Invalid) as info, store.transaction(engine) as s:
        store.load_problem(s, bad, by=None)
    paths = {i.field for i in info.value.issues}
    assert "$.carers[0].kind" in paths
    with store.transaction(engine, write=False) as s:
        assert store.list_children(s) == [] and store.list_households(s) == []


def test_unknown_la_refused(engine: Engine) -> None:
    with pytest.raises(store.Invalid, match="known LA"), store.transaction(engine) as s:
        store.load_problem(s, doc([child("C1", la="Atlantis")]), by=None)


def test_second_load_of_the_same_ids_is_refused_whole(engine: Engine) -> None:
    with store.transaction(engine) as s:
        store.load_problem(s, doc([child("C1")], [carer("H1")]), by=None)
    again = doc([child("C2"), child("C1")], [carer("H2")])
    with pytest.raises(store.DuplicateId, match="C1"), store.transaction(engine) as s:
        store.load_problem(s, again, by=None)
    with store.transaction(engine, write=False) as s:
        assert [c.id for c in store.list_children(s)] == ["C1"]
        assert [h.id for h in store.list_households(s)] == ["H1"]


def test_export_follows_the_workflow(engine: Engine, officer: User) -> None:
    """Holds take vacancies away, placed children live in their household, a placed
    sibling's household is where the others' brother or sister lives, and placed
    children are no longer referrals."""
    document = doc(
        [child("C1", age=7), child("C2", age=9), child("C3", la="Bradford", home="BD1")],
        [carer("H1", vacancies=1), carer("H2", vacancies=2), carer("H3", vacancies=1)],
        [group("G1", ["C1", "C2"], "should")],
    )
    with store.transaction(engine) as s:
        store.load_problem(s, document, by=None)
        placed = store.propose(s, "H1", child_id="C1", by=officer)
        store.confirm(s, placed.id, by=officer)
        store.propose(s, "H2", child_id="C2", by=officer)
    with store.transaction(engine, write=False) as s:
        out = store.problem_dict(s, ["Leeds"], as_of=date(2026, 11, 22))
        matching.parse_problem(out)
    assert [c["id"] for c in out["children"]] == ["C2"]
    assert out["children"][0]["siblings_placed_with"] == ["H1"]
    assert out["sibling_groups"] == []  # one member left open
    carers = {h["id"]: h for h in out["carers"]}
    assert (carers["H1"]["vacancies"], carers["H1"]["household_children_ages"]) == (0, [7])
    assert carers["H2"]["vacancies"] == 1  # one of two held for C2
    with store.transaction(engine, write=False) as s:
        only = store.problem_dict(s, ["Bradford"], carer_las=["Bradford"], as_of=AS_OF)
    assert [c["id"] for c in only["children"]] == ["C3"] and only["carers"] == []


def test_date_of_birth_gives_the_age_on_the_day(engine: Engine) -> None:
    with store.transaction(engine) as s:
        store.create_household(s, carer("H1"), by=None)
        record = {k: v for k, v in child("C1").items() if k not in ("urgency", "needed_by")}
        store.create_child(s, record | {"date_of_birth": "2016-12-01", "age": 9}, by=None)
        store.open_referral(s, "C1", {"urgency": "planned", "needed_by": "2027-01-01"}, by=None)
    with store.transaction(engine, write=False) as s:
        before = store.problem_dict(s, None, as_of=date(2026, 11, 30))
        after = store.problem_dict(s, None, as_of=date(2026, 12, 1))
    assert (before["children"][0]["age"], after["children"][0]["age"]) == (9, 10)


def test_policy(engine: Engine) -> None:
    with store.transaction(engine) as s:
        assert store.get_policy(s) == {}
        store.set_policy(s, {"time_limit_s": 5, "weights": {"cost": 0}}, by=None)
        with pytest.raises(store.Invalid):
            store.set_policy(s, {"time_limit_s": -1}, by=None)
    with store.transaction(engine, write=False) as s:
        assert store.get_policy(s) == {"time_limit_s": 5, "weights": {"cost": 0}}
        assert store.problem_dict(s, None, policy={"seed": 2})["policy"] == {"seed": 2}
