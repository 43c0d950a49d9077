"""Small-number suppression (ssda903.disclosure): which counts a planner does not see."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ssda903.disclosure import FEWER_THAN_5, SUPPRESSED, hidden, shown


def test_small_counts_and_the_one_that_would_give_them_away() -> None:
    """Tests primary suppression (1-4), zero shown, and secondary suppression of the
    smallest other cell when one small cell sits under a total."""
    assert hidden([0, 5, 12]) == {}
    assert hidden([3, 7, 12]) == {0: FEWER_THAN_5, 1: SUPPRESSED}
    assert hidden([3, 2, 12]) == {0: FEWER_THAN_5, 1: FEWER_THAN_5}
    assert hidden([3, 7, 12], total_shown=False) == {0: FEWER_THAN_5}
    assert hidden([4]) == {0: FEWER_THAN_5}
    assert shown(0) == 0 and shown(4) == FEWER_THAN_5 and shown(5) == 5


@given(st.lists(st.integers(0, 40), min_size=1, max_size=12))
def test_no_small_cell_can_be_worked_out_from_the_total(counts: list[int]) -> None:
    """Tests that every small cell is hidden, and that a hidden cell is never alone
    among the non-zero cells unless it is the only one (then the total says it)."""
    out = hidden(counts)
    assert all(k in out for k, n in enumerate(counts) if 0 < n < 5)
    nonzero = [k for k, n in enumerate(counts) if n]
    if len(out) == 1:
        assert nonzero == list(out)
