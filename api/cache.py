"""Built problems kept in memory, one per LA set, for as long as they are current.

Turning a region's records into a problem and its carer table takes a fifth of a
second; a ranked-match request must answer in milliseconds. So the API keeps, for each
set of LAs it has been asked about, the built `Problem` and `MatchingContext`, and the
rankings already worked out from them, and uses them while all of these hold:

- the data version (store.version) is the one it was built at: no child, household,
  referral, proposal, placement or policy has changed since, in any process;
- no hold counted in it has lapsed (a lapsed hold frees its place without any write);
- it is still the day it was built for (ages and dates are worked out on that day).

Checking costs one indexed read, and is shared: a version read in the last
`VERSION_TTL_S` seconds is trusted unless this process has written since. So a change
made through this process shows at once, and one made elsewhere (another API worker,
the CLI) within that time. A stale entry is rebuilt by the first request that finds it
stale while the others for the same LAs wait for it, not build it again.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Engine

import matching
import store
from api.auditlog import WriteLock
from children.siblings import SiblingGroup
from matching.eligibility import Assessment

#: LA sets kept at once; rankings kept per set.
MAX_SETS = 32
MAX_RANKINGS = 20_000
#: How long a data version read stays trusted when this process has not written.
VERSION_TTL_S = 0.2
#: The ranking most requests ask for (the endpoint's defaults).
DEFAULT_TOP, DEFAULT_NEAR = 20, 10
#: Up to this many children, the first ranking request on a snapshot works out the
#: default ranking of every child and group in it (~1 ms each), all at once.
PREFILL_MAX = 1000


@dataclass
class Snapshot:
    """The problem of some LAs' open referrals as the records stood at `version`."""

    las: frozenset[str]
    version: int
    day: date
    valid_until: datetime | None  # the earliest live hold's end
    problem: matching.Problem
    ctx: matching.MatchingContext
    groups: dict[str, SiblingGroup]
    rankings: dict[tuple[str, int, int], tuple[bytes, tuple[str, ...], int]] = field(
        default_factory=dict
    )
    assessments: dict[str, Assessment] = field(default_factory=dict)
    prefilled: bool = False
    _fill_lock: threading.Lock = field(default_factory=threading.Lock)

    def current(self, version: int, now: datetime) -> bool:
        """Built from records at least as new as `version`, no hold lapsed, same day."""
        return (
            self.version >= version
            and now.date() == self.day
            and (self.valid_until is None or now < self.valid_until)
        )

    def has(self, subject: str) -> bool:
        return subject in self.problem.child_by_id or subject in self.groups

    def ranking(self, subject: str, top: int, near: int) -> tuple[bytes, tuple[str, ...], int]:
        """The ranked matches for a child or group as JSON, its children and the number
        of eligible carers; worked out once per snapshot. KeyError if not in it.

        The first call on a snapshot of up to PREFILL_MAX children also works out every
        child's and group's default ranking: one thread doing them in a row takes a
        tenth of a second for an LA; leaving each to its first request makes each of
        them wait behind the others' halves of the work for the interpreter lock."""
        key = (subject, top, near)
        hit = self.rankings.get(key)
        if hit is not None:
            return hit
        if not self.prefilled and len(self.problem.children) <= PREFILL_MAX:
            with self._fill_lock:
                if not self.prefilled:
                    for each in (*self.problem.child_by_id, *self.groups):
                        self._rank(each, DEFAULT_TOP, DEFAULT_NEAR)
                    self.prefilled = True
            hit = self.rankings.get(key)
            if hit is not None:
                return hit
        return self._rank(subject, top, near)

    def _rank(self, subject: str, top: int, near: int) -> tuple[bytes, tuple[str, ...], int]:
        key = (subject, top, near)
        ranking = matching.rank(self.problem, subject, top=top, near_misses=near, ctx=self.ctx)
        body = json.dumps(ranking.to_dict(), ensure_ascii=False, allow_nan=False).encode()
        out = (body, ranking.children, ranking.eligible_count)
        if len(self.rankings) >= MAX_RANKINGS:
            self.rankings.clear()
        self.rankings[key] = out
        return out

    def assess(self, child_id: str) -> Assessment:
        a = self.assessments.get(child_id)
        if a is None:
            a = self.ctx.assess(self.problem.child_by_id[child_id])
            self.assessments[child_id] = a
        return a


class ProblemCache:
    """Snapshots by LA set (see the module docstring)."""

    def __init__(
        self, engine: Engine, writes: WriteLock | None = None, max_sets: int = MAX_SETS
    ) -> None:
        self.engine = engine
        self.writes = writes
        self.max_sets = max_sets
        self._entries: OrderedDict[frozenset[str], Snapshot] = OrderedDict()
        self._locks: dict[frozenset[str], threading.Lock] = {}
        self._guard = threading.Lock()
        self._version = -1
        self._checked_at = float("-inf")
        self._checked_generation = -1
        self.builds = 0

    def _generation(self) -> int:
        return self.writes.generation if self.writes is not None else 0

    def _version_read(self) -> int:
        """The data version from the database (and remember when it was read)."""
        generation, started = self._generation(), time.monotonic()
        with store.read_session(self.engine) as s:
            version = store.data_version(s)
        self._version, self._checked_at, self._checked_generation = version, started, generation
        return version

    def fresh(self, las: Collection[str]) -> Snapshot | None:
        """The snapshot for `las` if it is known to be current without reading the
        database (a recent version read, no write here since), else None."""
        if (
            self._checked_generation != self._generation()
            or time.monotonic() - self._checked_at > VERSION_TTL_S
        ):
            return None
        snap = self._entries.get(frozenset(las))
        if snap is not None and snap.current(self._version, store.utcnow()):
            return snap
        return None

    def snapshot(self, las: Collection[str]) -> Snapshot:
        """The current snapshot for `las`, rebuilt if the records have moved on."""
        key = frozenset(las)
        now = store.utcnow()
        version = self._version_read()
        snap = self._entries.get(key)
        if snap is not None and snap.current(version, now):
            return snap
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            snap = self._entries.get(key)
            now = store.utcnow()
            if snap is not None and snap.current(version, now):
                return snap
            snap = self._build(key, now)
            with self._guard:
                self._entries[key] = snap
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_sets:
                    self._entries.popitem(last=False)
            return snap

    def _build(self, las: frozenset[str], now: datetime) -> Snapshot:
        with store.transaction(self.engine, write=False) as s:
            version = store.data_version(s)  # first: the data read next is at least this new
            doc = store.problem_dict(s, sorted(las), now=now)
            valid_until = store.next_hold_end(s, now)
        problem = matching.parse_problem(doc)
        ctx = matching.MatchingContext(problem)
        _ = ctx.table  # build it now, once, not in the first request's thread race
        self.builds += 1
        if valid_until is not None and valid_until.tzinfo is None:
            valid_until = valid_until.replace(tzinfo=now.tzinfo)
        return Snapshot(
            las=las,
            version=version,
            day=now.date(),
            valid_until=valid_until,
            problem=problem,
            ctx=ctx,
            groups={g.id: g for g in problem.sibling_groups},
        )

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()
