"""The web pages: server-rendered HTML for the people who use the service, on the same
app and port as the JSON API (docs/architecture.md, "How to add a page").

Each module is a router of pages (`api.pages.common.page_router`), listed in
`api/pages/routers.py` for `create_app`. A page calls the same `api/services/` function
as the JSON route, with its user from a page role of `api/deps.py`.
"""
