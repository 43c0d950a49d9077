"""Sibling groups: which children are brothers and sisters, and the group's policy.

Read back as the core's own `SiblingGroup`. A child is in at most one group (a unique
constraint as well as a check here); a `must` group's plans must share a placement kind.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlmodel import Session, col, delete, select

from children import SiblingGroup
from store import audit
from store.children import in_scope
from store.db import atomic
from store.errors import Conflict, DuplicateId, FieldIssue, Invalid, NotFound
from store.models import ChildRecord, SiblingGroupRecord, SiblingMember, User
from store.validate import sibling_group_values


def _members(session: Session, group_ids: Collection[str]) -> dict[str, list[str]]:
    rows = session.exec(
        select(SiblingMember)
        .where(col(SiblingMember.group_id).in_(list(group_ids)))
        .order_by(col(SiblingMember.group_id), col(SiblingMember.position))
    )
    out: dict[str, list[str]] = {g: [] for g in group_ids}
    for m in rows:
        out[m.group_id].append(m.child_id)
    return out


def _check_members(
    session: Session,
    group_id: str,
    children: list[str],
    policy: str,
    las: Collection[str] | None,
) -> None:
    rows = {
        c.id: c for c in session.exec(select(ChildRecord).where(col(ChildRecord.id).in_(children)))
    }
    issues = [
        FieldIssue(f"children[{k}]", f"unknown child {c!r}")
        for k, c in enumerate(children)
        if c not in rows or not in_scope(rows[c].la, las)
    ]
    if issues:
        raise Invalid(issues)
    taken = session.exec(
        select(SiblingMember).where(
            col(SiblingMember.child_id).in_(children), SiblingMember.group_id != group_id
        )
    ).all()
    if taken:
        raise Conflict(
            "; ".join(f"child {m.child_id} is already in sibling group {m.group_id}" for m in taken)
        )
    if policy == "must":
        common = set(rows[children[0]].accepts).intersection(*(rows[c].accepts for c in children))
        if not common:
            raise Invalid.one(
                "policy",
                f"group {group_id} must live together but its members' plans accept no common "
                "placement kind",
            )


@atomic
def create_group(
    session: Session,
    data: Mapping[str, Any],
    *,
    by: User | None,
    las: Collection[str] | None = None,
) -> SiblingGroup:
    """A new group `{id, children, policy}`; every member must be a known child within
    `las` and in no other group. Raises Invalid, Conflict, DuplicateId."""
    values = sibling_group_values(data)
    if session.get(SiblingGroupRecord, values["id"]) is not None:
        raise DuplicateId("sibling group", [values["id"]])
    _check_members(session, values["id"], values["children"], values["policy"], las)
    session.add(SiblingGroupRecord(id=values["id"], policy=values["policy"]))
    session.flush()
    session.add_all(
        SiblingMember(group_id=values["id"], child_id=c, position=k)
        for k, c in enumerate(values["children"])
    )
    session.flush()
    audit.record(
        session,
        by,
        "sibling_group.create",
        values["children"],
        values["id"],
        {"policy": values["policy"]},
    )
    return SiblingGroup(values["id"], tuple(values["children"]), values["policy"])


def get_group(
    session: Session, group_id: str, *, las: Collection[str] | None = None
) -> SiblingGroup:
    """One group, or NotFound (also when any member is outside `las`)."""
    group = session.get(SiblingGroupRecord, group_id)
    if group is None:
        raise NotFound("sibling group", group_id)
    members = _members(session, [group_id])[group_id]
    if las is not None:
        outside = session.exec(
            select(ChildRecord.id).where(
                col(ChildRecord.id).in_(members), col(ChildRecord.la).not_in(list(las))
            )
        ).first()
        if outside is not None:
            raise NotFound("sibling group", group_id)
    return SiblingGroup(group.id, tuple(members), group.policy)


def group_of(session: Session, child_id: str) -> SiblingGroup | None:
    """The group a child belongs to, if any."""
    member = session.exec(select(SiblingMember).where(SiblingMember.child_id == child_id)).first()
    return get_group(session, member.group_id) if member else None


def list_groups(
    session: Session,
    *,
    las: Collection[str] | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[SiblingGroup]:
    """Groups with at least one member within `las`, by id (`limit` of them from
    `offset`, or all)."""
    q = select(SiblingGroupRecord).order_by(col(SiblingGroupRecord.id)).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    if las is not None:
        q = q.where(
            col(SiblingGroupRecord.id).in_(
                select(SiblingMember.group_id)
                .join(ChildRecord, col(ChildRecord.id) == col(SiblingMember.child_id))
                .where(col(ChildRecord.la).in_(list(las)))
            )
        )
    groups = list(session.exec(q))
    members = _members(session, [g.id for g in groups])
    return [SiblingGroup(g.id, tuple(members[g.id]), g.policy) for g in groups]


@atomic
def update_group(
    session: Session,
    group_id: str,
    *,
    by: User | None,
    children: list[str] | None = None,
    policy: str | None = None,
    las: Collection[str] | None = None,
) -> SiblingGroup:
    """Change a group's members (replaced whole) or policy; checked as on creation."""
    current = get_group(session, group_id, las=las)
    values = sibling_group_values(
        {
            "id": group_id,
            "children": list(current.children) if children is None else list(children),
            "policy": current.policy if policy is None else policy,
        }
    )
    _check_members(session, group_id, values["children"], values["policy"], las)
    record = session.get(SiblingGroupRecord, group_id)
    assert record is not None
    record.policy = values["policy"]
    session.add(record)
    session.exec(delete(SiblingMember).where(col(SiblingMember.group_id) == group_id))
    session.flush()
    session.add_all(
        SiblingMember(group_id=group_id, child_id=c, position=k)
        for k, c in enumerate(values["children"])
    )
    session.flush()
    audit.record(
        session,
        by,
        "sibling_group.update",
        sorted(set(current.children) | set(values["children"])),
        group_id,
        {"policy": values["policy"]},
    )
    return SiblingGroup(group_id, tuple(values["children"]), values["policy"])


@atomic
def delete_group(
    session: Session, group_id: str, *, by: User | None, las: Collection[str] | None = None
) -> None:
    """Remove a group (its children stay, now without a sibling constraint)."""
    current = get_group(session, group_id, las=las)
    session.exec(delete(SiblingMember).where(col(SiblingMember.group_id) == group_id))
    session.exec(delete(SiblingGroupRecord).where(col(SiblingGroupRecord.id) == group_id))
    session.flush()
    audit.record(session, by, "sibling_group.delete", current.children, group_id)
