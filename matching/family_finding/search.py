"""Searches both ways — adopters for a child, waiting children for an adopter — the
agency's own LAs first, then beyond; and, for a child without a link, which one
change to which adopters would open one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from matching.family_finding.policy import FamilyFindingPolicy
from matching.family_finding.subjects import narrowed
from matching.problem import Problem
from matching.ranking import MatchingContext, NearMiss, Ranking, context_for, rank, rank_carer
from vocab import CONTACT_LABELS, NEED_LABELS, NEED_LEVELS, UNCERTAINTY_LABELS


@dataclass(frozen=True)
class RegionSearch:
    """A search in the agency's own LAs first, then beyond."""

    subject: str
    in_region: dict[str, Any]
    beyond: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "in_region": self.in_region, "beyond": self.beyond}


def _adopters_only(problem: Problem, keep: Callable[[str], bool]) -> Problem:
    return narrowed(
        problem,
        problem.children,
        [h for h in problem.carers if h.kind == "adoption" and keep(h.la)],
    )


def search_adopters(
    problem: Problem,
    subject: str,
    policy: FamilyFindingPolicy,
    top: int = 20,
    near_misses: int = 10,
    ctx: MatchingContext | None = None,
) -> RegionSearch:
    """Adopters for a child or sibling group: the agency's own first, then (when
    `beyond_region`) adopters approved elsewhere. KeyError for an unknown id."""
    del ctx  # each part has its own carers
    own = _adopters_only(problem, policy.in_region)
    first = rank(own, subject, top, near_misses).to_dict()
    beyond = None
    if policy.beyond_region and policy.home_las:
        other = _adopters_only(problem, lambda la: la not in policy.home_las)
        beyond = rank(other, subject, top, near_misses).to_dict()
    return RegionSearch(subject, first, beyond)


def search_children(
    problem: Problem,
    adopter_id: str,
    policy: FamilyFindingPolicy,
    top: int = 20,
    near_misses: int = 10,
    ctx: MatchingContext | None = None,
) -> RegionSearch:
    """Waiting children for an adopter: the agency's own LAs' children first, then
    (when `beyond_region`) other regions'. KeyError for an unknown adopter."""
    ctx = ctx or context_for(problem)
    adopter = next((h for h in problem.carers if h.id == adopter_id), None)
    if adopter is None:
        raise KeyError(f"no carer with id {adopter_id!r} in the problem")
    if adopter.kind != "adoption":
        raise KeyError(f"{adopter_id!r} is a {adopter.kind} carer, not an adopter")
    waiting = [c for c in problem.children if "adoption" in c.accepts]

    def part(keep: Callable[[str], bool]) -> dict[str, Any]:
        sub = narrowed(problem, [c for c in waiting if keep(c.la)], problem.carers)
        return rank_carer(MatchingContext(sub, ctx.gaz), adopter_id, top, near_misses).to_dict()

    first = part(policy.in_region)
    beyond = None
    if policy.beyond_region and policy.home_las:
        beyond = part(lambda la: la not in policy.home_las)
    return RegionSearch(adopter_id, first, beyond)


# -- what would change ---------------------------------------------------------------


def what_would_change(ranking: Ranking, problem: Problem) -> list[str]:
    """For a child or group without a link: which one change to which adopters would
    open a link, counted by rule ("2 would be if their approval were widened to 3
    children"), from the adopters that fail one rule only."""
    by_rule: dict[str, list[NearMiss]] = {}
    for m in ranking.near_misses:
        by_rule.setdefault(m.failed_rule, []).append(m)
    kids = [problem.child_by_id[c] for c in ranking.children]
    size = len(kids)
    lead = kids[0]
    out: list[str] = []
    if ranking.eligible_count == 0:
        limit = problem.policy.distance_limit(lead, "adoption")
        who = f"a sibling group of {size}" if size > 1 else _child_words(lead)
        out.append(f"no adopter within {limit:.0f} km is approved for {who} and free to take them")
    for rule, misses in sorted(by_rule.items(), key=lambda kv: -len(kv[1])):
        n = len(misses)
        ids = ", ".join(m.carer for m in misses[:3]) + ("…" if n > 3 else "")
        out.append(
            f"{n} would be {_change(rule, kids, _lacking(rule, kids, misses, problem))} ({ids})"
        )
    if not by_rule and ranking.eligible_count == 0:
        out.append("no adopter is one change away: recruitment, or a search beyond the region")
    return out


def _child_words(child: Any) -> str:
    sex = {"F": "a girl", "M": "a boy"}.get(child.sex, "a child")
    return f"{sex} of {child.age}"


def _lacking(rule: str, kids: list[Any], misses: list[NearMiss], problem: Problem) -> list[str]:
    """For the adopters' stated limits: what these adopters have not said they accept,
    of what the children's plans need (not everything the plans name)."""
    if rule not in ("uncertainties", "contact"):
        return []
    wanted: set[str] = set()
    for k in kids:
        if k.adoption:
            wanted |= k.adoption.uncertainties if rule == "uncertainties" else k.adoption.contact
    by_id = {h.id: h for h in problem.carers}
    missing: set[str] = set()
    for m in misses:
        a = by_id[m.carer].adopter
        accepted = (a.uncertainties if rule == "uncertainties" else a.contact) if a else set()
        missing |= wanted - accepted
    return sorted(missing)


def _change(rule: str, kids: list[Any], lacking: list[str]) -> str:
    lead = kids[0]
    match rule:
        case "vacancy":
            if len(kids) > 1:
                return f"if their approval were widened to {len(kids)} children"
            return "if they were not already linked or waiting to be available"
        case "age_range":
            ages = sorted({k.age for k in kids})
            return f"if their approval were widened to age {ages[-1] if ages else lead.age}"
        case "sex":
            return "if they were open to " + ("a girl" if lead.sex == "F" else "a boy")
        case "uncertainties":
            return "if they could accept " + " or ".join(UNCERTAINTY_LABELS[w] for w in lacking)
        case "contact":
            return "if they could support " + " or ".join(CONTACT_LABELS[w] for w in lacking)
        case "early_permanence":
            return "if they were approved for early permanence"
        case "skills":
            needs = sorted(set().union(*(k.needs for k in kids)))
            return "if they could meet " + " and ".join(NEED_LABELS[n] for n in needs)
        case "distance":
            return "if the distance limit were widened"
        case "availability":
            return "if they were available sooner"
        case "min_distance":
            least = max((k.adoption.min_distance_km or 0) for k in kids if k.adoption)
            return f"if the adoption plan allowed adopters within {least:g} km of the birth home"
        case "need_level":
            # Each need at the highest level any of the children has it.
            levels = {
                n: max(
                    (
                        k.adoption.need_level(n) if k.adoption else "high"
                        for k in kids
                        if n in k.needs
                    ),
                    key=NEED_LEVELS.index,
                )
                for n in sorted(set().union(*(k.needs for k in kids)))
            }
            return "if they could manage " + " and ".join(
                f"a {lv} level of {NEED_LABELS[n]}" for n, lv in levels.items()
            )
    return f"if the rule '{rule}' were met"
