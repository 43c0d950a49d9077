"""Schemathesis against the app's own OpenAPI document, in process: generated requests,
valid and invalid, to every operation, signed in as an admin, must never get a 5xx, and
every answer must match the documented status codes, headers and schemas."""

from __future__ import annotations

import pytest
import schemathesis
import schemathesis.checks as st
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode
from sqlalchemy import Engine

from api import create_app
from tests.api.conftest import fill, sign_in
from tests.store.helpers import add_child, add_household

#: Examples per operation and mode: bounded, so the whole run stays well under a minute.
EXAMPLES = 15
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
