"""Ranked matches: who could take a child or a sibling group, and which referred
children a carer could take, with reasons and near misses; the hard rules.

Answered from the built problem the cache keeps for the user's LAs (api/cache.py).
Every ranking is audited (`match.rank`, `match.rank_carer`, with the children's ids).
The ranking functions are async: the busiest path, a ranking already made, is answered
on the event loop; building, checking or ranking happens in a worker thread.
"""

from __future__ import annotations

import json
from concurrent.futures import Future
from typing import Any, Literal

from fastapi.concurrency import run_in_threadpool

import geo
import store
from api.cache import Snapshot
from api.deps import Services
from api.services import siblings
from api.services.common import Reading, absent, recorded
from matching import RULES, rank_children
from matching.eligibility import RULE_BY_ID

#: A ranking as the cache keeps it: the answer's JSON, the children named, how many
#: carers were eligible.
Ranked = tuple[bytes, tuple[str, ...], int]


async def snapshot(svc: Services, user: store.User) -> Snapshot:
    """The built problem of the user's LAs: the cached one if current, else checked or
    rebuilt in a worker thread."""
    fresh = svc.cache.fresh(user.las)
    if fresh is not None:
        return fresh
    return await run_in_threadpool(svc.cache.snapshot, user.las)


async def rank_carers(
    svc: Services,
    user: store.User,
    subject: str,
    kind: Literal["child", "group"],
    top: int,
    near: int,
    within: Reading | None = None,
) -> Ranked:
    """Carers for a child or a sibling group (`kind`), best first, then near misses;
    NotFound outside the user's LAs, Conflict without an open referral. The audit entry
    is group-committed (api/auditlog.py) before this returns, or, `within` a unit of
    reads, when that unit ends."""
    snap = await snapshot(svc, user)
    present = subject in (snap.groups if kind == "group" else snap.problem.child_by_id)
    if not present:
        await run_in_threadpool(absent, svc, user, subject, kind)
    ranked = snap.rankings.get((subject, top, near))
    if ranked is None:
        ranked = await run_in_threadpool(snap.ranking, subject, top, near)
    _body, children, eligible = ranked
    detail = {"top": top, "eligible": eligible}
    if within is not None:
        within.audit(user, "match.rank", children, subject, detail)
    else:
        await svc.audit.record(user, "match.rank", children, subject, detail)
    return ranked


async def rank_referred_children(
    svc: Services, user: store.User, carer_id: str, top: int, near: int
) -> dict[str, Any]:
    """The user's LAs' referred children a carer could take, best first, then children
    who fail one hard rule; NotFound for no such household, Conflict for one not in the
    matching problem."""
    snap = await snapshot(svc, user)
    try:
        ranked = await run_in_threadpool(rank_children, snap.problem, carer_id, top, near, snap.ctx)
    except KeyError:

        def missing() -> None:
            with store.read_session(svc.engine) as s:
                store.get_household(s, carer_id)  # NotFound if there is no such household
            raise store.Conflict(f"carer {carer_id} is not in the matching problem")

        await run_in_threadpool(missing)
        raise
    children = [m.child for m in ranked.matches] + [m.child for m in ranked.near_misses]
    await svc.audit.record(
        user,
        "match.rank_carer",
        children,
        carer_id,
        {"top": top, "eligible": ranked.eligible_count},
    )
    return ranked.to_dict()


async def ranking_with_places(
    svc: Services,
    user: store.User,
    subject: str,
    kind: Literal["child", "group"],
    top: int,
    near: int,
    within: Reading | None = None,
) -> dict[str, Any]:
    """The ranking `rank_carers` answers (same scope, same audit), with where each place
    is for a map: each child's home and school (`children`), each carer's outcode and
    straight-line km from each school (`location`, `school_km`), and each failed rule's
    words (`rule_summary`)."""
    body, _children, _eligible = await rank_carers(svc, user, subject, kind, top, near, within)
    ranking: dict[str, Any] = json.loads(body)
    snap = await snapshot(svc, user)
    gaz = geo.gazetteer()
    kids = [snap.problem.child_by_id[c] for c in ranking["children"]]
    schools = sorted({k.school for k in kids if k.school and k.school in gaz})
    ranking["places"] = [
        {"child": k.id, "home": k.home, "school": k.school, "school_must_stay": k.school_must_stay}
        for k in kids
    ]
    for row in ranking["matches"] + ranking["near_misses"]:
        index = snap.problem.carer_index.get(row["carer"])
        where = snap.problem.carers[index].location if index is not None else None
        row["location"] = where
        row["school_km"] = (
            [round(gaz.km(where, sc), 1) for sc in schools] if where and where in gaz else []
        )
        if "failed_rule" in row:
            rule = RULE_BY_ID.get(row["failed_rule"])
            row["rule_summary"] = rule.summary if rule else row["failed_rule"]
    ranking["schools"] = schools
    return ranking


async def ranking_and_group(
    svc: Services,
    user: store.User,
    subject: str,
    kind: Literal["child", "group"],
    top: int,
    near: int,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The ranking with places (`ranking_with_places`) and the sibling group (of the
    child, or the group itself: `siblings.group_of_child`, `siblings.read_group`), as
    one unit of reads: the same entries (`match.rank`, `sibling_group.read`), committed
    together before this returns."""
    unit = Reading(svc)
    try:
        ranking = await ranking_with_places(svc, user, subject, kind, top, near, unit)
        group, waiting = await run_in_threadpool(_group_then_finish, unit, user, subject, kind)
    except BaseException:
        unit.close()
        raise
    await recorded(waiting)
    return ranking, group


def _group_then_finish(
    unit: Reading, user: store.User, subject: str, kind: Literal["child", "group"]
) -> tuple[dict[str, Any] | None, list[Future[None]]]:
    """The sibling group read within `unit`, then the unit ended (in a worker thread)."""
    group: dict[str, Any] | None
    try:
        if kind == "group":
            group = siblings.read_group(unit.svc, user, subject, within=unit)
        else:
            group = siblings.group_of_child(unit.svc, user, subject, within=unit)
    except BaseException:
        unit.close()
        raise
    return group, unit.finish()


def hard_rules(offset: int, limit: int) -> list[dict[str, Any]]:
    """A page of the hard rules, and which may be set aside by an exception."""
    return [
        {
            "id": r.id,
            "section": r.section,
            "summary": r.summary,
            "exception_allowed": r.exception_allowed,
        }
        for r in RULES[offset : offset + limit]
    ]
