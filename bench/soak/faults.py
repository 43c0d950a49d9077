"""`kill -9` in the middle of work: many confirmations, a 903 import, a batch run.

Each scenario starts the work, kills every process of the server at once (no shutdown
hook runs, as in a crash or an OOM kill), starts it again on the same database and then
checks: the invariants (bench.soak.invariants), that every answer the client got before
the kill is in the database (a 200 means committed), and that the work can be done
again: a batch run interrupted by a restart answers `interrupted` (never 404, never
still `running`), and a killed import is marked as not finished, every other one done.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import partial

import httpx
from sqlalchemy import Engine, text

from bench.soak.client import items_of
from bench.soak.invariants import Broken, check_invariants, unfinished_imports
from bench.soak.mix import Extract
from bench.soak.server import Person, Server

Say = Callable[[str], None]
#: Statuses a batch run may show after a restart once runs are stored.
RUN_SETTLED: tuple[str, ...] = ("interrupted", "done", "failed")


@dataclass
class FaultResult:
    name: str
    seen: list[str] = field(default_factory=list)  # what happened, for the report
    failures: list[str] = field(default_factory=list)
    broken: list[Broken] = field(default_factory=list)
    restart_s: float = 0.0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.broken


def _client(server: Server, person: Person) -> httpx.Client:
    headers = {"Authorization": f"Bearer {person.token}"}
    return httpx.Client(base_url=server.url, headers=headers, timeout=120)


def _restart(server: Server, result: FaultResult, engine: Engine) -> None:
    server.kill()
    began = time.monotonic()
    server.start()
    result.restart_s = time.monotonic() - began
    result.broken += check_invariants(engine)


def live_proposals(server: Server, person: Person, wanted: int) -> list[int]:
    """Up to `wanted` live proposals, each for a referred child and the best of its
    ranked carers that still has an unheld place. All children are ranked first: each
    proposal changes the records, and a ranking after it would be worked out again."""
    made: list[int] = []
    with _client(server, person) as http:
        referred = [r["child_id"] for r in items_of(http.get("/referrals?limit=500"))]
        ranked = {}
        for child in referred[: 2 * wanted]:
            answer = http.get(f"/children/{child}/matches?top=5")
            if answer.status_code == 200:
                ranked[child] = [m["carer"] for m in answer.json()["matches"]]
        for child, carers in ranked.items():
            if len(made) >= wanted:
                break
            for carer in carers:
                answer = http.post("/proposals", json={"household_id": carer, "child_id": child})
                if answer.status_code == 201:
                    made.append(answer.json()["id"])
                    break
    return made


async def _confirm_and_kill(server: Server, person: Person, ids: list[int]) -> dict[int, int]:
    """Confirm every proposal at once; kill the server when a quarter have answered (or
    every call has ended). The statuses that arrived before the kill, by proposal."""
    answered: dict[int, int] = {}
    headers = {"Authorization": f"Bearer {person.token}"}
    limits = httpx.Limits(max_connections=len(ids))
    async with httpx.AsyncClient(
        base_url=server.url, headers=headers, timeout=60, limits=limits
    ) as http:

        async def confirm(pid: int) -> None:
            with suppress(httpx.HTTPError):  # cut off by the kill
                answered[pid] = (await http.post(f"/proposals/{pid}/confirm")).status_code

        calls = [asyncio.create_task(confirm(p)) for p in ids]
        while len(answered) < max(1, len(ids) // 4) and not all(c.done() for c in calls):
            await asyncio.sleep(0.005)
        server.kill()
        await asyncio.gather(*calls)
    return answered


def confirms(server: Server, person: Person, engine: Engine, say: Say, n: int = 60) -> FaultResult:
    """(a) kill -9 while many confirmations are in flight."""
    result = FaultResult("kill -9 during confirmations")
    ids = live_proposals(server, person, n)
    if not ids:
        result.failures.append("no proposal could be made to confirm (no free places?)")
        return result
    say(f"confirming {len(ids)} proposals at once, then kill -9")
    answered = asyncio.run(_confirm_and_kill(server, person, ids))
    taken = sorted(p for p, status in answered.items() if status == 200)
    result.seen.append(
        f"{len(ids)} confirmations sent; {len(answered)} answered before the kill "
        f"({len(taken)} × 200), {len(ids) - len(answered)} cut off"
    )
    _restart(server, result, engine)
    with _client(server, person) as http:
        for pid in taken:
            status = http.get(f"/proposals/{pid}").json().get("status")
            if status != "confirmed":
                result.failures.append(f"proposal {pid} answered 200 but is {status!r}")
        again = [http.post(f"/proposals/{p}/confirm").status_code for p in ids if p not in taken]
    kept = len(taken) - len(result.failures)
    result.seen.append(
        f"after restart: {kept} of the {len(taken)} answered 200 are confirmed; the other "
        f"{len(again)} confirmed again: {again.count(200)} × 200, {again.count(409)} × 409 "
        "(already confirmed or no place)"
    )
    bad = [s for s in again if s not in (200, 409)]
    if bad:
        result.failures.append(f"confirming again after restart answered {sorted(set(bad))}")
    result.broken += check_invariants(engine)
    return result


def _upload(server: Server, person: Person, extract: Extract) -> httpx.Response:
    la, files = extract
    parts = [("files", (name, text.encode(), "text/csv")) for name, text in files.items()]
    with _client(server, person) as http:
        return http.post("/imports/ssda903", files=parts, data={"la": la})


def _last_import(server: Server, person: Person) -> int:
    with _client(server, person) as http:
        items = items_of(http.get("/imports?limit=1"))
    return int(items[0]["id"]) if items else 0


def import_kill(
    server: Server,
    person: Person,
    engine: Engine,
    extracts: list[Extract],
    say: Say,
    *,
    at: Sequence[float] = (0.3, 0.6, 0.9),
) -> FaultResult:
    """(b) kill -9 during a 903 upload: at shares `at` of the time a whole upload takes
    and, on PostgreSQL, as soon as the import holds its LA's write lock."""
    result = FaultResult("kill -9 during a 903 import")
    began = time.monotonic()
    first = _upload(server, person, extracts[0])
    whole = time.monotonic() - began
    result.seen.append(f"a whole upload ({first.status_code}) takes {whole:.1f} s")
    points: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        (f"at {f:.0%} of an upload", partial(asyncio.sleep, f * whole)) for f in at
    ]
    if engine.dialect.name == "postgresql":

        async def when_writing() -> None:
            if not await asyncio.to_thread(_writing, engine, 2 * whole + 10):
                result.seen.append("(the import's write lock was not seen)")
            await asyncio.sleep(0.1)

        points.append(("0.1 s into writing (its LA's lock held)", when_writing))
    first_killed = _last_import(server, person)
    for k, (label, when) in enumerate(points):
        extract = extracts[(k + 1) % len(extracts)]
        before = _last_import(server, person)
        say(f"uploading a 903 extract, kill -9 {label}")
        _upload_and_kill(server, person, extract, when)
        _restart(server, result, engine)
        kept = "kept whole" if _last_import(server, person) > before else "not written"
        result.seen.append(f"killed {label}: the import was {kept}")
        _check_unfinished(engine, first_killed, k + 1, result)
        redo = _upload(server, person, extract)
        if redo.status_code != 201:
            result.failures.append(f"the same upload after restart answered {redo.status_code}")
    result.broken += check_invariants(engine)
    return result


