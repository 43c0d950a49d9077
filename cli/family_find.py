"""`placematch family-find`: search both ways, run a round, draw the region report.

Without a problem file the commands work on a generated regional adoption agency
(One Adoption West Yorkshire's five LAs: about 240 children waiting, 100 adopters),
so a newcomer sees a round in seconds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

import matching
from cli.common import (
    EXIT_INVALID,
    EXIT_UNKNOWN_ID,
    EXIT_WRITE,
    err,
    fail,
    load,
    out,
    progress_printer,
    write_json,
)
from matching.family_finding import (
    PRIORITIES,
    FamilyFindingPolicy,
    run_round,
    search_adopters,
    search_children,
)
from matching.family_finding.links import LinkHistory
from synth import WEST_YORKSHIRE
from synth.adoption import generate_adoption_region

family_app = typer.Typer(
    help="Family-finding for adoption: search both ways, a round of links, a region report.",
    no_args_is_help=True,
    add_completion=False,
)

ProblemArg = Annotated[
    Path | None,
    typer.Argument(help="Problem JSON file; default a generated West Yorkshire agency."),
]
AgencyLa = Annotated[
    list[str] | None,
    typer.Option("--agency-la", help="An LA of the agency (repeat); default West Yorkshire."),
]
Beyond = Annotated[
    bool, typer.Option(help="Also adopters approved outside the agency's LAs (second list).")
]
Seed = Annotated[int, typer.Option(min=0, help="Seed of the generated region and the solver.")]


def _problem(path: Path | None, seed: int) -> matching.Problem:
    if path is not None:
        return load(path)
    return matching.load_problem(generate_adoption_region(seed=seed))


def _policy(
    agency_la: list[str] | None,
    beyond: bool,
    priority: str = "waiting_and_hardest",
    long_wait_weeks: int = 78,
    wait_weeks: int = 26,
    few_families: int = 3,
) -> FamilyFindingPolicy:
    try:
        return FamilyFindingPolicy(
            long_wait_weeks=long_wait_weeks,
            wait_weeks=wait_weeks,
            few_families=few_families,
            priority=priority,
            home_las=frozenset(agency_la or WEST_YORKSHIRE),
            beyond_region=beyond,
        )
    except ValueError as exc:
        fail(str(exc), 2)


@family_app.command()
def generate(
    children: Annotated[int, typer.Option(min=0, help="Children waiting.")] = 240,
    adopters: Annotated[int, typer.Option(min=0, help="Adopter households.")] = 100,
    seed: Seed = 0,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Generate a regional adoption agency's waiting children and adopters."""
    write_json(generate_adoption_region(children, adopters, seed=seed), out_path)
    if out_path:
        err.print(f"wrote {out_path}: {children} children, {adopters} adopters (seed {seed})")


@family_app.command()
def search(
    problem: ProblemArg = None,
    child: Annotated[
        str | None, typer.Option(help="Adopters for this child or sibling group id.")
    ] = None,
    adopter: Annotated[str | None, typer.Option(help="Children for this adopter id.")] = None,
    agency_la: AgencyLa = None,
    beyond_region: Beyond = False,
    top: Annotated[int, typer.Option(min=1, max=500)] = 10,
    near_misses: Annotated[int, typer.Option(min=0, max=500)] = 5,
    seed: Seed = 0,
    as_json: Annotated[bool, typer.Option("--json", help="JSON on stdout.")] = False,
) -> None:
    """Adopters for a child (--child) or children for an adopter (--adopter): the
    agency's own LAs first, then (--beyond-region) elsewhere."""
    if (child is None) == (adopter is None):
        fail("give exactly one of --child or --adopter", 2)
    p = _problem(problem, seed)
    policy = _policy(agency_la, beyond_region)
    try:
        if child is not None:
            found = search_adopters(p, child, policy, top, near_misses)
        else:
            assert adopter is not None
            found = search_children(p, adopter, policy, top, near_misses)
    except KeyError as exc:
        fail(str(exc.args[0]), EXIT_UNKNOWN_ID)
    doc = found.to_dict()
    if as_json:
        write_json(doc, None)
        return
    for title, part in (("in the agency's LAs", doc["in_region"]), ("beyond", doc["beyond"])):
        if part is None:
            continue
        table = Table(title=f"{found.subject}: {title} ({part['eligible_count']} eligible)")
        for col in ("", "score", "km", "why"):
            table.add_column(col)
        for m in part["matches"]:
            who = m.get("carer") or m.get("child")
            table.add_row(who, f"{m['score']:.1f}", f"{m['distance_km']:.1f}", m["reasons"][0])
        for m in part["near_misses"]:
            who = m.get("carer") or m.get("child")
            table.add_row(who, "near miss", f"{m['distance_km']:.1f}", m["detail"])
        out.print(table)


