"""The HTTP service: FastAPI routers over the store and the matching core.

    from api import create_app
    app = create_app()          # DATABASE_URL, else ./placematch.db; docs at /docs

See docs/api.md.

`create_app` is imported when first asked for (PEP 562), not with the package: a
process that needs one module of it (the scenario comparison's child process,
`python -m api.comparisons`) does not load FastAPI and every router first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from api.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from api.app import create_app

        return create_app
    raise AttributeError(f"module 'api' has no attribute {name!r}")
