"""The demo database: what `placematch serve` puts into an empty database.

The demo region (the same as `placematch demo`: West Yorkshire, 300 referrals, 900
households, seed 0), the generated West Yorkshire adoption agency (240 children waiting,
100 adopters) and Leeds's 903 extract, with demo accounts (a Leeds placement officer, a
Leeds manager (admin), a family-finder and a planner of the five West Yorkshire LAs).
Here, below the command line, so that both `placematch serve` and the soak (bench/)
prepare a database the same way.

The regions are generated as of the day the database is prepared (the same children,
households and adopters as `placematch demo`'s, their dates moved to that day), and each
referral is dated as the region says it was made (synth.referred): an emergency in the
last few days and needed now, a planned move referred weeks ahead, an adoption plan's
child since their plan started. So the referral list's waiting times, needed-by dates
and order read as they would in an LA.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from synth import WEST_YORKSHIRE

if TYPE_CHECKING:
    from sqlmodel import Session

    from store.ssda903_write import Saved

DEMO_LA = "Leeds"
#: Name, role and LAs of each demo user (the family-finder's agency spans five LAs).
DEMO_USERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Demo officer", "placement_officer", (DEMO_LA,)),
    ("Demo manager", "admin", (DEMO_LA,)),
    ("Demo family-finder", "family_finder", WEST_YORKSHIRE),
    ("Demo planner", "planner", WEST_YORKSHIRE),
)


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def prepare_demo(
    url: str,
    *,
    reload_demo: bool = False,
    demo_tokens: bool = False,
    load_demo: bool = True,
    say: Callable[[str], None] = lambda _m: None,
) -> dict[str, str]:
    """Bring the database at `url` up to date; on an empty one (no children, households
    or users; `reload_demo` empties an SQLite file first) load the demo region and make
    the demo accounts. `demo_tokens` revokes the demo accounts' tokens and makes new
    ones on any database. Returns a token per demo role made now: none on a database
    that already had records, unless asked (a restart never mints or shows a token)."""
    import store

    if reload_demo:
        _remove_sqlite_file(url)
    engine = store.make_engine(url)
    try:
        store.migrate(engine=engine)
        with store.transaction(engine) as s:
            empty = _is_empty(s)
            if empty and load_demo:
                _load_demo_region(s, say)
            if (empty and load_demo) or demo_tokens:
                return _new_demo_accounts(s)
    finally:
        engine.dispose()
    return {}


def _remove_sqlite_file(url: str) -> None:
    from sqlalchemy.engine import make_url

    import store

    parsed = make_url(store.database_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise ValueError("--reload-demo starts an SQLite file again; not for this database")
    for suffix in ("", "-wal", "-shm"):
        Path(parsed.database + suffix).unlink(missing_ok=True)


def _is_empty(session: Session) -> bool:
    """No record and no account: nobody's data, so the demo may go in."""
    import store

    return not (
        store.list_children(session, limit=1)
        or store.list_households(session, limit=1)
        or store.list_users(session)
    )


def _load_demo_region(session: Session, say: Callable[[str], None]) -> None:
    import store
    from synth import generate_region
    from synth.adoption import generate_adoption_region
    from synth.referred import referred_at

    today = datetime.now(UTC).date()
    say("loading the demo region: West Yorkshire, 300 referrals, 900 households")
    region = generate_region(300, 900, seed=0, as_of=today)
    summary = store.load_problem(session, region, by=None, referred_at=referred_at(region))
    say(f"loaded {summary.children} children and {summary.households} households")
    say("loading the demo adoption agency: 240 children waiting, 100 adopters")
    agency = generate_adoption_region(seed=0, as_of=today)
    summary = store.load_problem(session, agency, by=None, referred_at=referred_at(agency))
    say(f"loaded {summary.children} children and {summary.households} adopters")
    say(f"importing {DEMO_LA}'s SSDA903 extract (a generated standing population)")
    saved = _import_demo_903(session)
    say(f"imported {len(saved.created)} children looked after, with their care records")


def _new_demo_accounts(session: Session) -> dict[str, str]:
    """Revoke every active demo account and make them again: a token per role."""
    import store

    names = {name for name, _, _ in DEMO_USERS}
    for user in store.list_users(session):
        if user.active and user.name in names and user.id is not None:
            store.deactivate_user(session, user.id, by=None)
    tokens = {}
    for name, role, las in DEMO_USERS:
        _, tokens[role] = store.create_user(session, name, role, list(las))
    return tokens


def _import_demo_903(session: Session) -> Saved:
    """The demo LA's children looked after now, as its 903 extract would bring them in
    (synth.looked_after, written and read back as the files an LA would send), so the
    baseline, care records and a 903 scenario have something to show."""
    import ssda903
    from store.ssda903 import save_import
    from synth.looked_after import generate_looked_after

    pop = generate_looked_after(None, seed=0, las=(DEMO_LA,))
    with tempfile.TemporaryDirectory() as tmp:
        pop.write(tmp)
        folder = Path(tmp) / DEMO_LA
        files = sorted(p.name for p in folder.iterdir())
        imported = ssda903.import_extract(ssda903.read_extract(folder), la=DEMO_LA, as_of=pop.as_of)
    return save_import(session, imported, by=None, files=files)
