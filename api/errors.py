"""Every failure as a JSON answer with the right status, never a stack trace.

The store's domain errors map one to one: NotFound 404 (also another LA's record),
Conflict and its kinds 409, Forbidden 403, Invalid 422, Unauthenticated 401; a 404 for
a signed-in user is audited (api/probes.py). A 422
names each field at fault the way a client sent it: `body.needs[0]`, `query.limit`.
A database that cannot be reached is a 503 (try again). Anything unexpected is logged
and answered with a plain 500 that says nothing more.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

import store
from api.pages.common import is_page
from api.pages.errors import csrf_refused, error_page, sign_in_redirect
from api.probes import trace_not_found
from api.schemas.common import ErrorOut, FieldError, RuleBreak, ValidationErrorOut
from api.websession import CsrfRefused, SignInNeeded

log = logging.getLogger("placematch.api")


class RuleBreaks(Exception):
    """A proposed match breaks hard rules that no valid exception sets aside."""

    def __init__(self, message: str, breaks: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.breaks = breaks


class FieldInvalid(store.Invalid):
    """An Invalid whose fields are already named as the client sent them."""


def field_path(loc: Sequence[Any]) -> str:
    """("body", "needs", 0) -> "body.needs[0]"."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def located(exc: store.Invalid, where: str) -> FieldInvalid:
    """The store's issues, each field prefixed with where it came from (body, query)."""
    if isinstance(exc, FieldInvalid):
        return exc
    issues = []
    for issue in exc.issues:
        name = issue.field.removeprefix("$.").removeprefix("$")
        if name in ("", "(record)"):
            name = where
        elif not name.startswith(("body", "query", "path")):
            name = f"{where}.{name}" if not name.startswith("[") else f"{where}{name}"
        issues.append(store.FieldIssue(name, issue.message))
    return FieldInvalid(issues)


def invalid(field: str, message: str) -> FieldInvalid:
    return FieldInvalid([store.FieldIssue(field, message)])


#: The longest message an error answer carries: a message quoting a huge value (a
#: schema's "[...] is too long") keeps its start and end, never the whole value.
MESSAGE_MAX = 400
#: At most this many fields named in one answer (a body can break a rule many times).
ERRORS_MAX = 50


def brief(text: str, limit: int = MESSAGE_MAX) -> str:
    """`text`, or its start and end with what was left out said in the middle."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]} … ({len(text) - 2 * half:,} characters left out) … {text[-half:]}"


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "is required"
    return str(err.get("msg", "invalid value")).removeprefix("Value error, ")


def _field_errors(pairs: Iterable[tuple[str, str]]) -> list[FieldError]:
    out = [FieldError(field=brief(f, 200), message=brief(m)) for f, m in pairs]
    if len(out) > ERRORS_MAX:
        more = len(out) - ERRORS_MAX
        out = out[:ERRORS_MAX] + [FieldError(field="body", message=f"and {more:,} more errors")]
    return out


def _validation_body(errors: Iterable[dict[str, Any]], detail: str = "invalid request") -> Any:
    fields = _field_errors((field_path(e.get("loc", ())), _message(e)) for e in errors)
    return ValidationErrorOut(detail=detail, errors=fields).model_dump()


def _not_json(request: Request, errors: Sequence[Any]) -> Sequence[Any]:
    """A body sent as another type than JSON (curl -d sends a form) fails as "not an
    object": say what to send instead."""
    kind = request.headers.get("content-type", "")
    if not kind or kind.split(";")[0].strip().lower().endswith(("/json", "+json")):
        return errors
    why = f"send the body as JSON, with Content-Type: application/json (not {brief(kind, 80)!r})"
    return [
        {"loc": ("body",), "msg": why} if tuple(e.get("loc", ())) == ("body",) else e
        for e in errors
    ]


STATUS: tuple[tuple[type[store.StoreError], int], ...] = (
    (store.Unauthenticated, 401),
    (store.Forbidden, 403),
    (store.NotFound, 404),
    (store.Conflict, 409),
    (store.Invalid, 422),
)


def install(app: FastAPI) -> None:
    """Register the handlers on `app`."""
    app.exception_handler(SignInNeeded)(_sign_in_needed)
    app.exception_handler(CsrfRefused)(_csrf_refused)
    app.exception_handler(RequestValidationError)(_request_invalid)
    app.exception_handler(RuleBreaks)(_rule_breaks)
    app.exception_handler(store.StoreError)(_store_error)
    app.exception_handler(StarletteHTTPException)(_http_error)
    app.exception_handler(OperationalError)(_database_down)
    app.exception_handler(Exception)(_unexpected)


async def _sign_in_needed(request: Request, _exc: SignInNeeded) -> Response:
    return sign_in_redirect(request)


