"""Schemathesis with stateful links: sequences of calls where each step feeds an id an
earlier answer gave (a child created, then read, referred, proposed for...).

The links are schemathesis 4's own inference from the OpenAPI document (its
dependency analysis: a response field `id` of a schema named Child feeds a path
parameter `child_id`, ...): the service declares no OpenAPI links of its own. Every
answer is checked as the stateless run checks it (tests/api/test_schemathesis.py),
plus the two stateful checks: a resource created is available at once, and one deleted
stays gone. Failures are collected, not raised, so Hypothesis never replays a scenario
against a database that has moved on (which it reports as flaky data generation);
a run that still meets that is started again with the next seed, as schemathesis' own
runner does.

`POST /users/{id}/revoke` (and reactivate) are left out: the run signs in as an admin,
and a link from `GET /me` would revoke the run's own token halfway.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import schemathesis
import schemathesis.checks as sc
from hypothesis.errors import Flaky
from schemathesis.specs.openapi.stateful import collect_transitions

#: Stateless conformance (as tests/api/test_schemathesis.py) plus the stateful checks.
CHECKS = [
    sc.not_a_server_error,
    sc.status_code_conformance,
    sc.content_type_conformance,
    sc.response_schema_conformance,
    sc.response_headers_conformance,
    sc.use_after_free,
    sc.ensure_resource_availability,
]
#: Reads of a record that a created child does not have until a 903 import gives it one:
#: schemathesis links them to `POST /children` and would call their 404 ("no care record")
#: a created resource gone missing. Every other check still applies to them.
NOT_MADE_WITH_THE_CHILD = frozenset({"GET /children/{child_id}/care-record"})
#: Operations that would end the run's own session.
EXCLUDED_PATHS = r"^/users/[^/]+/(revoke|reactivate)$"
#: Over HTTP against a served API: starting a scenario comparison simulates for minutes
#: in a child process (in process, tests give the app no simulation slot instead).
SIMULATIONS = "POST /scenarios/comparisons"


@dataclass
class StatefulReport:
    links: int = 0
    scenarios: int = 0
    steps: int = 0
    linked_steps: int = 0  # steps whose parameters came from an earlier answer
    restarts: int = 0  # runs restarted after Hypothesis saw the database move on
    seconds: float = 0.0
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)  # first of each kind

    def fail(self, label: str, exc: BaseException) -> None:
        lines = [line for line in str(exc).splitlines() if line.strip()]
        kind = f"{label}: {lines[0] if lines else type(exc).__name__}"
        self.failures.setdefault(kind, "\n".join(lines[:12]))

    @property
    def operations_reached(self) -> int:
        return len({label for label, status in self.statuses if status < 400})


def _machine(schema: Any, report: StatefulReport) -> Any:
    base = schema.as_state_machine()

    # schemathesis builds the base class at run time, so mypy cannot see it as a type.
    class Machine(base):  # type: ignore[misc, valid-type]
        def step(self, input: Any) -> Any:
            report.steps += 1
            report.linked_steps += input.transition is not None and input.is_applied
            try:
                return super().step(input)
            except Exception as exc:  # no answer at all: kept before Hypothesis replays
                report.fail(input.case.operation.label, exc)
                raise

        def after_call(self, response: Any, case: Any) -> None:
            super().after_call(response, case)
            report.statuses[(case.operation.label, response.status_code)] += 1

        def validate_response(self, response: Any, case: Any, *_a: Any, **kwargs: Any) -> None:
            checks = CHECKS
            if case.operation.label in NOT_MADE_WITH_THE_CHILD:
                checks = [c for c in CHECKS if c is not sc.ensure_resource_availability]
            try:
                case.validate_response(
                    response,
                    checks=checks,
                    transport_kwargs=kwargs or None,
                    recorder=getattr(self, "recorder", None),
                )
            except (Exception, BaseExceptionGroup) as exc:  # every failure, kept
                report.fail(case.operation.label, exc)

        def teardown(self) -> None:
            report.scenarios += 1
            super().teardown()

    return Machine


def as_served(app: Any) -> Any:
    """The ASGI app as a server runs it: an unhandled error is the 500 that Starlette has
    already sent, not an exception raised into the caller (in process, schemathesis
    would otherwise meet the app's exception, and Hypothesis would replay it)."""

    async def served(scope: Any, receive: Any, send: Any) -> None:
        try:
            await app(scope, receive, send)
        except Exception:
            if scope["type"] != "http":
                raise

    return served


def run_stateful(
    schema: Any,
    token: str,
    *,
    seconds: float | None = None,
    runs: int | None = None,
    scenarios_per_run: int = 25,
    max_steps: int = 10,
    seed: int = 0,
    exclude: Sequence[str] = (),
) -> StatefulReport:
    """Stateful scenarios against `schema` (from_asgi or from_url), signed in with
    `token`, for about `seconds` (a run in progress finishes first) or for `runs` runs of
    `scenarios_per_run` scenarios, whichever ends first: a soak is bounded by time, a
    test by the work done, so that a busy machine checks the same sequences (each run's
    seed is fixed), only more slowly. `exclude` names operations to leave out
    (`POST /scenarios/comparisons`)."""
    if seconds is None and runs is None:
        raise ValueError("bound the run by seconds, runs or both")
    schema = schema.exclude(path_regex=EXCLUDED_PATHS)
    if exclude:
        schema = schema.exclude(name=list(exclude))
    schema.config.update(headers={"Authorization": f"Bearer {token}"})
    report = StatefulReport()
    machine = _machine(schema, report)
    operations = [r.ok() for r in schema.get_all_operations()]
    transitions = collect_transitions(operations).operations.values()
    report.links = sum(len(t.outgoing) for t in transitions)
    settings = hypothesis.settings(
        max_examples=scenarios_per_run,
        stateful_step_count=max_steps,
        deadline=None,
        database=None,
        phases=[hypothesis.Phase.generate],
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    began = time.monotonic()
    k = 0
    while (runs is None or k < runs) and (seconds is None or time.monotonic() - began < seconds):
        k += 1
        try:
            hypothesis.seed(seed + k)(machine).run(settings=settings)
        except Flaky:
            report.restarts += 1
        except (Exception, BaseExceptionGroup) as exc:  # in process, the app's own error
            report.fail("state machine", exc)
    report.seconds = time.monotonic() - began
    return report


def from_url(url: str) -> Any:
    """The OpenAPI document of a running server, for a stateful run over HTTP."""
    return schemathesis.openapi.from_url(f"{url}/openapi.json")
