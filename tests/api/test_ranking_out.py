"""The API's ranking model carries the place-now-or-wait advisory (issue 19)."""

from __future__ import annotations

import matching
from api.schemas.matches import RankingOut
from tests.conftest import carer, child, problem


def test_ranking_out_carries_better_soon() -> None:
    """Tests that a ranking with an advisory reads back through RankingOut unchanged, and
    one without it reads back with `better_soon` null."""
    soon = [{"from": "2026-12-10", "places": 1, "why": "placement_ends"}]
    carers = [
        carer("FAR", location="BD1", la="Bradford", weekly_cost=1500),
        carer("NEAR", location="LS8", vacancies=0, expected_places=soon),
    ]
    ranked = matching.rank(problem([child("C1", needed_by="2026-12-20")], carers), "C1")
    out = RankingOut.model_validate(ranked.to_dict()).model_dump(mode="json")
    assert out["better_soon"] == ranked.to_dict()["better_soon"]
    assert out["better_soon"]["carer"] == "NEAR"
    today = matching.rank(problem([child("C1")], carers[:1]), "C1")
    assert RankingOut.model_validate(today.to_dict()).better_soon is None
