"""Exception requests: an officer asks, an admin authorises (the proposal is made) or
refuses, the asker or an admin withdraws, a closed referral lapses it; refusals leave
nothing half-written."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import Engine

import store
from store.models import ExceptionRequest, User
from store.workflow import requests
from tests.store.helpers import add_child, add_household, make_user

AGE = {"age_range"}


def ask(engine: Engine, by: User, **overrides: Any) -> ExceptionRequest:
    """C1 asks for H1 with the age_range rule set aside (the rule it fails)."""
    args: dict[str, Any] = {
        "child_id": "C1",
        "household_id": "H1",
        "rule": "age_range",
        "reason": "her brother lives there; she is 3 months over the range",
        "failing": AGE,
        "hold_hours": 24.0,
        "las": by.las,
    }
    args.update(overrides)
    household, rule, reason = args.pop("household_id"), args.pop("rule"), args.pop("reason")
    with store.transaction(engine) as s:
        return store.ask(s, household, rule, reason, by=by, **args)


def state(engine: Engine, request_id: int) -> ExceptionRequest:
    with store.transaction(engine, write=False) as s:
        return store.get_request(s, request_id)


def actions(engine: Engine, child: str = "C1", prefix: str = "exception.") -> list[str]:
    with store.transaction(engine, write=False) as s:
        return [e.action for e in store.list_audit(s, child_id=child, action=prefix)]


def proposals_for(engine: Engine, child: str = "C1") -> list[store.Proposal]:
    with store.transaction(engine, write=False) as s:
        return store.list_proposals(s, child_id=child)


@pytest.fixture
def pair(engine: Engine) -> None:
    add_household(engine, "H1", vacancies=1)
    add_child(engine, "C1")


@pytest.mark.usefixtures("pair")
def test_ask_then_authorise_makes_the_proposal_with_the_exception(
    engine: Engine, officer: User, manager: User
) -> None:
    asked = ask(engine, officer)
    assert asked.id is not None and asked.state == "pending" and asked.asked_by == officer.id
    with store.transaction(engine, write=False) as s:
        assert store.request_children(s, asked.id) == ["C1"]
        assert [r.id for r in store.list_requests(s, las=["Leeds"], state="pending")] == [asked.id]
    assert proposals_for(engine) == []
    with store.transaction(engine) as s:
        done = store.authorise_request(s, asked.id, by=manager, las=manager.las)
    assert done.state == "authorised" and done.decided_by == manager.id
    (p,) = proposals_for(engine)
    assert done.proposal_id == p.id
    assert (p.status, p.exception_rule, p.exception_authorised_by) == (
        "proposed",
        "age_range",
        manager.id,
    )
    assert p.exception_reason == asked.reason
    assert actions(engine) == ["exception.authorise", "exception.ask"]
    assert actions(engine, prefix="proposal.") == ["proposal.create"]
    with store.transaction(engine, write=False) as s:
        entry = store.list_audit(s, action="exception.authorise")[0]
        assert entry.detail["proposal"] == p.id and entry.child_ids == ["C1"]
    with store.transaction(engine) as s, pytest.raises(store.Conflict, match="already authorised"):
        store.authorise_request(s, asked.id, by=manager)


@pytest.mark.usefixtures("pair")
def test_asking_is_refused_naming_the_field(engine: Engine, officer: User) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"failing": set()}, "does not fail the 'age_range' rule"),
        ({"rule": "avoid_area", "failing": {"avoid_area"}}, "is never set aside"),
        ({"failing": {"age_range", "smoker_under_5"}}, "smoker_under_5 rule.s., which are never"),
        ({"failing": {"age_range", "sex"}}, "sets aside one rule only"),
        ({"rule": "vibes"}, "not a hard rule"),
    ]
    for overrides, message in cases:
        with pytest.raises(store.Invalid, match=message) as e:
            ask(engine, officer, **overrides)
        assert e.value.issues[0].field == "rule"
    with pytest.raises(store.Invalid) as e:
        ask(engine, officer, reason="  ")
    assert e.value.issues[0].field == "reason"
    for hours in (0.0, -1.0, 10_000.0):
        with pytest.raises(store.Invalid) as e:
            ask(engine, officer, hold_hours=hours)
        assert e.value.issues[0].field == "hold_hours"
    with pytest.raises(store.Forbidden):
        ask(engine, make_user(engine, "planner"))
    with pytest.raises(store.NotFound):
        ask(engine, officer, household_id="H404")
    assert actions(engine) == []


@pytest.mark.usefixtures("pair")
def test_one_pending_request_per_match_and_rule(
    engine: Engine, officer: User, manager: User
) -> None:
    first = ask(engine, officer)
    with pytest.raises(store.Conflict, match="already pending"):
        ask(engine, make_user(engine), reason="another officer, same match")
    assert first.id is not None
    with store.transaction(engine) as s:
        store.withdraw(s, first.id, by=officer, las=officer.las)
    again = ask(engine, officer)
    assert again.id != first.id and again.state == "pending"


@pytest.mark.usefixtures("pair")
def test_withdraw_by_the_asker_or_an_admin_only(
    engine: Engine, officer: User, manager: User
) -> None:
    asked = ask(engine, officer)
    assert asked.id is not None
    with store.transaction(engine) as s, pytest.raises(store.Forbidden):
        store.withdraw(s, asked.id, by=make_user(engine), las=["Leeds"])
    assert state(engine, asked.id).state == "pending"
    with store.transaction(engine) as s:
        store.withdraw(s, asked.id, by=manager, las=manager.las)
    done = state(engine, asked.id)
    assert (done.state, done.decided_by) == ("withdrawn", manager.id)
    with store.transaction(engine) as s, pytest.raises(store.Conflict, match="already withdrawn"):
        store.withdraw(s, asked.id, by=officer)
    assert actions(engine) == ["exception.withdraw", "exception.ask"]


@pytest.mark.usefixtures("pair")
def test_refuse_needs_an_admin_and_a_reason(engine: Engine, officer: User, manager: User) -> None:
    asked = ask(engine, officer)
    assert asked.id is not None
    with store.transaction(engine) as s, pytest.raises(store.Invalid) as e:
        store.refuse_request(s, asked.id, " ", by=manager)
    assert e.value.issues[0].field == "reason"
    with store.transaction(engine) as s:
        store.refuse_request(s, asked.id, "the age gap is too wide", by=manager, las=["Leeds"])
    done = state(engine, asked.id)
    assert (done.state, done.refusal_reason, done.proposal_id) == (
        "refused",
        "the age gap is too wide",
        None,
    )
    with store.transaction(engine) as s, pytest.raises(store.Conflict, match="already refused"):
        store.authorise_request(s, asked.id, by=manager)
    assert proposals_for(engine) == []
    assert actions(engine) == ["exception.refuse", "exception.ask"]


@pytest.mark.usefixtures("pair")
def test_an_officer_can_never_authorise_or_refuse(engine: Engine, officer: User) -> None:
    """A table over every role that may not authorise, and both decisions: each is
    Forbidden and leaves the request pending, with no proposal and no entry."""
    asked = ask(engine, officer)
    assert asked.id is not None
    deciders = [officer] + [
        make_user(engine, role) for role in store.ROLES if role not in store.AUTHORISERS
    ]
    for user in deciders:
        with store.transaction(engine) as s, pytest.raises(store.Forbidden):
            store.authorise_request(s, asked.id, by=user, las=user.las)
        with store.transaction(engine) as s, pytest.raises(store.Forbidden):
            store.refuse_request(s, asked.id, "no", by=user, las=user.las)
    assert state(engine, asked.id).state == "pending"
    assert proposals_for(engine) == []
    assert actions(engine) == ["exception.ask"]


@pytest.mark.usefixtures("pair")
def test_authorise_when_the_vacancy_has_gone_writes_nothing(
    engine: Engine, officer: User, manager: User
) -> None:
    asked = ask(engine, officer)
    assert asked.id is not None
    add_child(engine, "C2")
    with store.transaction(engine) as s:
        store.propose(s, "H1", child_id="C2", by=officer)
    with store.transaction(engine) as s, pytest.raises(store.VacancyTaken):
        store.authorise_request(s, asked.id, by=manager, las=manager.las)
    after = state(engine, asked.id)
    assert (after.state, after.proposal_id, after.decided_at) == ("pending", None, None)
    assert proposals_for(engine) == []
    assert actions(engine) == ["exception.ask"]
    assert actions(engine, prefix="proposal.") == []


@pytest.mark.usefixtures("pair")
def test_authorise_when_a_live_proposal_or_closed_referral_stands_in_the_way(
    engine: Engine, officer: User, manager: User
) -> None:
    add_household(engine, "H2", vacancies=1)
    asked = ask(engine, officer)
    assert asked.id is not None
    with store.transaction(engine) as s:
        live = store.propose(s, "H2", child_id="C1", by=officer)
    with store.transaction(engine) as s, pytest.raises(store.Conflict, match="live proposal"):
        store.authorise_request(s, asked.id, by=manager)
    assert state(engine, asked.id).state == "pending"
    with store.transaction(engine) as s:
        assert live.id is not None
        store.decline(s, live.id, "not now", by=officer)
        referral = store.current_referral(s, "C1")
        assert referral is not None and referral.id is not None
        store.close_referral(s, referral.id, by=officer)
    with store.transaction(engine) as s, pytest.raises(store.Conflict, match="no open referral"):
        store.authorise_request(s, asked.id, by=manager)
    assert state(engine, asked.id).state == "pending"
    with store.transaction(engine) as s:
        assert store.lapse_requests(s) == [asked.id]
    assert state(engine, asked.id).state == "lapsed"
    assert actions(engine) == ["exception.lapse", "exception.ask"]


@pytest.mark.usefixtures("pair")
def test_another_las_request_is_not_found(engine: Engine, officer: User) -> None:
    asked = ask(engine, officer)
    assert asked.id is not None
    bradford_admin = make_user(engine, "admin", ["Bradford"])
    bradford_officer = make_user(engine, "placement_officer", ["Bradford"])
    with store.transaction(engine) as s:
        assert store.list_requests(s, las=["Bradford"]) == []
        with pytest.raises(store.NotFound):
            store.get_request(s, asked.id, las=["Bradford"])
    rid = asked.id
    for action in ("authorise", "refuse", "withdraw"):
        with store.transaction(engine) as s, pytest.raises(store.NotFound):
            if action == "authorise":
                store.authorise_request(s, rid, by=bradford_admin, las=["Bradford"])
            elif action == "refuse":
                store.refuse_request(s, rid, "no", by=bradford_admin, las=["Bradford"])
            else:
                store.withdraw(s, rid, by=bradford_officer, las=["Bradford"])
    with pytest.raises(store.NotFound):
        ask(engine, bradford_officer, reason="not my child")
    assert state(engine, asked.id).state == "pending"


def test_a_sibling_group_asks_as_one(engine: Engine, officer: User, manager: User) -> None:
    add_household(engine, "H1", vacancies=2)
    add_child(engine, "C1")
    add_child(engine, "C2")
    with store.transaction(engine) as s:
        store.create_group(s, {"id": "G1", "children": ["C1", "C2"], "policy": "must"}, by=None)
    asked = ask(engine, officer, child_id=None, group_id="G1")
    assert asked.id is not None
    with store.transaction(engine) as s:
        assert store.request_children(s, asked.id) == ["C1", "C2"]
        assert [r.id for r in store.list_requests(s, child_id="C2")] == [asked.id]
        done = store.authorise_request(s, asked.id, by=manager)
        assert done.proposal_id is not None
        assert store.get_proposal(s, done.proposal_id).group_id == "G1"
    assert actions(engine, "C2") == ["exception.authorise", "exception.ask"]


@pytest.mark.usefixtures("pair")
def test_two_officers_asking_at_once_make_one_request(engine: Engine, officer: User) -> None:
    """Both may pass the pending check before either writes; the partial unique index
    turns the second into a Conflict, never a second pending request."""
    others = [officer, make_user(engine)]
    start = threading.Barrier(len(others))
    outcomes: list[str] = []

    def one(user: User) -> None:
        start.wait()
        try:
            ask(engine, user)
            outcomes.append("asked")
        except store.Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=one, args=(u,)) for u in others]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["asked", "conflict"]
    with store.transaction(engine, write=False) as s:
        assert len(store.list_requests(s, state="pending")) == 1


@pytest.mark.usefixtures("pair")
def test_the_database_refuses_a_second_pending_request(
    engine: Engine, officer: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the store's own check skipped (as when two officers pass it at once), the
    partial unique index refuses the second: a Conflict, and nothing written."""
    monkeypatch.setattr(requests, "_check_none_pending", lambda *_a: None)
    first = ask(engine, officer)
    with pytest.raises(store.Conflict, match="already pending"):
        ask(engine, make_user(engine), reason="the same match again")
    with store.transaction(engine, write=False) as s:
        assert [r.id for r in store.list_requests(s)] == [first.id]
    assert actions(engine) == ["exception.ask"]