async def _csrf_refused(request: Request, _exc: CsrfRefused) -> Response:
    return csrf_refused(request)


async def _request_invalid(request: Request, exc: RequestValidationError) -> Response:
    if is_page(request):
        fields = _field_errors((field_path(e.get("loc", ())), _message(e)) for e in exc.errors())
        return error_page(request, 422, items=[f"{f.field}: {f.message}" for f in fields])
    return JSONResponse(_validation_body(_not_json(request, exc.errors())), status_code=422)


async def _rule_breaks(_request: Request, exc: RuleBreaks) -> JSONResponse:
    body = ValidationErrorOut(
        detail=str(exc), rules=[RuleBreak.model_validate(b) for b in exc.breaks]
    ).model_dump()
    return JSONResponse(body, status_code=422)


async def _store_error(request: Request, exc: store.StoreError) -> Response:
    status = next((code for kind, code in STATUS if isinstance(exc, kind)), 400)
    if isinstance(exc, store.NotFound):
        await trace_not_found(request, exc)
    if is_page(request):
        return _store_error_page(request, exc, status)
    if isinstance(exc, store.Invalid):
        where = "query" if request.method in ("GET", "DELETE") else "body"
        issues = located(exc, where).issues
        body = ValidationErrorOut(
            detail=brief("; ".join(map(str, issues)) or "invalid request"),
            errors=_field_errors((i.field, i.message) for i in issues),
        ).model_dump()
        return JSONResponse(body, status_code=422)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(
        ErrorOut(detail=brief(str(exc))).model_dump(), status_code=status, headers=headers
    )


def _store_error_page(request: Request, exc: store.StoreError, status: int) -> Response:
    """A store error on a page: 404 and 403 in fixed words (never the id or the role
    sought), a conflict or an invalid value in the store's own words."""
    if status == 401:
        return sign_in_redirect(request)
    if status == 404:
        return error_page(request, 404)
    if status == 403:
        return error_page(request, 403, message="Your role does not give you this page.")
    if isinstance(exc, store.Invalid):
        return error_page(request, 422, items=[str(i) for i in exc.issues])
    return error_page(request, status, message=brief(str(exc)))


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if is_page(request):
        headers = getattr(exc, "headers", None)
        message = str(exc.detail) if exc.status_code == 429 else None
        if exc.status_code == 405:
            return error_page(request, 404, headers=headers)
        return error_page(request, exc.status_code, message=message, headers=headers)
    if exc.status_code == 400:
        # A body FastAPI or Starlette could not parse: as bad as any other malformed
        # body (not UTF-8 JSON; broken multipart form data, as for an upload).
        if request.headers.get("content-type", "").startswith("multipart/"):
            why = f"the body is not valid multipart/form-data ({exc.detail})"
        elif isinstance(exc.__cause__, RecursionError):
            why = "the body nests arrays or objects too deeply to be read"
        else:
            why = "the body is not JSON text in UTF-8"
        return JSONResponse(_validation_body([{"loc": ("body",), "msg": why}]), status_code=422)
    return JSONResponse(
        ErrorOut(detail=str(exc.detail)).model_dump(),
        status_code=exc.status_code,
        headers=getattr(exc, "headers", None),
    )


async def _database_down(request: Request, exc: OperationalError) -> Response:
    log.error("database unavailable on %s %s: %s", request.method, request.url.path, exc)
    if is_page(request):
        return error_page(request, 503, message="Try again in a few minutes.")
    return JSONResponse(
        ErrorOut(detail="the database is unavailable; try again").model_dump(),
        status_code=503,
        headers={"Retry-After": "5"},
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    if is_page(request):
        return error_page(request, 500, message="Try again later.")
    return JSONResponse(ErrorOut(detail="internal error").model_dump(), status_code=500)


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error answers a route can give."""
    text = {
        401: "no valid bearer token",
        403: "your role may not do this",
        404: "no such record within your LAs",
        409: "the records' state does not allow it",
        422: "a field is invalid (each named)",
        429: "too many failed sign-ins from your address lately (see Retry-After)",
    }
    if 401 in codes:
        codes = (*codes, 429)  # wherever a token is checked
    return {
        code: {"model": ValidationErrorOut if code == 422 else ErrorOut, "description": text[code]}
        for code in codes
    }


def json_errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses(...)` for a route whose own answer is not JSON (an HTML page): its
    errors still are (FastAPI would otherwise document them in the route's media type)."""
    out: dict[int | str, dict[str, Any]] = {}
    for code, entry in responses(*codes).items():
        schema = {"$ref": f"#/components/schemas/{entry['model'].__name__}"}
        out[code] = {
            "description": entry["description"],
            "content": {"application/json": {"schema": schema}},
        }
    return out