@family_app.command("round")
def round_(
    problem: ProblemArg = None,
    agency_la: AgencyLa = None,
    beyond_region: Beyond = False,
    priority: Annotated[
        str, typer.Option(help=f"Whom the round puts first: {', '.join(PRIORITIES)}.")
    ] = "waiting_and_hardest",
    long_wait_weeks: Annotated[int, typer.Option(min=0, help="First priority from here.")] = 78,
    wait_weeks: Annotated[int, typer.Option(min=0, help="Second priority from here.")] = 26,
    few_families: Annotated[
        int, typer.Option(min=0, help="Hard to place: this many possible adopters or fewer.")
    ] = 3,
    time_limit: Annotated[float, typer.Option(min=0.1, help="Solver seconds.")] = 10.0,
    seed: Seed = 0,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Write round.json, report.html and PNGs to this folder."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The round's JSON on stdout.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress on stderr.")] = False,
    links: Annotated[
        Path | None,
        typer.Option(
            help="Earlier links (JSON: declined, adopter_interest, finder_interest, "
            "progressing, each a list of [child, adopter])."
        ),
    ] = None,
    shortlist_size: Annotated[int, typer.Option(min=1, help="Adopters per shortlist.")] = 5,
    max_lists_per_adopter: Annotated[
        int, typer.Option(min=1, help="Shortlists one adopter may be on.")
    ] = 5,
    max_first_choices: Annotated[
        int | None,
        typer.Option(
            min=1, help="Shortlists one adopter may be first on [default: 3, at most the above]."
        ),
    ] = None,
) -> None:
    """Propose links for every waiting child and adopter of the agency at once, and a
    shortlist of adopters to approach for each child or group."""
    if priority not in PRIORITIES:
        fail(f"--priority must be one of {', '.join(PRIORITIES)}", 2)
    if max_first_choices is not None and max_first_choices > max_lists_per_adopter:
        fail("--max-first-choices must be at most --max-lists-per-adopter", 2)
    policy = _policy(agency_la, beyond_region, priority, long_wait_weeks, wait_weeks, few_families)
    history = _history(links) if links is not None else None
    p = _problem(problem, seed)
    result = run_round(
        p,
        policy,
        time_limit_s=time_limit,
        seed=seed,
        progress=progress_printer(quiet),
        history=history,
        shortlist_size=shortlist_size,
        max_lists_per_adopter=max_lists_per_adopter,
        max_first_choices=max_first_choices,
    )
    doc = result.to_dict()
    if out_dir is not None:
        _write_report(doc, out_dir)
    if as_json:
        write_json(doc, None)
        return
    _print_round(doc)


def _history(path: Path) -> LinkHistory:
    try:
        return LinkHistory.from_dict(json.loads(path.read_text("utf-8")))
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}", EXIT_INVALID)
    except json.JSONDecodeError as exc:
        fail(f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}", EXIT_INVALID)
    except ValueError as exc:
        fail(f"{path}: {exc}", EXIT_INVALID)


@family_app.command()
def report(
    round_json: Annotated[Path, typer.Argument(help="A round.json written by `round --out`.")],
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for report.html and PNGs.")],
) -> None:
    """Redraw the region report from a saved round, without solving again."""
    try:
        doc = json.loads(round_json.read_text("utf-8"))
    except OSError as exc:
        fail(f"cannot read {round_json}: {exc.strerror}", EXIT_INVALID)
    except json.JSONDecodeError as exc:
        fail(f"{round_json} is not valid JSON: {exc.msg} at line {exc.lineno}", EXIT_INVALID)
    missing = [k for k in ("summary", "region", "crowding", "fairness", "links") if k not in doc]
    if missing:
        fail(f"{round_json} is not a round: no {', '.join(missing)}", EXIT_INVALID)
    _write_report(doc, out_dir)


def _write_report(doc: dict[str, Any], out_dir: Path) -> None:
    from reports.family_finding import write_report  # matplotlib: only when drawing

    try:
        written = write_report(doc, out_dir)
    except OSError as exc:
        fail(f"cannot write to {out_dir}: {exc.strerror}", EXIT_WRITE)
    err.print(f"wrote {', '.join(p.name for p in written)} to {out_dir}")


