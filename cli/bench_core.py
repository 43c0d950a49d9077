"""`placematch bench-core`: loading a problem and ranked matches, timed as a Python user
calls them (issue 16; figures in docs/benchmarks.md)."""

from __future__ import annotations

import os
import platform
from typing import Annotated

import typer

from cli.common import out


def bench_core(
    children: Annotated[
        int, typer.Option(min=1, help="Children in the generated problem.")
    ] = 10_000,
    carers: Annotated[int, typer.Option(min=1, help="Carer households.")] = 30_000,
    seed: Annotated[int, typer.Option(min=0, help="Generator seed.")] = 1,
    runs: Annotated[int, typer.Option(min=1, help="Loads timed each way (median).")] = 3,
    calls: Annotated[int, typer.Option(min=1, help="Rankings timed each way (median).")] = 30,
) -> None:
    """Time `matching.load_problem` (a JSON file, a dict) and `matching.rank` /
    `rank_children` without a context on a generated all-England problem; a markdown table."""
    from bench.core import markdown, measure

    rows = measure(children, carers, seed=seed, runs=runs, calls=calls)
    load = os.getloadavg()[0]
    head = (
        f"{children:,} children × {carers:,} households, seed {seed}; "
        f"{os.cpu_count()} CPU, Python {platform.python_version()}, load {load:.2f} at the end"
    )
    out.print(head + "\n\n" + markdown(rows), markup=False, highlight=False, soft_wrap=True)
