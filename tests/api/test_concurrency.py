"""A vacancy is never given to two children: 100 officers confirm at once, over HTTP,
against a real server; exactly one wins and the others get 409."""

from __future__ import annotations

import ssl
import threading
from datetime import timedelta

import httpx
from sqlalchemy import Engine, func
from sqlmodel import select

import store
from api import create_app
from store.models import Placement, Proposal, ProposalChild
from tests.api.conftest import sign_in
from tests.api.server import running
from tests.store.helpers import add_household, child_data

OFFICERS = 100


def many_live_proposals(engine: Engine, n: int) -> list[int]:
    """`n` children each with an open referral and a live proposal for H1's one place,
    written straight into the tables (the API would refuse every proposal after the
    first): the guarantee must hold at confirmation on its own."""
    add_household(engine, "H1")
    now = store.utcnow()
    with store.transaction(engine) as s:
        for k in range(n):
            store.create_child(s, child_data(f"K{k:03d}"), by=None)
            store.open_referral(
                s, f"K{k:03d}", {"urgency": "urgent", "needed_by": "2026-11-25"}, by=None
            )
        proposals = [
            Proposal(child_id=f"K{k:03d}", household_id="H1", hold_until=now + timedelta(hours=1))
            for k in range(n)
        ]
        s.add_all(proposals)
        s.flush()
        s.add_all(ProposalChild(proposal_id=p.id, child_id=p.child_id) for p in proposals)
        return [p.id for p in proposals]


def test_concurrent_confirms_one_winner(engine: Engine) -> None:
    ids = many_live_proposals(engine, OFFICERS)
    tokens, _ = sign_in(engine)
    app = create_app(engine, migrate=False)
    barrier = threading.Barrier(OFFICERS)
    tls = ssl.create_default_context()  # made once: httpx makes one per client otherwise
    codes: list[int] = []
    lock = threading.Lock()

    def officer(base: str, proposal_id: int) -> None:
        headers = {"Authorization": f"Bearer {tokens['officer']}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60, verify=tls) as client:
            client.get("/me")  # connect (and sign in) before the race
            barrier.wait()
            code = client.post(f"/proposals/{proposal_id}/confirm").status_code
        with lock:
            codes.append(code)

    with running(app) as base:
        threads = [threading.Thread(target=officer, args=(base, p)) for p in ids]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)

    assert sorted(codes) == [200] + [409] * (OFFICERS - 1), sorted(set(codes))
    with store.transaction(engine, write=False) as s:
        assert store.get_household(s, "H1").vacancies == 0
        assert s.exec(select(func.count()).select_from(Placement)).one() == 1
        assert len(store.list_audit(s, action="proposal.confirm")) == 1
