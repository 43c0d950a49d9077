"""The service layer: what JSON routes and (next) server-rendered pages both do.

One module per resource. Each function takes the app's services (`api.deps.Services`:
the engine, the serialised writer, the problem cache, the background runs), the
signed-in user and plain arguments; it loads within the user's LAs, checks, writes the
audit entries, and returns records as dicts (or domain objects), raising the store's
errors (`store.NotFound`, `store.Conflict`, ...), which `api/errors.py` answers. A route
parses the request, calls one service and shapes the answer; a page does the same with
a template. Roles are checked before either, by `api.deps` (the one mechanism).
"""
