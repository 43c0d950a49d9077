"""The DfE's rules across a child's episodes: how they chain (and so which placement is the
child's usual one), ages that make a placement or legal status implausible, and the time
limits of legal statuses and temporary moves.

`ssda903.checks` checks each row alone; these read a child's episodes together, in date
order, as `checks` leaves them (duplicates dropped, overlaps cut). None skips a row: each
is a warning that says what the import made of the episode, with the DfE validator's rule
number. Where the product reads a chain differently from the validator's letter, the
difference is listed in docs/ssda903.md ("The DfE's rules").
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, timedelta

from ssda903 import codes
from ssda903.records import Episode, birthday
from ssda903.report import Issue, year_label

__all__ = ["episode_rules"]

#: RNE codes that say the care goes on from the previous episode (rule 433).
CONTINUING: frozenset[str] = frozenset({"P", "L", "T", "U", "B"})
#: Reasons an episode ends that leave no later episode possible (rule 437).
FINAL: frozenset[str] = frozenset({"E2", "E15"})
#: Foster placements a short break cannot be (long-term fostering; rule 384).
LONG_TERM_FOSTER: frozenset[str] = frozenset({"U1", "U4"})
#: Legal statuses allowed only from the age of 10 (rule 358).
FROM_TEN: frozenset[str] = frozenset({"J1", "J2", "J3"})
#: Placements allowed only from an age: (age, DfE rule).
PLACE_MIN_AGE: dict[str, tuple[int, str]] = {"R5": (10, "372"), "S1": (4, "373"), "P3": (14, "374")}
#: Reasons for leaving care allowed only from an age: (age, DfE rule, in words).
LEAVING_MIN_AGE: dict[str, tuple[int, str, str]] = {
    "E5": (14, "387", "moved to independent living"),
    "E6": (14, "387", "moved to independent living"),
    "E7": (16, "389", "moved to adult social care"),
    "E17": (18, "460", "stayed with their carers at 18 (Staying Put)"),
}
#: Legal statuses with a time limit, over a run of episodes: (days, DfE rule, in words).
STATUS_LIMIT: dict[str, tuple[int, str, str]] = {
    "L1": (3, "361", "police protection (72 hours)"),
    "L2": (21, "362", "an emergency protection order (21 days)"),
    "L3": (7, "363", "a child assessment order (7 days)"),
    "J2": (21, "364", "PACE accommodation (21 days)"),
}
#: Temporary placements with a time limit, per episode: (days, DfE rule, in words).
TEMPORARY_LIMIT: dict[str, tuple[int, str, str]] = {
    "T1": (42, "375", "a hospital stay (six weeks)"),
    "T3": (21, "376", "a foster carer's holiday (three weeks)"),
    "T4": (7, "379", "a temporary move for another reason (seven days)"),
}
PL_POST_RETURN_FROM = 2026  # rule 383 compares PL_POST from the 2025-26 return
SHORT_BREAK_DAYS = 17  # one V3 break (rule 365)
SHORT_BREAKS_A_YEAR = 75  # all V3 breaks in a return (rule 367)
HOLIDAY_MOVES_A_YEAR = 2  # T3 moves in 12 months (rule 377)


def _at(e: Episode, column: str, value: str, rule: str, message: str) -> Issue:
    return Issue("episodes", e.row, column, value, rule, message, "warning", e.where)


def _d(day: date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


def episode_rules(child: str, dob: date, episodes: Sequence[Episode], year: int) -> Iterator[Issue]:
    """Every DfE rule on one child's episodes (in date order) that the row checks leave."""
    yield from _first_episode(child, episodes, year)
    for i, e in enumerate(episodes):
        prev = episodes[i - 1] if i else None
        yield from _temporary(e)
        yield from _chaining(child, prev, e)
        yield from _ages(dob, e)
        yield from _short_break(e, year)
        if i >= 2 and prev is not None and prev.place in codes.TEMPORARY_PLACES:
            yield from _return_after_temporary(episodes[i - 2], prev, e, year)
        if e.rec in FINAL and i + 1 < len(episodes):
            yield _at(
                e, "REC", e.rec, "episodes_after_final",
                f"REC {e.rec} ({codes.REASON_EPISODE_CEASED[e.rec]}) but CHILD {child} has a "
                f"later episode (DfE rule 437): imported; the later episodes start a new "
                "period of care",
            )  # fmt: skip
    yield from _status_limits(episodes, year)
    yield from _short_breaks_in_year(episodes, year)
    yield from _holiday_moves(episodes)


