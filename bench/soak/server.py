"""The service under test: a throwaway database with the demo region, users of several
LAs, and `uvicorn --workers N` in a process group of its own, so a fault can kill every
process of it at once (`kill -9`, as a crash or an OOM kill would) and start it again.

The driver talks to the server over HTTP only; the database URL is kept so the
invariants can be checked in it afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from api.load import wait_until_up
from bench.ports import free_port
from bench.postgres import Cluster, find_bin_dir
from synth import WEST_YORKSHIRE

BACKENDS: tuple[str, ...] = ("postgresql", "sqlite")
SOAK_DB = "placematch_soak"


class SoakError(RuntimeError):
    """The soak could not be set up (no PostgreSQL, a server that did not start)."""


@dataclass(frozen=True)
class Person:
    """One signed-in user of the soak: a name for the report, role, LAs and token."""

    name: str
    role: str
    las: tuple[str, ...]
    token: str


#: Who works during the soak: an officer per West Yorkshire LA, a regional family-finder,
#: a Leeds manager (admin) and a regional planner.
PEOPLE: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    *((f"officer-{la.lower()}", "placement_officer", (la,)) for la in WEST_YORKSHIRE),
    ("family-finder", "family_finder", WEST_YORKSHIRE),
    ("manager-leeds", "admin", ("Leeds",)),
    ("planner", "planner", WEST_YORKSHIRE),
)


@contextmanager
def throwaway_database(backend: str, workdir: Path) -> Iterator[str]:
    """The URL of an empty database that lives as long as the block: an SQLite file in
    `workdir`, or a database on a PostgreSQL cluster started (and removed) here."""
    if backend not in BACKENDS:
        raise SoakError(f"database {backend!r} is not one of {', '.join(BACKENDS)}")
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'soak.db'}"
        return
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise SoakError("PostgreSQL binaries (initdb, pg_ctl) not found on PATH or /usr/lib")
    cluster = Cluster.start(bin_dir)
    try:
        yield cluster.create_database(SOAK_DB)
    finally:
        cluster.stop()


def prepare(url: str) -> dict[str, Person]:
    """Migrate, load the demo region (as `placematch serve` would, into an empty
    database) and create the soak's own users, whose tokens the store gives once."""
    import store
    from api.demo import prepare_demo

    prepare_demo(url)  # the demo accounts it may make are not used
    engine = store.make_engine(url)
    people = {}
    try:
        with store.transaction(engine) as s:
            for name, role, las in PEOPLE:
                _, token = store.create_user(s, f"soak {name}", role, list(las))
                people[name] = Person(name, role, las, token)
    finally:
        engine.dispose()
    return people


class Server:
    """`uvicorn --workers N` over `url` on a loopback port, in its own process group."""

    def __init__(self, url: str, workers: int, log: Path) -> None:
        self.database_url, self.workers, self.log_path = url, workers, log
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self._log: IO[bytes] | None = None

    def start(self, timeout_s: float = 120.0) -> str:
        """Start (or start again) and wait for /health; returns the base URL."""
        port = free_port()
        command = [
            sys.executable, "-m", "uvicorn", "--factory", "api.app:app_from_env",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(self.workers),
            "--no-access-log", "--log-level", "warning",
        ]  # fmt: skip
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - open while the server runs
        env = dict(os.environ, DATABASE_URL=self.database_url)
        self.process = subprocess.Popen(
            command, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.url = f"http://127.0.0.1:{port}"
        try:
            wait_until_up(self.url, timeout_s)
        except TimeoutError as exc:
            self.kill()
            raise SoakError(f"the server did not start: see {self.log_path}") from exc
        return self.url

    def kill(self) -> None:
        """SIGKILL every process of the server at once: nothing runs a shutdown hook."""
        if self.process is None:
            return
        with suppress(ProcessLookupError):  # already gone
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self._close_log()

    def stop(self) -> None:
        """Stop cleanly (SIGTERM to the group), or kill after 30 s."""
        if self.process is None or self.process.poll() is not None:
            self._close_log()
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def tracebacks(self) -> int:
        """How many Python tracebacks the server logged (each 500 leaves one)."""
        if not self.log_path.exists():
            return 0
        return self.log_path.read_text("utf-8", "replace").count("Traceback (most recent")
