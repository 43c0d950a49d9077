"""Rows to and from the problem format, the exchange between the store and the core.

`load_problem` writes a problem document (a generated region, an import) as records;
`problem_dict` turns the records of some LAs back into a problem document that
`matching.parse_problem` accepts, so ranking and batch runs see exactly what the
database holds:

- children: those with an open referral (its urgency and date become the child's);
- carers: every household (or those of `carer_las`, or of `carer_kinds`, e.g. only
  adopters for a family-finding round) and any a child names; each
  offers its vacancies less the places held by live proposals, and counts the children
  placed with it through the service among `household_children_ages`;
- sibling groups: members with an open referral (a group left with one is dropped);
  a brother or sister already placed adds their household to `siblings_placed_with`;
- policy: the one given, else the stored one, else the core's defaults.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from matching import Problem, parse_problem
from matching.problem import ProblemInvalid, problem_to_dict
from store import audit
from store.children import adoption_to_dict
from store.db import atomic
from store.errors import DuplicateId, FieldIssue, Invalid
from store.households import PLACES_HELD, household_to_dict
from store.models import (
    ChildRecord,
    HouseholdRecord,
    Placement,
    PolicyRecord,
    Proposal,
    Referral,
    SiblingGroupRecord,
    SiblingMember,
    User,
    utcnow,
)
from store.validate import (
    adopter_columns,
    adoption_columns,
    age_on,
    expected_places_column,
    known_las,
    policy_values,
)

DEFAULT_POLICY = "default"


@dataclass(frozen=True, slots=True)
class LoadSummary:
    """What `load_problem` wrote."""

    children: int
    referrals: int
    households: int
    sibling_groups: int


def get_policy(session: Session, name: str = DEFAULT_POLICY) -> dict[str, Any]:
    """The stored matching policy (problem format), or {} for the core's defaults."""
    row = session.get(PolicyRecord, name)
    return dict(row.document) if row else {}


@atomic
def set_policy(
    session: Session, policy: Mapping[str, Any], *, by: User | None, name: str = DEFAULT_POLICY
) -> dict[str, Any]:
    """Store the matching policy used when records become a problem; raises Invalid."""
    values = policy_values(policy)
    row = session.get(PolicyRecord, name) or PolicyRecord(name=name)
    row.document = values
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    audit.record(session, by, "policy.set", object_id=name)
    return values


def _existing(session: Session, key: Any, ids: list[str]) -> list[str]:
    """Which of `ids` are already in `key`'s column (asked in chunks)."""
    found: list[str] = []
    for i in range(0, len(ids), 500):
        found += session.exec(select(key).where(col(key).in_(ids[i : i + 500]))).all()
    return sorted(found)


@atomic
def load_problem(
    session: Session,
    doc: Mapping[str, Any],
    *,
    by: User | None,
    referred_at: Mapping[str, datetime] | None = None,
) -> LoadSummary:
    """Write a problem document's children (each with an open referral), households,
    sibling groups and policy, in the caller's transaction: all of it or nothing.

    The document is validated as the core validates it (every fault at once, as
    Invalid with JSON paths); ids already in the database raise DuplicateId.
    `referred_at` dates a child's referral (by child id) when it was made before now
    (a generated region's, synth.referred); the others are opened now.
    """
    data = _valid_problem(doc)
    _check_new_ids(session, data)
    _add_records(session, data, by, referred_at or {})
    if "policy" in doc:
        set_policy(session, doc["policy"], by=by)
    summary = LoadSummary(
        children=len(data["children"]),
        referrals=len(data["children"]),
        households=len(data["carers"]),
        sibling_groups=len(data["sibling_groups"]),
    )
    audit.record(
        session,
        by,
        "problem.load",
        [c["id"] for c in data["children"]],
        detail={
            "children": summary.children,
            "households": summary.households,
            "sibling_groups": summary.sibling_groups,
        },
    )
    return summary


