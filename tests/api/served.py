"""The app as a separate server process for tests that kill one or run two
(`python -m uvicorn --factory tests.api.served:app`), over `DATABASE_URL`.

Its batch runs hold until the test lets them go (the file named by
`PLACEMATCH_TEST_RELEASE` exists), then solve briefly on one worker, so a test can kill
the process mid-run; its heartbeat is short (`run_beat_s` 0.2 s, `run_stale_s` 3 s) so
the test need not wait 30 s to see a killed process's runs interrupted.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from fastapi import FastAPI

import matching
from api import create_app

BEAT_S, STALE_S = 0.2, 3.0


def app() -> FastAPI:
    release = Path(os.environ["PLACEMATCH_TEST_RELEASE"])

    def held_solve(problem: matching.Problem, **_kw: Any) -> matching.SolveResult:
        deadline = time.monotonic() + 120
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        return matching.solve(problem, time_limit_s=1, workers=1)

    folder = os.environ.get("PLACEMATCH_SCENARIO_DIR")
    return create_app(
        solve=held_solve,
        solver_workers=1,
        scenario_dir=Path(folder) if folder else None,
        run_beat_s=BEAT_S,
        run_stale_s=STALE_S,
    )
