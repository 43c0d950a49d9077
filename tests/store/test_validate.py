"""Field checks use the problem format's vocabularies and name every bad field."""

from __future__ import annotations

from datetime import date

import pytest

from store.errors import Invalid
from store.validate import age_on, child_values, household_values, referral_values
from tests.store.helpers import child_data, household_data


def fields(exc: pytest.ExceptionInfo[Invalid]) -> set[str]:
    return {i.field for i in exc.value.issues}


def test_good_child_is_normalised() -> None:
    values = child_data(
        home="ls9 7tf", school="LS8", avoid=["ls11", "Bradford"], wishes={"areas": ["LS8 1AA"]}
    )
    out = child_values(values)
    assert (out["home"], out["school"], out["avoid"], out["wish_areas"]) == (
        "LS9",
        "LS8",
        ["LS11", "Bradford"],
        ["LS8"],
    )


def test_every_bad_child_field_is_named() -> None:
    bad = child_data(sex="X", needs=["telepathy"], flags=["no_dogs"], accepts=[], extra=1)
    with pytest.raises(Invalid) as info:
        child_values(bad)
    assert fields(info) == {"sex", "needs[0]", "flags[0]", "accepts", "(record)"}


def test_unknown_places_are_named() -> None:
    bad = child_data(la="Atlantis", home="EG19", avoid=["Narnia"], school_must_stay=True)
    with pytest.raises(Invalid) as info:
        child_values(bad)
    assert fields(info) == {"la", "home", "avoid[0]", "school"}


def test_missing_field_is_named() -> None:
    with pytest.raises(Invalid) as info:
        child_values(child_data(sex=...))
    assert fields(info) == {"sex"}


def test_a_home_may_be_unknown_but_not_wrong() -> None:
    assert child_values(child_data(home=...))["home"] is None
    assert child_values(child_data(home=None))["home"] is None
    with pytest.raises(Invalid) as info:
        child_values(child_data(home="ZZ99"))
    assert fields(info) == {"home"}


def test_age_from_date_of_birth() -> None:
    out = child_values(child_data(age=..., date_of_birth="2016-12-01"), today=date(2026, 11, 30))
    assert out["age"] == 9 and out["date_of_birth"] == date(2016, 12, 1)
    assert age_on(date(2016, 12, 1), date(2026, 12, 1)) == 10


def test_household_checks() -> None:
    assert household_values(household_data(vacancies=2))["places"] == 2
    with pytest.raises(Invalid) as info:
        household_values(
            household_data(
                kind="castle", min_age=12, max_age=3, vacancies=3, places=2, location="ZZ99"
            )
        )
    assert fields(info) == {"kind"}  # the schema first; then the cross-field checks
    with pytest.raises(Invalid) as info:
        household_values(
            household_data(min_age=12, max_age=3, vacancies=3, places=2, connected_children=["C1"])
        )
    assert fields(info) == {"min_age", "vacancies", "connected_children"}


def test_referral_checks() -> None:
    ok = referral_values({"urgency": "emergency", "needed_by": date(2026, 11, 23)})
    assert ok["needed_by"] == date(2026, 11, 23) and ok["views_where"] is None
    with pytest.raises(Invalid) as info:
        referral_values({"urgency": "soon", "needed_by": "tomorrow", "views_who": "x" * 5000})
    assert fields(info) == {"urgency", "needed_by", "views_who"}