def _upload_and_kill(
    server: Server, person: Person, extract: Extract, when: Callable[[], Awaitable[None]]
) -> None:
    """Upload, and kill the server as soon as `when` returns."""

    async def run() -> None:
        async def kill() -> None:
            await when()
            server.kill()

        la, files = extract
        parts = [("files", (n, t.encode(), "text/csv")) for n, t in files.items()]
        headers = {"Authorization": f"Bearer {person.token}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=120) as http:

            async def upload() -> None:
                with suppress(httpx.HTTPError):  # cut off by the kill
                    await http.post("/imports/ssda903", files=parts, data={"la": la})

            await asyncio.gather(kill(), upload())

    asyncio.run(run())


def _writing(engine: Engine, timeout_s: float) -> bool:
    """(PostgreSQL) Wait until an import holds its LA's advisory lock: it is writing."""
    deadline = time.monotonic() + timeout_s
    with engine.connect() as conn:
        while time.monotonic() < deadline:
            held = conn.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"))
            if held.scalar_one():
                return True
            conn.rollback()
            time.sleep(0.01)
    return False


def _check_unfinished(engine: Engine, first: int, kills: int, result: FaultResult) -> None:
    """Only killed imports may be unfinished (one per kill at most), and
    they are marked so; every import before the first kill is done."""
    unfinished = unfinished_imports(engine)
    earlier = [row for row in unfinished if int(str(row[0])) <= first]
    if earlier or len(unfinished) > kills:
        result.failures.append(f"imports left unfinished after {kills} kill(s): {unfinished}")


def batch_run(
    server: Server,
    person: Person,
    engine: Engine,
    say: Say,
) -> FaultResult:
    """(c) kill -9 while a batch run is solving."""
    result = FaultResult("kill -9 during a batch run")
    with _client(server, person) as http:
        started = http.post("/match-runs", json={"time_limit_s": 30})
    if started.status_code != 202:
        result.failures.append(f"starting a run answered {started.status_code}")
        return result
    run = started.json()["id"]
    time.sleep(2.0)  # solving by now (a 30 s limit)
    say("kill -9 during a batch run")
    _restart(server, result, engine)
    with _client(server, person) as http:
        after = http.get(f"/match-runs/{run}")
        status = after.json().get("status") if after.status_code == 200 else None
        result.seen.append(
            f"the run started before the kill answers {after.status_code}"
            + (f" ({status})" if status else " (forgotten)")
        )
        if status not in RUN_SETTLED:
            result.failures.append(f"run {run} answers {after.status_code} {status!r} on restart")
        again = http.post("/match-runs", json={"time_limit_s": 1})
    result.seen.append(f"a new run after restart answers {again.status_code}")
    if again.status_code != 202:
        result.failures.append(f"a new run after restart answered {again.status_code}")
    return result


def run_faults(
    server: Server,
    people: Mapping[str, Person],
    engine: Engine,
    extracts: list[Extract],
    say: Say,
    *,
    proposals: int = 60,
    import_kills: Sequence[float] = (0.3, 0.6, 0.9),
) -> list[FaultResult]:
    """The three scenarios in turn, on a running server (left running after)."""
    finder, leeds = people["family-finder"], people["officer-leeds"]
    scenarios: list[Callable[[], FaultResult]] = [
        lambda: confirms(server, finder, engine, say, proposals),
        lambda: import_kill(server, leeds, engine, extracts, say, at=import_kills),
        lambda: batch_run(server, finder, engine, say),
    ]
    results = []
    for scenario in scenarios:
        began = time.monotonic()
        results.append(scenario())
        results[-1].seconds = time.monotonic() - began
    return results
