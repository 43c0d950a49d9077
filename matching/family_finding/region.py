"""The region report's tables: who waits, who is approved, where nothing matches, and
who a round links — by ethnicity, sex, age band and disability.

Adopters' stated preferences are known to lean by sex and race; these tables are how
a family-finder sees whom that leaves waiting. Pure: plain rows for the CLI, the API
and `reports.family_finding` (which draws them) to share.
"""

from __future__ import annotations

import calendar
import dataclasses
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import median
from typing import Any

from children.model import Child
from matching.family_finding.subjects import Subject
from matching.pairs import PairTable
from matching.problem import Problem
from matching.result import SolveResult
from vocab import NEED_LABELS, UNCERTAINTY_LABELS, ethnic_group

AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("under 1", 0, 0),
    ("1–4", 1, 4),
    ("5–9", 5, 9),
    ("10 and over", 10, 99),
)
WAIT_BANDS: tuple[tuple[str, int, int], ...] = (
    ("under 6 months", 0, 25),
    ("6–12 months", 26, 51),
    ("12–18 months", 52, 77),
    ("18 months or more", 78, 10**6),
)
DISABILITY: frozenset[str] = frozenset(
    {"physical_disability", "learning_disability", "complex_health", "sensory_impairment", "autism"}
)


def age_band(age: int) -> str:
    return next(name for name, lo, hi in AGE_BANDS if lo <= age <= hi)


def _band(weeks: int) -> str:
    return next(name for name, lo, hi in WAIT_BANDS if lo <= weeks <= hi)


def _table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> dict[str, Any]:
    return {"title": title, "columns": list(columns), "rows": [list(r) for r in rows]}


def region_tables(
    problem: Problem, found: Sequence[Subject], result: SolveResult
) -> dict[str, Any]:
    """Every table of the region report, keyed by name."""
    linked = set(result.carer_of())
    adopters_linked = set(result.carer_of().values())
    weeks = {c: s.weeks_waiting for s in found for c in s.children}
    size = {c: len(s.children) for s in found for c in s.children}
    kids = problem.children
    return {
        "waiting_by_age": _count(kids, lambda k: age_band(k.age), [b[0] for b in AGE_BANDS]),
        "waiting_by_group_size": _count(
            kids,
            lambda k: _size_label(size[k.id]),
            ["on their own", "2 together", "3 together", "4 or more together"],
            "brothers and sisters to place together",
        ),
        "waiting_by_time": _count(
            kids, lambda k: _band(weeks[k.id]), [b[0] for b in WAIT_BANDS], "time waiting"
        ),
        "waiting_by_need": _needs(kids),
        "adopters_by_approval": _adopters(problem),
        "adopters_by_wait": _adopters_by_wait(problem, adopters_linked),
        "gaps": _gaps(found, problem),
        "outcomes_by_ethnicity": _outcomes(
            kids, linked, weeks, lambda k: ethnic_group(k.ethnicity), "ethnicity"
        ),
        "outcomes_by_sex": _outcomes(
            kids,
            linked,
            weeks,
            lambda k: {"F": "girls", "M": "boys"}.get(k.sex, "not recorded"),
            "sex",
        ),
        "outcomes_by_age": _outcomes(
            kids, linked, weeks, lambda k: age_band(k.age), "age band", [b[0] for b in AGE_BANDS]
        ),
        "outcomes_by_disability": _outcomes(
            kids,
            linked,
            weeks,
            lambda k: "disabled" if k.needs & DISABILITY else "not disabled",
            "disability",
        ),
    }


def _size_label(n: int) -> str:
    return {1: "on their own", 2: "2 together", 3: "3 together"}.get(n, "4 or more together")


def _count(
    kids: Sequence[Child], key: Callable[[Child], str], order: list[str], what: str = "age"
) -> dict[str, Any]:
    counts = Counter(key(k) for k in kids)
    return _table(
        f"Children waiting by {what}",
        [what, "children", "share"],
        [(b, counts.get(b, 0), _share(counts.get(b, 0), len(kids))) for b in order],
    )


def _share(n: int, total: int) -> float | None:
    return round(n / total, 3) if total else None


def _needs(kids: Sequence[Child]) -> dict[str, Any]:
    needs = Counter(n for k in kids for n in k.needs)
    unc = Counter(u for k in kids if k.adoption for u in k.adoption.uncertainties)
    rows = [(NEED_LABELS[n], "need", c) for n, c in needs.most_common()]
    rows += [(UNCERTAINTY_LABELS[u], "uncertainty", c) for u, c in unc.most_common()]
    return _table("Children waiting by need and uncertainty", ["what", "kind", "children"], rows)


def _adopters(problem: Problem) -> dict[str, Any]:
    rows: Counter[tuple[str, str, str]] = Counter()
    for h in problem.carers:
        places = "1 child" if h.vacancies <= 1 else f"up to {h.vacancies} (siblings)"
        oldest = "under 2" if h.max_age < 2 else ("2–4" if h.max_age <= 4 else "5 and over")
        early = "early permanence" if h.adopter and h.adopter.early_permanence else "adoption only"
        rows[(places, oldest, early)] += 1
    return _table(
        "Adopters by approval",
        ["approved for", "oldest child considered", "approval", "adopters"],
        [(*k, n) for k, n in sorted(rows.items())],
    )


