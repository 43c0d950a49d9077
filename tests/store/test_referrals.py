"""Referrals: one open per child, the child's views kept with it, most urgent first."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

import store
from store.models import User
from tests.store.helpers import add_child, add_household


def test_open_update_list_close(engine: Engine, officer: User) -> None:
    for c in ("C1", "C2", "C3"):
        add_child(engine, c, referral=False)
    add_child(engine, "C4", referral=False, la="Bradford", home="BD1")
    views = {
        "views_where": "near my school",
        "views_who": "with my brother",
        "views_matters": "my dog",
    }
    with store.transaction(engine) as s:
        r1 = store.open_referral(
            s, "C1", {"urgency": "planned", "needed_by": "2026-12-01"} | views, by=officer
        )
        store.open_referral(
            s, "C2", {"urgency": "emergency", "needed_by": "2026-12-05"}, by=officer
        )
        store.open_referral(s, "C3", {"urgency": "planned", "needed_by": "2026-11-28"}, by=officer)
        store.open_referral(s, "C4", {"urgency": "emergency", "needed_by": "2026-11-28"}, by=None)
    with store.transaction(engine) as s:
        assert [r.child_id for r in store.list_referrals(s, las=["Leeds"])] == ["C2", "C3", "C1"]
        r = store.update_referral(s, r1.id, {"urgency": "urgent"}, by=officer, las=["Leeds"])
        assert (r.urgency, r.views_who) == ("urgent", "with my brother")
        with pytest.raises(store.Conflict, match="already has an open referral"):
            store.open_referral(s, "C1", {"urgency": "planned", "needed_by": "2027-01-01"}, by=None)
    with store.transaction(engine) as s:
        store.close_referral(s, r1.id, by=officer)
        with pytest.raises(store.Conflict):
            store.close_referral(s, r1.id, by=officer)
        assert store.current_referral(s, "C1") is None
        assert [r.child_id for r in store.list_referrals(s, status="closed")] == ["C1"]
        with pytest.raises(store.NotFound):
            store.get_referral(s, r1.id, las=["Bradford"])
        entries = store.list_audit(s, child_id="C1")
        assert [e.action for e in entries][:3] == [
            "referral.close",
            "referral.update",
            "referral.open",
        ]
        assert all("brother" not in repr(e.detail) for e in entries)


def test_a_referral_with_a_live_proposal_cannot_be_closed(engine: Engine, officer: User) -> None:
    add_child(engine, "C1")
    add_household(engine, "H1")
    with store.transaction(engine) as s:
        store.propose(s, "H1", child_id="C1", by=officer)
        referral = store.current_referral(s, "C1")
    with store.transaction(engine) as s, pytest.raises(store.Conflict, match="undecided"):
        store.close_referral(s, referral.id, by=officer)
