"""Family-finding for adoption: searches both ways, and rounds of links over the
user's LAs (background runs, api/runs.py) with their region report.

Audited: `family_finding.waiting` (the children listed), `family_finding.waiting_adopters`
(the adopters listed, by id in the detail), `family_finding.search_child`,
`family_finding.search_adopter` (with the children's ids), `family_finding.round_start`,
`family_finding.round_restart`,
`family_finding.round_read` and `family_finding.round_report` (a finished round names
children). Another LA's child, or a round over LAs not all the user's, is NotFound.
"""

from __future__ import annotations

import threading
from typing import Any

import store
from api.deps import Services
from api.errors import invalid
from api.services.common import absent, audit, current_problem, run_record
from matching.family_finding import (
    FamilyFindingPolicy,
    adoption_problem,
    search_adopters,
    search_children,
    subjects,
)
from matching.family_finding.links import LinkHistory, with_history
from matching.family_finding.region import adopters_waiting
from matching.pairs import PairTable
from matching.problem import Problem
from matching.ranking import MatchingContext
from store.family_links import link_history, open_links_by_adopter

#: The background runs' kind for a round.
KIND = "family_finding"

#: matplotlib's pyplot is not thread-safe: one report drawn at a time.
_drawing = threading.Lock()


def _policy(user: store.User, beyond_region: bool) -> FamilyFindingPolicy:
    return FamilyFindingPolicy(home_las=frozenset(user.las), beyond_region=beyond_region)


#: The order of the waiting list: first priority first, then the longest waiting.
PRIORITY_RANK = {"first": 0, "second": 1, "third": 2}


