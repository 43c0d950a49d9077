"""Scenario comparisons for planners: checking an upload, and simulating it in a child
process.

A comparison is uploaded as YAML texts (`scenarios.spec.load_scenario_text`, `base:`
naming a shipped example). `parse` checks each one and names every fault as the client
sent it (`body.scenarios[1].demand.age_multiplier.2-3`), and refuses work one request
should not ask of a shared server (`work`, the limits below): a planner who needs more
runs `placematch scenario compare` on their own machine or a Ray cluster.

The simulation runs in a child process (`compare`, `python -m api.comparison_child FOLDER`,
api/comparison_child.py):
`scenarios.runner.run_scenarios` with the serial backend (the service does not start
Ray), then the report (`reports.scenarios.write_report`) and the summary and
differences, all made there. So the simulation's Python holds no lock the service needs
(the GIL), a crash or a runaway stays in the child, and it can be stopped (the time
limit, the service stopping). A new interpreter, not a fork or multiprocessing's spawn:
nothing of the service's threads or locks is copied, and whatever program started the
service is not imported again. The child says its progress (replications done) on its
standard output, one JSON line at a time.

The child never outlives the service: its standard input is a pipe from the service,
never written to, and a thread of the child waits for its end. The end comes when the
service closes it or dies (even by `kill -9`, when the kernel closes its files), and
the child then exits at once, so no simulation is left running for nobody.
"""

from __future__ import annotations

import json
import pickle
import queue as queues
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO, cast

import yaml

import store
from api.comparison_child import PREFIX, REQUEST
from api.errors import FieldInvalid
from scenarios.spec import EXAMPLES, Scenario, ScenarioInvalid, load_scenario, load_scenario_text

#: One scenario's size: households at the start plus those it recruits, and referrals a
#: year at most (after its demand multipliers): five times the five-LA region's.
MAX_HOUSEHOLDS = 10_000
MAX_REFERRALS_A_YEAR = 10_000
#: The five-LA region a year: ~5,000 children looked after (1,973 referrals a year) and
#: 2,450 households (the calibrated baseline, with its warm-up), about 20-30 s a
#: replication on one core of a 2-core machine.
REGION_REFERRALS, REGION_HOUSEHOLDS = 1_973.0, 2_450.0
#: A comparison's work, in years of that region summed over replications and scenarios
#: (about 15 minutes of one core), and the solver's time limits summed over the weeks
#: simulated (the most the solver could take).
MAX_REGION_YEARS = 40.0
MAX_SOLVER_SECONDS = 7_200.0
#: A comparison still running after this long is stopped (failed).
TIMEOUT_S = 3_600.0
#: Comparisons queued or running in the service at once; more are refused (409).
MAX_ACTIVE = 10
#: An issue's message is cut to this length (a message may quote the value).
MESSAGE_CHARS = 300

Tick = Callable[[int, int, str], None]


@lru_cache(maxsize=1)
def examples() -> tuple[dict[str, str], ...]:
    """The shipped example scenarios: file, name, description and YAML text."""
    out = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        scenario = load_scenario(path)
        out.append(
            {
                "file": path.name,
                "name": scenario.name,
                "description": scenario.description,
                "yaml": path.read_text("utf-8"),
            }
        )
    return tuple(out)


#: How deep a scenario's YAML may nest (a scenario needs 4: supply.recruit[0].skills).
MAX_DEPTH = 16
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _shape(text: str) -> str | None:
    """Why YAML text is refused before it is loaded, if it is: an alias (`*name`, with
    which a few lines stand for an enormous document) or deep nesting (the loader
    recurses). Reads the text's events and stops at the first fault."""
    depth = 0
    try:
        for event in yaml.parse(text, _Loader):
            if isinstance(event, yaml.AliasEvent):
                return "YAML aliases (*name) are not accepted; write the values out"
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return f"nested more than {MAX_DEPTH} deep"
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None  # load_scenario_text says where
    return None


def _issue(field: str, message: str) -> store.FieldIssue:
    if len(message) > MESSAGE_CHARS:
        message = message[: MESSAGE_CHARS - 1] + "…"
    return store.FieldIssue(field, message)


