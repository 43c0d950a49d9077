"""The append-only audit log: who did what, when, to which children's records.

Entries carry ids only, never a name, a need or free text, so the log can be read by
an admin without exposing a child; `record` refuses anything else. The database itself
refuses UPDATE and DELETE on the log (triggers in the first migration), so neither the
API nor a bug can rewrite history. Writes that change a record call `record` in the
same transaction: no change without its entry, no entry without its change.

The log is bounded by LA as the records are (docs/security.md): each entry keeps the
LAs it concerns (`audit_la`: its children's LAs when it was written; for an entry about
no child, the LAs given or else the acting user's) and each child's LA then
(`audit_child.la`). `list_audit(las=...)` gives an admin only the entries of their
LAs, and in each only the children of their LAs.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, insert, or_
from sqlmodel import Session, col, select

from store.db import atomic
from store.errors import Invalid
from store.models import AuditChild, AuditEntry, AuditLa, ChildRecord, User, utcnow

#: What an action name looks like: `child.read`, `proposal.confirm`, ...
ACTION = re.compile(r"^[a-z][a-z_]*(\.[a-z_]+)*$")
#: What a value in `detail` may be: an id, a code, a number or a date, never prose.
ID_TEXT = re.compile(r"^[A-Za-z0-9_.:\-]{0,64}$")
DETAIL_KEY = re.compile(r"^[a-z][a-z_]{0,31}$")
MAX_LIMIT = 1000
#: Keys of `entry_values` that are not columns of `audit`: the LAs given, and the acting
#: user's (for an entry about no child).
_LAS, _USER_LAS = "_las", "_user_las"


#: Statements built once: the busiest writer (ranked-match reads) runs them per batch.
#: (sqlmodel does not declare the `__table__` SQLAlchemy gives every table model.)
_CHILD = ChildRecord.__table__  # type: ignore[attr-defined]
_CHILD_LAS = select(_CHILD.c.id, _CHILD.c.la).where(
    _CHILD.c.id.in_(bindparam("ids", expanding=True))
)
_INSERT_ENTRY = insert(AuditEntry.__table__).returning(  # type: ignore[attr-defined]
    AuditEntry.__table__.c.id,  # type: ignore[attr-defined]
    sort_by_parameter_order=True,
)
_INSERT_CHILD = insert(AuditChild.__table__)  # type: ignore[attr-defined]
_INSERT_LA = insert(AuditLa.__table__)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class LoggedEntry:
    """An entry as a reader may see it: `child_ids` and `las` cut to the reader's LAs."""

    id: int
    at: datetime
    user_id: int | None
    action: str
    child_ids: list[str]
    object_id: str | None
    detail: dict[str, Any]
    las: list[str]


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
    las: Iterable[str] = (),
) -> dict[str, Any]:
    """One entry's values, checked (ids and codes only), for `record_many`; raises
    Invalid. `las`: LAs the entry concerns besides its children's (a household's)."""
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
        _LAS: tuple(las),
        _USER_LAS: tuple(user.las) if user is not None else (),
    }


@atomic
def record(
    session: Session,
    user: User | None,
    action: str,
    child_ids: Iterable[str] = (),
    object_id: str | int | None = None,
    detail: Mapping[str, Any] | None = None,
    *,
    las: Iterable[str] = (),
) -> int:
    """Append one entry (user None: the system itself, e.g. a hold expiring); its id.
    `las`: LAs it concerns besides its children's (e.g. the household changed)."""
    values = entry_values(user, action, child_ids, object_id, detail, las)
    return record_many(session, [values])[0]


@atomic
def record_many(session: Session, entries: Sequence[Mapping[str, Any]]) -> list[int]:
    """Append many entries at once (each from `entry_values`): one SELECT of their
    children's LAs and three INSERTs (entries, children, LAs), for a busy service that
    commits the reads' entries together. Their ids, in order."""
    if not entries:
        return []
    rows = [dict(e) for e in entries]
    given = [(set(r.pop(_LAS, ())), set(r.pop(_USER_LAS, ()))) for r in rows]
    la_of = _child_las(session, {c for r in rows for c in r["child_ids"]})
    # Core statements on the session's connection: the ORM's bulk path costs more than
    # the database does here.
    connection = session.connection()
    ids = list(connection.execute(_INSERT_ENTRY, rows).scalars())
    children = [
        {"audit_id": i, "child_id": c, "la": la_of.get(c)}
        for i, row in zip(ids, rows, strict=True)
        for c in row["child_ids"]
    ]
    if children:
        connection.execute(_INSERT_CHILD, children)
    scopes = [
        {"audit_id": i, "la": la}
        for i, row, (las, user_las) in zip(ids, rows, given, strict=True)
        for la in sorted(_entry_las(row["child_ids"], la_of, las, user_las))
    ]
    if scopes:
        connection.execute(_INSERT_LA, scopes)
    return ids


