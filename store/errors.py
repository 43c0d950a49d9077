"""Domain errors of the store, one module so the API maps each to one HTTP status.

NotFound -> 404, Conflict (and its kinds) -> 409, Forbidden -> 403, Invalid -> 422,
Unauthenticated -> 401. Messages carry ids, never a child's name or needs, so they can
be shown and logged as they are.
"""

from __future__ import annotations

from dataclasses import dataclass


class StoreError(Exception):
    """Base of every error the store raises on purpose."""


class NotFound(StoreError, LookupError):
    """No such record, or one outside the caller's LAs (the same answer, so no leak)."""

    def __init__(self, kind: str, id: object) -> None:
        super().__init__(f"no {kind} {id!r}")
        self.kind = kind
        self.id = id


class Conflict(StoreError):
    """The request is well formed but the records' state does not allow it."""


class VacancyTaken(Conflict):
    """The household has no free (or no unheld) place left for this match."""


class HoldExpired(Conflict):
    """The proposal's hold on the vacancy lapsed before it was confirmed."""


class ProposalClosed(Conflict):
    """The proposal was already confirmed, declined or expired."""


class DuplicateId(Conflict):
    """A record with this id exists already."""

    def __init__(self, kind: str, ids: list[str]) -> None:
        shown = ", ".join(ids[:10]) + (f" and {len(ids) - 10} more" if len(ids) > 10 else "")
        super().__init__(f"{kind} id(s) already exist: {shown}")
        self.kind = kind
        self.ids = ids


class Forbidden(StoreError, PermissionError):
    """The user's role does not allow this action."""


class Unauthenticated(StoreError):
    """No user holds this token (or the user is disabled)."""


@dataclass(frozen=True, slots=True)
class FieldIssue:
    """One bad value: the field (a dotted path, e.g. `needs[0]`) and why."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class Invalid(StoreError, ValueError):
    """Bad field values; `issues` names every field at fault, for a 422 or a CLI message."""

    def __init__(self, issues: list[FieldIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(map(str, issues)) or "invalid")

    @classmethod
    def one(cls, field: str, message: str) -> Invalid:
        return cls([FieldIssue(field, message)])