def _print_round(doc: dict[str, Any]) -> None:
    s = doc["summary"]
    by = s["linked_by_priority"]
    out.print(
        f"[bold]{s['children_linked']} of {s['children']} children linked[/] in {s['links']} "
        f"links with {s['adopters']} adopters (first / second / third priority: "
        f"{by['first']} / {by['second']} / {by['third']}); {s['status']}, gap "
        f"{100 * s['gap']:.2f}%, {s['solve_seconds']:.1f} s",
        highlight=False,
    )
    table = Table(
        title="The round against deferred acceptance (plain, priority-aware) and an officer pass",
        caption="blocking pairs: total (price of priority / same tier / other)",
    )
    for col in ("round", "linked", "first priority", "inversions", "blocking pairs", "score"):
        table.add_column(col)
    for r in doc["fairness"]:
        table.add_row(
            r["round"].split(" (")[0],
            str(r["children_linked"]),
            f"{r['first_priority_linked']} of {r['first_priority_children']}",
            str(r["priority_inversions"]),
            f"{r['blocking_pairs']} ({r['blocking_price_of_priority']} / "
            f"{r['blocking_same_tier']} / {r['blocking_other']})",
            str(r["mean_score"]),
        )
    out.print(table)
    c = doc["crowding"]
    out.print(
        f"Crowding: top-5 lists name {c['adopters_named']} of {c['adopters']} adopters; "
        f"{c['most_named_adopter']} is on {c['most_lists_naming_one_adopter']} lists; the round "
        f"gives each adopter at most {c['round_most_subjects_for_one_adopter']} child or group.",
        highlight=False,
    )
    _print_shortlists(doc)
    for x in doc["unlinked"][:5]:
        change = "; ".join(x["what_would_change"][:2]) or x["reasons"][0]
        out.print(f"  {', '.join(x['children'])} ({x['priority']}): {change}", highlight=False)
    if len(doc["unlinked"]) > 5:
        out.print(f"  … {len(doc['unlinked']) - 5} more without a link (see --json or --out)")


def _print_shortlists(doc: dict[str, Any], shown: int = 10) -> None:
    """The spread against plain top-N lists, then the first lists in priority order."""
    sp, size = doc["shortlist_spread"], doc["shortlist_policy"]["size"]
    out.print(
        f"Shortlists: one adopter on at most {sp['most_lists_naming_one_adopter']} lists "
        f"(plain top-{size} lists: {sp['plain_most_lists_naming_one_adopter']}) and first on "
        f"at most {sp['most_first_choices']} (plain: {sp['plain_most_first_choices']}); "
        f"{sp['no_eligible_adopter']} children or groups have no eligible adopter, "
        f"{sp['empty_with_eligible_adopters']} more have every eligible adopter at a limit.",
        highlight=False,
    )
    table = Table(title=f"Shortlists, first {shown} in priority order")
    for col in ("child or group", "priority", "weeks", "adopters to approach, in order"):
        table.add_column(col)
    for s in doc["shortlists"][:shown]:
        names = [
            e["adopter"]
            + ("*" if e["round_link"] else "")
            + (f" (+{len(e['also_shortlisted_for'])})" if e["also_shortlisted_for"] else "")
            for e in s["adopters"]
        ]
        held = f"; held back: {', '.join(s['held_back'])}" if s["held_back"] else ""
        if not s["eligible"]:
            held = "no adopter in the round is eligible"
        table.add_row(s["subject"], s["priority"], str(s["weeks_waiting"]), ", ".join(names) + held)
    out.print(table)
    out.print("  * the round's link; (+n) on n other shortlists", highlight=False)


@family_app.command()
def bench(
    seeds: Annotated[list[int], typer.Option("--seed", help="Agency seeds (repeat).")] = [0],  # noqa: B006
    runs: Annotated[int, typer.Option(min=1, help="Runs per seed; the median is shown.")] = 3,
    children: Annotated[int, typer.Option(min=1)] = 240,
    adopters: Annotated[int, typer.Option(min=1)] = 100,
    time_limit: Annotated[float, typer.Option(min=0.1, help="Solver seconds.")] = 10.0,
) -> None:
    """Time rounds on generated agencies (median of --runs) and print, as Markdown, each
    round against plain and priority-aware deferred acceptance and the officer-style
    pass: a row each, blocking pairs split by what they cost (docs/family-finding.md §5)."""
    import platform
    import statistics
    import time

    policy = _policy(None, False)
    lines = [
        f"Machine: {platform.processor() or platform.machine()}, "
        f"{__import__('os').cpu_count()} CPUs; {children} children, {adopters} adopters; "
        f"time limit {time_limit:g} s; median of {runs} run(s).",
        "",
        "| seed | round s | status | round | linked | first priority | inversions "
        "| blocking pairs | price of priority | same tier | other | mean score |",
        "|--:|--:|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for seed in seeds:
        p = matching.load_problem(generate_adoption_region(children, adopters, seed=seed))
        seconds = []
        for _ in range(runs):
            began = time.perf_counter()
            r = run_round(p, policy, time_limit_s=time_limit, seed=seed)
            seconds.append(time.perf_counter() - began)
            err.print(f"seed {seed}: {seconds[-1]:.2f} s", highlight=False)
        timing = f"{statistics.median(seconds):.2f} | {r.result.status}"
        for i, row in enumerate(r.fairness):
            lines.append(
                f"| {seed} | {timing if i == 0 else ' | '} | {row['round'].split(' (')[0]} | "
                f"{row['children_linked']} | {row['first_priority_linked']} of "
                f"{row['first_priority_children']} | {row['priority_inversions']} | "
                f"{row['blocking_pairs']} | {row['blocking_price_of_priority']} | "
                f"{row['blocking_same_tier']} | {row['blocking_other']} | {row['mean_score']} |"
            )
    out.print("\n".join(lines), highlight=False, markup=False, soft_wrap=True)
