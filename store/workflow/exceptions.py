"""A hard rule set aside for one named match: what may be set aside, and by whom."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypedDict

from matching.eligibility import RULE_BY_ID
from store.errors import Forbidden, Invalid
from store.models import User
from store.users import can_authorise_exceptions
from store.validate import text_value


@dataclass(frozen=True, slots=True)
class RuleException:
    """A hard rule set aside for one named match (matching.RULES id), and why."""

    rule: str
    reason: str


class ExceptionFields(TypedDict, total=False):
    """A proposal's columns recording an exception (none when there is none)."""

    exception_rule: str
    exception_reason: str | None
    exception_authorised_by: int | None


def exception_fields(exception: RuleException, by: User) -> ExceptionFields:
    """The exception's columns, once the rule may be set aside and `by` may authorise it;
    raises Invalid or Forbidden."""
    rule = RULE_BY_ID.get(exception.rule)
    if rule is None:
        raise Invalid.one("exception.rule", f"{exception.rule!r} is not a hard rule id")
    if not rule.exception_allowed:
        raise Invalid.one(
            "exception.rule", f"the {rule.id!r} rule ({rule.summary}) is never set aside"
        )
    if not can_authorise_exceptions(by):
        raise Forbidden(f"role {by.role!r} may not authorise an exception to a hard rule")
    return {
        "exception_rule": rule.id,
        "exception_reason": text_value(exception.reason, "exception.reason", required=True),
        "exception_authorised_by": by.id,
    }
