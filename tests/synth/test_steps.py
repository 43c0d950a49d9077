"""Tests of the named steps of the region generator (synth.region): each on its own,
with a fresh seeded generator."""

from __future__ import annotations

from datetime import date

import numpy as np

from synth import calibration as cal
from synth.referrals import _sibling_policies, _units
from synth.region import _Days
from vocab import NEEDS


def test_units_partition_children_into_contiguous_units() -> None:
    """Tests that units cover every child once, in order, and that groups have 2+."""
    units = _units(np.random.default_rng(3), 200, 0.3)
    assert int(units.size.sum()) == 200
    assert units.of_child.tolist() == np.repeat(np.arange(len(units.size)), units.size).tolist()
    assert (units.start == np.concatenate([[0], np.cumsum(units.size)[:-1]])).all()
    assert (units.size[units.group_units] >= 2).all()
    assert (units.size[units.singles] == 1).all()
    assert units.group[units.group_units].tolist() == list(range(len(units.group_units)))


def test_harmful_sexual_behaviour_keeps_a_group_apart() -> None:
    """Tests that a group with a harmful-sexual-behaviour need is 'apart' and so not
    together, whatever its drawn policy."""
    units = _units(np.random.default_rng(1), 60, 0.5)
    needs = np.zeros((60, len(NEEDS)), dtype=bool)
    g = int(units.group_units[0])
    needs[int(units.start[g]), NEEDS.index("harmful_sexual_behaviour")] = True
    policy, together = _sibling_policies(np.random.default_rng(2), units, needs)
    assert list(cal.SIBLING_POLICY_MIX)[int(policy[0])] == "apart"
    members = units.of_child == g
    assert not together[members].any()


def test_days_are_iso_dates_after_as_of() -> None:
    """Tests that a day offset reads as the ISO date that many days after as_of."""
    day = _Days(date(2026, 11, 23))
    assert day(0) == "2026-11-23"
    assert day(-23) == "2026-10-31"
    assert day(9) == "2026-12-02" == day(9)
