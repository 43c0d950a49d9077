"""Place now or wait (issue 19): a ranking tells the officer when a clearly better match
is likely before the child's date needed, and which one."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import matching
from matching.better_soon import WAIT_MARGIN
from matching.problem import problem_to_dict
from tests.conftest import carer, child, doc, group, problem

NEEDED_BY = "2026-12-20"  # as_of is 2026-11-22


def ending(day: str, places: int = 1, why: str = "placement_ends") -> list[dict[str, Any]]:
    return [{"from": day, "places": places, "why": why}]


# From LS9: LS8 2.8 km (scores 84.0 as the only child), LS11 4.1 km, BD1 16.1 km in
# Bradford at three times the cost (51.5): a poor best match now.
POOR_NOW = carer("FAR", location="BD1", la="Bradford", weekly_cost=1500)
NEAR_SOON = carer("NEAR", location="LS8", vacancies=0, expected_places=ending("2026-12-10"))


def planned(**overrides: Any) -> dict[str, Any]:
    return child("C1", needed_by=NEEDED_BY, **overrides)


def test_a_clearly_better_household_coming_free_is_named() -> None:
    """Tests that a planned child whose best match now is poor is told of the household
    whose placement ends before the date needed: which, when, why, and the scores."""
    ranking = matching.rank(problem([planned()], [POOR_NOW, NEAR_SOON]), "C1")
    assert [m.carer for m in ranking.matches] == ["FAR"]  # not free today
    soon = ranking.better_soon
    assert soon is not None
    assert (soon.carer, soon.free_from, soon.why) == ("NEAR", date(2026, 12, 10), "placement_ends")
    assert soon.best_now == "FAR" and soon.best_now_score == ranking.matches[0].score
    assert soon.score - ranking.matches[0].score >= WAIT_MARGIN
    assert soon.days_to_wait == 18
    assert ranking.to_dict()["better_soon"] == {
        "carer": "NEAR",
        "free_from": "2026-12-10",
        "why": "placement_ends",
        "score": round(soon.score, 1),
        "best_now": "FAR",
        "best_now_score": round(ranking.matches[0].score, 1),
        "days_to_wait": 18,
    }


def test_an_emergency_is_never_told_to_wait() -> None:
    """Tests that the same household coming free is not offered to an emergency."""
    p = problem([planned(urgency="emergency")], [POOR_NOW, NEAR_SOON])
    ranking = matching.rank(p, "C1")
    assert ranking.better_soon is None
    assert "better_soon" not in ranking.to_dict()


def test_an_urgent_child_may_be_told() -> None:
    """Tests that only emergencies are left out: an urgent referral is told too."""
    p = problem([planned(urgency="urgent")], [POOR_NOW, NEAR_SOON])
    assert matching.rank(p, "C1").better_soon is not None


def test_places_free_after_the_date_needed_give_no_advice() -> None:
    """Tests that a household free only after `needed_by` is not offered, and one free on
    that very day is."""
    late = NEAR_SOON | {"expected_places": ending("2026-12-21")}
    assert matching.rank(problem([planned()], [POOR_NOW, late]), "C1").better_soon is None
    on_the_day = NEAR_SOON | {"expected_places": ending(NEEDED_BY)}
    soon = matching.rank(problem([planned()], [POOR_NOW, on_the_day]), "C1").better_soon
    assert soon is not None and soon.free_from == date(2026, 12, 20)


def test_a_margin_below_the_threshold_gives_no_advice() -> None:
    """Tests that a household coming free that is better, but by less than the margin,
    is not offered: LS11 now scores within a few points of LS8 soon."""
    good_now = carer("MID", location="LS11")
    p = problem([planned()], [good_now, NEAR_SOON])
    ranking = matching.rank(p, "C1")
    soon_score = matching.rank(problem([planned()], [NEAR_SOON | {"vacancies": 1}]), "C1")
    gap = soon_score.matches[0].score - ranking.matches[0].score
    assert 0 < gap < WAIT_MARGIN
    assert ranking.better_soon is None


def test_nothing_fitting_now_is_a_reason_to_tell() -> None:
    """Tests that when no household fits today, any eligible household coming free in
    time is offered, with no best match now."""
    soon = matching.rank(problem([planned()], [NEAR_SOON]), "C1").better_soon
    assert soon is not None
    assert (soon.carer, soon.best_now, soon.best_now_score) == ("NEAR", None, None)


def test_expected_places_never_make_an_ineligible_household_eligible() -> None:
    """Tests that the hard rules still apply to a household coming free: out of its age
    range the child is not offered it, whatever it would score."""
    too_young = NEAR_SOON | {"max_age": 5}
    ranking = matching.rank(problem([planned()], [POOR_NOW, too_young]), "C1")
    assert ranking.better_soon is None


def test_expected_places_are_not_free_today() -> None:
    """Tests that a household whose places come free later is a near miss today (no free
    place), not a match."""
    ranking = matching.rank(problem([planned()], [POOR_NOW, NEAR_SOON]), "C1")
    assert [(m.carer, m.failed_rule) for m in ranking.near_misses] == [("NEAR", "vacancy")]


@pytest.mark.parametrize("why", ["approval", "hold_expires"])
def test_each_reason_is_carried(why: str) -> None:
    """Tests that an approval expected and a hold expiring are offered as such."""
    h = NEAR_SOON | {"expected_places": ending("2026-12-01", why=why)}
    soon = matching.rank(problem([planned()], [POOR_NOW, h]), "C1").better_soon
    assert soon is not None and soon.why == why and soon.days_to_wait == 9


def test_a_sibling_group_needs_places_for_them_all() -> None:
    """Tests that a sibling group is offered a household only when, with its places now
    and those coming free by the earliest date needed, it can take them all."""
    kids = [planned(), child("C2", needed_by=NEEDED_BY)]
    far_two = POOR_NOW | {"vacancies": 2}
    one_more = NEAR_SOON | {"vacancies": 1}  # 1 now + 1 on 10 December
    g = [group("G1", ["C1", "C2"], "must")]
    soon = matching.rank(problem(kids, [far_two, one_more], g), "G1").better_soon
    assert soon is not None and soon.carer == "NEAR" and soon.free_from == date(2026, 12, 10)
    only_one = NEAR_SOON  # 0 now + 1: never room for both
    assert matching.rank(problem(kids, [far_two, only_one], g), "G1").better_soon is None


def test_one_emergency_in_a_group_keeps_the_group_from_waiting() -> None:
    """Tests that a sibling group with an emergency member is never told to wait."""
    kids = [planned(urgency="emergency"), child("C2", needed_by=NEEDED_BY)]
    g = [group("G1", ["C1", "C2"], "must")]
    carers = [POOR_NOW | {"vacancies": 2}, NEAR_SOON | {"vacancies": 1}]
    assert matching.rank(problem(kids, carers, g), "G1").better_soon is None


def test_old_problems_give_todays_answers() -> None:
    """Tests that a problem without expected places loads with none and ranks exactly as
    the same problem whose expected places all come too late; and round-trips."""
    old = doc([planned()], [POOR_NOW, carer("NEAR", location="LS8", vacancies=0)])
    p = matching.load_problem(old)
    assert all(h.expected_places == () for h in p.carers)
    late = doc([planned()], [POOR_NOW, NEAR_SOON | {"expected_places": ending("2027-01-05")}])
    assert (
        matching.rank(p, "C1").to_dict()
        == matching.rank(matching.load_problem(late), "C1").to_dict()
    )
    assert "better_soon" not in matching.rank(p, "C1").to_dict()
    written = problem_to_dict(p)
    assert all(h["expected_places"] == [] for h in written["carers"])
    assert problem_to_dict(matching.load_problem(written)) == written


def test_expected_places_round_trip() -> None:
    """Tests that problem_to_dict writes expected places as the format reads them."""
    p = problem([planned()], [NEAR_SOON])
    assert problem_to_dict(p)["carers"][0]["expected_places"] == ending("2026-12-10")


@pytest.mark.parametrize(
    ("entry", "path"),
    [
        ({"from": "2026-13-01", "places": 1, "why": "approval"}, "expected_places[0].from"),
        ({"from": "2026-12-01", "places": 0, "why": "approval"}, "expected_places[0].places"),
        ({"from": "2026-12-01", "places": 1, "why": "maybe"}, "expected_places[0].why"),
        ({"from": "2026-12-01", "places": 1}, "expected_places[0]"),
    ],
)
def test_a_bad_expected_place_is_named(entry: dict[str, Any], path: str) -> None:
    """Tests that a fault in an expected place is reported at its own path."""
    bad = doc([planned()], [carer("H1", expected_places=[entry])])
    with pytest.raises(matching.ProblemInvalid) as err:
        matching.load_problem(bad)
    assert [i.path for i in err.value.issues] == [f"$.carers[0].{path}"]