def _checked(text: str, where: str) -> tuple[Scenario | None, list[store.FieldIssue]]:
    """One uploaded scenario, or its faults named under `where`."""
    fault = _shape(text)
    if fault is not None:
        return None, [_issue(where, fault)]
    try:
        doc = yaml.load(text, _Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        doc = None  # load_scenario_text says where
    files = [e["file"] for e in examples()]
    if isinstance(doc, dict) and "base" in doc and doc["base"] not in files:
        message = f"{doc['base']!r} is not an example (one of: {', '.join(files)})"
        return None, [_issue(f"{where}.base", message)]
    try:
        scenario = load_scenario_text(text, source=where)
    except ScenarioInvalid as exc:
        return None, [
            _issue(where if path == "$" else f"{where}.{path}", message)
            for path, message in exc.issues
        ]
    except ValueError as exc:  # anything else the loader refuses
        return None, [_issue(where, str(exc))]
    issues = []
    known = store.known_las()
    for k, la in enumerate(scenario.las):
        if la not in known:
            issues.append(_issue(f"{where}.population.las[{k}]", f"{la!r} is not a known LA"))
    for k, close in enumerate(scenario.close):  # (the spec checks a recruit's LA)
        if close.la is not None and close.la not in known:
            issues.append(
                _issue(f"{where}.supply.close[{k}].la", f"{close.la!r} is not a known LA")
            )
    households = scenario.households + sum(r.count for r in scenario.recruit)
    if households > MAX_HOUSEHOLDS:
        issues.append(
            _issue(
                f"{where}.population.households",
                f"{households:,} households with those recruited; at most {MAX_HOUSEHOLDS:,} "
                "over the API (run larger scenarios with placematch scenario compare)",
            )
        )
    if referrals_a_year(scenario) > MAX_REFERRALS_A_YEAR:
        issues.append(
            _issue(
                f"{where}.demand",
                f"up to {referrals_a_year(scenario):,.0f} referrals a year; at most "
                f"{MAX_REFERRALS_A_YEAR:,} over the API",
            )
        )
    return (None if issues else scenario), issues


def referrals_a_year(s: Scenario) -> float:
    """The most referrals a year the scenario's demand can make (its multipliers at
    their highest)."""
    most = max([1.0, *s.age_multiplier.values()]) * max([1.0, *s.need_multiplier.values()])
    return s.yearly_referrals * most * max(1.0, s.sibling_multiplier)


def work(scenarios: Sequence[Scenario], replications: int) -> dict[str, float]:
    """What a comparison asks: years of the five-LA region simulated (each scenario's
    weeks as a share of a year, times its size against that region's, times the
    replications) and the solver's time limits over every week simulated."""
    years = sum(
        replications
        * s.horizon_weeks
        / 52
        * max(referrals_a_year(s) / REGION_REFERRALS, s.households / REGION_HOUSEHOLDS)
        for s in scenarios
    )
    solver = sum(replications * s.horizon_weeks * s.solver_seconds for s in scenarios)
    return {"region_years": round(years, 2), "solver_seconds": round(solver, 1)}


@dataclass(frozen=True)
class Upload:
    """A comparison as uploaded and checked."""

    scenarios: list[Scenario]
    bases: list[str | None]  # the example each changes
    work: dict[str, float]


def _base(text: str) -> str | None:
    doc = yaml.load(text, _Loader)  # noqa: S506 - a safe loader
    return doc.get("base") if isinstance(doc, dict) else None


def parse(texts: Sequence[str], replications: int) -> Upload:
    """The uploaded scenarios, checked; FieldInvalid names every fault."""
    scenarios: list[Scenario] = []
    issues: list[store.FieldIssue] = []
    names: dict[str, int] = {}
    for i, text in enumerate(texts):
        where = f"body.scenarios[{i}]"
        scenario, faults = _checked(text, where)
        issues += faults
        if scenario is None:
            continue
        if scenario.name in names:
            issues.append(
                _issue(
                    f"{where}.name",
                    f"{scenario.name!r} is also the name of scenarios[{names[scenario.name]}]; "
                    "names label the results",
                )
            )
        names.setdefault(scenario.name, i)
        scenarios.append(scenario)
    if issues:
        raise FieldInvalid(issues)
    asked = work(scenarios, replications)
    if asked["region_years"] > MAX_REGION_YEARS:
        issues.append(
            _issue(
                "body",
                f"this comparison is {asked['region_years']:g} years of the five-LA region "
                f"(replications × weeks × size); at most {MAX_REGION_YEARS:g} over the API: "
                "fewer replications or scenarios, fewer weeks or a smaller population",
            )
        )
    if asked["solver_seconds"] > MAX_SOLVER_SECONDS:
        issues.append(
            _issue(
                "body",
                f"the solver's time limits over every week simulated add up to "
                f"{asked['solver_seconds']:,.0f} s; at most {MAX_SOLVER_SECONDS:,.0f} s over "
                "the API: a lower policy.solver_seconds, fewer replications or weeks",
            )
        )
    if issues:
        raise FieldInvalid(issues)
    return Upload(scenarios, [_base(t) for t in texts], asked)


# -- in the child process ---------------------------------------------------------------


# -- in the service ---------------------------------------------------------------------


class Stopped(RuntimeError):
    """The service is stopping: the comparison was cut short."""


def _lines(stream: Any, into: queues.Queue[Any]) -> None:
    for line in stream:
        if line.startswith(PREFIX):
            into.put(json.loads(line[len(PREFIX) :]))
    into.put(None)  # the end


def compare(
    scenarios: Sequence[Scenario],
    replications: int,
    folder: Path,
    *,
    tick: Tick,
    drawing: Callable[[], None],
    stop: threading.Event,
    started: Callable[[subprocess.Popen[str]], None] = lambda _p: None,
    timeout_s: float = TIMEOUT_S,
) -> dict[str, Any]:
    """Run a comparison in a child process (a new interpreter, whatever started the
    service); its summary and differences. The results (Parquet) go to
    `folder`/results and the report to `folder`/report. Raises with the child's error,
    or if it dies, runs past `timeout_s` or `stop` is set."""
    with (folder / REQUEST).open("wb") as f:
        pickle.dump((list(scenarios), replications), f)
    log = (folder / "child.log").open("w", encoding="utf-8")
    proc = _start_child(folder, log)
    started(proc)
    messages: queues.Queue[Any] = queues.Queue()
    reader = threading.Thread(target=_lines, args=(proc.stdout, messages), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout_s
    try:
        while True:
            try:
                message = messages.get(timeout=0.2)
            except queues.Empty:
                if stop.is_set():
                    raise Stopped("the service stopped before the comparison finished") from None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"stopped after {timeout_s:.0f} s") from None
                continue
            if message is None:  # its output ended without a result
                code = proc.wait(timeout=10)
                raise RuntimeError(f"the simulation stopped (exit code {code}){_last(folder)}")
            kind, value = message
            if kind == "tick":
                tick(*value)
            elif kind == "drawing":
                drawing()
            elif kind == "failed":
                raise RuntimeError(value)
            elif kind == "done":
                proc.wait(timeout=10)
                # The child's last line (JSON, api.comparisons.main): its outcomes by name.
                return cast(dict[str, Any], value)
    finally:
        _end_child(proc)
        log.close()
        if proc.stdin is not None:
            proc.stdin.close()
        reader.join(timeout=1)
        if proc.stdout is not None:
            proc.stdout.close()


def _start_child(folder: Path, log: TextIO) -> subprocess.Popen[str]:
    """A new interpreter simulating the request in `folder`, its errors to `log`."""
    return subprocess.Popen(
        [sys.executable, "-m", "api.comparison_child", str(folder)],
        stdin=subprocess.PIPE,  # never written: its end tells the child to stop
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        encoding="utf-8",
    )


def _end_child(proc: subprocess.Popen[str]) -> None:
    """Stop the child if it still runs: politely, then by force after 5 s."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _last(folder: Path) -> str:
    """The last line the child wrote to its standard error, if any."""
    try:
        lines = (folder / "child.log").read_text("utf-8", errors="replace").strip().splitlines()
    except OSError:
        return ""
    return f": {lines[-1][:300]}" if lines else ""
