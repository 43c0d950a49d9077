"""The FastAPI application: thin routers over the service layer (api/services/).

`create_app(engine=None)` builds the app over an engine (DATABASE_URL, else
./placematch.db, migrated on start). OpenAPI at /openapi.json, documented at /docs.
See docs/api.md for the endpoints, who may call which, and the errors.
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

import matching
import store
from api import errors
from api.auditlog import AuditWriter, WriteLock
from api.cache import ProblemCache
from api.deps import Services, TokenCache, WebSessions
from api.docs_page import render as render_docs
from api.headers import SecurityHeaders
from api.limits import BodyLimit
from api.pages.common import STATIC
from api.pages.errors import too_large_page
from api.pages.routers import ROUTERS as PAGE_ROUTERS
from api.routes import (
    admin,
    carers,
    children,
    exceptions,
    family_finding,
    health,
    imports,
    matches,
    placements,
    proposals,
    referrals,
    runs,
    scenarios,
    siblings,
    stats,
)
from api.runs import BEAT_S, STALE_S, RunManager
from api.signin import FAILURES_ALLOWED, FailedSignIns

DESCRIPTION = """
Placement matching for looked-after children: children's records and referrals, carer
households, ranked matches with reasons and near misses, batch match runs, and the
placement workflow (propose and hold a vacancy, confirm or decline, end a placement),
with exceptions to hard rules authorised by a manager; family-finding for adoption
(search both ways, rounds of links across an agency's LAs, the region report); and
sufficiency what-ifs for planners (scenario comparisons: simulated years compared, with a
report).

**Sign in**: every endpoint except `/health` and this documentation needs
`Authorization: Bearer <token>` (tokens from `placematch users create`). You see and
change only your LAs' children: another LA's child is a 404. Planners see counts only
(`/stats`) and compare scenarios (simulated, aggregates only). Every read of a child's
record, every ranked-match request and every decision is in the audit log (`/audit`,
admin), with ids only.

**Errors** are JSON: `{"detail": ...}`; a 422 also lists `errors`, each naming its
field as sent (`body.needs[0]`, `query.limit`), and a refused proposal lists the hard
`rules` the match breaks.
"""

TAGS = [
    {"name": "children", "description": "Children's records (your LAs only; reads audited)."},
    {"name": "referrals", "description": "Needs for a placement and the child's views."},
    {"name": "sibling groups", "description": "Brothers and sisters and their policy."},
    {"name": "carers", "description": "Carer households and homes, with their vacancies."},
    {"name": "matches", "description": "Ranked matches with reasons; the hard rules."},
    {"name": "batch runs", "description": "Every open referral at once, in the background."},
    {
        "name": "family-finding",
        "description": "Adoption: adopters for a child, children for an adopter, and rounds "
        "of links for a whole agency with its region report (family-finders and admins).",
    },
    {
        "name": "scenarios",
        "description": "Sufficiency what-ifs: simulate and compare scenarios in the background, "
        "with a report (planners and admins).",
    },
    {"name": "proposals", "description": "Propose and hold, confirm, decline; exceptions."},
    {
        "name": "exception requests",
        "description": "An officer asks for one hard rule to be set aside for one match; "
        "an admin authorises (the proposal is made) or refuses it.",
    },
    {"name": "placements", "description": "Current and past placements; ending one."},
    {"name": "stats", "description": "Counts only (what planners see)."},
    {"name": "admin", "description": "The audit log."},
    {"name": "users", "description": "Who is signed in; users and tokens (admin)."},
    {"name": "health", "description": "No sign-in."},
]


#: The routers, in the order their routes are matched.
ROUTERS: tuple[ModuleType, ...] = (
    matches,  # first: the busiest routes are matched soonest
    health,
    children,
    referrals,
    siblings,
    carers,
    runs,
    family_finding,
    scenarios,
    proposals,
    exceptions,
    placements,
    stats,
    imports,
    admin,
)


def create_app(
    engine: Engine | None = None,
    *,
    migrate: bool = True,
    solve: Callable[..., matching.SolveResult] | None = None,
    solver_workers: int | None = None,
    scenario_dir: Path | None = None,
    scenario_slots: int = 1,
    run_stale_s: float = STALE_S,
    run_beat_s: float = BEAT_S,
    tune_gc: bool = False,
    sign_in_failures: int = FAILURES_ALLOWED,
) -> FastAPI:
    """The API over `engine` (default: `store.make_engine()`, disposed at shutdown).

    `migrate` brings the database to the newest schema first. `solve` and
    `solver_workers` are for batch runs (tests pass a short, single-worker solver).
    `scenario_dir` keeps each scenario comparison's results and report in a folder of
    its own there (default: a temporary folder, removed when it finishes);
    `scenario_slots` comparisons simulate at once (each in a child process, one core),
    the others wait queued (0: none ever starts, for tests of the API alone).
    `run_beat_s` is how often the process writes its runs' progress and heartbeat, and
    `run_stale_s` how old a heartbeat makes a run interrupted (api/runs.py; tests
    shorten both).
    `tune_gc` is for a server process (see `lifespan`), not for a test run.
    `sign_in_failures`: bad tokens an address may send in a minute before a 429.
    """
    own_engine = engine is None
    if engine is None:
        engine = store.make_engine(pool_size=20, max_overflow=40)
    if migrate:
        store.migrate(engine=engine)
    app = FastAPI(
        title="placematch",
        version="0.1.0",
        summary="Placement matching and family-finding for looked-after children in England",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=_lifespan(engine if own_engine else None, tune_gc=tune_gc),
        docs_url=None,  # FastAPI's page loads Swagger UI from a CDN: ours is drawn here
        redoc_url=None,
    )
    run_kwargs: dict[str, Any] = {
        "workers": solver_workers,
        "scenario_dir": scenario_dir,
        "scenario_slots": scenario_slots,
        "stale_s": run_stale_s,
        "beat_s": run_beat_s,
    }
    if solve is not None:
        run_kwargs["solve"] = solve
    app.state.services = _services(engine, run_kwargs, sign_in_failures)
    errors.install(app)
    app.add_middleware(BodyLimit, page=too_large_page)
    secure_every_answer(app)
    _add_routes(app)
    return app


def _lifespan(
    owned: Engine | None, *, tune_gc: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start the background runs; at shutdown stop them, flush the audit log and
    dispose of the engine if the app made it (`owned`)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if tune_gc:
            # Everything loaded so far (the libraries, the app) lives as long as the
            # process: take it out of the garbage collector's view, or each full
            # collection walks it all, pausing every request for ~100 ms under load.
            gc.collect()
            gc.freeze()
            # And collect the young generation less often: a request makes a few
            # thousand short-lived objects, most freed at once by reference counting.
            gc.set_threshold(20_000, 20, 20)
        app.state.services.runs.open()
        yield
        app.state.services.runs.close()
        app.state.services.audit.close()
        if owned is not None:
            owned.dispose()

    return lifespan


def _services(engine: Engine, run_kwargs: dict[str, Any], sign_in_failures: int) -> Services:
    """One app's services over `engine`: every writer shares one write lock."""
    writes = WriteLock(engine)
    return Services(
        engine=engine,
        writes=writes,
        audit=AuditWriter(writes),
        cache=ProblemCache(engine, writes),
        runs=RunManager(writes, **run_kwargs),
        tokens=TokenCache(engine),
        sessions=WebSessions(engine, writes),
        failed_sign_ins=FailedSignIns(allowed=sign_in_failures),
    )


def _add_routes(app: FastAPI) -> None:
    """The documentation page, the web pages and their stylesheet, then every router."""

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        return HTMLResponse(render_docs(app.openapi()))

    for module in (*PAGE_ROUTERS, *ROUTERS):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def secure_every_answer(app: FastAPI) -> None:
    """Security headers around the whole middleware stack: Starlette keeps its error
    middleware (which answers a 500) outside any added with `add_middleware`."""
    build = app.build_middleware_stack
    # Wrapping the stack builder is the only way outside Starlette's error middleware.
    app.build_middleware_stack = lambda: SecurityHeaders(build())  # type: ignore[method-assign]


def app_from_env() -> FastAPI:
    """For `uvicorn --factory api.app:app_from_env` (DATABASE_URL, else ./placematch.db;
    PLACEMATCH_SCENARIO_DIR, if set, keeps scenario comparisons' results there)."""
    folder = os.environ.get("PLACEMATCH_SCENARIO_DIR")
    return create_app(tune_gc=True, scenario_dir=Path(folder) if folder else None)