def _first_episode(child: str, episodes: Sequence[Episode], year: int) -> Iterator[Issue]:
    """Rule 357: a child's first episode, when it starts in the return, must be RNE S."""
    first = episodes[0] if episodes else None
    if first and first.decom >= date(year - 1, 4, 1) and first.rne != "S":
        yield _at(
            first, "RNE", first.rne, "first_episode_not_s",
            f"CHILD {child}'s first episode starts {_d(first.decom)}, in the "
            f"{year_label(year)} return, with RNE {first.rne or 'blank'}, not S (DfE rule 357): "
            "read as the start of a period of care; is an earlier episode missing?",
        )  # fmt: skip


def _temporary(e: Episode) -> Iterator[Issue]:
    """Rules 380-382, 384 and 375/376/379: what a temporary placement or a short break
    cannot be, and how long a temporary move may last."""
    temporary = e.place in codes.TEMPORARY_PLACES
    if temporary and e.rne not in ("P", "B"):
        yield _at(
            e, "RNE", e.rne, "temporary_without_move",
            f"PLACE {e.place} is a temporary move but RNE is {e.rne or 'blank'}, not P or B "
            "(a period of care cannot start with a temporary placement; DfE rule 380): "
            "imported; the child's usual placement is the last one before it",
        )  # fmt: skip
    if temporary and e.dec is not None and e.rec not in ("", codes.NEW_EPISODE_SAME_DAY):
        yield _at(
            e, "REC", e.rec, "period_ends_temporary",
            f"the period of care ends ({e.rec}) in the temporary placement {e.place} "
            "(DfE rule 381): imported; the period ends there",
        )  # fmt: skip
    if e.ls in codes.SHORT_BREAKS and (temporary or e.place in LONG_TERM_FOSTER):
        rule = "382" if temporary else "384"
        yield _at(
            e, "PLACE", e.place, "short_break_placement",
            f"a short break (LS {e.ls}) cannot be in PLACE {e.place} (DfE rule {rule}): "
            "imported; short breaks are not counted as looked after",
        )  # fmt: skip
    if e.place in TEMPORARY_LIMIT and e.dec is not None:
        days, rule, what = TEMPORARY_LIMIT[e.place]
        if e.dec > e.decom + timedelta(days=days):
            yield _at(
                e, "DEC", _d(e.dec), "temporary_too_long",
                f"PLACE {e.place}, {what}, lasts {(e.dec - e.decom).days} days "
                f"(DfE rule {rule}): imported; the usual placement is still the last one "
                "before it",
            )  # fmt: skip


def _chaining(child: str, prev: Episode | None, e: Episode) -> Iterator[Issue]:
    """Rules 431-436: RNE against the previous episode (the import chains periods of care
    by dates and REC; these say where RNE disagrees)."""
    if prev is None:
        return
    if e.rne == "S" and prev.dec is not None and e.decom <= prev.dec:
        yield _at(
            e, "RNE", e.rne, "new_period_same_day",
            f"RNE S says CHILD {child} started to be looked after on {_d(e.decom)}, but the "
            f"previous episode ends {_d(prev.dec)} (DfE rule 431): read as a new period of care",
        )  # fmt: skip
    elif e.rne not in ("", "S") and prev.rec not in ("", codes.NEW_EPISODE_SAME_DAY):
        yield _at(
            e, "RNE", e.rne, "continued_after_leaving",
            f"the previous episode ended with REC {prev.rec} (left care) but RNE is {e.rne}, "
            "not S (DfE rule 432): read as a new period of care",
        )  # fmt: skip
    elif e.rne in CONTINUING and prev.dec != e.decom:
        ended = f"ends {_d(prev.dec)}" if prev.dec else "has no end date"
        yield _at(
            e, "RNE", e.rne, "continued_with_gap",
            f"RNE {e.rne} says the care goes on from the previous episode, but that one "
            f"{ended}, not {_d(e.decom)} (DfE rule 433): read as a new period of care",
        )  # fmt: skip
    if e.rne in CONTINUING:
        yield from _what_changed(prev, e)