def _child_las(session: Session, child_ids: set[str]) -> dict[str, str]:
    """Each known child's LA now (as the entry is written), in chunks of a thousand."""
    if not child_ids:
        return {}
    session.flush()  # children created in this transaction are known too
    connection = session.connection()
    ids = sorted(child_ids)
    out: dict[str, str] = {}
    for start in range(0, len(ids), MAX_LIMIT):
        rows = connection.execute(_CHILD_LAS, {"ids": ids[start : start + MAX_LIMIT]})
        out.update((c, la) for c, la in rows)
    return out


def _entry_las(
    child_ids: Iterable[str], la_of: Mapping[str, str], las: set[str], user_las: set[str]
) -> set[str]:
    """The LAs an entry concerns: its children's and those given; for an entry about no
    (known) child and given none, the acting user's."""
    scope = {la_of[c] for c in child_ids if c in la_of} | las
    return scope or user_las


def list_audit(
    session: Session,
    *,
    las: Collection[str] | None = None,
    user_id: int | None = None,
    child_id: str | None = None,
    action: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[LoggedEntry]:
    """Entries matching every filter given, newest first.

    `las` is the reader's boundary (None: none): only entries concerning one of those
    LAs, each naming only the children who were of those LAs (or of none: unknown
    then), and `child_id` of a child of another LA finds nothing, as an unknown id.
    Page with `before_id` (the smallest id of the previous page): stable while new
    entries arrive, unlike an offset. `action` ending in `.` matches a prefix
    (`proposal.` for every proposal event).
    """
    if not 1 <= limit <= MAX_LIMIT:
        raise Invalid.one("limit", f"must be between 1 and {MAX_LIMIT}")
    q = select(AuditEntry)
    if las is not None:
        q = q.where(
            exists(
                select(AuditLa.audit_id).where(
                    AuditLa.audit_id == AuditEntry.id, col(AuditLa.la).in_(list(las))
                )
            )
        )
    if child_id is not None:
        about = select(AuditChild.audit_id).where(AuditChild.child_id == child_id)
        if las is not None:
            about = about.where(_child_within(las))
        q = q.where(col(AuditEntry.id).in_(about))
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
    entries = list(session.exec(q.order_by(col(AuditEntry.id).desc()).limit(limit)))
    return _as_read(session, entries, las)


def _child_within(las: Collection[str]) -> Any:
    """SQL: an entry's child was of one of `las` then, or no known child at all."""
    return or_(col(AuditChild.la).in_(list(las)), col(AuditChild.la).is_(None))


def _as_read(
    session: Session, entries: list[AuditEntry], las: Collection[str] | None
) -> list[LoggedEntry]:
    """The entries as `las` may see them: children and LAs cut to those LAs."""
    ids = [e.id for e in entries]
    scopes: dict[int, list[str]] = {i: [] for i in ids if i is not None}
    for audit_id, la in session.exec(
        select(AuditLa.audit_id, AuditLa.la)
        .where(col(AuditLa.audit_id).in_(ids))
        .order_by(col(AuditLa.la))
    ):
        if las is None or la in las:
            scopes[audit_id].append(la)
    shown: set[tuple[int, str]] | None = None
    if las is not None:
        shown = set(
            session.exec(
                select(AuditChild.audit_id, AuditChild.child_id).where(
                    col(AuditChild.audit_id).in_(ids), _child_within(las)
                )
            )
        )
    out = []
    for e in entries:
        assert e.id is not None
        children = [c for c in e.child_ids if shown is None or (e.id, c) in shown]
        out.append(
            LoggedEntry(
                e.id, e.at, e.user_id, e.action, children, e.object_id, dict(e.detail), scopes[e.id]
            )
        )
    return out
