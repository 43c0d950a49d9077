"""HTTP API (FastAPI): thin routers over the core. Arrives with issue 4."""