def waiting_children(
    svc: Services, user: store.User, offset: int = 0, limit: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    """The user's LAs' waiting children (open referral, plan accepting adoption), as a
    round would take them: each child, or brothers and sisters kept together, with weeks
    waited, the adopters of the user's LAs who could take them, and their priority and
    why (the round's default policy); first priority and longest waiting first. A page
    of them (`offset`, `limit`) and how many there are; the children on the page audited."""
    snap = current_problem(svc, user)
    policy = _policy(user, False)
    scoped = adoption_problem(snap.problem, policy)
    found = subjects(PairTable(MatchingContext(scoped)), policy)
    la_of = {c.id: c.la for c in scoped.children}
    ordered = sorted(found, key=lambda s: (PRIORITY_RANK[s.priority], -s.weeks_waiting, s.id))
    shown = ordered[offset : None if limit is None else offset + limit]
    out = [s.to_dict() | {"las": sorted({la_of[c] for c in s.children})} for s in shown]
    named = [c for s in shown for c in s.children]
    if named:
        detail = {"subjects": len(shown), "offset": offset}
        audit(svc, user, "family_finding.waiting", named, None, detail)
    return out, len(found)


def waiting_adopters(
    svc: Services, user: store.User, offset: int = 0, limit: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    """The user's LAs' approved adopters, longest waiting since approval first, with
    their open link if any (from the links of the user's LAs: an adopter in one is
    actively considered, so not overdue), how many of the LAs' waiting children each
    could take and their register referral
    (`matching.family_finding.region.adopters_waiting`). A page of them and how many
    there are; the adopters on the page audited (by id, in the detail: no child named)."""
    snap = current_problem(svc, user)
    scoped = adoption_problem(snap.problem, _policy(user, False))
    with svc.writes.transaction(changes=False) as s:
        linked = open_links_by_adopter(s, user.las)
    found = adopters_waiting(PairTable(MatchingContext(scoped)), linked)
    shown = found[offset : None if limit is None else offset + limit]
    if shown:
        detail = {"adopters": [w.adopter for w in shown], "offset": offset}
        audit(svc, user, "family_finding.waiting_adopters", (), None, detail)
    return [w.to_dict() for w in shown], len(found)


def _with_declines(svc: Services, user: store.User, problem: Problem) -> Problem:
    """The problem with each declined link's adopter ruled out for its child, as the
    next round has it: a search never offers a pair a family-finder has declined (the
    adopter shows as a near miss, "declined in an earlier link"). Links going ahead
    are left alone here: a search for a child at panel still shows their family."""
    with svc.writes.transaction(changes=False) as s:
        declined = link_history(s, user.las).declined
    return with_history(problem, LinkHistory(declined=declined))


def adopters_for_child(
    svc: Services,
    user: store.User,
    child_id: str,
    *,
    top: int,
    near_misses: int,
    beyond_region: bool,
    together: bool,
) -> dict[str, Any]:
    """Adopters who could take the child (`together`: with the brothers and sisters
    their plan keeps together), the user's LAs' first, then (`beyond_region`) the rest;
    Conflict without an open referral or a plan accepting adoption."""
    snap = current_problem(svc, user)
    child = snap.problem.child_by_id.get(child_id)
    if child is None:
        absent(svc, user, child_id)
    if "adoption" not in child.accepts:
        raise store.Conflict(f"child {child_id}'s plan does not accept adoption")
    subject = snap.problem.siblings.family_of(child_id) if together else child_id
    problem = _with_declines(svc, user, snap.problem)
    found = search_adopters(
        problem, subject, _policy(user, beyond_region), top, near_misses, snap.ctx
    ).to_dict()
    first, beyond = found["in_region"], found["beyond"]
    audit(
        svc,
        user,
        "family_finding.search_child",
        first["children"],
        child_id,
        {
            "subject": subject,
            "top": top,
            "eligible": first["eligible_count"],
            "eligible_beyond": beyond["eligible_count"] if beyond else None,
        },
    )
    return found


def children_for_adopter(
    svc: Services, user: store.User, household_id: str, *, top: int, near_misses: int
) -> dict[str, Any]:
    """The user's LAs' waiting children an adopter could take; NotFound for a
    household that is not an adopter."""
    snap = current_problem(svc, user)
    try:
        problem = _with_declines(svc, user, snap.problem)
        found = search_children(
            problem, household_id, _policy(user, False), top, near_misses, snap.ctx
        ).to_dict()
    except KeyError:
        raise store.NotFound("adopter", household_id) from None
    first = found["in_region"]
    named = [m["child"] for m in first["matches"]] + [m["child"] for m in first["near_misses"]]
    audit(
        svc,
        user,
        "family_finding.search_adopter",
        named,
        household_id,
        {"top": top, "eligible": first["eligible_count"]},
    )
    return found


def round_record(run: store.StoredRun, *, with_round: bool = False) -> dict[str, Any]:
    """A round as a run, with its adopters and policy (`with_round`: its links, once
    done)."""
    out = run_record(run)
    out["adopters"] = out.pop("carers")
    out["policy"] = dict(run.params)
    if with_round and run.status == "done":
        out["round"] = run.result
    return out


def _finished(svc: Services, user: store.User, round_id: str) -> store.StoredRun:
    run = svc.runs.get(round_id, user.las, KIND, full=True)
    if run.status in ("failed", "interrupted"):
        raise store.Conflict(f"family-finding round {run.id} {run.status}: {run.error}")
    if run.result is None or run.status != "done":
        raise store.Conflict(f"family-finding round {run.id} is {run.status}")
    return run


def start_round(
    svc: Services, user: store.User, params: dict[str, Any], time_limit_s: float | None
) -> dict[str, Any]:
    """A round over the user's LAs with the policy `params` (RoundIn's fields);
    Conflict while one over the same LAs is queued or running."""
    if params["wait_weeks"] > params["long_wait_weeks"]:
        raise invalid("body.wait_weeks", "must be at most long_wait_weeks")
    run = svc.runs.start(user, user.las, time_limit_s, kind=KIND, params=params)
    audit(
        svc,
        user,
        "family_finding.round_start",
        (),
        run.id,
        {
            "las": len(run.las),
            "priority": params["priority"],
            "beyond_region": params["beyond_region"],
        },
    )
    return round_record(run)


def restart_round(svc: Services, user: store.User, round_id: str) -> dict[str, Any]:
    run = svc.runs.restart(round_id, user, KIND)
    detail = {"restarts": round_id, "las": len(run.las)}
    audit(svc, user, "family_finding.round_restart", (), run.id, detail)
    return round_record(run)


def list_rounds(svc: Services, user: store.User, offset: int, limit: int) -> list[dict[str, Any]]:
    return [round_record(r) for r in svc.runs.list(user.las, KIND, offset, limit)]


def read_round(svc: Services, user: store.User, round_id: str) -> dict[str, Any]:
    """A round's status and, when done, its links (audited: they name children)."""
    run = svc.runs.get(round_id, user.las, KIND, full=True)
    if run.status == "done":
        audit(svc, user, "family_finding.round_read", run.child_ids, run.id)
    return round_record(run, with_round=True)


def round_report(svc: Services, user: store.User, round_id: str) -> str:
    """A finished round's region report, one HTML page: drawn on first request, then
    kept with the round. Conflict until done."""
    # Imported here: matplotlib takes most of a second to load, for a page few ask for.
    from reports.family_finding import render_html

    run = _finished(svc, user, round_id)
    report = run.report
    if report is None:
        assert run.result is not None
        with _drawing:
            report = render_html(run.result)
        svc.runs.save_report(run.id, report)
    audit(svc, user, "family_finding.round_report", run.child_ids, run.id)
    return report
