"""Small-number suppression (ssda903.disclosure): which counts a planner does not see."""

from __future__ import annotations

from collections import Counter
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from ssda903.baseline import BANDS, Baseline
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


def _baseline(bands: list[int]) -> Baseline:
    n = sum(bands)
    return Baseline(
        las=("Leeds",),
        as_of=(date(2024, 3, 31),),
        looked_after=n,
        by_group=Counter({"foster": n}),
        codes_in_group={"foster": ("U4",)},
        by_kind=Counter({"foster": n}),
        by_provider=Counter({("in_house", "PR1"): n}),
        distance_known=n,
        over_20_miles=bands[1] + bands[3],
        median_km=5.0,
        location_known=n,
        outside_la=bands[2] + bands[3],
        bands=Counter(dict(zip(BANDS, bands, strict=False))),
    )


def test_a_planners_baseline_hides_small_cells_and_their_give_away() -> None:
    """Tests the baseline's tables and figures as a planner sees them: a band of 3
    children is "fewer than 5", the next smallest band "suppressed", the shares that
    would show them null; the unsuppressed baseline is unchanged."""
    b = _baseline([80, 3, 12, 40])  # inside near, inside far, outside near, outside far
    rows = {r[0]: r[1:] for r in b.tables(suppress=True)["distance_locality"]["rows"]}
    assert rows[BANDS[1]] == [FEWER_THAN_5, "–"] and rows[BANDS[2]] == [SUPPRESSED, "–"]
    assert rows[BANDS[0]] == [80, "59.3%"]
    figures = b.to_dict(suppress=True)
    assert figures["looked_after"] == 135 and figures["small_numbers_hidden"] is True
    assert figures["share_outside_la"] == b.share_outside_la  # 52 of 135: nothing small
    exact = {r[0]: r[1] for r in b.tables()["distance_locality"]["rows"]}
    assert exact[BANDS[1]] == 3
    few = _baseline([130, 0, 0, 2]).to_dict(suppress=True)
    assert few["share_over_20_miles"] is None and few["share_outside_la"] is None
    headline = dict(_baseline([130, 0, 0, 2]).tables(suppress=True)["headline"]["rows"])
    assert headline["placed outside the LA"].startswith("– (fewer than 5 of 132")
