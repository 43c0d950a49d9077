"""When the demo's referrals were made (synth.referred): before each child is needed,
spread over recent weeks by urgency, brothers and sisters together, an adoption plan's
child since the plan started; the same for a seed, and the region itself untouched."""

from __future__ import annotations

import json
from datetime import date, timedelta

from synth import calibration as cal
from synth import generate_region
from synth.adoption import generate_adoption_region
from synth.referred import referred_at

AS_OF = date(2027, 2, 1)


def test_each_referral_is_made_before_it_is_needed_and_spread_by_urgency() -> None:
    region = generate_region(120, 300, seed=2, as_of=AS_OF)
    before = json.dumps(region, sort_keys=True)
    made = referred_at(region, seed=2)
    assert json.dumps(region, sort_keys=True) == before  # the document is not touched
    assert set(made) == {c["id"] for c in region["children"]}
    in_group = {c for g in region["sibling_groups"] for c in g["children"]}
    ago: dict[str, set[int]] = {u: set() for u in cal.REFERRED_DAYS_AGO}
    for child in region["children"]:
        when = made[child["id"]]
        assert when.tzinfo is not None
        assert cal.REFERRED_HOURS[0] <= when.hour < cal.REFERRED_HOURS[1]
        assert when.date() <= date.fromisoformat(child["needed_by"])
        assert when.date() <= AS_OF
        if child["id"] not in in_group:  # a group's is the earliest of its children's
            ago[child["urgency"]].add((AS_OF - when.date()).days)
    for urgency, days in ago.items():
        lo, hi = cal.REFERRED_DAYS_AGO[urgency]
        assert len(days) > 1, urgency  # spread, not all on one day
        assert lo <= min(days) and max(days) <= hi, urgency
    assert max(ago["planned"]) > 7 * 4 > max(ago["emergency"])
    emergencies = [c for c in region["children"] if c["urgency"] == "emergency"]
    assert emergencies and all(c["needed_by"] == AS_OF.isoformat() for c in emergencies)


def test_brothers_and_sisters_are_referred_together() -> None:
    region = generate_region(120, 300, seed=2, as_of=AS_OF)
    made = referred_at(region)
    groups = region["sibling_groups"]
    assert groups
    for group in groups:
        assert len({made[c] for c in group["children"]}) == 1


def test_an_adopted_childs_referral_is_when_their_plan_started() -> None:
    agency = generate_adoption_region(30, 10, seed=1, as_of=AS_OF)
    made = referred_at(agency)
    in_group = {c for g in agency["sibling_groups"] for c in g["children"]}
    for child in agency["children"]:
        if child["id"] not in in_group:
            assert made[child["id"]].date() == date.fromisoformat(
                child["adoption"]["waiting_since"]
            )
    assert min(m.date() for m in made.values()) < AS_OF - timedelta(weeks=26)


def test_the_same_seed_the_same_dates_and_the_region_as_placematch_demo_makes_it() -> None:
    region = generate_region(60, 100, seed=5, as_of=AS_OF)
    assert referred_at(region, seed=5) == referred_at(region, seed=5)
    assert referred_at(region, seed=5) != referred_at(region, seed=6)
    # Generated as of another day: the same children, only their dates moved.
    other = generate_region(60, 100, seed=5)
    assert [(c["id"], c["age"], c["home"], c["urgency"]) for c in region["children"]] == [
        (c["id"], c["age"], c["home"], c["urgency"]) for c in other["children"]
    ]
