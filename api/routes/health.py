"""Health: is the service up and its database reachable? No sign-in needed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text

from api.deps import Svc
from api.schemas.common import ErrorOut
from api.schemas.health import HealthOut

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthOut,
    responses={503: {"model": ErrorOut, "description": "the database is unreachable"}},
    summary="Liveness and database check (no sign-in)",
)
def health(svc: Svc) -> Any:
    from fastapi.responses import JSONResponse

    try:
        with svc.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any fault is "unreachable"
        return JSONResponse({"detail": "database unreachable"}, status_code=503)
    return {"status": "ok", "database": "ok"}