def _valid_problem(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The document as the core reads it back (defaults filled in); Invalid, with every
    fault, when the core refuses it or an LA is not a known one."""
    try:
        problem = parse_problem(doc)
    except ProblemInvalid as exc:
        raise Invalid([FieldIssue(i.path, i.message) for i in exc.issues]) from exc
    data = problem_to_dict(problem)
    las = known_las()
    issues = [
        FieldIssue(f"$.{part}[{k}].la", f"{entry['la']!r} is not a known LA name")
        for part in ("children", "carers")
        for k, entry in enumerate(data[part])
        if entry["la"] not in las
    ]
    if issues:
        raise Invalid(issues)
    return data


def _check_new_ids(session: Session, data: Mapping[str, Any]) -> None:
    """DuplicateId for the first kind of record with ids already in the database."""
    for kind, key, part in (
        ("child", ChildRecord.id, "children"),
        ("household", HouseholdRecord.id, "carers"),
        ("sibling group", SiblingGroupRecord.id, "sibling_groups"),
    ):
        taken = _existing(session, key, [e["id"] for e in data[part]])
        if taken:
            raise DuplicateId(kind, taken)


def _add_records(
    session: Session, data: Mapping[str, Any], by: User | None, referred_at: Mapping[str, datetime]
) -> None:
    """The children, households, sibling groups (then their members) and each child's
    open referral, as rows."""
    session.add_all(
        ChildRecord(
            **{
                k: v
                for k, v in c.items()
                if k not in ("urgency", "needed_by", "wishes", "adoption")
            },
            wish_areas=c["wishes"]["areas"],
            wish_carers=c["wishes"]["carers"],
            **adoption_columns(c.get("adoption")),
        )
        for c in data["children"]
    )
    session.add_all(
        HouseholdRecord(
            **{
                k: v
                for k, v in h.items()
                if k not in ("available_from", "adopter", "expected_places")
            },
            available_from=date.fromisoformat(h["available_from"]),
            places=h["vacancies"],
            **adopter_columns(h.get("adopter")),
            expected_places=expected_places_column(h.get("expected_places", [])),
        )
        for h in data["carers"]
    )
    session.add_all(
        SiblingGroupRecord(id=g["id"], policy=g["policy"]) for g in data["sibling_groups"]
    )
    session.flush()
    session.add_all(
        SiblingMember(group_id=g["id"], child_id=c, position=k)
        for g in data["sibling_groups"]
        for k, c in enumerate(g["children"])
    )
    session.add_all(
        Referral(
            child_id=c["id"],
            urgency=c["urgency"],
            needed_by=date.fromisoformat(c["needed_by"]),
            opened_by=by.id if by else None,
            opened_at=referred_at.get(c["id"]) or utcnow(),
        )
        for c in data["children"]
    )
    session.flush()


#: The ages the problem format takes (matching/schema/problem.schema.json: 0 to 25).
AGES: tuple[int, int] = (0, 25)


def out_of_age_range(child: ChildRecord, as_of: date) -> str | None:
    """Why `child` cannot be matched on `as_of` by their age, or None: their date of
    birth makes them younger than 0 or older than 25 then."""
    if child.date_of_birth is None:
        return None
    age = age_on(child.date_of_birth, as_of)
    if AGES[0] <= age <= AGES[1]:
        return None
    return (
        f"child {child.id} is {age} on {as_of.isoformat()} by their date of birth "
        f"({child.date_of_birth.isoformat()}), outside the ages matching takes "
        f"({AGES[0]} to {AGES[1]}): check the date of birth"
    )


def problem_dict(
    session: Session,
    las: Collection[str] | None,
    *,
    carer_las: Collection[str] | None = None,
    carer_kinds: Collection[str] | None = None,
    as_of: date | None = None,
    policy: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The problem document for the open referrals of `las` (None: every LA); see the
    module docstring for what each part holds (children's adoption plans and adopters'
    approvals included). Read-only."""
    now = now or utcnow()
    as_of = as_of or now.date()
    rows = _open_referrals(session, las, as_of)
    child_ids = {c.id for c, _ in rows}
    groups = _sibling_groups(session, child_ids)
    placed = _current_placements(session, as_of)
    children = [
        _child_entry(c, r, _siblings_placed_with(c, groups, placed), as_of) for c, r in rows
    ]
    referenced = {h for c in children for h in c["siblings_placed_with"]}
    referenced.update(h for c, _ in rows for h in c.wish_carers)
    household_query = _households_query(carer_las, carer_kinds, referenced)
    return {
        "as_of": as_of.isoformat(),
        "policy": dict(policy) if policy is not None else get_policy(session),
        "children": children,
        "sibling_groups": groups.present(child_ids),
        "carers": _carers(session, household_query, placed.ages, now),
    }


def _open_referrals(
    session: Session, las: Collection[str] | None, as_of: date
) -> list[tuple[ChildRecord, Referral]]:
    """The children of `las` with an open referral, by id, with it."""
    q = select(ChildRecord, Referral).join(
        Referral, (col(Referral.child_id) == col(ChildRecord.id)) & (Referral.status == "open")
    )
    if las is not None:
        q = q.where(col(ChildRecord.la).in_(list(las)))
    # A child whose date of birth makes them older than the format allows (a record
    # kept past 25, a mistyped year) is left out, not allowed to fail the whole LA's
    # matching: `out_of_age_range` says why when they are asked for.
    return [
        (c, r)
        for c, r in session.exec(q.order_by(col(ChildRecord.id))).all()
        if out_of_age_range(c, as_of) is None
    ]


@dataclass
class _SiblingGroups:
    """The sibling groups of some children: their members in order, and each's policy."""

    members: dict[str, list[str]] = field(default_factory=dict)
    policy: dict[str, str] = field(default_factory=dict)
    group_of: dict[str, str] = field(default_factory=dict)

    def siblings(self, child_id: str) -> list[str]:
        return self.members.get(self.group_of.get(child_id, ""), [])

    def present(self, child_ids: Collection[str]) -> list[dict[str, Any]]:
        """The groups as the format has them: members among `child_ids`, two or more."""
        groups = []
        for gid in sorted(self.members):
            present = [m for m in self.members[gid] if m in child_ids]
            if len(present) >= 2:
                groups.append({"id": gid, "children": present, "policy": self.policy[gid]})
        return groups


def _sibling_groups(session: Session, child_ids: Collection[str]) -> _SiblingGroups:
    """Every sibling group one of `child_ids` is in, with all its members."""
    groups = _SiblingGroups()
    if not child_ids:
        return groups
    group_ids = set(
        session.exec(
            select(SiblingMember.group_id).where(col(SiblingMember.child_id).in_(child_ids))
        )
    )
    for m in session.exec(
        select(SiblingMember)
        .where(col(SiblingMember.group_id).in_(group_ids))
        .order_by(col(SiblingMember.group_id), col(SiblingMember.position))
    ):
        groups.members.setdefault(m.group_id, []).append(m.child_id)
        groups.group_of[m.child_id] = m.group_id
    groups.policy = dict(
        session.exec(
            select(SiblingGroupRecord.id, SiblingGroupRecord.policy).where(
                col(SiblingGroupRecord.id).in_(group_ids)
            )
        ).all()
    )
    return groups


@dataclass(frozen=True, slots=True)
class _Placed:
    """Current placements: where each placed child lives, and the ages at each home."""

    lives_at: dict[str, str]
    ages: dict[str, list[int]]


def _current_placements(session: Session, as_of: date) -> _Placed:
    """Where placed brothers and sisters live, and who lives where (ages on `as_of`)."""
    placed = session.exec(
        select(
            Placement.child_id,
            Placement.household_id,
            ChildRecord.age,
            col(ChildRecord.date_of_birth),
        )
        .join(ChildRecord, col(ChildRecord.id) == col(Placement.child_id))
        .where(col(Placement.ended_on).is_(None))
    ).all()
    ages: dict[str, list[int]] = {}
    for _, h, age, born in placed:
        now_aged = age_on(born, as_of) if born else age
        # A young adult still recorded as placed lives there all the same: at the
        # format's oldest age, for the rules about older children in the household.
        ages.setdefault(h, []).append(min(max(now_aged, AGES[0]), AGES[1]))
    return _Placed({c: h for c, h, _, _ in placed}, ages)


def _siblings_placed_with(child: ChildRecord, groups: _SiblingGroups, placed: _Placed) -> list[str]:
    """The homes the child's record names, then those of brothers and sisters placed."""
    with_siblings = list(child.siblings_placed_with)
    for sib in groups.siblings(child.id):
        home = placed.lives_at.get(sib)
        if sib != child.id and home and home not in with_siblings:
            with_siblings.append(home)
    return with_siblings


def _child_entry(
    c: ChildRecord, r: Referral, with_siblings: list[str], as_of: date
) -> dict[str, Any]:
    """A child as the problem format has them, their open referral's urgency and date
    theirs."""
    entry: dict[str, Any] = {
        "id": c.id,
        "la": c.la,
        "age": age_on(c.date_of_birth, as_of) if c.date_of_birth else c.age,
        "sex": c.sex,
        "ethnicity": c.ethnicity,
        "religion": c.religion,
        "languages": list(c.languages),
        "home": c.home,
        "school": c.school,
        "school_must_stay": c.school_must_stay,
        "avoid": list(c.avoid),
        "accepts": list(c.accepts),
        "needs": list(c.needs),
        "flags": list(c.flags),
        "urgency": r.urgency,
        "needed_by": r.needed_by.isoformat(),
        "max_distance_km": c.max_distance_km,
        "siblings_placed_with": with_siblings,
        "wishes": {"areas": list(c.wish_areas), "carers": list(c.wish_carers)},
    }
    adoption = adoption_to_dict(c)
    if adoption is not None:
        # Declined links are kept as links; the round started from the service rules
        # those adopters out from its `LinkHistory` (issue 18), not from this field.
        entry["adoption"] = adoption | {"ruled_out": []}
    return entry


def _households_query(
    carer_las: Collection[str] | None,
    carer_kinds: Collection[str] | None,
    referenced: set[str],
) -> SelectOfScalar[HouseholdRecord]:
    """The households asked for (of `carer_las`, of `carer_kinds`), and any a child names."""
    hq = select(HouseholdRecord)
    if carer_las is not None:
        hq = hq.where(
            col(HouseholdRecord.la).in_(list(carer_las)) | col(HouseholdRecord.id).in_(referenced)
        )
    if carer_kinds is not None:
        hq = hq.where(
            col(HouseholdRecord.kind).in_(list(carer_kinds))
            | col(HouseholdRecord.id).in_(referenced)
        )
    return hq.order_by(col(HouseholdRecord.id))


def _carers(
    session: Session,
    households: SelectOfScalar[HouseholdRecord],
    placed_ages: dict[str, list[int]],
    now: datetime,
) -> list[dict[str, Any]]:
    """The households as the format has them: vacancies less the places live proposals
    hold, the children placed there through the service among the children's ages."""
    held = dict(
        session.exec(
            select(Proposal.household_id, func.sum(PLACES_HELD))
            .where(Proposal.status == "proposed", col(Proposal.hold_until) > now)
            .group_by(col(Proposal.household_id))
        ).all()
    )
    carers = []
    for household in session.exec(households):
        carer = household_to_dict(household)
        del carer["places"]  # the problem format knows free places only
        if carer["adopter"] is None:
            del carer["adopter"]  # the format leaves it out rather than null
        carer["vacancies"] = max(0, household.vacancies - int(held.get(household.id, 0)))
        carer["household_children_ages"] += placed_ages.get(household.id, [])
        carers.append(carer)
    return carers


def build_problem(
    session: Session,
    las: Collection[str] | None,
    *,
    carer_las: Collection[str] | None = None,
    carer_kinds: Collection[str] | None = None,
    as_of: date | None = None,
    policy: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> Problem:
    """`problem_dict` parsed by the core, ready for `matching.rank` or `matching.solve`."""
    return parse_problem(
        problem_dict(
            session,
            las,
            carer_las=carer_las,
            carer_kinds=carer_kinds,
            as_of=as_of,
            policy=policy,
            now=now,
        )
    )
