"""Recruiting supply for a what-if (issue 19): homes recruited for sibling groups."""

from __future__ import annotations

import dataclasses

import pytest

from scenarios.simulate import Simulation
from scenarios.spec import Recruit, Scenario, ScenarioInvalid, load_scenario_text

TINY = Scenario(name="tiny", seed=3, children=700, households=260, horizon_weeks=10)


def _recruited_homes_take(for_siblings: bool) -> tuple[int, int]:
    """Children placed in the recruited homes over the tiny year: those placed there
    alone (no brother or sister with them), and those placed with one."""
    recruits = tuple(
        Recruit(week=0, count=6, la=la, places=3, for_siblings=for_siblings) for la in TINY.las
    )
    sim = Simulation(dataclasses.replace(TINY, recruit=recruits), 0)
    run = sim.run()
    at: dict[int, list[str | None]] = {}
    for r in run.children:
        if r.household is not None and sim.households[r.household].id.startswith("R0-"):
            at.setdefault(r.household, []).append(r.group)
    alone = sum(1 for groups in at.values() for g in groups if g is None or groups.count(g) < 2)
    together = sum(
        1 for groups in at.values() for g in groups if g is not None and groups.count(g) >= 2
    )
    return alone, together


def test_homes_recruited_for_sibling_groups_are_kept_for_them() -> None:
    """Kept for groups, the recruits take brothers and sisters together and never a
    child alone; recruited as ordinary homes, they take children alone too (so the
    flag, not chance, keeps them)."""
    alone, together = _recruited_homes_take(for_siblings=True)
    assert alone == 0 and together > 0
    alone, _ = _recruited_homes_take(for_siblings=False)
    assert alone > 0


@pytest.mark.parametrize(
    ("item", "words"),
    [
        ("{la: Leeds, places: 3, for_siblings: yes please}", "expected true or false"),
        ("{la: Leeds, places: 1, for_siblings: true}", "needs 2+ places"),
        ("{la: Leeds, for_siblings: true}", "needs 2+ places"),
    ],
)
def test_a_recruit_for_sibling_groups_is_checked(item: str, words: str) -> None:
    with pytest.raises(ScenarioInvalid) as caught:
        load_scenario_text(f"name: x\nsupply: {{recruit: [{item}]}}\n")
    issues = caught.value.issues
    assert any(p == "supply.recruit[0].for_siblings" and words in m for p, m in issues), issues


def test_a_recruit_is_an_ordinary_home_unless_kept_for_sibling_groups() -> None:
    plain = load_scenario_text("name: x\nsupply: {recruit: [{la: Leeds, places: 3}]}\n")
    kept = load_scenario_text(
        "name: x\nsupply: {recruit: [{la: Leeds, places: 3, for_siblings: true}]}\n"
    )
    assert not plain.recruit[0].for_siblings and kept.recruit[0].for_siblings
