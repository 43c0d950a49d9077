"""The DfE's rules on the decision that a child should be placed for adoption (the
PlacedAdoption table) read against the child's episodes: dates, and the decision a
placement for adoption or a placement order needs.

The family-finding figures count a child's wait from that decision, so a decision that is
missing, or dated outside the child's care, changes them. None of these skips a row: each
is a warning with the DfE validator's rule number that says what the import did.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date

from ssda903 import codes
from ssda903.records import AdoptionDecision, Episode
from ssda903.report import Issue, year_label

__all__ = ["adoption_rules"]

#: Placements for adoption (A3-A6), and those that need a placement order (rule 408).
PLACED_FOR_ADOPTION: frozenset[str] = frozenset({"A3", "A4", "A5", "A6"})
NEEDS_ORDER: frozenset[str] = frozenset({"A5", "A6"})
#: The order that needs a decision to place for adoption: DfE rule (E1 553, D1 555).
ORDER_RULE: dict[str, str] = {"E1": "553", "D1": "555"}
#: The last return with rule 555, and with D1 counted as an order in rule 557 (2023-24):
#: freeing orders (D1) ended in 2005.
FREEING_ORDERS_UNTIL = 2024
#: Reasons for leaving care that are an adoption (rule 557).
ADOPTED: frozenset[str] = frozenset({"E11", "E12"})


def _d(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def _on_decision(d: AdoptionDecision, column: str, value: str, rule: str, msg: str) -> Issue:
    return Issue("placed_for_adoption", d.row, column, value, rule, msg, "warning")


def _on_episode(e: Episode, column: str, value: str, rule: str, msg: str) -> Issue:
    return Issue("episodes", e.row, column, value, rule, msg, "warning", e.where)


def adoption_rules(
    child: str,
    dob: date,
    episodes: Sequence[Episode],
    decisions: Sequence[AdoptionDecision],
    year: int,
) -> Iterator[Issue]:
    """Every DfE rule on one child's adoption decisions and episodes (in date order)."""
    yield from _decision_dates(child, episodes, decisions, year)
    yield from _decision_order(child, dob, episodes, decisions)
    for e in episodes:
        if e.place in NEEDS_ORDER and e.ls != "E1":
            yield _on_episode(
                e, "LS", e.ls, "adoption_without_order",
                f"PLACE {e.place} is a placement for adoption with a placement order, but LS "
                f"is {e.ls or 'blank'}, not E1 (DfE rule 408): imported; the child counts as "
                "placed for adoption",
            )  # fmt: skip
        if e.place in PLACED_FOR_ADOPTION and not decisions:
            yield _on_episode(
                e, "PLACE", e.place, "placed_without_decision",
                f"CHILD {child} is placed for adoption (PLACE {e.place}) but has no "
                "PlacedAdoption row with the date of the decision (DfE rule 551): imported; "
                "the child counts as placed for adoption",
            )  # fmt: skip
        orders = ("E1", "D1") if year <= FREEING_ORDERS_UNTIL else ("E1",)
        if e.ls in orders:
            yield from _order_needs_decision(child, e, decisions)
        left = e.rec not in ("", codes.NEW_EPISODE_SAME_DAY, *ADOPTED)
        if left and (e.place in PLACED_FOR_ADOPTION or e.ls in orders):
            open_ = [d for d in decisions if d.ceased is None or not d.reason]
            if not decisions or open_:
                yield _on_episode(
                    e, "REC", e.rec, "left_without_decision_ceased",
                    f"CHILD {child} left care ({e.rec}) from an adoption placement or "
                    "placement order without being adopted, but the decision that they "
                    "should no longer be placed for adoption (DATE_PLACED_CEASED and "
                    "REASON_PLACED_CEASED) is not recorded (DfE rule 557): imported as it is",
                )  # fmt: skip


