"""What must hold in the database after any load or fault: one place, as SQL.

Each invariant is a query that selects the rows breaking it (none when it holds), so a
report can name them. They read the tables only, on SQLite and PostgreSQL alike, and
assert what the service promises. What needs to know which import a fault killed
(imports are written in chunks with a state on the import row) is a function of its
own below, `unfinished_imports`, read by the import fault.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, bindparam, text

from store.models import Proposal, utcnow

#: The most offending rows a report names per invariant.
SHOWN = 5


@dataclass(frozen=True)
class Invariant:
    name: str
    rule: str  # what holds, in a sentence
    sql: str  # selects the rows that break it


@dataclass(frozen=True)
class Broken:
    invariant: Invariant
    rows: tuple[tuple[object, ...], ...]

    def __str__(self) -> str:
        shown = "; ".join(", ".join(map(str, r)) for r in self.rows[:SHOWN])
        more = f" (and {len(self.rows) - SHOWN} more)" if len(self.rows) > SHOWN else ""
        return f"{self.invariant.name}: {self.invariant.rule} Broken by: {shown}{more}"


def _audited(action: str, object_id: str, child: str | None = None) -> str:
    """An EXISTS naming the audit entry of `action` about `object_id` (and `child`)."""
    about = f" AND ac.child_id = {child}" if child else ""
    join = " JOIN audit_child ac ON ac.audit_id = a.id" if child else ""
    return (
        f"EXISTS (SELECT 1 FROM audit a{join} WHERE a.action = '{action}' "
        f"AND a.object_id = CAST({object_id} AS VARCHAR(64)){about})"
    )


_LIVE_HOLDS = (
    "SELECT household_id, SUM(places - over_capacity) AS held FROM proposal "
    "WHERE status = 'proposed' AND hold_until > :now GROUP BY household_id"
)

INVARIANTS: tuple[Invariant, ...] = (
    Invariant(
        "vacancies_within_places",
        "No household has fewer than 0 free places or more free places than approved.",
        "SELECT id, vacancies, places FROM household WHERE vacancies < 0 OR vacancies > places",
    ),
    Invariant(
        "places_cover_children",
        "Free places and children placed within the approved places fit in those places.",
        "SELECT h.id, h.vacancies, h.places, COUNT(p.id) FROM household h "
        "JOIN placement p ON p.household_id = h.id AND p.ended_on IS NULL "
        "AND NOT p.over_capacity GROUP BY h.id, h.vacancies, h.places "
        "HAVING h.vacancies + COUNT(p.id) > h.places",
    ),
    Invariant(
        "holds_within_vacancies",
        "Live holds on a household never exceed its free places.",
        f"SELECT h.id, h.vacancies, l.held FROM household h JOIN ({_LIVE_HOLDS}) l "
        "ON l.household_id = h.id WHERE l.held > h.vacancies",
    ),
    Invariant(
        "one_current_placement",
        "No child has two current placements.",
        "SELECT child_id, COUNT(*) FROM placement WHERE ended_on IS NULL "
        "GROUP BY child_id HAVING COUNT(*) > 1",
    ),
    Invariant(
        "one_open_referral",
        "No child has two open referrals.",
        "SELECT child_id, COUNT(*) FROM referral WHERE status = 'open' "
        "GROUP BY child_id HAVING COUNT(*) > 1",
    ),
    Invariant(
        "proposal_has_children",
        "Every proposal names its children (written with it).",
        "SELECT pr.id FROM proposal pr WHERE NOT EXISTS "
        "(SELECT 1 FROM proposal_child pc WHERE pc.proposal_id = pr.id)",
    ),
    Invariant(
        "confirmed_proposal_placed",
        "Every child of a confirmed proposal has the placement it started.",
        "SELECT pc.proposal_id, pc.child_id FROM proposal_child pc "
        "JOIN proposal pr ON pr.id = pc.proposal_id WHERE pr.status = 'confirmed' "
        "AND NOT EXISTS (SELECT 1 FROM placement p WHERE p.proposal_id = pr.id "
        "AND p.child_id = pc.child_id)",
    ),
    Invariant(
        "placement_from_confirmed_proposal",
        "A placement started by a proposal belongs to a confirmed one.",
        "SELECT p.id, pr.id, pr.status FROM placement p JOIN proposal pr "
        "ON pr.id = p.proposal_id WHERE pr.status <> 'confirmed'",
    ),
    Invariant(
        "confirmed_within_hold",
        "No proposal was confirmed after its hold had lapsed.",
        "SELECT id, decided_at, hold_until FROM proposal "
        "WHERE status = 'confirmed' AND decided_at > hold_until",
    ),
    Invariant(
        "placed_referral_closed",
        "A placed child's referral is closed with a time (confirm wrote it whole).",
        "SELECT id, child_id FROM referral WHERE status <> 'open' AND closed_at IS NULL",
    ),
    Invariant(
        "proposal_audited",
        "Every proposal has its proposal.create audit entry (proposal.refuse for one kept "
        "as refused by the hard rules).",
        f"SELECT pr.id FROM proposal pr WHERE NOT {_audited('proposal.create', 'pr.id')} "
        f"AND NOT (pr.status = 'refused' AND {_audited('proposal.refuse', 'pr.id')})",
    ),
    Invariant(
        "placement_audited",
        "Every placement has the proposal.confirm entry naming its child.",
        "SELECT p.id, p.child_id FROM placement p WHERE p.proposal_id IS NOT NULL AND NOT "
        + _audited("proposal.confirm", "p.proposal_id", "p.child_id"),
    ),
    Invariant(
        "decline_audited",
        "Every declined proposal has its proposal.decline entry.",
        "SELECT pr.id FROM proposal pr WHERE pr.status = 'declined' AND NOT "
        + _audited("proposal.decline", "pr.id"),
    ),
    Invariant(
        "ended_placement_audited",
        "Every ended placement has its placement.end entry.",
        "SELECT p.id FROM placement p WHERE p.ended_on IS NOT NULL AND NOT "
        + _audited("placement.end", "p.id"),
    ),
    Invariant(
        "referral_audited",
        "Every referral a user opened has its referral.open entry.",
        "SELECT r.id FROM referral r WHERE r.opened_by IS NOT NULL AND NOT "
        + _audited("referral.open", "r.id"),
    ),
    Invariant(
        "import_audited",
        "Every SSDA903 import that wrote children has a child.import entry naming it.",
        "SELECT i.id FROM ssda903_import i WHERE i.created + i.updated > 0 AND NOT "
        + _audited("child.import", "i.id"),
    ),
    Invariant(
        "import_entry_has_import",
        "Every child.import entry names an import that was written.",
        "SELECT a.id, a.object_id FROM audit a WHERE a.action = 'child.import' AND NOT EXISTS "
        "(SELECT 1 FROM ssda903_import i WHERE CAST(i.id AS VARCHAR(64)) = a.object_id)",
    ),
)


def check_invariants(
    engine: Engine,
    invariants: Sequence[Invariant] = INVARIANTS,
    *,
    now: datetime | None = None,
) -> list[Broken]:
    """Every invariant that does not hold, with the rows that break it."""
    # sqlmodel does not declare the `__table__` SQLAlchemy gives every table model.
    hold_type = Proposal.__table__.c.hold_until.type  # type: ignore[attr-defined]
    broken = []
    with engine.connect() as conn:
        for inv in invariants:
            query = text(inv.sql)
            if ":now" in inv.sql:
                query = query.bindparams(bindparam("now", now or utcnow(), type_=hold_type))
            rows = tuple(tuple(r) for r in conn.execute(query))
            if rows:
                broken.append(Broken(inv, rows))
    return broken


# --- Switched on after the chunked imports land (issue 13, imports) -------------------

#: The column and values the chunked imports record on `ssda903_import`.
IMPORT_STATE_COLUMN = "state"
IMPORT_DONE = "done"


def unfinished_imports(engine: Engine) -> list[tuple[object, ...]]:
    """Imports not marked done (id, state): after a kill mid-import, the one killed must
    be here, marked as not finished, and none other."""
    sql = (
        f"SELECT id, {IMPORT_STATE_COLUMN} FROM ssda903_import "
        f"WHERE {IMPORT_STATE_COLUMN} <> :done ORDER BY id"
    )
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql), {"done": IMPORT_DONE})]
