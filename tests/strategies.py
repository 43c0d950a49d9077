"""The hypothesis strategies the property tests share, in one place.

Random problems are drawn through the oracle's chooser interface (tests/oracle.py), so the
same generator serves seeded random runs (`RandomChooser`) and hypothesis, which shrinks a
failing case towards the simplest problem (no flags, fewest children).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from tests.oracle import random_adoption_problem, random_problem

Doc = dict[str, Any]
Market = tuple[dict[str, Any], dict[str, dict[str, int]], dict[str, int]]


class DrawChooser:
    """The oracle's chooser interface over hypothesis draws (shrinks towards no flags)."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def integer(self, lo: int, hi: int) -> int:
        return self.draw(st.integers(lo, hi))

    def choice(self, options: Sequence[Any]) -> Any:
        return self.draw(st.sampled_from(list(options)))

    def chance(self, p: float) -> bool:
        return self.draw(st.integers(0, 99)) >= round((1 - p) * 100)


@st.composite
def problems(draw: st.DrawFn) -> Doc:
    return random_problem(DrawChooser(draw))


@st.composite
def problems_with_expected_places(draw: st.DrawFn) -> Doc:
    """A small random problem whose children are needed over the next two months and
    about half of whose carers expect a place or two on a day in that time, most of them
    with no free place today (issue 19)."""
    d = random_problem(DrawChooser(draw))
    as_of = date.fromisoformat(d["as_of"])
    days = st.integers(0, 60).map(lambda n: (as_of + timedelta(days=n)).isoformat())
    for kid in d["children"]:
        kid["needed_by"] = draw(days)
    for h in d["carers"]:
        if draw(st.booleans()):
            places = draw(st.integers(1, 2))
            h["expected_places"] = [{"from": draw(days), "places": places, "why": "approval"}]
            h["vacancies"] = draw(st.sampled_from((0, 0, h["vacancies"])))  # full today
    return d


@st.composite
def adoption_problems(draw: st.DrawFn) -> Doc:
    return random_adoption_problem(DrawChooser(draw))


@st.composite
def markets(draw: st.DrawFn) -> Market:
    """A small one-to-many market: each child's list of families, each family's ranking of
    the children it accepts, and its places."""
    n_children = draw(st.integers(0, 6))
    n_families = draw(st.integers(1, 4))
    children = [f"C{i}" for i in range(n_children)]
    families = [f"F{j}" for j in range(n_families)]
    child_prefs = {
        c: draw(st.permutations(families).map(lambda p: p[: draw(st.integers(0, len(p)))]))
        for c in children
    }
    family_rank = {}
    for f in families:
        accepted = draw(st.lists(st.sampled_from(children), unique=True)) if children else []
        family_rank[f] = {c: i for i, c in enumerate(accepted)}
    capacity = {f: draw(st.integers(0, 2)) for f in families}
    return child_prefs, family_rank, capacity


@st.composite
def adoption_problems_with_links(draw: st.DrawFn) -> tuple[Doc, dict[str, list[list[str]]]]:
    """A small family-finding problem and a link history over its own children and
    adopters (`LinkHistory.from_dict`'s shape): some pairs declined, some with interest
    from either side, and at most one link going ahead."""
    doc = random_adoption_problem(DrawChooser(draw))
    kids = [c["id"] for c in doc["children"]]
    homes = [h["id"] for h in doc["carers"]]
    pairs = [[c, h] for c in kids for h in homes]
    some = st.lists(st.sampled_from(pairs), max_size=4) if pairs else st.just([])
    history = {
        "declined": draw(some),
        "adopter_interest": draw(some),
        "finder_interest": draw(some),
        "progressing": draw(some)[:1],
    }
    return doc, history
