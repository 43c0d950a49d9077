"""Any sequence of family-finders' moves on links does what a plain model of the rules
says (hypothesis, on SQLite): a move happens exactly when its state allows it and, to
panel, when no child or adopter of the link is in another link at panel or placed; so
at most one link per child and per adopter is ever past the panel's door."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

import store
from store import family_links
from store.family_links import NEXT_STATES
from store.models import LINK_PROGRESSING, LINK_STATES, User
from tests.store.helpers import REFERRAL, child_data, fresh_sqlite, household_data

CHILDREN = ["C0", "C1", "C2"]
ADOPTERS = ["AD0", "AD1"]
APPROVAL = {"approved_on": "2025-01-10", "agency": "One Adoption West Yorkshire"}

step = st.one_of(
    st.tuples(
        st.just("link"),
        st.lists(st.sampled_from(CHILDREN), min_size=1, max_size=2, unique=True),
        st.sampled_from(ADOPTERS),
    ),
    st.tuples(st.just("move"), st.integers(0, 9), st.sampled_from(LINK_STATES)),
    # A step forward (proposed → exploring → to_panel → placed), as most moves are.
    st.tuples(st.just("move"), st.integers(0, 9), st.just("forward")),
    st.tuples(st.just("move"), st.integers(0, 9), st.just("forward")),
)
FORWARD = {"proposed": "exploring", "exploring": "to_panel", "to_panel": "placed"}


def _setup(engine: Engine) -> User:
    with store.transaction(engine) as s:
        finder: User = store.create_user(s, "finder", "family_finder", ["Leeds"])[0]
        for hid in ADOPTERS:
            data = household_data(hid, kind="adoption", adopter=APPROVAL)
            store.create_household(s, data, by=None)
        for cid in CHILDREN:
            store.create_child(s, child_data(cid, accepts=["adoption"]), by=None)
            store.open_referral(s, cid, REFERRAL, by=None)
    return finder


def _may_move(links: list[tuple[set[str], str, str]], i: int, to: str) -> bool:
    """The model: the state allows it and, to panel, nobody in it is taken elsewhere."""
    children, adopter, state = links[i]
    if to not in NEXT_STATES[state]:
        return False
    if to != "to_panel":
        return True
    return not any(
        j != i and s in LINK_PROGRESSING and (c & children or a == adopter)
        for j, (c, a, s) in enumerate(links)
    )


def _may_link(links: list[tuple[set[str], str, str]], children: set[str], adopter: str) -> bool:
    live = ("proposed", "exploring", "to_panel")
    return not any(a == adopter and s in live and c & children for c, a, s in links)


def run(engine: Engine, steps: list[tuple]) -> None:
    finder = _setup(engine)
    links: list[tuple[set[str], str, str]] = []  # the model: children, adopter, state
    ids: list[int] = []
    for op, *args in steps:
        with store.transaction(engine) as s:
            if op == "link":
                kids, adopter = set(args[0]), args[1]
                want = _may_link(links, kids, adopter)
                try:
                    made = family_links.create_link(
                        s, adopter, sorted(kids), by=finder, las=finder.las
                    )
                except store.Conflict:
                    assert not want
                    continue
                assert want and made.id is not None
                links.append((kids, adopter, "proposed"))
                ids.append(made.id)
            elif op == "move" and links:
                i, to = args[0] % len(links), args[1]
                if to == "forward":
                    to = FORWARD.get(links[i][2], "exploring")
                want = _may_move(links, i, to)
                try:
                    family_links.move_link(
                        s, ids[i], to, by=finder, las=finder.las, reason="other", note="why"
                    )
                except store.Conflict:
                    assert not want, (links[i], to)
                    continue
                assert want, (links[i], to)
                links[i] = (links[i][0], links[i][1], to)
        with store.transaction(engine, write=False) as s:
            stored = [family_links.get_link(s, i) for i in ids]
            assert [link.state for link in stored] == [state for _, _, state in links]
        past = [(c, a) for c, a, state in links if state in LINK_PROGRESSING]
        assert max(Counter(a for _, a in past).values(), default=0) <= 1
        assert max(Counter(k for c, _ in past for k in c).values(), default=0) <= 1


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=25))
def test_any_sequence_of_moves_follows_the_rules(sqlite_template: Path, steps: list[tuple]) -> None:
    with fresh_sqlite(sqlite_template) as engine:
        run(engine, steps)
