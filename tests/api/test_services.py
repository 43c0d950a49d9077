"""The service layer called directly, as a web page will call it: no HTTP, the same
records, errors and audit entries as the JSON routes (whose tests cover the answers)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

import store
from api.deps import Services
from api.errors import RuleBreaks
from api.services import children, matches, proposals, siblings
from api.services.common import Reading, reading
from tests.api.conftest import Api


def _services(api: Api) -> Services:
    svc: Services = api.client.app.state.services
    return svc


def test_a_child_is_read_within_the_users_las_and_audited(api: Api) -> None:
    """Tests that reading a child of the user's LA returns the record and writes a
    `child.read` entry, and that another LA's child is NotFound with nothing audited."""
    svc, officer = _services(api), api.users["officer"]
    record = children.read_child(svc, officer, "C1")
    assert record["id"] == "C1" and record["la"] == "Leeds"
    assert [e.object_id for e in api.audit(action="child.read")] == ["C1"]
    with pytest.raises(store.NotFound):
        children.read_child(svc, officer, "B1")
    assert len(api.audit(action="child.read")) == 1


def _break(rule: str, allowed: bool = True) -> dict[str, Any]:
    return {"child": "C1", "rule": rule, "detail": "d", "exception_allowed": allowed}


def test_check_rules_sets_aside_only_the_rule_excepted() -> None:
    """Tests that an exception excuses the one rule it names, that a rule left broken
    refuses the match with every break listed, and that an exception for a rule the
    match does not break is refused naming the field."""
    breaks = [_break("age_range")]
    proposals.check_rules(breaks, store.RuleException("age_range", "agreed by panel"))
    proposals.check_rules([], None)
    with pytest.raises(RuleBreaks) as refused:
        proposals.check_rules(breaks + [_break("language")], None)
    assert refused.value.breaks == breaks + [_break("language")]
    with pytest.raises(store.Invalid) as wrong:
        proposals.check_rules(breaks, store.RuleException("language", "why"))
    assert wrong.value.issues[0].field == "body.exception.rule"
    # The vacancy is the store's to check: excepting it is not refused here.
    proposals.check_rules([], store.RuleException(proposals.STORE_CHECKED, "why"))


def test_propose_then_decline_through_the_services(api: Api) -> None:
    """Tests the workflow without HTTP: a proposal holds the place and names its
    children; declining it releases the hold; both are audited by the store."""
    svc, officer = _services(api), api.users["officer"]
    held = proposals.propose(
        svc,
        officer,
        "H1",
        child_id="C1",
        group_id=None,
        hold_hours=None,
        views_note=None,
        exception=None,
    )
    assert held["status"] == "proposed" and held["holding"] and held["children"] == ["C1"]
    declined = proposals.decline(svc, officer, held["id"], "the child said no")
    assert declined["status"] == "declined" and not declined["holding"]
    actions = {e.action for e in api.audit(object_id=str(held["id"]))}
    assert {"proposal.create", "proposal.decline"} <= actions


def test_propose_needs_a_child_or_a_group(api: Api) -> None:
    """Tests that a proposal naming neither (or both) is refused before anything is read."""
    svc, officer = _services(api), api.users["officer"]
    for child_id, group_id in ((None, None), ("C1", "G1")):
        with pytest.raises(store.Invalid):
            proposals.propose(
                svc,
                officer,
                "H1",
                child_id=child_id,
                group_id=group_id,
                hold_hours=None,
                views_note=None,
                exception=None,
            )


def test_hard_rules_are_paged() -> None:
    """Tests that the rules page is a slice of every hard rule, each with its fields."""
    every = matches.hard_rules(0, 1000)
    assert matches.hard_rules(1, 2) == every[1:3]
    assert set(every[0]) == {"id", "section", "summary", "exception_allowed"}


def test_a_unit_of_reads_records_the_services_entries_together_when_it_ends(api: Api) -> None:
    """Tests that services read within one unit (as a child's page does) write the same
    entries as each alone, committed when the unit ends, and that a unit ended by an
    error records none of them."""
    svc, officer = _services(api), api.users["officer"]
    with reading(svc) as unit:
        children.read_child(svc, officer, "S1", within=unit)
        siblings.group_of_child(svc, officer, "S1", within=unit)
        assert api.audit(action="child.read") == []  # not until the unit ends
    assert [e.object_id for e in api.audit(action="child.read")] == ["S1"]
    assert [e.child_ids for e in api.audit(action="sibling_group.read")] == [["S1", "S2"]]
    with pytest.raises(store.NotFound), reading(svc) as unit:
        children.read_child(svc, officer, "C1", within=unit)
        children.read_child(svc, officer, "B1", within=unit)  # another LA's: NotFound
    assert [e.object_id for e in api.audit(action="child.read")] == ["S1"]


def test_proposals_read_within_a_unit_show_a_lapsed_hold_expired(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests that listing proposals within a unit that has already read them, once their
    hold has lapsed, marks it expired (and audits that) and reads them as they are now."""
    svc, officer = _services(api), api.users["officer"]
    made = api.post("/proposals", json={"household_id": "H1", "child_id": "C1"})
    assert made.status_code == 201, made.text

    def listed(unit: Reading) -> list[str]:
        found = proposals.list_proposals(
            svc, officer, status=None, child_id="C1", household_id=None, offset=0, limit=5,
            within=unit,
        )  # fmt: skip
        return [p["status"] for p in found]

    with reading(svc) as unit:
        assert listed(unit) == ["proposed"]
        later = store.utcnow() + timedelta(days=60)  # every hold has lapsed by then
        monkeypatch.setattr(store.workflow.holds, "utcnow", lambda: later)
        assert listed(unit) == ["expired"]
    assert [e.object_id for e in api.audit(action="proposal.expire")] == [str(made.json()["id"])]
    assert len(api.audit(action="proposal.list")) == 2


def test_proposals_listed_name_their_children_as_each_read_alone(api: Api) -> None:
    """Tests that the list's children, read for every proposal in one query, are each
    proposal's own, as reading it alone gives them."""
    for body in (
        {"household_id": "H1", "child_id": "C1"},
        {"household_id": "H3", "group_id": "G1"},
    ):
        made = api.post("/proposals", json=body)
        assert made.status_code == 201, made.text
    listed = api.get("/proposals").json()["items"]
    assert len(listed) == 2
    for p in listed:
        assert p["children"] == api.get(f"/proposals/{p['id']}").json()["children"]
    assert sorted(p["children"] for p in listed) == [["C1"], ["S1", "S2"]]
    with store.read_session(api.engine) as s:
        assert store.children_of_proposals(s, []) == {}
