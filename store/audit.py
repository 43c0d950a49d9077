"""The append-only audit log: who did what, when, to which children's records.

Entries carry ids only, never a name, a need or free text, so the log can be read by
an admin without exposing a child; `record` refuses anything else. The database itself
refuses UPDATE and DELETE on the log (triggers in the first migration), so neither the
API nor a bug can rewrite history. Writes that change a record call `record` in the
same transaction: no change without its entry, no entry without its change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from store.db import atomic
from store.errors import Invalid
from store.models import AuditChild, AuditEntry, User, utcnow

#: What an action name looks like: `child.read`, `proposal.confirm`, ...
ACTION = re.compile(r"^[a-z][a-z_]*(\.[a-z_]+)*$")
#: What a value in `detail` may be: an id, a code, a number or a date, never prose.
ID_TEXT = re.compile(r"^[A-Za-z0-9_.:\-]{0,64}$")
DETAIL_KEY = re.compile(r"^[a-z][a-z_]{0,31}$")
MAX_LIMIT = 1000


def _check_value(key: str, value: Any) -> None:
    if value is None or isinstance(value, bool | int | float):
        return
    if isinstance(value, str) and ID_TEXT.match(value):
        return
    raise Invalid.one(f"detail.{key}", "audit details hold ids, codes and numbers only")


def _clean_detail(detail: Mapping[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (detail or {}).items():
        if not isinstance(key, str) or not DETAIL_KEY.match(key):
            raise Invalid.one("detail", f"bad detail key {key!r}")
        if isinstance(value, list | tuple):
            if len(value) > MAX_LIMIT:
                raise Invalid.one(f"detail.{key}", "too many values")
            for v in value:
                _check_value(key, v)
            out[key] = list(value)
        else:
            _check_value(key, value)
            out[key] = value
    return out


def entry_values(
    user: User | None,
    action: str,
    child_ids: Iterable[str] = (),
    object_id: str | int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """One entry's column values, checked (ids and codes only); raises Invalid."""
    if not ACTION.match(action) or len(action) > 64:
        raise Invalid.one("action", f"bad audit action {action!r}")
    children = list(dict.fromkeys(child_ids))
    for c in children:
        _check_value("child_ids", c)
    obj = None if object_id is None else str(object_id)
    if obj is not None:
        _check_value("object_id", obj)
    return {
        "at": utcnow(),
        "user_id": user.id if user is not None else None,
        "action": action,
        "child_ids": children,
        "object_id": obj,
        "detail": _clean_detail(detail),
    }


@atomic
def record(
    session: Session,
    user: User | None,
    action: str,
    child_ids: Iterable[str] = (),
    object_id: str | int | None = None,
    detail: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry (user None: the system itself, e.g. a hold expiring)."""
    entry = AuditEntry(**entry_values(user, action, child_ids, object_id, detail))
    session.add(entry)
    session.flush()
    session.add_all(AuditChild(audit_id=entry.id, child_id=c) for c in entry.child_ids)
    return entry


@atomic
def record_many(session: Session, entries: Sequence[Mapping[str, Any]]) -> list[int]:
    """Append many entries at once (each from `entry_values`), in two INSERTs: for a
    busy service that commits the reads' entries together. Their ids, in order."""
    if not entries:
        return []
    rows = [dict(e) for e in entries]
    # Core statements on the session's connection: the ORM's bulk path costs more than
    # the database does here.
    connection = session.connection()
    ids = list(
        connection.execute(
            insert(AuditEntry.__table__).returning(  # type: ignore[attr-defined]
                AuditEntry.__table__.c.id,  # type: ignore[attr-defined]
                sort_by_parameter_order=True,
            ),
            rows,
        ).scalars()
    )
    children = [
        {"audit_id": i, "child_id": c}
        for i, row in zip(ids, rows, strict=True)
        for c in row["child_ids"]
    ]
    if children:
        connection.execute(insert(AuditChild.__table__), children)  # type: ignore[attr-defined]
    return ids


def list_audit(
    session: Session,
    *,
    user_id: int | None = None,
    child_id: str | None = None,
    action: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Entries matching every filter given, newest first.

    Page with `before_id` (the smallest id of the previous page): stable while new
    entries arrive, unlike an offset. `action` ending in `.` matches a prefix
    (`proposal.` for every proposal event).
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid.one("limit", f"must be between 1 and {MAX_LIMIT}")
    q = select(AuditEntry)
    if child_id is not None:
        q = q.join(AuditChild, col(AuditChild.audit_id) == col(AuditEntry.id)).where(
            AuditChild.child_id == child_id
        )
    if user_id is not None:
        q = q.where(AuditEntry.user_id == user_id)
    if action is not None:
        q = q.where(
            col(AuditEntry.action).startswith(action, autoescape=True)
            if action.endswith(".")
            else AuditEntry.action == action
        )
    if object_id is not None:
        q = q.where(AuditEntry.object_id == object_id)
    if since is not None:
        q = q.where(col(AuditEntry.at) >= since)
    if until is not None:
        q = q.where(col(AuditEntry.at) < until)
    if before_id is not None:
        q = q.where(col(AuditEntry.id) < before_id)
    return list(session.exec(q.order_by(col(AuditEntry.id).desc()).limit(limit)))
