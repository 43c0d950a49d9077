"""Children's records: create, read, update, list, each within the caller's LAs.

`las` is the caller's boundary: a child outside it is NotFound, the same answer as a
child that does not exist, so another LA's records do not leak. `las=None` means no
boundary (the CLI, a loader, an admin task). Values are checked as the problem format
checks them (store.validate).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlmodel import Session, col, select

from store import audit
from store.db import atomic
from store.errors import DuplicateId, FieldIssue, Forbidden, Invalid, NotFound
from store.models import ChildRecord, HouseholdRecord, Referral, User, utcnow
from store.validate import child_values

MAX_PAGE = 1000


def in_scope(la: str, las: Collection[str] | None) -> bool:
    """Whether a record of LA `la` is within the boundary `las` (None: everywhere)."""
    return las is None or la in las


def check_page(offset: int, limit: int) -> None:
    if offset < 0:
        raise Invalid.one("offset", "must be zero or more")
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid.one("limit", f"must be between 1 and {MAX_PAGE}")


def child_to_dict(child: ChildRecord) -> dict[str, Any]:
    """A child in the problem format's shape (without the referral's urgency and
    date), plus `date_of_birth`, with `adoption` None when the child has no adoption
    plan: what `create_child` takes and `update_child` merges."""
    return {
        "id": child.id,
        "la": child.la,
        "age": child.age,
        "date_of_birth": child.date_of_birth.isoformat() if child.date_of_birth else None,
        "sex": child.sex,
        "ethnicity": child.ethnicity,
        "religion": child.religion,
        "languages": list(child.languages),
        "home": child.home,
        "school": child.school,
        "school_must_stay": child.school_must_stay,
        "avoid": list(child.avoid),
        "accepts": list(child.accepts),
        "needs": list(child.needs),
        "flags": list(child.flags),
        "max_distance_km": child.max_distance_km,
        "siblings_placed_with": list(child.siblings_placed_with),
        "wishes": {"areas": list(child.wish_areas), "carers": list(child.wish_carers)},
        "adoption": adoption_to_dict(child),
    }


def adoption_to_dict(child: ChildRecord) -> dict[str, Any] | None:
    """The child's adoption plan in the problem format's shape, or None."""
    if child.adoption_waiting_since is None:
        return None
    order = child.adoption_placement_order_date
    return {
        "waiting_since": child.adoption_waiting_since.isoformat(),
        "placement_order_date": order.isoformat() if order else None,
        "early_permanence": bool(child.adoption_early_permanence),
        "uncertainties": list(child.adoption_uncertainties or []),
        "contact": list(child.adoption_contact or []),
        "notes": child.adoption_notes or "",
        "min_distance_km": child.adoption_min_distance_km,
        "need_levels": dict(child.adoption_need_levels or {}),
    }


def unknown_carer(field: str, carer: str) -> str:
    """Why a named household is refused: `siblings_placed_with` holds households, which
    an officer may well take for the brothers' and sisters' own ids."""
    if field.startswith("siblings_placed_with"):
        return (
            f"no carer household {carer!r}: this field lists the households where a brother "
            "or sister already lives (their ids are in sibling groups)"
        )
    return f"unknown carer {carer!r}"


def _check_carers(session: Session, values: Mapping[str, Any]) -> None:
    named = {
        **{f"siblings_placed_with[{k}]": h for k, h in enumerate(values["siblings_placed_with"])},
        **{f"wishes.carers[{k}]": h for k, h in enumerate(values["wish_carers"])},
    }
    if not named:
        return
    found = set(
        session.exec(
            select(HouseholdRecord.id).where(col(HouseholdRecord.id).in_(set(named.values())))
        )
    )
    issues = [FieldIssue(f, unknown_carer(f, h)) for f, h in named.items() if h not in found]
    if issues:
        raise Invalid(issues)


def _has_open_referral(session: Session, child_id: str) -> bool:
    return (
        session.exec(
            select(Referral.id).where(Referral.child_id == child_id, Referral.status == "open")
        ).first()
        is not None
    )


@atomic
def create_child(
    session: Session,
    data: Mapping[str, Any],
    *,
    by: User | None,
    las: Collection[str] | None = None,
) -> ChildRecord:
    """A new child's record; their need for a placement is a referral (store.referrals).

    Raises Invalid (bad fields), Forbidden (an LA outside `las`), DuplicateId.
    """
    values = child_values({k: v for k, v in data.items() if k not in ("urgency", "needed_by")})
    if not in_scope(values["la"], las):
        raise Forbidden(f"LA {values['la']!r} is not one of yours")
    _check_carers(session, values)
    if session.get(ChildRecord, values["id"]) is not None:
        raise DuplicateId("child", [values["id"]])
    child = ChildRecord(**values)
    session.add(child)
    session.flush()
    audit.record(session, by, "child.create", [child.id], child.id)
    return child


def get_child(
    session: Session, child_id: str, *, las: Collection[str] | None = None
) -> ChildRecord:
    """One child's record, or NotFound (also for a child outside `las`)."""
    child = session.get(ChildRecord, child_id)
    if child is None or not in_scope(child.la, las):
        raise NotFound("child", child_id)
    return child


def list_children(
    session: Session,
    *,
    las: Collection[str] | None = None,
    offset: int = 0,
    limit: int = 100,
    home_known: bool | None = None,
) -> list[ChildRecord]:
    """Children within `las`, by id; `home_known` False: only those whose home outcode
    is not recorded yet (an imported 903 record without a usable HOME_POST), to fix."""
    check_page(offset, limit)
    q = select(ChildRecord)
    if las is not None:
        q = q.where(col(ChildRecord.la).in_(list(las)))
    if home_known is not None:
        home = col(ChildRecord.home)
        q = q.where(home.is_not(None) if home_known else home.is_(None))
    return list(session.exec(q.order_by(col(ChildRecord.id)).offset(offset).limit(limit)))


@atomic
def update_child(
    session: Session,
    child_id: str,
    changes: Mapping[str, Any],
    *,
    by: User | None,
    las: Collection[str] | None = None,
) -> ChildRecord:
    """Change some fields of a child's record; the whole record is checked again.

    `wishes` is replaced whole. The id cannot change; the LA may move only within
    `las`. Raises NotFound, Invalid, Forbidden.
    """
    child = get_child(session, child_id, las=las)
    if "id" in changes and changes["id"] != child_id:
        raise Invalid.one("id", "a child's id cannot change")
    values = child_values(child_to_dict(child) | dict(changes))
    if not in_scope(values["la"], las):
        raise Forbidden(f"LA {values['la']!r} is not one of yours")
    _check_carers(session, values)
    if values["home"] is None and child.home is not None and _has_open_referral(session, child_id):
        raise Invalid.one("home", "cannot be removed while the child has an open referral")
    changed = sorted(k for k, v in values.items() if getattr(child, k) != v)
    before = child.la
    for key in changed:
        setattr(child, key, values[key])
    if changed:
        child.updated_at = utcnow()
        session.add(child)
        session.flush()
        # A move between LAs concerns the LA the child leaves too (the entry's child id
        # is the new LA's to see).
        audit.record(
            session, by, "child.update", [child.id], child.id, {"fields": changed}, las=[before]
        )
    return child
