"""Why a child was not placed, in words a person can act on.

Three different situations need three different answers: no carer passes the pair
rules at all (recruit, widen an approval, or authorise an exception: say which rule
shut the door, and how many carers each rule removed); eligible carers exist but their
places went to other children (say to whom, by urgency); or a sibling or safeguarding
rule about the whole result got in the way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from matching.eligibility import RULE_IDS, Assessment
from matching.pairs import PairTable
from matching.ranking import group_conflicts
from matching.result import Unplaced
from vocab import CONTACT_LABELS, KIND_LABELS, NEED_LABELS, UNCERTAINTY_LABELS, URGENCIES

if TYPE_CHECKING:
    # Not a cycle: `model` is unused here and only the solver should reach the batch
    # internals at run time; the parameter can go when the solver stops passing it.
    from matching.batch.model import AssignmentModel

#: The order rules narrow the pool in an explanation: the plan first, vacancy last,
#: so the sentence reads "no <kind> approved for <age> with <skill> within <km> has a vacancy".
FUNNEL: tuple[str, ...] = (
    "kind",
    "kinship_connection",
    "age_range",
    "sex",
    "skills",
    "distance",
    "avoid_area",
    "school_distance",
    "only_child",
    "no_younger_children",
    "no_older_children",
    "smoker_under_5",
    "wheelchair_access",
    "pets",
    "early_permanence",
    "uncertainties",
    "contact",
    "ruled_out",
    "min_distance",
    "need_level",
    "availability",
    "vacancy",
)
assert set(FUNNEL) == set(RULE_IDS)


def _phrase(a: Assessment, rule: str, pool: np.ndarray) -> str:
    c = a.child
    match rule:
        case "kinship_connection":
            return "connected to the child"
        case "age_range":
            return f"approved for age {c.age}"
        case "sex":
            return {"F": "for a girl", "M": "for a boy"}.get(c.sex, "for either sex")
        case "skills":
            needs = [f"'{n}'" for n in sorted(c.needs)]
            listed = needs[0] if len(needs) == 1 else ", ".join(needs[:-1]) + " and " + needs[-1]
            return f"with skill{'s' if len(needs) > 1 else ''} {listed}"
        case "distance":
            limits = np.unique(a.limit_km[pool])
            km = f"{limits[0]:.0f} km" if len(limits) == 1 else "the distance limit"
            return f"within {km} of home ({c.home})"
        case "avoid_area":
            return "outside the areas the child must avoid"
        case "school_distance":
            return f"within {a.school_limit_km:.0f} km of school ({c.school})"
        case "only_child":
            return "with no other children"
        case "no_younger_children":
            return "with no younger children"
        case "no_older_children":
            return "with no older children"
        case "smoker_under_5":
            return "non-smoking"
        case "wheelchair_access":
            return "with wheelchair access"
        case "pets":
            return "without pets"
        case "availability":
            return f"available by {c.needed_by.isoformat()}"
        case "early_permanence":
            return "approved for early permanence"
        case "uncertainties":
            words = sorted(c.adoption.uncertainties) if c.adoption else []
            return "accepting " + " and ".join(UNCERTAINTY_LABELS[w] for w in words)
        case "contact":
            words = sorted(c.adoption.contact) if c.adoption else []
            return "supporting " + " and ".join(CONTACT_LABELS[w] for w in words)
        case "ruled_out":
            return "not declined in an earlier link"
        case "min_distance":
            least = c.adoption.min_distance_km if c.adoption else 0
            return f"at least {least:g} km from the birth home"
        case "need_level":
            return "able to manage " + " and ".join(
                f"{c.adoption.need_level(n) if c.adoption else 'high'} {NEED_LABELS[n]}"
                for n in sorted(c.needs)
            )
    return ""


def funnel_reason(a: Assessment) -> str:
    """'no foster carer approved for age 15 with skill 'autism' within 32 km has a vacancy
    (900 carers → 688 foster carer → ... → 0 with a vacancy)': the rules in the order
    they narrow the pool, so a planner sees which one shut the door."""
    if a.failures.shape[1] == 0:
        return "there are no carers in the problem"
    pool = np.ones(a.failures.shape[1], dtype=bool)
    kinds = " or ".join(KIND_LABELS[k] for k in a.child.accepts)
    words: list[str] = []
    counts: list[str] = [f"{len(pool)} carers"]
    for rule in FUNNEL:
        row = a.failures[RULE_IDS.index(rule)]
        if not row[pool].any():
            continue
        phrase = _phrase(a, rule, pool & ~row if (pool & ~row).any() else pool)
        pool &= ~row
        n = int(pool.sum())
        if rule == "kind":
            counts.append(f"{n} {kinds}")
        elif rule == "vacancy":
            counts.append(f"{n} with a vacancy")
        else:
            words.append(phrase)
            counts.append(f"{n} {phrase}")
        if n == 0:
            tail = " has a vacancy" if rule == "vacancy" else ""
            return f"no {' '.join([kinds, *words])}{tail} ({' → '.join(counts)})"
    return f"no {kinds} passes every rule"


def blocking_rule(a: Assessment) -> str | None:
    """The rule at which the funnel of `funnel_reason` runs dry — the one that shut the
    child out of the last carers left — or None if some carer passes every rule (the
    places were taken by other children). Planners count these to know what to
    recruit."""
    pool = np.ones(a.failures.shape[1], dtype=bool)
    if not pool.any():
        return "no carers"
    for rule in FUNNEL:
        pool &= ~a.failures[RULE_IDS.index(rule)]
        if not pool.any():
            return rule
    return None


def near_miss_hint(a: Assessment, limit: int = 2) -> str | None:
    """The closest carers that fail one rule only: where an exception or a change of
    approval would open a placement."""
    near = a.near_misses
    if not len(near):
        return None
    order = near[np.argsort(a.distance_km[near], kind="stable")][:limit]
    parts = []
    for i in order:
        rule = a.failed_rules(int(i))[0]
        parts.append(f"{a.table.carers[int(i)].id} ({rule}: {a.detail(int(i), rule)})")
    return f"{len(near)} carer(s) fail one rule only, nearest: " + "; ".join(parts)


def explain_unplaced(
    pairs: PairTable,
    model: AssignmentModel,
    carer_of: dict[int, int],
    by_carer: dict[int, list[int]],
    *,
    level1_proven: bool,
) -> list[Unplaced]:
    out = []
    problem = pairs.ctx.problem
    rank = {u: i for i, u in enumerate(URGENCIES)}
    for c, child in enumerate(pairs.children):
        if c in carer_of:
            continue
        a = pairs.assess(c)
        reasons: list[str] = []
        group = problem.siblings.group_of(child.id)
        elig = pairs.eligible[c]
        if group is not None and group.policy == "must":
            members = [problem.child_by_id[m] for m in group.children]
            conflicts = group_conflicts(members)
            if conflicts:
                reasons.append(
                    f"sibling group {group.id} must live together, but " + "; ".join(conflicts)
                )
            else:
                idx = [pairs.index[m] for m in group.children]
                common = pairs.common_carers(idx)
                if not common:
                    every = elig
                    for m in idx[1:]:
                        every = np.intersect1d(every, pairs.eligible[m])
                    most = max((int(pairs.vacancies[h]) for h in every), default=0)
                    reasons.append(
                        f"sibling group {group.id} ({len(members)} children) must live together: "
                        f"{len(every)} carer(s) are eligible for every member, the largest with "
                        f"{most} free place(s)"
                    )
        if not len(elig):
            reasons.insert(0, funnel_reason(a))
        elif not reasons:
            reasons.append(_capacity_reason(pairs, c, elig, by_carer, rank))
        hint = near_miss_hint(a)
        if hint:
            reasons.append(hint)
        if not level1_proven:
            reasons.append(
                "the run stopped at its time limit before proving that no more children "
                "could be placed"
            )
        out.append(Unplaced(child.id, tuple(reasons)))
    return out


def _capacity_reason(
    pairs: PairTable, c: int, elig: np.ndarray, by_carer: dict[int, list[int]], rank: dict[str, int]
) -> str:
    child = pairs.children[c]
    carers = pairs.ctx.table.carers
    more = same = less = 0
    blocked: list[str] = []
    for h in elig:
        h = int(h)
        occupants = by_carer.get(h, [])
        free = int(pairs.vacancies[h]) - len(occupants)
        if free > 0 and pairs.one_family[h] and occupants:
            other = pairs.children[occupants[0]]
            if pairs.family[occupants[0]] != pairs.family[c]:
                blocked.append(
                    f"{carers[h].id} has a free place but is linked with {other.id}; "
                    "adopters take one child or one sibling group"
                )
                continue
        if free > 0:
            clash = [
                pairs.children[o] for o in occupants if child.cannot_live_with(pairs.children[o])
            ]
            if clash:
                blocked.append(
                    f"{carers[h].id} has a free place but {clash[0].id} (age "
                    f"{clash[0].age}) is placed there and safeguarding keeps them apart"
                )
            continue
        for o in occupants:
            r = rank[pairs.children[o].urgency] - rank[child.urgency]
            more += r < 0
            same += r == 0
            less += r > 0
    places = int(pairs.vacancies[elig].sum())
    n = len(elig)
    if blocked:
        return "; ".join(blocked[:2])
    if more and not same and not less:
        return f"capacity: {n} eligible carer(s), all taken by more urgent children"
    parts = []
    if more:
        parts.append(f"{more} by more urgent children")
    if same:
        parts.append(
            f"{same} by children of the same urgency ({child.urgency}), a better overall fit"
        )
    if less:
        parts.append(
            f"{less} by less urgent children (this child could not take their place: "
            "siblings or safeguarding in that household)"
        )
    if parts:
        return f"capacity: {n} eligible carer(s) with {places} place(s), taken " + ", ".join(parts)
    return (
        f"{n} eligible carer(s) could not take the child alongside the rest of the result "
        "(sibling or safeguarding rules)"
    )