def _what_changed(prev: Episode, e: Episode) -> Iterator[Issue]:
    """Rules 434-436: RNE says what changed (legal status, placement or both); blanks are
    equal here, where the validator counts two blank URNs as different."""
    same_ls = e.ls == prev.ls
    same_place = (e.place, e.pl_post, e.urn, e.provider) == (
        prev.place, prev.pl_post, prev.urn, prev.provider,
    )  # fmt: skip
    if e.rne == "L":
        wrong, rule, says = same_ls or not same_place, "434", "only the legal status changed"
    elif e.rne in ("P", "T"):
        wrong, rule, says = not same_ls or same_place, "435", "only the placement changed"
    elif e.rne in ("U", "B"):
        wrong, rule, says = same_ls or same_place, "436", "legal status and placement changed"
    else:
        return
    if wrong:
        found = f"LS {prev.ls or 'blank'} -> {e.ls or 'blank'}, placement " + (
            "the same" if same_place else "changed"
        )
        keeps = (
            "the placement is read as going on from the earlier episode"
            if e.rne in codes.SAME_CARER
            else "the placement is read as starting here"
        )
        yield _at(
            e, "RNE", e.rne, "rne_contradicts_episode",
            f"RNE {e.rne} says {says}, but {found} (DfE rule {rule}): imported; {keeps}",
        )  # fmt: skip


def _return_after_temporary(
    before: Episode, temp: Episode, e: Episode, year: int
) -> Iterator[Issue]:
    """Rule 383: after a temporary move the child goes back to the placement before it
    (the same PLACE; from 2025-26 also the same PL_POST)."""
    same_post = e.pl_post == before.pl_post or year < PL_POST_RETURN_FROM
    back = e.rne == "P" and e.place == before.place and same_post
    if not back:
        yield _at(
            e, "PLACE", e.place, "no_return_after_temporary",
            f"after the temporary move ({temp.place} from {_d(temp.decom)}) the child should "
            f"return to their placement before it (PLACE {before.place or 'blank'}, PL_POST "
            f"{before.pl_post or 'blank'}) with RNE P, but this episode has RNE "
            f"{e.rne or 'blank'}, PLACE {e.place or 'blank'}, PL_POST {e.pl_post or 'blank'} "
            "(DfE rule 383): imported; the child's usual placement is read as this one",
        )  # fmt: skip


def _ages(dob: date, e: Episode) -> Iterator[Issue]:
    """Rules 358, 372-374, 387, 389, 460: legal statuses, placements and ways of leaving
    care a child is too young for."""
    if e.ls in FROM_TEN and e.decom < birthday(dob, 10):
        yield _at(
            e, "LS", e.ls, "too_young_for_status",
            f"LS {e.ls} ({codes.LEGAL_STATUS[e.ls]}) is for children of 10 or over, but the "
            f"child is under 10 on {_d(e.decom)} (DfE rule 358): imported as it is; DOB, "
            "DECOM or LS is wrong",
        )  # fmt: skip
    if e.place in PLACE_MIN_AGE:
        age, rule = PLACE_MIN_AGE[e.place]
        if e.decom < birthday(dob, age):
            yield _at(
                e, "PLACE", e.place, "too_young_for_placement",
                f"PLACE {e.place} ({codes.PLACE[e.place].description}) is for children of {age} or "
                f"over, but the child is under {age} on {_d(e.decom)} (DfE rule {rule}): "
                "imported as it is; DOB, DECOM or PLACE is wrong",
            )  # fmt: skip
    if e.rec in LEAVING_MIN_AGE and e.dec is not None:
        age, rule, what = LEAVING_MIN_AGE[e.rec]
        if e.dec < birthday(dob, age):
            yield _at(
                e, "REC", e.rec, "too_young_to_leave_so",
                f"REC {e.rec} says the child {what}, but they are under {age} on "
                f"{_d(e.dec)} (DfE rule {rule}): imported as it is; DOB, DEC or REC is wrong",
            )  # fmt: skip


