"""A child's page (journey 2): needs and flags in words, home and school areas, the
placement plan, brothers and sisters with the group's policy, the child's own views,
where they live now by the 903 import, and the history of proposals and placements.

Each part is read through the same service as its JSON route, so the same scope
(another LA's child is the same 404 page as an unknown id) and the same audit entries:
`child.read` as `GET /children/{id}`, and the referral, group, care record, proposal
and placement reads as their own routes record them."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

import store
import vocab
from api.deps import OFFICERS, Services, StaffPage, Svc
from api.pages.common import page_router, render
from api.routes.common import RecordId
from api.services import (
    children,
    exceptions,
    imports,
    placements,
    proposals,
    referrals,
    siblings,
)
from api.services.common import reading

router = page_router()

FLAG_LABELS: dict[str, str] = {
    "needs_wheelchair_access": "Needs wheelchair access",
    "no_pets": "No pets in the home",
    "only_child": "Should be the only child in the home",
    "no_younger_children": "No younger children in the home",
    "no_older_children": "No older children in the home",
}
POLICY_LABELS: dict[str, str] = {
    "must": "Must be placed together",
    "should": "Should be placed together if possible",
    "apart": "To be placed apart",
}
URGENCY_LABELS: dict[str, str] = {
    "emergency": "Emergency",
    "urgent": "Urgent",
    "planned": "Planned",
}
PROPOSAL_STATUS: dict[str, tuple[str, str]] = {
    "proposed": ("Proposed", "blue"),
    "confirmed": ("Confirmed", "green"),
    "declined": ("Declined", "grey"),
    "expired": ("Hold lapsed", "grey"),
    "refused": ("Refused", "red"),
}
SEX_LABELS: dict[str, str] = {"F": "Female", "M": "Male", "U": "Not known"}
HISTORY = 50
REQUEST_STATES: dict[str, tuple[str, str]] = {
    "pending": ("Waiting for an admin", "blue"),
    "authorised": ("Authorised", "green"),
    "refused": ("Refused", "red"),
    "withdrawn": ("Withdrawn", "grey"),
    "lapsed": ("Lapsed", "grey"),
}


def sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def load_child(svc: Services, user: store.User, child_id: str) -> dict[str, Any]:
    """Everything the page shows, each part from its service (audited as the API reads
    it), in one unit of reads: one read transaction, the entries committed together."""
    with reading(svc) as r:
        child = children.read_child(svc, user, child_id, within=r)
        open_referrals = referrals.list_referrals(
            svc, user, status="open", child_id=child_id, offset=0, limit=1, within=r
        )
        group = siblings.group_of_child(svc, user, child_id, within=r)
        try:
            care = imports.read_care_record(svc, user, child_id, within=r)
        except store.NotFound:
            care = None
        history = proposals.list_proposals(
            svc,
            user,
            status=None,
            child_id=child_id,
            household_id=None,
            offset=0,
            limit=HISTORY,
            within=r,
        )
        placed = placements.list_placements(
            svc,
            user,
            child_id=child_id,
            household_id=None,
            current=None,
            offset=0,
            limit=HISTORY,
            within=r,
        )
        asked = (
            exceptions.list_requests(
                svc, user, state=None, child_id=child_id, offset=0, limit=HISTORY, within=r
            )
            if user.role in OFFICERS
            else None
        )
    return {
        "exception_requests": asked,
        "child": child,
        "referral": open_referrals[0] if open_referrals else None,
        "group": group,
        "care": care,
        "proposals": history,
        "placements": placed,
    }


@router.get("/children/{child_id}", response_class=HTMLResponse)
async def child_page(
    request: Request, child_id: RecordId, user: StaffPage, svc: Svc
) -> HTMLResponse:
    data = await run_in_threadpool(load_child, svc, user, child_id)
    child = data["child"]
    return render(
        request,
        "child.html",
        title=f"Child {child['id']}",
        **data,
        needs=[sentence(vocab.NEED_LABELS.get(n, n)) for n in child.get("needs", [])],
        flags=[FLAG_LABELS.get(f, sentence(f.replace("_", " "))) for f in child["flags"]],
        kinds=[sentence(vocab.KIND_LABELS.get(k, k)) for k in child["accepts"]],
        sexes=SEX_LABELS,
        born=date.fromisoformat(child["date_of_birth"]) if child["date_of_birth"] else None,
        ethnicity=f"{vocab.ETHNIC_GROUPS.get(child['ethnicity'], 'Not known')}"
        f" ({child['ethnicity']})",
        languages=[vocab.LANGUAGE_NAMES.get(c, c) for c in child["languages"]],
        kind_labels=vocab.KIND_LABELS,
        provider_labels=vocab.PROVIDER_LABELS,
        policies=POLICY_LABELS,
        urgencies=URGENCY_LABELS,
        statuses=PROPOSAL_STATUS,
        request_states=REQUEST_STATES,
    )
