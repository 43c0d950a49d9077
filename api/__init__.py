"""The HTTP service: FastAPI routers over the store and the matching core.

    from api import create_app
    app = create_app()          # DATABASE_URL, else ./placematch.db; docs at /docs

See docs/api.md.
"""

from api.app import create_app

__all__ = ["create_app"]
