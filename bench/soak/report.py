"""The soak's figures as markdown: the load by route, what the mix did, the invariants,
the fault scenarios and the stateful schemathesis run."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bench.soak.client import Recorder
from bench.soak.faults import FaultResult
from bench.soak.invariants import INVARIANTS, Broken
from bench.soak.stateful import StatefulReport

#: Outcomes of the mix worth counting: (label, route, status).
OUTCOMES: tuple[tuple[str, str, int], ...] = (
    ("proposals made (places held)", "POST /proposals", 201),
    ("proposals refused: place held or taken (409)", "POST /proposals", 409),
    ("proposals refused: a hard rule broken (422)", "POST /proposals", 422),
    ("placements confirmed", "POST /proposals/{id}/confirm", 200),
    ("confirmations refused: lapsed or taken (409)", "POST /proposals/{id}/confirm", 409),
    ("proposals declined", "POST /proposals/{id}/decline", 200),
    ("placements ended", "POST /placements/{id}/end", 200),
    ("referrals opened again", "POST /children/{id}/referrals", 201),
    ("batch runs started", "POST /match-runs", 202),
    ("batch runs refused: one already running (409)", "POST /match-runs", 409),
    ("903 extracts imported", "POST /imports/ssda903", 201),
    ("other LAs' children probed (404, as unknown)", "GET /children/{id} (other LA)", 404),
)


@dataclass
class SoakRun:
    command: str
    machine: str
    database: str
    workers: int
    clients: int
    seconds: float
    recorder: Recorder
    broken_after_load: list[Broken]
    tracebacks: int
    load_average: tuple[float, float] = (0.0, 0.0)  # 1-minute, before and after
    faults: list[FaultResult] = field(default_factory=list)
    stateful: StatefulReport | None = None
    broken_at_end: list[Broken] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.recorder.error_count == 0
            and not self.broken_after_load
            and not self.broken_at_end
            and self.tracebacks == 0
            and all(f.ok for f in self.faults)
            and (self.stateful is None or not self.stateful.failures)
        )


def load_average() -> float:
    return os.getloadavg()[0]


def _load_table(run: SoakRun) -> list[str]:
    lines = [
        "| route | requests | errors | p50 ms | p95 ms | p99 ms | max ms | answers |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    reports = run.recorder.reports(run.seconds, run.clients)
    reports["**all**"] = run.recorder.overall(run.seconds, run.clients)
    for route, rep in reports.items():
        row = rep.row()
        statuses = run.recorder.statuses.get(route, Counter())
        answers = ", ".join(f"{n}×{s}" for s, n in sorted(statuses.items()))
        lines.append(
            f"| {route} | {row['requests']} | {row['errors']} | {row['p50_ms']} | "
            f"{row['p95_ms']} | {row['p99_ms']} | {row['max_ms']} | {answers} |"
        )
    return lines


def _broken(broken: Sequence[Broken]) -> list[str]:
    if not broken:
        return [f"All {len(INVARIANTS)} invariants hold (bench/soak/invariants.py)."]
    seen = {b.invariant.name: b for b in broken}
    return [f"- **broken** {b}" for b in seen.values()]


def _faults(faults: Sequence[FaultResult]) -> list[str]:
    lines = []
    for f in faults:
        verdict = "holds" if f.ok else "**FAILS**"
        lines.append(
            f"- **{f.name}**: {verdict} (restart to /health {f.restart_s:.1f} s; "
            f"scenario {f.seconds:.0f} s)"
        )
        lines += [f"  - {s}" for s in f.seen]
        lines += [f"  - **failure**: {s}" for s in f.failures]
        lines += [f"  - {line}" for line in _broken(f.broken) if f.broken]
    return lines


def _stateful(st: StatefulReport) -> list[str]:
    lines = [
        f"{st.links} links inferred; {st.scenarios} scenarios, {st.steps} calls, "
        f"{st.linked_steps} of them fed by an earlier answer; {st.operations_reached} "
        f"operations answered 2xx; {st.restarts} restart(s) after Hypothesis saw the "
        f"database move on; {st.seconds:.0f} s.",
    ]
    if not st.failures:
        return [*lines, "", "No failures."]
    for kind, text in st.failures.items():
        block = "\n".join(f"    {line}" for line in text.splitlines())
        lines += ["", f"- **{kind}**", "", block]
    return lines


def markdown(run: SoakRun) -> str:
    rec = run.recorder
    overall = rec.overall(run.seconds, run.clients).row()
    lines = [
        f"### Soak: {datetime.now().astimezone():%Y-%m-%d %H:%M %Z}",
        "",
        f"`{run.command}`: {run.database}, {run.workers} uvicorn worker(s), {run.clients} "
        f"concurrent users for {run.seconds / 60:.1f} min.",
        "",
        f"Machine: {run.machine}; load average {run.load_average[0]:.1f} before, "
        f"{run.load_average[1]:.1f} after (the machine is shared).",
        "",
        f"{overall['requests']} requests, {overall['errors']} errors "
        f"({run.tracebacks} tracebacks in the server log), {overall['throughput']} req/s; "
        f"p50 {overall['p50_ms']} ms, p95 {overall['p95_ms']} ms, p99 {overall['p99_ms']} ms.",
        "",
        *_load_table(run),
        "",
        "What the mix did: "
        + "; ".join(
            f"{label} {rec.statuses.get(route, Counter()).get(status, 0)}"
            for label, route, status in OUTCOMES
        )
        + ".",
        "",
    ]
    if rec.examples:
        lines += ["Errors (the first answer of each kind):", ""]
        lines += [f"- {k}: `{v}`" for k, v in rec.examples.items()] + [""]
    lines += ["Invariants after the load: " + " ".join(_broken(run.broken_after_load)), ""]
    if run.faults:
        lines += ["#### Faults (kill -9 of every server process)", "", *_faults(run.faults), ""]
    if run.stateful is not None:
        lines += ["#### Schemathesis, stateful links", "", *_stateful(run.stateful), ""]
    lines += ["Invariants at the end: " + " ".join(_broken(run.broken_at_end)), ""]
    return "\n".join(lines)
