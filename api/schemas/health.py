"""The health probe's answer (no sign-in)."""

from __future__ import annotations

from typing import Literal

from api.schemas.common import Out


class HealthOut(Out):
    status: Literal["ok"]
    database: Literal["ok"]
