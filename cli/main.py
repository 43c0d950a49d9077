"""`placematch`: the command line for everything a user does without the API.

Exit codes mean the same everywhere (see README): 0 done; 2 bad usage; 3 the problem
file is invalid (every fault listed with its JSON path); 4 an id named on the command
line is not in the problem; 5 an output file could not be written; 1 anything else.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import matching
from cli import bench_bodies, bench_core, import903, render, serve, soak
from cli.common import (  # noqa: F401  (EXIT_USAGE is part of the CLI's contract)
    EXIT_INVALID,
    EXIT_UNKNOWN_ID,
    EXIT_USAGE,
    EXIT_WRITE,
    err,
    fail,
    load,
    out,
    progress_printer,
    write_json,
    write_text,
)
from cli.family_find import family_app
from cli.scenario import scenario_app
from cli.ssda903 import ssda903_app
from cli.users import users_app
from matching.problem import problem_to_dict
from synth import WEST_YORKSHIRE, generate_region

if TYPE_CHECKING:
    from rich.progress import Progress

    from bench import runner

app = typer.Typer(
    help="Placement matching and family-finding for looked-after children in England.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(users_app, name="users")
app.add_typer(family_app, name="family-find")
app.add_typer(scenario_app, name="scenario")
app.add_typer(ssda903_app, name="ssda903")


@app.command()
def generate(
    children: Annotated[int, typer.Option(min=1, help="Children needing a placement.")] = 300,
    carers: Annotated[int, typer.Option(min=1, help="Carer households.")] = 900,
    seed: Annotated[int, typer.Option(min=0, help="Random seed: same seed, same region.")] = 0,
    la: Annotated[
        list[str] | None,
        typer.Option(help="An LA area to include (repeat); default West Yorkshire."),
    ] = None,
    national: Annotated[bool, typer.Option(help="Every English LA instead of a region.")] = False,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Generate a synthetic, calibrated region as a problem file."""
    las = None if national else (tuple(la) if la else WEST_YORKSHIRE)
    try:
        doc = generate_region(children, carers, seed=seed, las=las)
    except ValueError as exc:
        fail(str(exc), 2)
    write_json(doc, out_path)
    if out_path:
        err.print(f"wrote {out_path}: {children} children, {carers} carers (seed {seed})")


@app.command()
def validate(problem: Annotated[Path, typer.Argument(help="Problem JSON file.")]) -> None:
    """Check a problem file against the schema and its cross-references."""
    p = load(problem)
    out.print(
        f"[green]valid[/]: {len(p.children)} children, {len(p.sibling_groups)} sibling groups, "
        f"{len(p.carers)} carers (as of {p.as_of})",
        highlight=False,
    )


