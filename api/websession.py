"""The names the pages' sign-in shares between api/deps.py, the pages and the error
handlers (a module of its own so that none of them imports another for these)."""

from __future__ import annotations

#: The session cookie's name.
SESSION_COOKIE = "placematch_session"
#: The form field carrying the session's CSRF token on every page form.
CSRF_FIELD = "csrf_token"


class SignInNeeded(Exception):
    """A page asked for without a live session: answered by a redirect to sign-in."""


class CsrfRefused(Exception):
    """A page form sent without the session's CSRF token: answered by a 403 page."""
