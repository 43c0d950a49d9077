"""Reassigning the free children by network flow: it never breaks a rule or lowers a
level, it reaches the relaxation's optimum when nobody is bound to anyone, and it
leaves alone the children whose rules a flow cannot carry."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.batch.model import AssignmentModel
from matching.batch.reassign import free_part, gather_by_flow, reassign
from matching.batch.relaxation import relax
from tests.conftest import carer, child, doc, group
from tests.matching.batch_helpers import assign, exchange_problem, ids_of, model_of
from tests.oracle import RandomChooser, random_problem, result_violations
from vocab import URGENCIES

ADOPTER: dict[str, Any] = {
    "kind": "adoption",
    "provider": "in_house",
    "adopter": {"approved_on": "2026-02-01"},
}
ADOPTION: dict[str, Any] = {"accepts": ["adoption"], "adoption": {"waiting_since": "2025-05-01"}}


def _tiers(model: AssignmentModel, x: np.ndarray) -> list[int]:
    return [model.level_value(u, x) for u in URGENCIES]


@settings(max_examples=80, deadline=None)
@given(seed=st.integers(0, 100_000), more=st.booleans())
def test_reassigning_keeps_every_rule_and_never_lowers_a_level(seed: int, more: bool) -> None:
    document = random_problem(RandomChooser(seed), children=(5, 12), carers=(2, 7))
    model = model_of(document)
    x = model.values(model.gather_siblings(model.greedy_start({})))

    y = reassign(model, x, more_placed=more)

    assert model.feasible(y)
    assert result_violations(document, ids_of(model, y)) == []
    if more:
        assert _tiers(model, y) >= _tiers(model, x)  # most urgent first
    else:
        assert _tiers(model, y) == _tiers(model, x)  # level 1 held exactly
    assert model.level_value("siblings", y) >= model.level_value("siblings", x)
    if _tiers(model, y) == _tiers(model, x):
        assert model.level_value("quality", y) >= model.level_value("quality", x)


def _unbound_problem(seed: int) -> dict[str, Any]:
    """A random problem with no sibling groups, no flags and no adopter with room for
    two (who takes one family): every child is free."""
    document = random_problem(RandomChooser(seed), children=(5, 12), carers=(2, 7))
    document.pop("sibling_groups", None)
    for kid in document["children"]:
        kid["flags"] = []
        kid["needs"] = [n for n in kid["needs"] if n != "harmful_sexual_behaviour"]  # a flag too
        kid.get("adoption", {}).get("need_levels", {}).pop("harmful_sexual_behaviour", None)
        kid.pop("siblings_placed_with", None)
    for home in document["carers"]:
        if home["kind"] == "adoption":
            home["vacancies"] = min(home["vacancies"], 1)
    return document


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 100_000))
def test_with_nobody_bound_the_flow_reaches_the_relaxations_optimum(seed: int) -> None:
    """The relaxation (pair rules and capacity only) is then the whole problem, so its
    tier counts and its best quality are what the flow must reach from any start."""
    model = model_of(_unbound_problem(seed))
    pairs = model.pairs
    relaxed = relax(
        pairs.eligible, pairs.quality, pairs.vacancies, [c.urgency for c in pairs.children]
    )
    x = model.values(model.greedy_start({}))

    y = reassign(model, x, more_placed=True)
    z = reassign(model, y, more_placed=False)

    assert _tiers(model, y) == [relaxed.tier_bound[u] for u in URGENCIES]
    assert model.level_value("quality", z) == relaxed.quality_bound


def test_a_chain_of_moves_no_single_swap_finds() -> None:
    """A is with H2 (its second best), B with H3, C unplaced-able elsewhere: the best
    quality moves all three at once, and the flow finds it in one step."""
    kids = [
        child("A", home="LS12"),
        child("B", home="LS6"),
        child("C", home="LS9"),
    ]
    homes = [
        carer("H1", location="LS12"),
        carer("H2", location="LS6"),
        carer("H3", location="LS9"),
    ]
    document = doc(kids, homes)
    model = model_of(document)
    x = assign(model, {"A": "H2", "B": "H3", "C": "H1"})

    y = reassign(model, x, more_placed=False)

    assert ids_of(model, y) == {"A": "H1", "B": "H2", "C": "H3"}


def test_nobody_joins_a_child_who_must_be_the_only_child() -> None:
    """NEAR would score more in ONLY's household, but may not live there; the flow
    keeps it out, and still moves OTHER to the nearer place it can have."""
    kids = [
        child("ONLY", home="LS12", flags=["only_child"]),
        child("NEAR", home="LS12"),
        child("OTHER", home="LS9"),
    ]
    homes = [
        carer("H1", location="LS12", vacancies=2),
        carer("FAR", location="LS6"),
        carer("FAR2", location="LS6"),
        carer("NEXT_DOOR", location="LS9"),
    ]
    document = doc(kids, homes)
    model = model_of(document)
    x = assign(model, {"ONLY": "H1", "NEAR": "FAR", "OTHER": "FAR2"})

    y = reassign(model, x, more_placed=False)

    placed = ids_of(model, y)
    assert placed["ONLY"] == "H1" and placed["NEAR"] != "H1"
    assert placed["OTHER"] == "NEXT_DOOR"
    assert result_violations(document, placed) == []


def test_brothers_kept_together_stay_together() -> None:
    """Level 2 cannot fall: a `should` group together is held where it is, even where
    each brother alone would score more elsewhere."""
    kids = [
        child("B1", home="LS6", age=10, sex="M"),
        child("B2", home="LS6", age=11, sex="M"),
    ]
    homes = [
        carer("TOGETHER", location="LS12", vacancies=2),
        carer("NEAR1", location="LS6"),
        carer("NEAR2", location="LS6"),
    ]
    document = doc(kids, homes, [group("G", ["B1", "B2"], "should")])
    model = model_of(document)
    x = assign(model, {"B1": "TOGETHER", "B2": "TOGETHER"})

    y = reassign(model, x, more_placed=False)

    assert ids_of(model, y) == {"B1": "TOGETHER", "B2": "TOGETHER"}
    assert model.level_value("siblings", y) == 1


def test_an_adopter_takes_one_family_from_the_flow() -> None:
    """An adopter approved for two takes one child, or brothers and sisters: two
    unrelated children who would each score best there are not both given it."""
    kids = [child("A", home="LS12", **ADOPTION), child("B", home="LS12", **ADOPTION)]
    homes = [
        carer("PAIR", location="LS12", vacancies=2, **ADOPTER),
        carer("ELSEWHERE", location="LS6", **ADOPTER),
    ]
    document = doc(kids, homes)
    model = model_of(document)
    x = assign(model, {"A": "ELSEWHERE"})
    pair = [h.id for h in model.pairs.ctx.table.carers].index("PAIR")
    assert free_part(model, x).room[pair] == 1  # two places, one family

    y = reassign(model, x, more_placed=True)

    placed = ids_of(model, y)
    assert sorted(placed.values()) == ["ELSEWHERE", "PAIR"]
    assert result_violations(document, placed) == []


def test_gathering_by_flow_trades_places_within_a_tier() -> None:
    document = exchange_problem()
    model = model_of(document)
    x = assign(model, {"C1": "B", "C2": "D", "X": "A", "Y": "A"})
    held = dict(zip(URGENCIES, _tiers(model, x), strict=True))

    out = gather_by_flow(model, x, held, time.perf_counter() + 10)

    placed = ids_of(model, out)
    assert placed["C1"] == placed["C2"] == "A"
    assert sorted(placed) == ["C1", "C2", "U1", "U2"]
    assert _tiers(model, out) == _tiers(model, x)
    assert result_violations(document, placed) == []


def test_gathering_by_flow_never_buys_a_group_with_a_more_urgent_child() -> None:
    document = exchange_problem()
    for kid in document["children"]:
        if kid["id"] in ("X", "Y"):
            kid["urgency"] = "emergency"  # now the trade would cost an emergency place
    model = model_of(document)
    x = assign(model, {"C1": "B", "C2": "D", "X": "A", "Y": "A"})
    held = dict(zip(URGENCIES, _tiers(model, x), strict=True))

    out = gather_by_flow(model, x, held, time.perf_counter() + 10)

    assert _tiers(model, out) == _tiers(model, x)
    assert model.level_value("siblings", out) == 0
    assert ids_of(model, out)["X"] == "A"


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 100_000))
def test_gathering_by_flow_keeps_every_rule_and_the_held_tiers(seed: int) -> None:
    document = random_problem(RandomChooser(seed), children=(5, 12), carers=(2, 7))
    model = model_of(document)
    x = model.values(model.greedy_start({}))
    held = dict(zip(URGENCIES, _tiers(model, x), strict=True))

    out = gather_by_flow(model, x, held, time.perf_counter() + 10)

    assert model.feasible(out)
    assert result_violations(document, ids_of(model, out)) == []
    assert _tiers(model, out) >= _tiers(model, x)
    assert all(model.level_value(u, out) >= held[u] for u in URGENCIES)
    assert model.level_value("siblings", out) >= model.level_value("siblings", x)
