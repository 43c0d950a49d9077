"""Requests for records that are not there, or not the caller's, left in the audit log.

Another LA's child, referral, proposal or placement answers 404 exactly as an unknown
one, so nothing leaks; but an admin should still see someone probing. Every such 404
is audited as `<kind>.not_found` with the id asked for, for the asker's LAs only (an
entry about no child), and with nothing that differs between an id held by another LA
and one held by nobody: the entry cannot tell anyone which it was.
"""

from __future__ import annotations

import logging
import re

from fastapi import Request

import store
from store.audit import ID_TEXT

log = logging.getLogger("placematch.api")


def not_found_action(kind: str) -> str:
    """`sibling group` -> `sibling_group.not_found`."""
    return "_".join(re.findall(r"[a-z]+", kind.lower()) or ["record"]) + ".not_found"


async def trace_not_found(request: Request, exc: store.NotFound) -> None:
    """Audit a 404 for a signed-in user (group-committed before the answer leaves). An
    id that is not id-like text is recorded as unreadable, never echoed."""
    user = getattr(request.state, "user", None)
    services = getattr(request.app.state, "services", None)
    if user is None or services is None:
        return
    asked = str(exc.id)
    readable = bool(ID_TEXT.match(asked)) and asked != ""
    detail = {"method": request.method, "id_unreadable": not readable}
    try:
        await services.audit.record(
            user, not_found_action(exc.kind), (), asked if readable else None, detail
        )
    except Exception:  # noqa: BLE001 - the 404 stands; the failure is logged
        log.exception("could not audit a not-found answer on %s", request.url.path)
