"""The Referrals page: a placement officer's open referrals, most urgent and soonest
needed first, with filters (urgency, LA, age band, need), finding a child by their case
id, and pages of `PER_PAGE`. The same service as `GET /referrals` (and so the same
scope, order and audit entry, `referral.list`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

import store
import vocab
from api.deps import StaffPage, Svc
from api.pages.common import page_router, render, with_query
from api.services import referrals
from api.services.common import reading

router = page_router()

PER_PAGE = 25
AGE_BAND_LABELS: dict[str, str] = {
    "under-1": "Under 1",
    "1-4": "1 to 4",
    "5-9": "5 to 9",
    "10-15": "10 to 15",
    "16-plus": "16 and over",
}
URGENCY_LABELS: dict[str, str] = {
    "emergency": "Emergency",
    "urgent": "Urgent",
    "planned": "Planned",
}
#: The tag colour of each urgency (classes in placematch.css).
URGENCY_TAGS: dict[str, str] = {"emergency": "red", "urgent": "orange", "planned": "grey"}


@dataclass
class Filters:
    """The list's filters as the GET form sent them, each checked against its choices."""

    urgency: str | None = None
    la: str | None = None
    age_band: str | None = None
    need: str | None = None
    child_id: str | None = None
    page: int = 1
    errors: list[tuple[str, str]] = field(default_factory=list)

    def service_args(self) -> dict[str, Any]:
        return {
            "urgency": self.urgency,
            "la": self.la,
            "age_band": self.age_band,
            "need": self.need,
            "child_id": self.child_id,
        }

    def query(self, page: int | None = None) -> dict[str, str | int | None]:
        return {**self.service_args(), "page": page}

    @property
    def filtered(self) -> bool:
        """Whether a filter (not the case id) is set: the filters then show open."""
        return any(v is not None for v in (self.urgency, self.la, self.age_band, self.need))

    @property
    def any(self) -> bool:
        return any(v is not None for v in self.service_args().values())


def read_filters(request: Request, user: store.User) -> Filters:
    """The filters from the query string; a value not among its choices is an error
    named for its field (and left out), never a 500."""
    q = request.query_params
    f = Filters()
    choices: dict[str, tuple[str, Any, str]] = {
        "urgency": ("urgency", URGENCY_LABELS, "Choose an urgency from the list"),
        "la": ("la", {la: la for la in user.las}, "Choose one of your LAs from the list"),
        "age_band": ("age_band", AGE_BAND_LABELS, "Choose an age band from the list"),
        "need": ("need", vocab.NEED_LABELS, "Choose a need from the list"),
    }
    for name, (attr, allowed, message) in choices.items():
        value = q.get(name, "").strip()
        if value and value in allowed:
            setattr(f, attr, value)
        elif value:
            f.errors.append((name, message))
    child_id = q.get("child_id", "").strip()
    if child_id and (len(child_id) > 64 or "\x00" in child_id):
        f.errors.append(("child_id", "A case id is at most 64 characters"))
    elif child_id:
        f.child_id = child_id
    page = q.get("page", "1").strip() or "1"
    if page.isdigit() and 1 <= int(page) <= 100_000:
        f.page = int(page)
    else:
        f.errors.append(("page", "The page number must be a whole number, 1 or more"))
    return f


def waited(opened_at: datetime, today: date) -> str:
    days = max(0, (today - opened_at.date()).days)
    if days == 0:
        return "Today"
    if days < 14:
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{days // 7} weeks"


@router.get("/referrals", response_class=HTMLResponse)
async def referrals_page(request: Request, user: StaffPage, svc: Svc) -> HTMLResponse:
    f = read_filters(request, user)

    def load() -> tuple[list[dict[str, Any]], int]:
        args = f.service_args()
        with reading(svc) as r:  # one read transaction: the count and the page agree
            total = referrals.count_referrals(svc, user, status="open", within=r, **args)
            last = max(1, -(-total // PER_PAGE))
            f.page = min(f.page, last)
            items = referrals.list_referrals(
                svc,
                user,
                status="open",
                offset=(f.page - 1) * PER_PAGE,
                limit=PER_PAGE,
                within=r,
                **args,
            )
        return items, total

    items, total = await run_in_threadpool(load)
    pages = max(1, -(-total // PER_PAGE))
    today = store.utcnow().date()
    return render(
        request,
        "referrals.html",
        title="Referrals",
        status_code=422 if f.errors else 200,
        errors=f.errors,
        filters=f,
        items=items,
        total=total,
        pages=pages,
        today=today,
        waited=waited,
        previous=with_query("/referrals", f.query(f.page - 1)) if f.page > 1 else None,
        next_page=with_query("/referrals", f.query(f.page + 1)) if f.page < pages else None,
        clear=with_query("/referrals", {}),
        urgencies=URGENCY_LABELS,
        urgency_tags=URGENCY_TAGS,
        age_bands=AGE_BAND_LABELS,
        needs=vocab.NEED_LABELS,
        need_options={k: v[:1].upper() + v[1:] for k, v in vocab.NEED_LABELS.items()},
        las=list(user.las),
        las_options={la: la for la in user.las},
    )
