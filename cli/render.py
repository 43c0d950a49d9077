"""Readable tables for the terminal: ranked matches and a batch run's summary."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table

from bench import metrics
from matching import CarerRanking, Problem, Ranking, SolveResult
from matching.better_soon import BetterSoon
from vocab import URGENCIES


def showcase_subjects(p: Problem) -> list[str]:
    """Three referrals that show the range: an emergency with needs, a sibling group,
    and a teenager."""
    picks: list[str] = []
    grouped = {c for g in p.sibling_groups for c in g.children}
    emergency = [
        c for c in p.children if c.urgency == "emergency" and c.needs and c.id not in grouped
    ]
    if emergency:
        picks.append(emergency[0].id)
    groups = [g for g in p.sibling_groups if g.policy in ("should", "must")]
    if groups:
        picks.append(groups[0].id)
    teens = [c for c in p.children if c.age >= 13 and c.id not in grouped and c.id not in picks]
    if teens:
        picks.append(teens[0].id)
    return picks or [p.children[0].id]


def _describe(p: Problem, subject: str) -> str:
    c = p.child_by_id.get(subject)
    if c is None:
        g = next(g for g in p.sibling_groups if g.id == subject)
        ages = ", ".join(str(p.child_by_id[m].age) for m in g.children)
        return f"sibling group {g.id} ({g.policy} live together): ages {ages}"
    needs = ", ".join(sorted(c.needs)) or "no additional needs"
    return (
        f"{c.id}: {c.urgency}, age {c.age} {c.sex}, {c.la} ({c.home}), plan accepts "
        f"{'/'.join(c.accepts)}; {needs}"
    )


#: A match as the table shows it: who, score, km, reasons.
_MatchRow = tuple[str, float, float, tuple[str, ...]]
#: A near miss as the table shows it: who, the rule failed, detail.
_MissRow = tuple[str, str, str]


def ranking(console: Console, p: Problem, r: Ranking | CarerRanking) -> None:
    """A child's (or group's) carers, or a carer's children: the same table either way."""
    matches: list[_MatchRow]
    misses: list[_MissRow]
    if isinstance(r, CarerRanking):
        h = next(h for h in p.carers if h.id == r.carer)
        title, who, count = f"{h.id}: {h.kind}, {h.location} ({h.la})", "child", "child(ren)"
        matches = [(m.child, m.score, m.distance_km, m.reasons) for m in r.matches]
        misses = [(m.child, m.failed_rule, m.detail) for m in r.near_misses]
    else:
        title, who, count = _describe(p, r.subject), "carer", "carer(s)"
        matches = [(m.carer, m.score, m.distance_km, m.reasons) for m in r.matches]
        misses = [(m.carer, m.failed_rule, m.detail) for m in r.near_misses]
    console.print(f"\n[bold]{title}[/]", highlight=False)
    if isinstance(r, Ranking) and r.note:
        console.print(f"[yellow]{r.note}[/]")
    console.print(f"{r.eligible_count} eligible {count}", highlight=False)
    if matches:
        console.print(_matches_table(who, matches))
    if misses:
        console.print(_near_misses_table(who, misses))
    if isinstance(r, Ranking) and r.better_soon is not None:
        console.print(_better_soon_line(r.better_soon), highlight=False)


def _better_soon_line(b: BetterSoon) -> str:
    """The place-now-or-wait advisory in one sentence (docs/matching.md §3.1)."""
    now = f"{b.best_now_score:.1f} for {b.best_now} now" if b.best_now else "nothing fits now"
    why = b.why.replace("_", " ")
    return (
        f"[cyan]Better soon:[/] {b.carer} expected free from {b.free_from.isoformat()} ({why}),"
        f" {b.score:.1f} against {now}; {b.days_to_wait} days to wait"
    )


def _matches_table(who: str, matches: list[_MatchRow]) -> Table:
    t = Table(show_lines=False, header_style="bold")
    t.add_column("#", justify="right")
    t.add_column(who)
    t.add_column("score", justify="right")
    t.add_column("km", justify="right")
    t.add_column("why")
    for i, (name, score, km, reasons) in enumerate(matches, 1):
        t.add_row(str(i), name, f"{score:.1f}", f"{km:.1f}", "; ".join(reasons[:4]))
    return t


def _near_misses_table(who: str, misses: list[_MissRow]) -> Table:
    t = Table(title="near misses (fail one rule)", title_justify="left", header_style="bold")
    t.add_column(who)
    t.add_column("rule")
    t.add_column("detail")
    for name, rule, detail in misses:
        t.add_row(name, rule, detail)
    return t


def summary(console: Console, p: Problem, r: SolveResult) -> None:
    total = Counter(c.urgency for c in p.children)
    t = Table(title=f"{r.status}, gap {r.gap:.2%}, {r.solve_seconds:.1f} s", header_style="bold")
    t.add_column("measure")
    t.add_column("value", justify="right")
    for u in URGENCIES:
        t.add_row(f"placed, {u}", f"{r.placed_by_urgency[u]} / {total[u]}")
    t.add_row("placed, all", f"{r.placed} / {len(p.children)} (bound {r.bound_placed})")
    outcomes = Counter((g.policy, g.outcome) for g in r.sibling_groups)
    for policy in ("must", "should"):
        n = sum(v for (pol, _), v in outcomes.items() if pol == policy)
        if n:
            t.add_row(
                f"sibling groups ({policy})",
                f"{outcomes[(policy, 'together')]} together, {outcomes[(policy, 'split')]} split, "
                f"{outcomes[(policy, 'unplaced')]} unplaced",
            )
    if r.assignments:
        t.add_row("mean distance from home", f"{metrics.mean_km(r):.1f} km")
        near, home = metrics.placed_within(r), metrics.placed_home_la(p, r)
        t.add_row("within 20 miles", f"{near} ({metrics.share_within(r):.0%} of placed)")
        t.add_row("in the home LA", f"{home} ({metrics.share_home_la(p, r):.0%} of placed)")
        t.add_row("mean match score", f"{metrics.mean_score(r):.1f}")
    t.add_row("weekly cost", f"£{r.weekly_cost:,.0f}")
    if r.held_back is not None:
        t.add_row("held back for a better home", str(len(r.held_back)))
    console.print(t)
    for h in r.held_back or ():
        b = h.better_soon
        now = "no match" if b.best_now_score is None else f"{b.best_now_score:.1f} ({b.best_now})"
        console.print(
            f"held back {h.child}: {b.carer} from {b.free_from} ({b.why}), "
            f"{b.score:.1f} against {now} now",
            highlight=False,
        )
    if r.unplaced:
        why = Table(
            title=f"{len(r.unplaced)} unplaced: why (first 8)",
            title_justify="left",
            header_style="bold",
        )
        why.add_column("child")
        why.add_column("reasons")
        for item in r.unplaced[:8]:
            why.add_row(item.child, "\n".join(item.reasons))
        console.print(why)
