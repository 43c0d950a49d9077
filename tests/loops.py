"""Running a coroutine from a test, whatever else the test process runs.

A browser test's Playwright (sync API) leaves its event loop running in the main thread
of the pytest worker for the whole session, so a later test on the same worker cannot
call `asyncio.run` there. Running the coroutine on a thread of its own works in either
case, and keeps the tests independent of which worker xdist gives them."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_alone(coroutine: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coroutine)` on a thread of its own; its result or its exception."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()
