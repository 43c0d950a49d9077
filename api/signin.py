"""Failed sign-ins, counted per client address: too many in a minute is a 429.

A token is 256 random bits, so no one guesses one; the limit is against a client
hammering the service with bad tokens (a misconfigured script, a scan), which would
otherwise fill the logs and cost a database read each. Counted in this process's memory:
with N workers an address may fail N times the limit before every worker refuses it,
which changes nothing for guessing, and sharing the count would turn every failed
attempt into a database write, which is the load the limit is there to stop.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.exceptions import HTTPException

#: Failed sign-ins an address may make in `WINDOW_S` seconds before it is refused.
FAILURES_ALLOWED = 20
WINDOW_S = 60.0
#: Addresses remembered at most (the oldest failures are forgotten first past that).
ADDRESSES_MAX = 10_000


class TooManyFailures(HTTPException):
    """429 with Retry-After: the seconds until the address's oldest failure lapses."""

    def __init__(self, retry_after_s: float) -> None:
        seconds = max(1, math.ceil(retry_after_s))
        super().__init__(
            429,
            f"too many failed sign-ins from your address; try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )


@dataclass
class FailedSignIns:
    """Recent failed sign-ins by client address, in this process."""

    allowed: int = FAILURES_ALLOWED
    window_s: float = WINDOW_S
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, address: str) -> None:
        """Raise TooManyFailures if `address` has failed `allowed` times in the window."""
        now = self.clock()
        with self._lock:
            recent = self._recent(address, now)
            if recent is not None and len(recent) >= self.allowed:
                raise TooManyFailures(recent[0] + self.window_s - now)

    def failed(self, address: str) -> None:
        now = self.clock()
        with self._lock:
            recent = self._recent(address, now)
            if recent is None:
                if len(self._failures) >= ADDRESSES_MAX:
                    self._failures.pop(next(iter(self._failures)))
                recent = self._failures[address] = deque()
            recent.append(now)

    def _recent(self, address: str, now: float) -> deque[float] | None:
        recent = self._failures.get(address)
        while recent and recent[0] <= now - self.window_s:
            recent.popleft()
        return recent
