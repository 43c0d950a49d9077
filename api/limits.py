"""How large a request body may be, enforced before the application reads it.

A JSON body of a million items took 13 s to parse and validate and stalled every other
request meanwhile; nothing legitimate comes near that. The largest body a client needs
to send as JSON is a scenario comparison (6 scenarios of up to 20,000 characters: at
most ~480 KB escaped), so 1 MiB is the limit for every route but the SSDA903 upload,
which carries an LA's whole return (`max_import_bytes`, PLACEMATCH_MAX_IMPORT_MB).

`BodyLimit` is plain ASGI middleware, so it holds for every route and for FastAPI's own
body parsing: a `Content-Length` over the limit is answered 413 before a byte is read,
and a body without one (chunked) is counted as it arrives and refused once it passes the
limit, so a client cannot make the service buffer more than the limit whatever it sends.
"""

from __future__ import annotations

import json
import os
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MIB = 1024 * 1024
#: The largest request body of any route but the SSDA903 upload.
MAX_BODY_BYTES = MIB


#: The SSDA903 upload's limit, all files together, in MiB (decimals allowed), read on
#: each upload so an operator can change it without a release of the code. A whole LA's
#: return is a few MB (Leeds's 1,346 children: about 1 MB of CSV; 200,000 children, more
#: than England's 84,000 looked after: 16 MB).
MAX_IMPORT_MB_ENV = "PLACEMATCH_MAX_IMPORT_MB"
DEFAULT_MAX_IMPORT_MB = 50
IMPORT_PATH = "/imports/ssda903"


def max_import_bytes() -> int:
    """The SSDA903 upload's limit in bytes (`PLACEMATCH_MAX_IMPORT_MB`, else 50)."""
    text = os.environ.get(MAX_IMPORT_MB_ENV, "").strip()
    try:
        mb = float(text) if text else DEFAULT_MAX_IMPORT_MB
    except ValueError:
        mb = DEFAULT_MAX_IMPORT_MB
    return max(0, int(mb * MIB))


#: Routes whose bodies may be larger than MAX_BODY_BYTES: their limit, asked per request.
LARGER_BODIES: dict[str, Callable[[], int]] = {IMPORT_PATH: max_import_bytes}


#: A 413 as a page for a browser: given the request's scope and the limit, an ASGI answer,
#: or None when the request does not ask for HTML (api/pages/errors.py's `too_large_page`).
PageRefusal = Callable[[Scope, int], ASGIApp | None]


class BodyTooLarge(HTTPException):
    """Raised from inside `receive` when a body passes its limit while being read: an
    HTTPException, so FastAPI's body parsing lets it through and it is answered 413."""

    def __init__(self, limit: int, path: str = "") -> None:
        super().__init__(413, too_large(limit, path))


def too_large(limit: int, path: str = "") -> str:
    if path == IMPORT_PATH:
        return (
            f"the upload is over the limit of {round(limit / MIB, 3):g} MB ({limit:,} bytes; "
            f"{MAX_IMPORT_MB_ENV} sets it): send one LA's return at a time"
        )
    size = f"{limit // MIB} MiB" if limit % MIB == 0 else f"{limit:,} bytes"
    return f"the request body is larger than this endpoint accepts ({size})"


class BodyLimit:
    """ASGI middleware: a request body larger than its route's limit is a 413."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int = MAX_BODY_BYTES,
        larger: dict[str, Callable[[], int]] | None = None,
        page: PageRefusal | None = None,
    ) -> None:
        self.app = app
        self.limit = limit
        self.larger = LARGER_BODIES if larger is None else larger
        self.page = page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        larger = self.larger.get(path)
        limit = larger() if larger is not None else self.limit
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, limit, path)
            return
        received = 0
        json_body = _is_json(scope)

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                if json_body and received == 0 and chunk:
                    _check_utf8(chunk)
                received += len(chunk)
                if received > limit:
                    raise BodyTooLarge(limit, path)
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, limit, path)  # read outside FastAPI's parsing

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, limit: int, path: str
    ) -> None:
        """The 413: a page for a browser's form (`page`, if the request asks for HTML),
        else JSON."""
        if self.page is not None:
            answer = self.page(scope, limit)
            if answer is not None:
                await answer(scope, receive, send)
                return
        await _refuse(send, limit, path)


def _is_json(scope: Scope) -> bool:
    """Whether the body will be read as JSON (FastAPI reads one with no content type so)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            kind = value.split(b";")[0].strip().lower()
            return bool(kind.endswith((b"/json", b"+json")))
    return True


def _check_utf8(start: bytes) -> None:
    """Refuse JSON in UTF-16 or UTF-32, which Python's json would read without a word:
    the API speaks UTF-8 (RFC 8259), and a client sending anything else has a bug."""
    if json.detect_encoding(start[:4]) not in ("utf-8", "utf-8-sig"):
        raise HTTPException(400, "not UTF-8")  # answered 422, naming the body


def _content_length(scope: Scope) -> int | None:
    """The declared length; an unreadable one counts as too large (refused)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() and len(value) < 19 else 2**62
    return None


async def _refuse(send: Send, limit: int, path: str) -> None:
    body = json.dumps({"detail": too_large(limit, path)}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
