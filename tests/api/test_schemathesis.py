"""Schemathesis against the app's own OpenAPI document, in process: generated requests,
valid and invalid, to every operation, signed in as an admin, must never get a 5xx, and
every answer must match the documented status codes, headers and schemas. Then the same
with stateful links: sequences where one answer's ids feed the next call
(bench/soak/stateful.py, which `placematch soak` runs longer over HTTP)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
import schemathesis.checks as st
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode
from sqlalchemy import Engine

import store
from api import create_app
from bench.soak.stateful import as_served, run_stateful
from tests.api.conftest import fill, sign_in
from tests.store.helpers import add_child, add_household

#: Generated examples per operation and mode (after each operation's explicit OpenAPI
#: examples): enough that every operation meets valid and invalid requests of each kind of
#: parameter, few enough that the 35-odd operations take under half a minute.
EXAMPLES = 10
#: No 5xx; status codes, content types, bodies and headers as documented; and an
#: endpoint that needs a token refuses a request without one.
CHECKS = [
    st.not_a_server_error,
    st.status_code_conformance,
    st.content_type_conformance,
    st.response_schema_conformance,
    st.response_headers_conformance,
    st.ignored_auth,
]


def test_no_server_errors_and_answers_as_documented(sqlite_engine: Engine) -> None:
    fill(sqlite_engine)
    # The records the OpenAPI examples name, so the explicit examples reach real ones.
    add_child(sqlite_engine, "C-0015")
    add_household(sqlite_engine, "H-0306")
    tokens, _ = sign_in(sqlite_engine)
    # Scenario comparisons are accepted but never simulated here (no slot): the OpenAPI
    # example asks for minutes of simulation; tests/api/test_scenarios.py runs them.
    # Every operation is also called with a bad token (ignored_auth): far more failed
    # sign-ins than the per-address limit, which tests/api/test_auth.py checks itself.
    app = create_app(
        sqlite_engine, migrate=False, solver_workers=1, scenario_slots=0, sign_in_failures=10**6
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {tokens['manager']}"}
    failures = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                derandomize=True,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers, checks=CHECKS)

            try:
                check()
            except Unsatisfiable:
                pass  # nothing to generate (no invalid request to /health exists)
            except (Exception, BaseExceptionGroup) as exc:  # every operation's failures
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    app.state.services.runs.close()
    app.state.services.audit.close()
    assert operations >= 30
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)


#: The stateful run's budget in the suite, in runs of 25 scenarios with fixed seeds, not
#: in seconds: the same sequences however busy the machine (about 5 s a run on two busy
#: cores; the soak command runs it for minutes over HTTP).
STATEFUL_RUNS = 3


def _stateful_app(engine: Engine) -> tuple[Any, str]:
    fill(engine)
    add_child(engine, "C-0015")
    add_household(engine, "H-0306")
    tokens, _ = sign_in(engine)
    app = create_app(engine, migrate=False, solver_workers=1, scenario_slots=0)
    return app, tokens["manager"]


def test_stateful_links_no_failures(sqlite_engine: Engine) -> None:
    """Tests sequences of calls chained by the links schemathesis infers (an id one answer
    gives feeds the next call's path or body): every answer as documented, no 5xx, a
    resource created is there at once. Bounded in runs, not in time."""
    app, token = _stateful_app(sqlite_engine)
    schema = schemathesis.openapi.from_asgi("/openapi.json", as_served(app))
    try:
        report = run_stateful(schema, token, runs=STATEFUL_RUNS)
    finally:
        app.state.services.runs.close()
        app.state.services.audit.close()
    assert report.links >= 100, report.links
    assert report.linked_steps > 0 and report.operations_reached >= 15, report
    if report.failures:
        pytest.fail("\n\n".join(f"{k}\n{v}" for k, v in report.failures.items()), pytrace=False)


def test_stateful_run_reports_a_server_error(
    sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests that the stateful harness reports what it finds: with reading a child
    broken, the 500s are failures that not_a_server_error names, never swallowed."""
    app, token = _stateful_app(sqlite_engine)

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("sabotaged")

    monkeypatch.setattr(store, "get_child", broken)
    schema = schemathesis.openapi.from_asgi("/openapi.json", as_served(app))
    try:
        report = run_stateful(schema, token, runs=1, scenarios_per_run=10)
    finally:
        app.state.services.runs.close()
        app.state.services.audit.close()
    assert any("Server error" in text for text in report.failures.values()), report