def _gaps(found: Sequence[Subject], problem: Problem) -> dict[str, Any]:
    """Profiles (age band of the oldest, number together) and how many of them no
    adopter in the round could take at all."""
    by: dict[tuple[str, str], list[Subject]] = defaultdict(list)
    for s in found:
        oldest = max(problem.child_by_id[c].age for c in s.children)
        by[(age_band(oldest), _size_label(len(s.children)))].append(s)
    rows = []
    for (band, size), subs in sorted(by.items()):
        none = sum(1 for s in subs if s.adopters_possible == 0)
        typical = median(s.adopters_possible for s in subs)
        rows.append((band, size, len(subs), none, typical))
    return _table(
        "Where no adopter matches",
        [
            "oldest child",
            "placed as",
            "waiting",
            "no adopter could take them",
            "median adopters who could",
        ],
        rows,
    )


def _outcomes(
    kids: Sequence[Child],
    linked: set[str],
    weeks: dict[str, int],
    key: Callable[[Child], str],
    what: str,
    order: list[str] | None = None,
) -> dict[str, Any]:
    """Waiting, linked and median weeks waited by the unlinked, per group (largest
    group first, or in `order`)."""
    groups: dict[str, list[Child]] = defaultdict(list)
    for k in kids:
        groups[key(k)].append(k)
    names = (
        [n for n in order if n in groups]
        if order
        else sorted(groups, key=lambda n: -len(groups[n]))
    )
    rows = []
    for name in names:
        members = groups[name]
        n_linked = sum(1 for k in members if k.id in linked)
        waits = [weeks[k.id] for k in members if k.id not in linked]
        rows.append(
            (
                name,
                len(members),
                n_linked,
                _share(n_linked, len(members)),
                median(waits) if waits else None,
            )
        )
    return _table(
        f"Outcomes by {what}",
        [what, "waiting", "linked", "share linked", "median weeks waited (not linked)"],
        rows,
    )


# -- register referrals and adopters' own wait -----------------------------------------

#: Statutory guidance on adoption (DfE 2013, ch. 4): a child with no adopter being
#: actively considered is referred to the Adoption and Children Act Register within
#: three months of the decision that they should be placed for adoption; approved
#: adopters not matched are referred three months after approval.
REFERRAL_MONTHS = 3
APPROVAL_BANDS: tuple[tuple[str, int, int], ...] = (
    ("under 3 months", 0, 12),
    ("3–6 months", 13, 25),
    ("6–12 months", 26, 51),
    ("12 months or more", 52, 10**6),
)


def months_after(day: date, months: int) -> date:
    """The same day `months` later (the month's last day where it is shorter)."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def referral_due(since: date) -> date:
    """When a register referral falls due, counted from the decision or approval."""
    return months_after(since, REFERRAL_MONTHS)


@dataclass(frozen=True)
class AdopterWait:
    """An approved adopter's own wait: weeks since approval, whether the round linked
    them, how many of the round's children they could take, and their register
    referral (due three months after approval if not matched)."""

    adopter: str
    la: str
    approved_on: date
    weeks_since_approval: int
    linked_with: str | None  # the child or group the round linked them with
    children_possible: int
    referral_due: date
    referral_overdue: bool

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {
            "approved_on": self.approved_on.isoformat(),
            "referral_due": self.referral_due.isoformat(),
        }


def adopters_waiting(
    pairs: PairTable, linked_with: Mapping[str, str] | None = None
) -> list[AdopterWait]:
    """The round's adopters, longest waiting since approval first (`linked_with`:
    adopter -> the child or group a round linked them with). An adopter's referral is
    overdue when due before the problem's date and no round has linked them."""
    problem = pairs.ctx.problem
    linked_with = linked_with or {}
    possible = Counter(int(h) for e in pairs.eligible for h in e)
    out = []
    for i, h in enumerate(pairs.ctx.table.carers):
        if h.adopter is None:
            continue
        approved = h.adopter.approved_on
        due = referral_due(approved)
        link = linked_with.get(h.id)
        out.append(
            AdopterWait(
                h.id,
                h.la,
                approved,
                max(0, (problem.as_of - approved).days // 7),
                link,
                possible[i],
                due,
                link is None and due < problem.as_of,
            )
        )
    return sorted(out, key=lambda w: (-w.weeks_since_approval, w.adopter))


def _adopters_by_wait(problem: Problem, linked: set[str]) -> dict[str, Any]:
    """Adopters by time since approval, linked by the round or not."""
    rows: dict[str, list[int]] = {b[0]: [0, 0] for b in APPROVAL_BANDS}
    for h in problem.carers:
        if h.adopter is None:
            continue
        weeks = max(0, (problem.as_of - h.adopter.approved_on).days // 7)
        band = next(name for name, lo, hi in APPROVAL_BANDS if lo <= weeks <= hi)
        rows[band][0 if h.id in linked else 1] += 1
    return _table(
        "Adopters by time since approval",
        ["time since approval", "adopters", "linked", "not linked"],
        [(b, a + n, a, n) for b, (a, n) in rows.items()],
    )