def _order_needs_decision(
    child: str, e: Episode, decisions: Sequence[AdoptionDecision]
) -> Iterator[Issue]:
    """Rules 553 (E1) and 555 (D1): an order needs a decision, still open while it is."""
    rule = ORDER_RULE[e.ls]
    if not decisions:
        yield _on_episode(
            e, "LS", e.ls, "order_without_decision",
            f"LS {e.ls} ({codes.LEGAL_STATUS[e.ls]}) but CHILD {child} has no PlacedAdoption "
            f"row with the date of the decision to place for adoption (DfE rule {rule}): "
            "imported; any adoption plan's wait counts from the order (no_date_placed)",
        )  # fmt: skip
        return
    if e.dec is None:
        for d in decisions:
            if d.ceased is not None or d.reason:
                yield _on_decision(
                    d, "DATE_PLACED_CEASED", _d(d.ceased), "order_without_decision",
                    f"the decision of {_d(d.placed)} is recorded as ceased, but CHILD "
                    f"{child}'s {e.ls} episode from {_d(e.decom)} is still open (DfE rule "
                    f"{rule}): imported; the decision is read as ceased",
                )  # fmt: skip


def _decision_order(
    child: str, dob: date, episodes: Sequence[Episode], decisions: Sequence[AdoptionDecision]
) -> Iterator[Issue]:
    """Rules 184 and 554: the decision comes after birth, and on or before the placement
    order (the first E1 episode's start)."""
    orders = [e for e in episodes if e.ls == "E1"]
    for d in decisions:
        if d.placed < dob:
            yield _on_decision(
                d, "DATE_PLACED", _d(d.placed), "decision_before_birth",
                f"DATE_PLACED {_d(d.placed)} is before CHILD {child}'s DOB {_d(dob)} "
                "(DfE rule 184): imported as it is; the adoption plan's wait counts from it",
            )  # fmt: skip
        if orders and d.placed > orders[0].decom:
            yield _on_decision(
                d, "DATE_PLACED", _d(d.placed), "decision_after_order",
                f"DATE_PLACED {_d(d.placed)} is after the placement order (LS E1 from "
                f"{_d(orders[0].decom)}), which it should come before (DfE rule 554): "
                "imported; the adoption plan's wait counts from it",
            )  # fmt: skip


def _decision_dates(
    child: str,
    episodes: Sequence[Episode],
    decisions: Sequence[AdoptionDecision],
    year: int,
) -> Iterator[Issue]:
    """Rules 117, 118, 1003: the decision's dates against the return and the child's care."""
    end = date(year, 3, 31)
    ended = [e for e in episodes if e.rec != codes.NEW_EPISODE_SAME_DAY]
    last_dec = ended[-1].dec if ended else None
    counted = [e for e in episodes if e.ls not in codes.SHORT_BREAKS]
    first_decom = counted[0].decom if counted else None
    starts = [e for e in episodes if e.rne == "S"]
    first_s = starts[0].decom if starts else None
    for d in decisions:
        late = [
            f"{col} {_d(day)}"
            for col, day in (("DATE_PLACED", d.placed), ("DATE_PLACED_CEASED", d.ceased))
            if day is not None and (day > end or (last_dec is not None and day > last_dec))
        ]
        if late:
            yield _on_decision(
                d, "DATE_PLACED", _d(d.placed), "decision_after_care",
                f"{' and '.join(late)} is after the end of the {year_label(year)} return "
                f"({_d(end)}) or after CHILD {child} left care ({_d(last_dec) or 'still in care'}"
                ") (DfE rule 117): imported as it is",
            )  # fmt: skip
        if d.ceased is not None and (
            d.ceased < date(year - 1, 4, 1) or (first_decom and d.ceased < first_decom)
        ):
            yield _on_decision(
                d, "DATE_PLACED_CEASED", _d(d.ceased), "decision_ceased_early",
                f"DATE_PLACED_CEASED {_d(d.ceased)} is before the {year_label(year)} return "
                f"or before CHILD {child}'s first episode ({_d(first_decom)}) (DfE rule 118): "
                "imported as it is",
            )  # fmt: skip
        if first_s is not None and d.placed < first_s:
            yield _on_decision(
                d, "DATE_PLACED", _d(d.placed), "decision_before_care",
                f"DATE_PLACED {_d(d.placed)} is before CHILD {child} started to be looked "
                f"after ({_d(first_s)}, the first RNE S) (DfE rule 1003): imported; the "
                "adoption plan's wait counts from it",
            )  # fmt: skip
