"""The audit log page (admins): who did what, when, to which children's records, newest
first, with filters (action, user, child id, from and to dates) and pages of older
entries. The same service as `GET /audit` (api/services/admin.py), so the same bounds:
only the entries about the admin's LAs, naming only their LAs' children; and the same
audit of the reading itself (`audit.read`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from api.deps import AdminPage, Svc
from api.pages.common import page_router, render, with_query
from api.services import admin

router = page_router()

PER_PAGE = 50
#: As the JSON route checks `action`: an action, or a prefix ending in a dot.
ACTION = re.compile(r"^[a-z][a-z_.]*$")
ID_MAX = 64
MAX_ID = 2**31 - 1


@dataclass
class AuditFilters:
    action: str | None = None
    user_id: int | None = None
    child_id: str | None = None
    since: date | None = None
    until: date | None = None
    before_id: int | None = None
    errors: list[tuple[str, str]] = field(default_factory=list)

    def query(self, before_id: int | None = None) -> dict[str, str | int | None]:
        return {
            "action": self.action,
            "user_id": self.user_id,
            "child_id": self.child_id,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "before_id": before_id,
        }

    @property
    def any(self) -> bool:
        return any(
            v is not None
            for v in (self.action, self.user_id, self.child_id, self.since, self.until)
        )


def _date(raw: str, name: str, label: str, f: AuditFilters) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        f.errors.append((name, f"{label} must be a real date, for example 2026-12-06"))
        return None


def read_filters(request: Request, users: dict[int, str]) -> AuditFilters:
    """The filters from the query string; a bad value is an error named for its field
    (and left out), never a 500."""
    q = request.query_params
    f = AuditFilters()
    action = q.get("action", "").strip().lower()
    if action and (len(action) > ID_MAX or not ACTION.match(action)):
        f.errors.append(
            ("action", "Enter an action such as child.read, or the start of one such as proposal.")
        )
    elif action:
        f.action = action
    user_id = q.get("user_id", "").strip()
    if user_id and user_id.isdigit() and int(user_id) in users:
        f.user_id = int(user_id)
    elif user_id:
        f.errors.append(("user_id", "Choose a user from the list"))
    child_id = q.get("child_id", "").strip()
    if child_id and (len(child_id) > ID_MAX or "\x00" in child_id):
        f.errors.append(("child_id", f"A case id is at most {ID_MAX} characters"))
    elif child_id:
        f.child_id = child_id
    f.since = _date(q.get("since", "").strip(), "since", "The from date", f)
    f.until = _date(q.get("until", "").strip(), "until", "The to date", f)
    if f.since and f.until and f.until < f.since:
        f.errors.append(("until", "The to date must be the same as or after the from date"))
        f.until = None
    before = q.get("before_id", "").strip()
    if before.isdigit() and 1 <= int(before) <= MAX_ID:
        f.before_id = int(before)
    elif before:
        f.errors.append(("before_id", "That page of the log cannot be found; start again"))
    return f


def _start(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None


def _describe(entry: dict[str, Any]) -> str:
    detail = entry["detail"]
    return ", ".join(
        f"{k.replace('_', ' ')}: {v}" for k, v in detail.items() if v not in (None, "")
    )


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(request: Request, user: AdminPage, svc: Svc) -> HTMLResponse:
    accounts = await run_in_threadpool(admin.list_users, svc, user, 0, 1000)
    names = {u["id"]: u["name"] for u in accounts}
    f = read_filters(request, names)
    entries = await run_in_threadpool(
        lambda: admin.read_audit(
            svc,
            user,
            user_id=f.user_id,
            child_id=f.child_id,
            action=f.action,
            object_id=None,
            since=_start(f.since),
            until=_start(f.until + timedelta(days=1)) if f.until else None,
            before_id=f.before_id,
            limit=PER_PAGE,
        )
    )
    older = entries[-1]["id"] if len(entries) == PER_PAGE else None
    return render(
        request,
        "admin/audit.html",
        title="Audit log",
        status_code=422 if f.errors else 200,
        errors=f.errors,
        filters=f,
        entries=entries,
        names=names,
        user_options={str(k): v for k, v in sorted(names.items(), key=lambda kv: kv[1])},
        describe=_describe,
        newest=with_query("/audit", f.query()) if f.before_id else None,
        older=with_query("/audit", f.query(older)) if older else None,
        clear="/audit",
        las=list(user.las),
    )
