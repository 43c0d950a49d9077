"""Batch match runs over the user's LAs: start, restart, list, read, and the result.

A run is done in the background by api/runs.py; here is what a caller may ask of it.
A run over LAs not all the user's is NotFound. Audited: `match.run_start`,
`match.run_restart`, `match.run_read` (the result names children).
"""

from __future__ import annotations

from typing import Any

import store
from api.deps import Services
from api.errors import RuleBreaks, invalid
from api.services import proposals
from api.services.common import audit, run_record


def start_run(
    svc: Services,
    user: store.User,
    las: list[str] | None,
    time_limit_s: float | None,
    wait_for_better: bool = False,
) -> dict[str, Any]:
    """A run over `las` (default: all the user's), which must be known LA names and
    the user's (Forbidden); Conflict while a run over the same LAs is queued or running.
    With `wait_for_better` the batch holds back planned referrals for a clearly better
    home expected in time (matching.wait)."""
    chosen = list(las) if las else list(user.las)
    known = store.known_las()
    for k, la in enumerate(chosen):
        if la not in known:
            raise invalid(f"body.las[{k}]", f"{la!r} is not a known LA name")
    outside = [la for la in chosen if la not in user.las]
    if outside:
        raise store.Forbidden(f"LA(s) {', '.join(outside)} are not yours")
    params = {"wait_for_better": True} if wait_for_better else None
    run = svc.runs.start(user, chosen, time_limit_s, params=params)
    audit(svc, user, "match.run_start", (), run.id, {"las": len(run.las)})
    return run_record(run)


def restart_run(svc: Services, user: store.User, run_id: str) -> dict[str, Any]:
    """A new run over the same LAs with the same time limit, naming the run it
    replaces."""
    run = svc.runs.restart(run_id, user, "match")
    audit(svc, user, "match.run_restart", (), run.id, {"restarts": run_id, "las": len(run.las)})
    return run_record(run)


def list_runs(svc: Services, user: store.User, offset: int, limit: int) -> list[dict[str, Any]]:
    """Runs over LAs all the user's, newest first."""
    return [run_record(r) for r in svc.runs.list(user.las, "match", offset, limit)]


def read_run(svc: Services, user: store.User, run_id: str) -> dict[str, Any]:
    return run_record(svc.runs.get(run_id, user.las))


def run_result(svc: Services, user: store.User, run_id: str) -> dict[str, Any]:
    """A finished run's result (the contract's shape); Conflict until it is done, or
    if it failed or was interrupted."""
    run = svc.runs.get(run_id, user.las, full=True)
    if run.status in ("failed", "interrupted"):
        raise store.Conflict(f"match run {run.id} {run.status}: {run.error}")
    if run.result is None or run.status != "done":
        raise store.Conflict(f"match run {run.id} is {run.status}")
    audit(svc, user, "match.run_read", run.child_ids, run.id)
    return run.result


def propose_assignments(
    svc: Services,
    user: store.User,
    run_id: str,
    chosen: list[tuple[str, str]],
    hold_hours: float | None = None,
) -> list[dict[str, Any]]:
    """Turn chosen (child, household) assignments of a finished run into proposals in
    one step, each by `proposals.propose` (so each is checked and held exactly as one
    proposal is). A child of a sibling group the run kept together is proposed with the
    group, once. Each outcome: `proposed` (with the proposal), `refused` (the rules
    broken), `taken` (no unheld place), `not possible` (another conflict, why) or
    `not in run` (the pair is not one of the run's assignments)."""
    result = run_result(svc, user, run_id)
    assigned = {(a["child"], a["carer"]) for a in result["assignments"]}
    together = {g["id"] for g in result["sibling_groups"] if g["outcome"] == "together"}
    groups = svc.cache.snapshot(user.las).groups
    group_of = {c: gid for gid in together if gid in groups for c in groups[gid].children}
    done: set[tuple[str, str]] = set()
    out: list[dict[str, Any]] = []
    for child, carer in chosen:
        group = group_of.get(child)
        key = (group or child, carer)
        if key in done:
            continue
        done.add(key)
        members = list(groups[group].children) if group else [child]
        item: dict[str, Any] = {
            "child": child,
            "group": group,
            "children": members,
            "household": carer,
        }
        if (child, carer) not in assigned:
            out.append({**item, "outcome": "not in run", "why": "not one of this run's matches"})
            continue
        try:
            p = proposals.propose(
                svc,
                user,
                carer,
                child_id=None if group else child,
                group_id=group,
                hold_hours=hold_hours,
                views_note=None,
                exception=None,
            )
            out.append({**item, "outcome": "proposed", "proposal": p})
        except RuleBreaks as e:
            out.append({**item, "outcome": "refused", "rules": e.breaks})
        except store.VacancyTaken as e:
            out.append({**item, "outcome": "taken", "why": str(e)})
        except store.Conflict as e:
            out.append({**item, "outcome": "not possible", "why": str(e)})
    return out


def run_facts(svc: Services, user: store.User) -> dict[str, Any]:
    """What a run's result is read beside, now: each open referral's urgency and LA in
    the user's LAs (`children`: id -> (urgency, LA)) and each household's LA (`carers`),
    to read a result by urgency and LA and whether a child stays in their home LA."""
    snap = svc.cache.snapshot(user.las)
    return {
        "children": {cid: (c.urgency, c.la) for cid, c in snap.problem.child_by_id.items()},
        "carers": {h.id: h.la for h in snap.problem.carers},
    }
