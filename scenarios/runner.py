"""Replications × scenarios, in parallel on Ray, stored as Parquet.

A local Ray is started by default (as many workers as cores, or `workers`); `address`
joins an existing Ray cluster instead ("ray://host:10001" or "auto"), for when one
machine is not enough. `backend="serial"` runs in this process (the API's background
runs and quick checks). Every replication's rows go to `<out>/results/*.parquet`
together with the scenarios as run (`scenarios.json`), so a report is redrawn from
them without simulating again (`load_results`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from scenarios.outcomes import rows
from scenarios.simulate import simulate
from scenarios.spec import Scenario, parse_scenario

TABLES = ("totals", "weekly", "groups", "blocking", "timing")
Tick = Callable[[int, int, str], None]  # done, total, what just finished


def replicate(spec: dict[str, Any], replication: int) -> dict[str, list[dict[str, Any]]]:
    """One replication of a scenario (given as its dict, so Ray ships plain data)."""
    scenario = _scenario(spec)
    return rows(simulate(scenario, replication), scenario.horizon_weeks)


def _scenario(spec: dict[str, Any]) -> Scenario:
    from scenarios.spec import Close, Recruit

    fields = dict(spec)
    fields["las"] = tuple(fields["las"])
    fields["recruit"] = tuple(
        Recruit(**{**r, "skills": tuple(r["skills"]), "areas": tuple(r["areas"])})
        for r in spec["recruit"]
    )
    fields["close"] = tuple(Close(**c) for c in spec["close"])
    return Scenario(**fields)


def run_scenarios(
    scenarios: Sequence[Scenario],
    out_dir: Path,
    *,
    replications: int | None = None,
    backend: str = "ray",
    address: str | None = None,
    workers: int | None = None,
    tick: Tick | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Run every replication of every scenario and store the rows. Scenario names must
    differ (they label the rows). Returns the tables."""
    names = [s.name for s in scenarios]
    if len(set(names)) != len(names):
        raise ValueError("scenario names must differ: " + ", ".join(names))
    jobs = [
        (s.to_dict(), r)
        for s in scenarios
        for r in range(replications if replications is not None else s.replications)
    ]
    tick = tick or (lambda _d, _t, _w: None)
    if backend == "serial":
        results = []
        for i, (spec, r) in enumerate(jobs):
            results.append(replicate(spec, r))
            tick(i + 1, len(jobs), f"{spec['name']} #{r}")
    elif backend == "ray":
        results = _on_ray(jobs, address, workers, tick)
    else:
        raise ValueError(f"backend must be 'ray' or 'serial', not {backend!r}")
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    for result in results:
        for t in TABLES:
            tables[t].extend(result[t])
    save_results(out_dir, scenarios, tables)
    return tables


def _on_ray(
    jobs: list[tuple[dict[str, Any], int]], address: str | None, workers: int | None, tick: Tick
) -> list[dict[str, list[dict[str, Any]]]]:
    import ray

    started_here = not ray.is_initialized()
    if started_here:
        options: dict[str, Any] = {
            "include_dashboard": False,
            "log_to_driver": False,
            "configure_logging": False,
        }
        if address:
            options["address"] = address
        elif workers:
            options["num_cpus"] = workers
        ray.init(**options)
    try:
        task = ray.remote(num_cpus=1)(replicate)
        pending = {task.remote(spec, r): i for i, (spec, r) in enumerate(jobs)}
        results: list[Any] = [None] * len(jobs)
        done = 0
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            for ref in ready:
                i = pending.pop(ref)
                results[i] = ray.get(ref)
                done += 1
                spec, r = jobs[i]
                tick(done, len(jobs), f"{spec['name']} #{r}")
        return results
    finally:
        if started_here:
            ray.shutdown()


def save_results(
    out_dir: Path, scenarios: Sequence[Scenario], tables: dict[str, list[dict[str, Any]]]
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = out_dir / "results"
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        tmp = folder / f"{name}.parquet.tmp"
        pq.write_table(pa.Table.from_pylist(table), tmp)
        tmp.replace(folder / f"{name}.parquet")
    (folder / "scenarios.json").write_text(
        json.dumps([s.to_dict() for s in scenarios], indent=1), "utf-8"
    )


def load_results(out_dir: Path) -> tuple[list[Scenario], dict[str, list[dict[str, Any]]]]:
    """Scenarios and tables stored by `run_scenarios` (for redrawing a report)."""
    import pyarrow.parquet as pq

    folder = out_dir / "results"
    specs = json.loads((folder / "scenarios.json").read_text("utf-8"))
    tables = {t: pq.read_table(folder / f"{t}.parquet").to_pylist() for t in TABLES}
    return [_scenario(s) for s in specs], tables


__all__ = ["TABLES", "load_results", "parse_scenario", "replicate", "run_scenarios"]