@app.command()
def rank(
    problem: Annotated[Path, typer.Argument(help="Problem JSON file.")],
    child: Annotated[
        str | None, typer.Option("--child", help="Child id or sibling group id.")
    ] = None,
    carer: Annotated[
        str | None, typer.Option("--carer", help="Carer id: the children it could take.")
    ] = None,
    top: Annotated[int, typer.Option(min=1, max=500)] = 20,
    near: Annotated[int, typer.Option(min=0, max=500, help="Near misses to list.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="JSON instead of tables.")] = False,
) -> None:
    """Ranked matches for one child or one sibling group (--child), or the children one
    carer could take (--carer), with reasons and near misses."""
    if (child is None) == (carer is None):
        fail("give either --child or --carer", EXIT_USAGE)
    p = load(problem)
    ranking: matching.Ranking | matching.CarerRanking
    try:
        if carer is not None:
            ranking = matching.rank_children(p, carer, top=top, near_misses=near)
        else:
            assert child is not None  # one of the two, checked above
            ranking = matching.rank(p, child, top=top, near_misses=near)
    except KeyError:
        what = f"carer {carer!r}" if carer is not None else f"child or sibling group {child!r}"
        fail(f"no {what} in {problem}", EXIT_UNKNOWN_ID)
    if as_json:
        write_json(ranking.to_dict(), None)
    else:
        render.ranking(out, p, ranking)


@app.command()
def solve(
    problem: Annotated[Path, typer.Argument(help="Problem JSON file.")],
    out_path: Annotated[Path | None, typer.Option("--out", help="Write the result here.")] = None,
    time_limit: Annotated[
        float | None, typer.Option(min=0.1, help="Seconds; default the problem's policy.")
    ] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Solver seed.")] = None,
    summary: Annotated[bool, typer.Option(help="Print a readable summary to stderr.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress lines.")] = False,
    wait_for_better: Annotated[
        bool | None,
        typer.Option(
            "--wait-for-better/--no-wait-for-better",
            help="Hold back planned referrals for a clearly better home expected in time "
            "(default: the problem's policy).",
        ),
    ] = None,
) -> None:
    """Assign every child in the problem at once; the result JSON goes to stdout or --out."""
    p = load(problem)
    if wait_for_better is not None:
        p = replace(p, policy=replace(p.policy, wait_for_better=wait_for_better))
    result = matching.solve(p, time_limit_s=time_limit, seed=seed, progress=progress_printer(quiet))
    write_json(result.to_dict(), out_path)
    if summary:
        render.summary(err, p, result)
    elif not quiet:
        err.print(
            f"{result.status}: placed {result.placed}/{len(p.children)}, gap {result.gap:.2%}, "
            + ("" if result.held_back is None else f"held back {len(result.held_back)}, ")
            + f"{result.solve_seconds:.1f} s"
            + (f" -> {out_path}" if out_path else ""),
            highlight=False,
        )


@app.command()
def demo(
    children: Annotated[int, typer.Option(min=10)] = 300,
    carers: Annotated[int, typer.Option(min=10)] = 900,
    seed: Annotated[int, typer.Option(min=0)] = 0,
    time_limit: Annotated[float, typer.Option(min=0.5)] = 40.0,
    out_dir: Annotated[Path, typer.Option("--out-dir", help="Where to keep the files.")] = Path(
        "out/demo"
    ),
) -> None:
    """Generate the West Yorkshire demo region, rank matches for a few referrals and
    run the batch solver: the product in one minute."""
    say = progress_printer(False)
    say(f"generating West Yorkshire: {children} referrals, {carers} carer households (seed {seed})")
    doc = generate_region(children, carers, seed=seed)
    p = matching.load_problem(doc)
    ctx = matching.MatchingContext(p)
    problem_file = out_dir / "problem.json"
    write_json(problem_to_dict(p), problem_file)
    out.rule("[bold]Ranked matches for three referrals")
    for subject in render.showcase_subjects(p):
        render.ranking(out, p, matching.rank(p, subject, top=5, near_misses=3, ctx=ctx))
    out.rule("[bold]Batch run: every open referral at once")
    result = matching.solve(p, time_limit_s=time_limit, progress=say, ctx=ctx)
    result_file = out_dir / "result.json"
    write_json(result.to_dict(), result_file)
    render.summary(out, p, result)
    out.print(
        f"\nFiles: {problem_file} and {result_file}. Next: "
        f"[bold]placematch rank {problem_file} --child {p.children[0].id}[/]",
        highlight=False,
    )


@app.command()
def bench(
    size: Annotated[
        list[str] | None,
        typer.Option(help="CHILDRENxCARERS, e.g. 1000x3000 (repeat); default 300x900, 1000x3000."),
    ] = None,
    seeds: Annotated[
        list[int] | None, typer.Option("--seeds", min=0, help="Generator seed (repeat); default 1.")
    ] = None,
    runs: Annotated[int, typer.Option(min=1, help="Product runs per instance (median).")] = 3,
    time_limit: Annotated[float, typer.Option(min=0.1, help="Product time limit, s.")] = 10.0,
    naive_time_limit: Annotated[
        float | None,
        typer.Option(min=0.1, help="Naive CP-SAT time limit, s; default --time-limit."),
    ] = None,
    national: Annotated[
        bool | None,
        typer.Option(
            "--national/--region",
            help="All England or West Yorkshire; default region up to 3,000 carers.",
        ),
    ] = None,
    naive: Annotated[
        bool | None,
        typer.Option(help="Run the naive CP-SAT model; default up to 1000x3000."),
    ] = None,
    long_time_limit: Annotated[
        float,
        typer.Option(
            min=0,
            help="The product's long run (its own optimum, up to 1000x3000), s; 0 skips it.",
        ),
    ] = 300.0,
    out_path: Annotated[Path, typer.Option("--out", help="Write the markdown report here.")] = Path(
        "docs/bench-results.md"
    ),
) -> None:
    """Benchmark the batch solver against the officer-style greedy baseline, the naive
    CP-SAT model and the bounds; print the markdown tables and write them to --out."""
    from bench import report, runner

    try:
        sizes = [runner.Size.parse(s) for s in size or ["300x900", "1000x3000"]]
    except ValueError as exc:
        fail(str(exc), 2)
    seed_list = seeds or [1]
    try:
        instances = _run_bench_with_progress(
            sizes,
            seed_list,
            runs=runs,
            time_limit_s=time_limit,
            naive_time_limit_s=naive_time_limit,
            national=national,
            naive=naive,
            long_time_limit_s=long_time_limit or None,
        )
    except ValueError as exc:
        fail(str(exc), 2)
    command = _bench_command(
        sizes, seed_list, runs, time_limit, naive_time_limit, national, naive, out_path
    )
    command += f" --long-time-limit {long_time_limit:g}"
    text = report.markdown(
        instances,
        command=command,
        runs=runs,
        time_limit_s=time_limit,
        naive_time_limit_s=naive_time_limit or time_limit,
        long_time_limit_s=long_time_limit or None,
    )
    out.print(text, markup=False, highlight=False, soft_wrap=True)
    write_text(text, out_path)
    err.print(f"wrote {out_path}", highlight=False)


def _bench_command(
    sizes: list[runner.Size],
    seeds: list[int],
    runs: int,
    time_limit: float,
    naive_time_limit: float | None,
    national: bool | None,
    naive: bool | None,
    out_path: Path,
) -> str:
    """The command that gives this report again (written into it)."""
    command = ["placematch bench", *(f"--size {s.children}x{s.carers}" for s in sizes)]
    command += [f"--seeds {s}" for s in seeds]
    command += [f"--runs {runs}", f"--time-limit {time_limit:g}"]
    if naive_time_limit is not None:
        command.append(f"--naive-time-limit {naive_time_limit:g}")
    if national is not None:
        command.append("--national" if national else "--region")
    if naive is not None:
        command.append("--naive" if naive else "--no-naive")
    command.append(f"--out {out_path}")
    return " ".join(command)


def _run_bench_with_progress(
    sizes: list[runner.Size],
    seeds: list[int],
    *,
    runs: int,
    time_limit_s: float,
    naive_time_limit_s: float | None,
    national: bool | None,
    naive: bool | None,
    long_time_limit_s: float | None,
) -> list[runner.Instance]:
    """`runner.run_bench` under a progress bar on stderr (transient: gone when done)."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from bench import runner

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as bar:
        return runner.run_bench(
            sizes,
            seeds,
            runs=runs,
            time_limit_s=time_limit_s,
            naive_time_limit_s=naive_time_limit_s,
            national=national,
            naive=naive,
            long_time_limit_s=long_time_limit_s,
            progress=_RunsBar(bar, runner.steps(sizes, seeds, runs, naive, long_time_limit_s)),
        )


class _RunsBar:
    """The bench's progress messages: each printed, the bar advanced as a run ends (the
    next one's message says so)."""

    def __init__(self, bar: Progress, total: int) -> None:
        self.bar, self.started = bar, 0
        self.task = bar.add_task("starting", total=total)

    def __call__(self, message: str) -> None:
        if " run " in message:
            if self.started:
                self.bar.advance(self.task)
            self.started += 1
        self.bar.update(self.task, description=message)
        self.bar.console.print(f"[dim]{message}[/]", highlight=False)


app.command()(serve.serve)
app.command("bench-api")(serve.bench_api)
app.command("bench-pages")(serve.bench_pages)
app.command("bench-bodies")(bench_bodies.bench_bodies)
app.command("bench-core")(bench_core.bench_core)
app.command("import-903")(import903.import_903)
app.command()(soak.soak)


def main() -> None:  # pragma: no cover - the console script calls app()
    app()