def _short_break(e: Episode, year: int) -> Iterator[Issue]:
    """Rules 365, 366, 378: one short break, and s20 with parents."""
    if e.ls == "V3":
        end = e.dec or date(year, 3, 31)
        if end > e.decom + timedelta(days=SHORT_BREAK_DAYS):
            yield _at(
                e, "DEC", _d(e.dec), "short_break_too_long",
                f"a short break (LS V3) lasts {(end - e.decom).days} days, more than "
                f"{SHORT_BREAK_DAYS} (DfE rule 365): imported; still counted as a short break, "
                "not as looked after",
            )  # fmt: skip
        if e.rne != "S":
            yield _at(
                e, "RNE", e.rne, "short_break_not_new",
                f"each short break (LS V3) is an episode of its own with RNE S, not "
                f"{e.rne or 'blank'} (DfE rule 366): imported as it is",
            )  # fmt: skip
    if e.place == "P1" and e.ls == "V2":
        yield _at(
            e, "LS", e.ls, "s20_with_parents",
            "a child placed with parents (P1) cannot be accommodated under s20 (V2) "
            "(DfE rule 378): imported as it is",
        )  # fmt: skip


def _status_limits(episodes: Sequence[Episode], year: int) -> Iterator[Issue]:
    """Rules 361-364: a legal status with a time limit, over a run of episodes that follow
    on the same day (an open one runs to the end of the return)."""
    run: list[Episode] = []
    for e in [*episodes, None]:
        if run and (
            e is None or e.ls != run[-1].ls or run[-1].dec is None or run[-1].dec != e.decom
        ):
            first, last = run[0], run[-1]
            days, rule, what = STATUS_LIMIT[first.ls]
            end = last.dec or date(year, 3, 31)
            if (end - first.decom).days > days:
                for r in run:
                    yield _at(
                        r, "LS", r.ls, "status_too_long",
                        f"LS {r.ls}, {what}, lasts {(end - first.decom).days} days from "
                        f"{_d(first.decom)} to {_d(end)} (DfE rule {rule}): imported; the "
                        "legal status is read as recorded",
                    )  # fmt: skip
            run = []
        if e is not None and e.ls in STATUS_LIMIT:
            run.append(e)


def _short_breaks_in_year(episodes: Sequence[Episode], year: int) -> Iterator[Issue]:
    """Rule 367: at most 75 days of short breaks (V3) in the return's year."""
    start, end = date(year - 1, 4, 1), date(year, 3, 31)
    days = {
        e: (min(e.dec or end, end) - max(e.decom, start)).days for e in episodes if e.ls == "V3"
    }
    counted = [e for e, d in days.items() if d > 0]
    total = sum(days[e] for e in counted)
    if total > SHORT_BREAKS_A_YEAR:
        for e in counted:
            yield _at(
                e, "LS", e.ls, "short_breaks_over_75_days",
                f"the child's short breaks (LS V3) add up to {total} days in the "
                f"{year_label(year)} return, more than {SHORT_BREAKS_A_YEAR} (DfE rule 367): "
                "imported as recorded",
            )  # fmt: skip


def _holiday_moves(episodes: Sequence[Episode]) -> Iterator[Issue]:
    """Rule 377: at most two temporary moves for a carer's holiday (T3) in 12 months."""
    t3 = [e for e in episodes if e.place == "T3"]
    flagged: set[int] = set()
    for i in range(HOLIDAY_MOVES_A_YEAR, len(t3)):
        window = t3[i - HOLIDAY_MOVES_A_YEAR : i + 1]
        if (window[-1].decom - window[0].decom).days < 365:
            flagged.update(range(i - HOLIDAY_MOVES_A_YEAR, i + 1))
    for i in sorted(flagged):
        yield _at(
            t3[i], "PLACE", "T3", "holiday_moves_over_two",
            f"more than {HOLIDAY_MOVES_A_YEAR} temporary moves for a foster carer's holiday "
            "(T3) within 12 months (DfE rule 377): imported as recorded",
        )  # fmt: skip
