"""Generate benchmark instances and run every method on them, each run in a fresh
process so that its peak memory is its own.

A run is spawned (`multiprocessing`'s 'spawn' context: a new interpreter, nothing
inherited), receives the loaded problem, times the solve alone, and reports the
process's peak resident memory (`ru_maxrss`), which includes the interpreter, the
libraries and the problem itself: what a service would need to hold for that solve.
"""

from __future__ import annotations

import math
import re
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context

import matching
from bench.metrics import Bounds, bounds, median_index
from matching.problem import Problem
from matching.result import SolveResult
from matching.yardsticks.baselines import NAIVE_MAX_PAIRS, greedy, naive_cpsat
from synth import WEST_YORKSHIRE, generate_region

#: Methods in the order they are run and reported. "long" is the product given minutes:
#: its own optimum (or near it) for the same problem, the yardstick for the 10-second run.
METHODS: tuple[str, ...] = ("product", "greedy", "naive", "long")
#: Up to this many carers an instance is the West Yorkshire region; above, all England.
REGION_MAX_CARERS = 3000
#: The naive model and the long run go by default up to this size (children, carers).
NAIVE_DEFAULT_MAX = (1000, 3000)
#: The long run's time limit by default, s.
LONG_TIME_LIMIT_S = 300.0

Progress = Callable[[str], None]


@dataclass(frozen=True, order=True)
class Size:
    children: int
    carers: int

    @classmethod
    def parse(cls, text: str) -> Size:
        """'1000x3000' (or '1000×3000', '1,000x3,000') as a size."""
        m = re.fullmatch(r"\s*([\d,_]+)\s*[x×X]\s*([\d,_]+)\s*", text)
        if not m:
            raise ValueError(f"size {text!r} is not CHILDRENxCARERS, e.g. 1000x3000")
        children, carers = (int(re.sub(r"[,_]", "", g)) for g in m.groups())
        if children < 1 or carers < 1:
            raise ValueError(f"size {text!r} needs at least one child and one carer")
        return cls(children, carers)

    def __str__(self) -> str:
        return f"{self.children:,}×{self.carers:,}"


@dataclass
class MethodRun:
    """One method on one instance: every run's time, and the median run's result."""

    method: str
    seconds: list[float] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    peak_mb: list[float] = field(default_factory=list)
    results: list[SolveResult] = field(default_factory=list)
    note: str | None = None  # why the method did not run, if it did not

    @property
    def ran(self) -> bool:
        return bool(self.results)

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds) if self.seconds else math.nan

    @property
    def result(self) -> SolveResult:
        """The run whose time is the median (the one the table's figures come from)."""
        return self.results[median_index(self.seconds)]

    @property
    def peak(self) -> float:
        return max(self.peak_mb) if self.peak_mb else math.nan


@dataclass
class Instance:
    size: Size
    seed: int
    national: bool
    problem: Problem
    bounds: Bounds
    runs: dict[str, MethodRun]


def _solve_in_child(
    method: str, problem: Problem, time_limit_s: float
) -> tuple[SolveResult, float, float]:
    """Runs in a spawned process: the solve, its wall time, the process's peak MB."""
    t0 = time.perf_counter()
    if method in ("product", "long"):
        result = matching.solve(problem, time_limit_s=time_limit_s)
    elif method == "greedy":
        result = greedy(problem)
    elif method == "naive":
        result = naive_cpsat(problem, time_limit_s=time_limit_s)
    else:
        raise ValueError(f"unknown method {method!r}")
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = rss / 2**20 if sys.platform == "darwin" else rss / 2**10  # bytes on macOS
    return result, seconds, peak_mb


def run_once(
    method: str, problem: Problem, time_limit_s: float
) -> tuple[SolveResult, float, float]:
    """One solve in a fresh spawned process."""
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_solve_in_child, method, problem, time_limit_s).result()


