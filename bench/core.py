"""`placematch bench-core`: what the matching core costs a Python user who calls it as the
README shows (issue 16): loading a problem, from a JSON file and from a dict, and ranked
matches with `matching.rank(problem, child_id)` and `matching.rank_children(problem,
carer_id)`, no context passed.

Each load is timed on its own; the rankings are timed call by call on one freshly loaded
problem, so the first call (which builds whatever the problem's rankings share) is
reported apart from the median of the rest.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import matching
from synth import generate_region

#: At most this many calls of `rank_children` are timed.
CARER_CALLS = 5


@dataclass(frozen=True)
class Timing:
    """One measured operation: the median and the extremes of its runs, in ms, and the
    median CPU time this process spent on it (on a shared machine, wall time minus CPU
    time is roughly the time other work held the cores)."""

    what: str
    runs: int
    median_ms: float
    low_ms: float
    high_ms: float
    first_ms: float
    cpu_median_ms: float


def timing(what: str, samples: list[tuple[float, float]]) -> Timing:
    """A Timing from (wall, CPU) seconds per run."""
    ms = [1000 * wall for wall, _ in samples]
    cpu = statistics.median(1000 * used for _, used in samples)
    return Timing(what, len(ms), statistics.median(ms), min(ms), max(ms), ms[0], cpu)


def _timed(call: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    start, start_cpu = time.perf_counter(), time.process_time()
    call()
    return time.perf_counter() - start, time.process_time() - start_cpu


def measure(
    children: int, carers: int, *, seed: int = 1, runs: int = 3, calls: int = 30
) -> list[Timing]:
    """Generate an all-England problem and time loading it `runs` times each way, then
    `calls` rankings of children (and a few of carers) on a problem loaded afresh."""
    doc = generate_region(children, carers, seed=seed, las=None)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "problem.json"
        path.write_text(json.dumps(doc), "utf-8")
        from_file = [_timed(lambda: matching.load_problem(path)) for _ in range(runs)]
    from_dict = [_timed(lambda: matching.load_problem(doc)) for _ in range(runs)]
    problem = matching.load_problem(doc)
    ranks = [_timed(partial(matching.rank, problem, c.id)) for c in problem.children[:calls]]
    # A carer's ranking assesses every child, seconds at this size: a few calls say enough.
    carers_ranked = problem.carers[: min(calls, CARER_CALLS)]
    carer_ranks = [_timed(partial(matching.rank_children, problem, h.id)) for h in carers_ranked]
    return [
        timing("load_problem(path)", from_file),
        timing("load_problem(dict)", from_dict),
        timing("rank(problem, child_id)", ranks),
        timing("rank_children(problem, carer_id)", carer_ranks),
    ]


def markdown(rows: list[Timing]) -> str:
    """The timings as a markdown table (the first call shown apart for rankings)."""
    lines = [
        "| what | runs | median ms | min–max ms | first call ms | median CPU ms |",
        "|---|--:|--:|--:|--:|--:|",
    ]
    for r in rows:
        lines.append(
            f"| `{r.what}` | {r.runs} | {r.median_ms:,.1f} | {r.low_ms:,.1f}–{r.high_ms:,.1f} "
            f"| {r.first_ms:,.1f} | {r.cpu_median_ms:,.1f} |"
        )
    return "\n".join(lines)
