"""The placement workflow's pure steps, alone: how many children a proposal puts beyond
a household's approved places, and the sibling groups a problem document shows."""

from __future__ import annotations

import socket

import pytest

from bench.ports import free_port
from store.errors import VacancyTaken
from store.problems import _SiblingGroups
from store.workflow.proposals import _places_over


def test_enough_unheld_vacancies_put_nobody_over_capacity() -> None:
    """Tests that free places for every child mean no child lives there over capacity."""
    assert _places_over("H1", free=2, needed=2, exception_rule=None) == 0


def test_too_few_vacancies_without_an_exception_are_refused() -> None:
    """Tests that too few unheld places raise VacancyTaken naming what is free and needed."""
    with pytest.raises(VacancyTaken, match=r"household H1 has 0 unheld vacancy\(ies\); 2 needed"):
        _places_over("H1", free=-1, needed=2, exception_rule=None)
    with pytest.raises(VacancyTaken):
        _places_over("H1", free=1, needed=2, exception_rule="distance")


def test_a_vacancy_exception_puts_the_rest_over_capacity() -> None:
    """Tests that an authorised `vacancy` exception takes the free places there are and
    counts the other children as over capacity (never fewer than none free)."""
    assert _places_over("H1", free=1, needed=3, exception_rule="vacancy") == 2
    assert _places_over("H1", free=-2, needed=2, exception_rule="vacancy") == 2


def test_a_sibling_group_shows_only_with_two_members_present() -> None:
    """Tests that a group appears in the problem with its members among the children
    asked for, in order, and only when two or more of them are."""
    groups = _SiblingGroups(
        members={"G2": ["c", "d"], "G1": ["a", "b", "x"]},
        policy={"G1": "must", "G2": "should"},
    )
    assert groups.present({"a", "b", "c"}) == [
        {"id": "G1", "children": ["a", "b"], "policy": "must"}
    ]


def test_free_port_is_one_nothing_listens_on() -> None:
    """Tests that the port given can be bound on the loopback address at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", free_port()))
