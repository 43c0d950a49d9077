"""`python -m bench.family_explain [SEED ...]`: how a family-finding round explains
itself on the generated West Yorkshire agency (issue 18), one JSON line per seed.

- split `should` groups, and how many of their children's entries name where each
  brother or sister went, are flagged for a together-or-apart assessment, or list a
  sibling's adopter among those who cannot support contact;
- `should` groups whose family for them all went to another group;
- "what would change" headlines that describe the child, or whose first rule is not
  the one removing the most adopters (counted here independently of
  `search.blocking_rules`, from the adopters' stated limits);
- children with no adopter in the round, how many a wider search finds a family for,
  how many register referrals are overdue; adopters waiting 26 weeks or more since
  approval, and how many of them the round left unlinked.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np

import matching
from matching.eligibility import RULE_IDS
from matching.family_finding import FamilyFindingPolicy, FamilyFindingRound, run_round
from matching.ranking import MatchingContext
from synth import WEST_YORKSHIRE
from synth.adoption import generate_adoption_region

MANY = ("skills", "need_level", "contact", "uncertainties")
LEVELS = ("low", "medium", "high")


def _manages(h: Any, need: str, level: str) -> bool:
    """The adopters could manage `need` at `level`: a skill counts as high, else the
    grade they stated (none: not at all)."""
    if need in h.skills:
        return True
    graded = h.adopter.needs.get(need) if h.adopter else None
    return graded is not None and LEVELS.index(graded) >= LEVELS.index(level)


def largest_count(ctx: MatchingContext, children: list[str]) -> int:
    """The most adopters any one rule (a need, contact or uncertainty apiece) removes."""
    p = ctx.problem
    kids = [p.child_by_id[c] for c in children]
    fails = np.logical_or.reduce([ctx.assess(k).failures for k in kids])
    if len(kids) > 1:
        fails[RULE_IDS.index("vacancy")] |= ctx.table.vacancies < len(kids)
    best = 0
    for r, rule in enumerate(RULE_IDS):
        failing = [ctx.table.carers[int(i)] for i in np.flatnonzero(fails[r])]
        if rule not in MANY:
            best = max(best, len(failing))
            continue
        for k in kids:
            if rule == "need_level":
                for need in k.needs:
                    level = k.adoption.need_level(need) if k.adoption else "high"
                    short = sum(1 for h in failing if not _manages(h, need, level))
                    best = max(best, short)
                continue
            asked = k.needs if rule == "skills" else getattr(k.adoption, rule, frozenset())
            for item in asked:
                held = [
                    h.skills if rule == "skills" else getattr(h.adopter, rule, frozenset())
                    for h in failing
                ]
                best = max(best, sum(1 for accepted in held if item not in accepted))
    return best


def _splits(r: FamilyFindingRound) -> dict[str, int]:
    carer_of = r.result.carer_of()
    entries: dict[str, list[dict[str, Any]]] = {}
    for d in [x.to_dict() for x in r.links] + [x.to_dict() for x in r.unlinked]:
        for c in d["children"]:
            entries.setdefault(c, []).append(d)
    should = [g for g in r.problem.sibling_groups if g.policy == "should"]
    split = [g for g in should if len({carer_of.get(c) for c in g.children}) > 1]
    out = {"should": len(should), "split": len(split), "members": 0, "named": 0}
    out |= {"flagged": 0, "contact_listed": 0, "family_taken": 0}
    for g in split:
        for c in g.children:
            out["members"] += 1
            mine = entries[c]
            went = {o: carer_of.get(o) for o in g.children}
            out["named"] += all(e["siblings"] == went for e in mine)
            out["flagged"] += all(e["together_or_apart_assessment"] for e in mine)
            others = {carer_of[o] for o in g.children if o != c and o in carer_of}
            lines = [w for e in mine for w in e.get("what_would_change", [])]
            out["contact_listed"] += any(
                "could support" in w and any(a in w for a in others) for w in lines
            )
    for g in should:
        out["family_taken"] += any(e["taken_by_others"] for c in g.children for e in entries[c])
    return out


def measure(seed: int) -> dict[str, Any]:
    p = matching.load_problem(generate_adoption_region(seed=seed))
    policy = FamilyFindingPolicy(home_las=frozenset(WEST_YORKSHIRE))
    r = run_round(p, policy, time_limit_s=10.0, seed=seed)
    ctx = MatchingContext(r.problem)
    describes = not_biggest = 0
    for x in r.unlinked:
        head = x.what_would_change[0] if x.what_would_change else ""
        if head.startswith("no adopter within"):
            describes += 1
            continue
        explained = [x.subject] if x.subject in r.problem.child_by_id else list(x.children)
        first = x.blocking_rules[0] if x.blocking_rules else None
        named = first is not None and f"{first.what}:" in head.split(";")[0]
        if first is None or not named or first.adopters != largest_count(ctx, explained):
            not_biggest += 1
    none = [x.no_option for x in r.unlinked if x.no_option is not None]
    waited = [w for w in r.adopters_waiting if w.weeks_since_approval >= 26]
    return {
        "seed": seed,
        "status": r.result.status,
        "linked": r.result.placed,
        **_splits(r),
        "unlinked_entries": len(r.unlinked),
        "headline_describes_child": describes,
        "headline_not_biggest": not_biggest,
        "subjects": len(r.subjects),
        "subjects_no_option": sum(1 for s in r.subjects if s.adopters_possible == 0),
        "entries_no_option": len(none),
        "wider_search_finds": sum(1 for n in none if n.widest_search.step is not None),
        "referrals_overdue": sum(1 for n in none if n.overdue),
        "adopters": len(r.problem.carers),
        "adopters_26_weeks": len(waited),
        "adopters_26_weeks_unlinked": sum(1 for w in waited if w.linked_with is None),
    }


def main(argv: list[str]) -> None:
    for seed in [int(a) for a in argv] or range(5):
        print(json.dumps(measure(seed)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
