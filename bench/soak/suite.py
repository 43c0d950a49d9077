"""The whole soak in order: a throwaway database with the demo region, the server, the
mixed load, the invariants, the faults, a stateful schemathesis run over HTTP, the
invariants again. Everything it starts it stops, whatever happens."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import store
from bench.soak.faults import run_faults
from bench.soak.invariants import check_invariants
from bench.soak.mix import Extract, demo_extracts, drive_mix
from bench.soak.report import SoakRun, load_average
from bench.soak.server import Server, prepare, throwaway_database
from bench.soak.stateful import SIMULATIONS, from_url, run_stateful
from synth import WEST_YORKSHIRE

Say = Callable[[str], None]


@dataclass(frozen=True)
class SoakOptions:
    minutes: float = 5.0
    workers: int = 2
    clients: int = 12
    database: str = "postgresql"
    think_s: float = 0.1
    import_every_s: float = 60.0
    faults: bool = True
    fault_proposals: int = 60
    import_kills: tuple[float, ...] = (0.3, 0.6, 0.9)  # shares of a whole upload's time
    stateful_minutes: float = 1.0
    #: Scenarios in each stateful run (a run in progress finishes past the minutes).
    stateful_scenarios: int = 25
    seed: int = 0


def fault_extracts(seeds: Sequence[int] = (1, 2, 3, 4)) -> list[Extract]:
    """Leeds's 903 extract as other days would give it (other seeds: other children)."""
    return [e for seed in seeds for e in demo_extracts(("Leeds",), seed=seed)]


def run_soak(options: SoakOptions, command: str, machine: str, say: Say) -> SoakRun:
    """Run every part the options ask for; the figures and findings."""
    with (
        tempfile.TemporaryDirectory(prefix="placematch-soak-") as tmp,
        throwaway_database(options.database, Path(tmp)) as url,
    ):
        say(f"loading the demo region into {options.database} and creating users")
        people = prepare(url)
        uploads = int(options.minutes * 60 // options.import_every_s)
        extracts = demo_extracts(WEST_YORKSHIRE[: min(uploads, len(WEST_YORKSHIRE))])
        server = Server(url, options.workers, Path(tmp) / "server.log")
        engine = store.make_engine(url)
        try:
            server.start()
            before = load_average()
            say(f"mixed load: {options.clients} users for {options.minutes:g} min")
            recorder = drive_mix(
                server.url,
                people,
                seconds=options.minutes * 60,
                clients=options.clients,
                think_s=options.think_s,
                extracts=extracts,
                import_every_s=options.import_every_s,
                seed=options.seed,
            )
            run = SoakRun(
                command=command,
                machine=machine,
                database=options.database,
                workers=options.workers,
                clients=options.clients,
                seconds=options.minutes * 60,
                recorder=recorder,
                broken_after_load=check_invariants(engine),
                tracebacks=0,
                load_average=(before, load_average()),
            )
            if options.faults:
                run.faults = run_faults(
                    server,
                    people,
                    engine,
                    fault_extracts(range(1, len(options.import_kills) + 3)),
                    say,
                    proposals=options.fault_proposals,
                    import_kills=options.import_kills,
                )
            if options.stateful_minutes > 0:
                say(f"schemathesis, stateful, for {options.stateful_minutes:g} min")
                run.stateful = run_stateful(
                    from_url(server.url),
                    people["manager-leeds"].token,
                    seconds=options.stateful_minutes * 60,
                    scenarios_per_run=options.stateful_scenarios,
                    seed=options.seed,
                    exclude=[SIMULATIONS],
                )
            run.broken_at_end = check_invariants(engine)
        finally:
            server.stop()
            engine.dispose()
        run.tracebacks = server.tracebacks()
        if run.tracebacks:
            say(server.log_path.read_text("utf-8", "replace")[-4000:])
        return run
