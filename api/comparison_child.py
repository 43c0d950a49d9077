"""The scenario comparison's child process: `python -m api.comparison_child FOLDER`,
started by `api.comparisons.compare` (read its docstring for why a child process).

It reads the scenarios and replications from FOLDER/request.pickle, simulates them with
the serial backend, stores the results and draws the report in FOLDER, and says its
progress and outcome on its standard output, one JSON line at a time after `PREFIX`.
A module of its own so that the child imports only what it runs (the simulation and the
report): not the service's store, FastAPI or routers, which cost it a second or more of
starting on every comparison.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scenarios.spec import Scenario

#: Marks the child's messages on its standard output (anything else there is ignored).
PREFIX = "@placematch-comparison "
#: The child's exit code, and last word on its standard error, when the service went
#: away before it finished.
ORPHANED = 3
GONE = "the service went away: the simulation stops"
REQUEST = "request.pickle"


def _number(value: float) -> float | None:
    return None if math.isnan(value) else value


def outcomes(
    scenarios: Sequence[Scenario], tables: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    """The summary and the differences from the baseline (the first scenario), in the
    scenarios' order, labelled, with each difference's verdict (as the report has them:
    a mean's interval within what the metric can be, reports.scenarios.clipped)."""
    from reports.scenarios import clipped, differences_by, summary_by, verdict
    from scenarios.outcomes import METRICS

    means, diffs = summary_by(tables), differences_by(scenarios, tables)
    summary, differences = [], []
    for s in scenarios:
        for metric, (label, higher) in METRICS.items():
            row = means.get((s.name, metric))
            if row is not None:
                if row["n"] >= 2 and not math.isnan(row["low"]):
                    low, high = clipped(metric, row["low"], row["high"])
                    row = row | {"low": low, "high": high}
                summary.append(
                    {
                        "scenario": s.name,
                        "metric": metric,
                        "label": label,
                        "higher_is_better": higher,
                        "n": row["n"],
                        **{k: _number(row[k]) for k in ("mean", "low", "high")},
                    }
                )
            row = diffs.get((s.name, metric))
            if row is not None:
                differences.append(
                    {
                        "scenario": s.name,
                        "baseline": scenarios[0].name,
                        "metric": metric,
                        "label": label,
                        "n": row["n"],
                        **{k: _number(row[k]) for k in ("mean", "low", "high")},
                        "verdict": verdict(metric, row) or None,
                    }
                )
    return {"summary": summary, "differences": differences}


def _say(kind: str, value: Any = None) -> None:
    print(PREFIX + json.dumps([kind, value]), flush=True)


def _exit_with_the_service() -> None:
    """Wait for the end of standard input (the service closed it, or died), then exit."""
    sys.stdin.buffer.read()
    print(GONE, file=sys.stderr, flush=True)  # to child.log, for whoever looks
    os._exit(ORPHANED)


def child(folder: Path) -> int:
    """The child process (`python -m api.comparisons FOLDER`): the scenarios and
    replications from FOLDER/request.pickle (written by `compare`); simulate, store
    the results, draw the report, and say so on standard output."""
    threading.Thread(target=_exit_with_the_service, name="service-watch", daemon=True).start()
    try:
        from reports.scenarios import write_report
        from scenarios.runner import run_scenarios

        with (folder / REQUEST).open("rb") as f:
            scenarios, replications = pickle.load(f)  # noqa: S301 - written by the service

        def tick(done: int, total: int, what: str) -> None:
            _say("tick", [done, total, what])

        tables = run_scenarios(
            scenarios, folder, replications=replications, backend="serial", tick=tick
        )
        _say("drawing")
        write_report(scenarios, tables, folder / "report")
        _say("done", outcomes(scenarios, tables))
        return 0
    except Exception as exc:  # noqa: BLE001 - the service reports it
        _say("failed", f"{type(exc).__name__}: {exc}"[:500])
        return 1


def main(argv: Sequence[str]) -> int:
    """Run the child, then leave without the interpreter's shutdown: the thread that
    waits on standard input holds its lock, and a normal exit would stop with "could
    not acquire lock ... at interpreter shutdown" (a fatal error) after the work is
    done."""
    code = child(Path(argv[0]))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main(sys.argv[1:])
