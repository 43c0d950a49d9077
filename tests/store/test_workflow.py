"""The placement workflow: holds, confirmations, declines, expiry, endings, exceptions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine

import store
from store.models import User
from tests.store.helpers import add_child, add_household, make_user

HOUR = timedelta(hours=1)


def vacancies(engine: Engine, household: str = "H1") -> tuple[int, int]:
    """(vacancies, free places) of a household now."""
    with store.transaction(engine, write=False) as s:
        return store.get_household(s, household).vacancies, store.free_places(s, household)


def test_propose_holds_confirm_takes(engine: Engine, officer: User) -> None:
    add_household(engine, "H1", vacancies=1, places=2)
    add_child(engine, "C1")
    add_child(engine, "C2")
    with store.transaction(engine) as s:
        p = store.propose(s, "H1", child_id="C1", by=officer, views_note="near school, as asked")
        assert p.status == "proposed" and p.places == 1
    assert vacancies(engine) == (1, 0)
    with store.transaction(engine) as s, pytest.raises(store.VacancyTaken):
        store.propose(s, "H1", child_id="C2", by=officer)
    with store.transaction(engine) as s:
        (placement,) = store.confirm(s, p.id, by=officer, start=date(2026, 11, 24))
    assert (placement.child_id, placement.household_id, placement.started_on) == (
        "C1",
        "H1",
        date(2026, 11, 24),
    )
    assert vacancies(engine) == (0, 0)
    with store.transaction(engine, write=False) as s:
        assert store.get_proposal(s, p.id).status == "confirmed"
        assert store.current_referral(s, "C1") is None
        assert store.list_referrals(s, status="placed")[0].child_id == "C1"
        assert [pl.id for pl in store.list_placements(s, current=True)] == [placement.id]
        actions = [e.action for e in store.list_audit(s, child_id="C1", action="proposal.")]
        assert actions == ["proposal.confirm", "proposal.create"]
    with store.transaction(engine) as s, pytest.raises(store.ProposalClosed):
        store.confirm(s, p.id, by=officer)
    with store.transaction(engine) as s:
        ended = store.end_placement(
            s, placement.id, "moved to long-term carer", by=officer, ended_on=date(2027, 1, 5)
        )
        assert ended.ended_on == date(2027, 1, 5)
    assert vacancies(engine) == (1, 1)
    with store.transaction(engine) as s, pytest.raises(store.Conflict, match="already ended"):
        store.end_placement(s, placement.id, "again", by=officer)


def test_ending_never_frees_more_than_the_approved_places(engine: Engine, officer: User) -> None:
    add_household(engine, "H1", vacancies=1, places=1)
    add_child(engine, "C1")
    with store.transaction(engine) as s:
        p = store.propose(s, "H1", child_id="C1", by=officer)
        (placement,) = store.confirm(s, p.id, by=officer)
    with store.transaction(engine) as s:
        store.update_household(s, "H1", {"places": 2, "vacancies": 1}, by=None)
    # The child's place cannot be made free.
    with store.transaction(engine) as s, pytest.raises(store.Invalid) as refused:
        store.update_household(s, "H1", {"vacancies": 2}, by=None)
    assert refused.value.issues[0].field == "vacancies"
    with store.transaction(engine) as s:
        store.end_placement(s, placement.id, "returned home", by=officer)
    assert vacancies(engine) == (2, 2)


def test_decline_releases_the_hold(engine: Engine, officer: User) -> None:
    add_household(engine, "H1")
    add_child(engine, "C1")
    add_child(engine, "C2")
    with store.transaction(engine) as s:
        p = store.propose(s, "H1", child_id="C1", by=officer)
    with store.transaction(engine) as s:
        with pytest.raises(store.Invalid):
            store.decline(s, p.id, "  ", by=officer)
        declined = store.decline(s, p.id, "carer unwell", by=officer)
        assert (declined.status, declined.decline_reason) == ("declined", "carer unwell")
    assert vacancies(engine) == (1, 1)
    with store.transaction(engine) as s:
        store.propose(s, "H1", child_id="C2", by=officer)
        with pytest.raises(store.ProposalClosed):
            store.decline(s, p.id, "again", by=officer)
        with pytest.raises(store.ProposalClosed):
            store.confirm(s, p.id, by=officer)


def test_a_lapsed_hold_holds_nothing_and_expires(engine: Engine, officer: User) -> None:
    add_household(engine, "H1")
    add_child(engine, "C1")
    add_child(engine, "C2")
    now = store.utcnow()
    with store.transaction(engine) as s:
        p1 = store.propose(s, "H1", child_id="C1", by=officer, hold=HOUR, now=now)
    later = now + 2 * HOUR
    with store.transaction(engine) as s, pytest.raises(store.HoldExpired):
        store.confirm(s, p1.id, by=officer, now=later)
    with store.transaction(engine) as s:
        assert store.free_places(s, "H1", now=later) == 1
        p2 = store.propose(s, "H1", child_id="C2", by=officer, now=later)
    with store.transaction(engine) as s:
        assert store.expire_holds(s, now=later) == [p1.id]
        assert store.expire_holds(s, now=later) == []
        assert store.get_proposal(s, p1.id).status == "expired"
        (entry,) = store.list_audit(s, action="proposal.expire")
        assert (entry.user_id, entry.child_ids, entry.object_id) == (None, ["C1"], str(p1.id))
    with store.transaction(engine) as s:
        store.confirm(s, p2.id, by=officer, now=later)


def test_one_live_proposal_per_child(engine: Engine, officer: User) -> None:
    add_household(engine, "H1")
    add_household(engine, "H2")
    add_child(engine, "C1")
    with store.transaction(engine) as s:
        store.propose(s, "H1", child_id="C1", by=officer)
    with store.transaction(engine) as s, pytest.raises(store.Conflict, match="live proposal"):
        store.propose(s, "H2", child_id="C1", by=officer)


def test_proposal_needs_an_open_referral_and_a_visible_child(engine: Engine) -> None:
    officer = make_user(engine, las=["Leeds"])
    add_household(engine, "H1")
    add_child(engine, "C1", referral=False)
    add_child(engine, "C2", la="Bradford", home="BD1")
    with store.transaction(engine) as s:
        with pytest.raises(store.Conflict, match="no open referral"):
            store.propose(s, "H1", child_id="C1", by=officer)
        with pytest.raises(store.NotFound):
            store.propose(s, "H1", child_id="C2", by=officer, las=officer.las)
        with pytest.raises(store.NotFound):
            store.propose(s, "H404", child_id="C1", by=officer)
        with pytest.raises(store.Invalid):
            store.propose(s, "H1", by=officer)
        with pytest.raises(store.Invalid):
            store.propose(s, "H1", child_id="C1", by=officer, hold=timedelta(0))


def test_a_sibling_group_takes_a_place_each(engine: Engine, officer: User) -> None:
    add_household(engine, "H1", vacancies=2, places=3)
    add_household(engine, "H2", vacancies=1)
    for c in ("C1", "C2"):
        add_child(engine, c)
    with store.transaction(engine) as s:
        store.create_group(s, {"id": "G1", "children": ["C1", "C2"], "policy": "must"}, by=None)
    with store.transaction(engine) as s, pytest.raises(store.VacancyTaken):
        store.propose(s, "H2", group_id="G1", by=officer)
    with store.transaction(engine) as s:
        p = store.propose(s, "H1", group_id="G1", by=officer)
        assert (p.places, store.proposal_children(s, p.id)) == (2, ["C1", "C2"])
    with store.transaction(engine) as s:
        placements = store.confirm(s, p.id, by=officer)
    assert sorted(pl.child_id for pl in placements) == ["C1", "C2"]
    assert vacancies(engine) == (0, 0)


def test_confirm_is_all_or_nothing(engine: Engine, officer: User) -> None:
    """A group member whose referral closed in the meantime: nothing is confirmed."""
    add_household(engine, "H1", vacancies=2)
    for c in ("C1", "C2"):
        add_child(engine, c)
    with store.transaction(engine) as s:
        store.create_group(s, {"id": "G1", "children": ["C1", "C2"], "policy": "should"}, by=None)
        p = store.propose(s, "H1", group_id="G1", by=officer)
    with store.transaction(engine) as s:  # behind the workflow's back
        referral = store.current_referral(s, "C2")
        referral.status = "closed"
        s.add(referral)
    with store.transaction(engine) as s, pytest.raises(store.Conflict, match="C2"):
        store.confirm(s, p.id, by=officer)
    with store.transaction(engine, write=False) as s:
        assert store.get_proposal(s, p.id).status == "proposed"
        assert store.current_referral(s, "C1") is not None
        assert store.list_placements(s) == []
        assert store.list_audit(s, action="proposal.confirm") == []
    assert vacancies(engine) == (2, 0)


def test_exceptions_need_authority_an_allowed_rule_and_a_reason(
    engine: Engine, officer: User, manager: User
) -> None:
    add_household(engine, "H1")
    add_child(engine, "C1")
    fourth = store.RuleException("vacancy", "fourth foster child agreed by the panel")
    with store.transaction(engine) as s:
        with pytest.raises(store.Forbidden):
            store.propose(s, "H1", child_id="C1", by=officer, exception=fourth)
        with pytest.raises(store.Invalid, match="never set aside"):
            store.propose(
                s, "H1", child_id="C1", by=manager, exception=store.RuleException("avoid_area", "x")
            )
        with pytest.raises(store.Invalid, match="not a hard rule"):
            store.propose(
                s, "H1", child_id="C1", by=manager, exception=store.RuleException("vibes", "x")
            )
        with pytest.raises(store.Invalid):
            store.propose(
                s, "H1", child_id="C1", by=manager, exception=store.RuleException("vacancy", "")
            )
    with store.transaction(engine) as s:
        p = store.propose(s, "H1", child_id="C1", by=manager, exception=fourth)
        assert (p.exception_rule, p.exception_authorised_by) == ("vacancy", manager.id)
        (entry,) = store.list_audit(s, action="proposal.create")
        assert entry.detail["exception_rule"] == "vacancy"
        assert "panel" not in repr(entry.detail)


def test_an_exception_added_to_a_live_proposal(
    engine: Engine, officer: User, manager: User
) -> None:
    add_household(engine, "H1")
    add_child(engine, "C1")
    with store.transaction(engine) as s:
        p = store.propose(s, "H1", child_id="C1", by=officer)
    older = store.RuleException("age_range", "six weeks short of the approved range")
    with store.transaction(engine) as s:
        with pytest.raises(store.Forbidden):
            store.authorise_exception(s, p.id, older, by=officer)
        p = store.authorise_exception(s, p.id, older, by=manager)
        assert (p.exception_rule, p.exception_reason) == ("age_range", older.reason)
        p = store.set_views_note(s, p.id, "she wanted to stay near her nan: 3 km", by=officer)
        assert p.views_note.startswith("she wanted")
        actions = [e.action for e in store.list_audit(s, object_id=str(p.id), action="proposal.")]
        assert actions == ["proposal.views_note", "proposal.exception", "proposal.create"]


def test_other_las_proposals_and_placements_are_not_found(engine: Engine, officer: User) -> None:
    add_household(engine, "H1")
    add_child(engine, "C1", la="Bradford", home="BD1")
    with store.transaction(engine) as s:
        p = store.propose(s, "H1", child_id="C1", by=officer)
        (placement,) = store.confirm(s, p.id, by=officer)
    leeds = ["Leeds"]
    with store.transaction(engine) as s:
        for call in (
            lambda: store.get_proposal(s, p.id, las=leeds),
            lambda: store.confirm(s, p.id, by=officer, las=leeds),
            lambda: store.decline(s, p.id, "no", by=officer, las=leeds),
            lambda: store.get_placement(s, placement.id, las=leeds),
            lambda: store.end_placement(s, placement.id, "no", by=officer, las=leeds),
        ):
            with pytest.raises(store.NotFound):
                call()
        assert store.list_proposals(s, las=leeds) == []
        assert store.list_placements(s, las=leeds) == []
        assert [x.id for x in store.list_proposals(s, las=["Bradford"])] == [p.id]
        assert [x.id for x in store.list_proposals(s, child_id="C1", status="confirmed")] == [p.id]


def _full_household_with(engine: Engine, officer: User) -> int:
    """H1 approved for one child, and C1 living there: no vacancy."""
    add_household(engine, "H1", vacancies=1, places=1)
    for child in ("C1", "C2"):
        add_child(engine, child)
    with store.transaction(engine) as s:
        p = store.propose(s, "H1", child_id="C1", by=officer)
        (first,) = store.confirm(s, p.id, by=officer)
    return first.id


def test_an_authorised_vacancy_exception_places_a_child_beyond_the_approved_places(
    engine: Engine, officer: User, manager: User
) -> None:
    first = _full_household_with(engine, officer)
    with store.transaction(engine) as s, pytest.raises(store.VacancyTaken):
        store.propose(s, "H1", child_id="C2", by=officer)
    extra = store.RuleException("vacancy", "sibling of a child already there, panel agreed")
    with store.transaction(engine) as s:
        p = store.propose(s, "H1", child_id="C2", by=manager, exception=extra)
        assert p.over_capacity == 1
        (second,) = store.confirm(s, p.id, by=manager)
        assert second.over_capacity
    assert vacancies(engine) == (0, 0)
    # C1 leaves: C2 now has the approved place, and no vacancy opens.
    with store.transaction(engine) as s:
        store.end_placement(s, first, "returned home", by=officer)
        assert not store.get_placement(s, second.id).over_capacity
    assert vacancies(engine) == (0, 0)
    with store.transaction(engine) as s:
        store.end_placement(s, second.id, "moved on", by=officer)
    assert vacancies(engine) == (1, 1)


def test_ending_a_placement_beyond_the_approved_places_frees_no_place(
    engine: Engine, officer: User, manager: User
) -> None:
    first = _full_household_with(engine, officer)
    extra = store.RuleException("vacancy", "emergency, one night, manager agreed")
    with store.transaction(engine) as s:
        p = store.propose(s, "H1", child_id="C2", by=manager, exception=extra)
        (second,) = store.confirm(s, p.id, by=manager)
    with store.transaction(engine) as s:
        store.end_placement(s, second.id, "moved on next day", by=officer)
    assert vacancies(engine) == (0, 0)
    with store.transaction(engine) as s:
        store.end_placement(s, first, "returned home", by=officer)
    assert vacancies(engine) == (1, 1)