def default_national(size: Size) -> bool:
    return size.carers > REGION_MAX_CARERS


def default_naive(size: Size) -> bool:
    return size.children <= NAIVE_DEFAULT_MAX[0] and size.carers <= NAIVE_DEFAULT_MAX[1]


def steps(
    sizes: Sequence[Size],
    seeds: Sequence[int],
    runs: int,
    naive: bool | None,
    long_time_limit_s: float | None = LONG_TIME_LIMIT_S,
) -> int:
    """How many solves `run_bench` will start (for a progress bar)."""
    per = [
        runs
        + 1
        + (default_naive(s) if naive is None else naive)
        + (default_naive(s) and long_time_limit_s is not None)
        for s in sizes
    ]
    return sum(per) * len(seeds)


def run_bench(
    sizes: Sequence[Size],
    seeds: Sequence[int],
    *,
    runs: int = 3,
    time_limit_s: float = 10.0,
    naive_time_limit_s: float | None = None,
    national: bool | None = None,
    naive: bool | None = None,
    long_time_limit_s: float | None = LONG_TIME_LIMIT_S,
    progress: Progress | None = None,
) -> list[Instance]:
    """Every size and seed: generate, load, bound, then the product `runs` times,
    greedy once, the naive model once and the product's long run once (where they run;
    no long run if `long_time_limit_s` is None)."""
    say = progress or (lambda _msg: None)
    out = []
    for size in sizes:
        for seed in seeds:
            is_national = default_national(size) if national is None else national
            say(f"{size} seed {seed}: generating")
            doc = generate_region(
                size.children, size.carers, seed=seed, las=None if is_national else WEST_YORKSHIRE
            )
            problem = matching.load_problem(doc)
            inst = Instance(size, seed, is_national, problem, bounds(problem), {})
            for method in METHODS:
                limits = {"naive": naive_time_limit_s, "long": long_time_limit_s}
                inst.runs[method] = _run_method(
                    method, inst, runs, time_limit_s, limits, naive, say
                )
            out.append(inst)
    return out


def _run_method(
    method: str,
    inst: Instance,
    runs: int,
    time_limit_s: float,
    limits: dict[str, float | None],
    naive: bool | None,
    say: Progress,
) -> MethodRun:
    run = MethodRun(method)
    limit = time_limit_s
    repeats = runs if method == "product" else 1
    if method == "long":
        if limits["long"] is None:
            run.note = "not run (--long-time-limit 0)"
            return run
        if not default_naive(inst.size):
            run.note = f"not run above {NAIVE_DEFAULT_MAX[0]}×{NAIVE_DEFAULT_MAX[1]}"
            return run
        limit = limits["long"]
    if method == "naive":
        naive_time_limit_s = limits["naive"]
        limit = time_limit_s if naive_time_limit_s is None else naive_time_limit_s
        pairs = inst.size.children * inst.size.carers
        if naive is None and not default_naive(inst.size):
            run.note = f"not run by default above {NAIVE_DEFAULT_MAX[0]}×{NAIVE_DEFAULT_MAX[1]}"
            return run
        if naive is False:
            run.note = "not run (--no-naive)"
            return run
        if pairs > NAIVE_MAX_PAIRS:
            run.note = f"{pairs:,} pairs, above the naive model's limit of {NAIVE_MAX_PAIRS:,}"
            say(f"{inst.size} seed {inst.seed}: naive skipped ({run.note})")
            return run
    for i in range(repeats):
        say(f"{inst.size} seed {inst.seed}: {method} run {i + 1}/{repeats}")
        try:
            result, seconds, peak = run_once(method, inst.problem, limit)
        except BrokenProcessPool:
            run.note = "the solving process died (out of memory?)"
            break
        except ValueError as exc:
            run.note = str(exc)
            break
        run.results.append(result)
        run.seconds.append(seconds)
        run.statuses.append(result.status)
        run.peak_mb.append(peak)
    return run
