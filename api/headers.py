"""Security headers on every answer, whatever route (or error handler) made it.

The web pages (api/pages/) set their own policy (`WEB_POLICY`: our stylesheet and
scripts from /static, forms to this service). The other pages (reports, the docs page)
are self-contained: their own styles, plots embedded as `data:` images, no script from
anywhere, so the Content-Security-Policy can forbid everything else, and no page may be
framed (clickjacking) or leak its address to another site. Answers hold children's
records (JSON, CSV, the region report): no shared cache or browser history may keep them
(`Cache-Control: no-store` on all, so no route can forget it), and browsers must not
guess another type than the one sent.
"""

from __future__ import annotations

from api.limits import ASGIApp, Message, Receive, Scope, Send

#: For JSON and anything not HTML: nothing may load, nothing may frame it.
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#: For the HTML pages: their own inline styles and embedded images only; no script.
PAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)
#: For the service's own web pages (api/pages/): our stylesheet and scripts from
#: /static only, never inline; forms post to this service only.
WEB_POLICY = (
    "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
ALWAYS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
)


class SecurityHeaders:
    """ASGI middleware adding the headers above to every response that lacks them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = secured(list(message.get("headers", ())))
            await send(message)

        await self.app(scope, receive, with_headers)


def secured(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` with the security headers added (those already set are kept)."""
    present = {name.lower() for name, _ in headers}
    kind = next((v for n, v in headers if n.lower() == b"content-type"), b"")
    policy = PAGE_POLICY if kind.startswith(b"text/html") else API_POLICY
    extra = [*ALWAYS, (b"content-security-policy", policy.encode())]
    return headers + [(n, v) for n, v in extra if n not in present]
