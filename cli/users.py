"""`placematch users`: make, list, revoke and reactivate the people who may use the API.

The database is DATABASE_URL (or --database-url), else ./placematch.db, brought up to
date before use. A new user's token, and the new token of a reactivated one, goes to
stdout alone, once (so a script can capture it); it is stored only hashed and cannot be
shown again. Bad input exits with code 2
before anything is opened or written.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from cli.common import EXIT_UNKNOWN_ID, EXIT_USAGE, DatabaseUrl, fail, open_database

users_app = typer.Typer(
    help="Users of the API and their tokens.", no_args_is_help=True, add_completion=False
)
err = Console(stderr=True)
out = Console()


@users_app.command("create")
def create(
    name: Annotated[str, typer.Option(help="The person's name.")],
    role: Annotated[str, typer.Option(help="placement_officer, family_finder, planner or admin.")],
    la: Annotated[
        list[str], typer.Option(help="An LA whose children they see (repeat for several).")
    ],
    database_url: DatabaseUrl = None,
) -> None:
    """Create a user and print their token (once)."""
    import store

    faults = []
    if not name.strip():
        faults.append("--name must not be empty")
    if role not in store.ROLES:
        faults.append(f"--role {role!r} is not a role (expected one of: {', '.join(store.ROLES)})")
    faults += [f"--la {x!r} is not a known LA name" for x in la if x not in store.known_las()]
    if faults:
        fail("; ".join(faults), EXIT_USAGE)
    engine = open_database(database_url)
    try:
        with store.transaction(engine) as session:
            user, token = store.create_user(session, name, role, la)
    except store.StoreError as exc:
        fail(str(exc), EXIT_USAGE)
    finally:
        engine.dispose()
    _show_token(f"created user {user.id} ({role}; {', '.join(user.las)}). The token", token)


@users_app.command("list")
def list_(database_url: DatabaseUrl = None) -> None:
    """List users (never their tokens)."""
    import store

    engine = open_database(database_url)
    with store.transaction(engine, write=False) as session:
        for u in store.list_users(session):
            state = "" if u.active else "  (revoked)"
            out.print(
                f"{u.id}\t{u.role}\t{', '.join(u.las)}\t{u.name}{state}",
                highlight=False,
                soft_wrap=True,
                markup=False,
            )
    engine.dispose()


@users_app.command("revoke")
def revoke(
    user_id: Annotated[int, typer.Argument(help="The user's id (see `users list`).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke a user's token; their record and audit trail stay."""
    import store

    engine = open_database(database_url)
    try:
        with store.transaction(engine) as session:
            store.deactivate_user(session, user_id, by=None)
    except store.NotFound:
        fail(f"no user {user_id}", EXIT_UNKNOWN_ID)
    finally:
        engine.dispose()
    err.print(f"revoked user {user_id}", highlight=False, soft_wrap=True)


@users_app.command("reactivate")
def reactivate(
    user_id: Annotated[int, typer.Argument(help="The revoked user's id (see `users list`).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Let a revoked user sign in again and print their new token (once); the revoked
    token stays dead."""
    import store

    engine = open_database(database_url)
    try:
        with store.transaction(engine) as session:
            user, token = store.reactivate_user(session, user_id, by=None)
    except store.NotFound:
        fail(f"no user {user_id}", EXIT_UNKNOWN_ID)
    except store.Conflict as exc:
        fail(str(exc), EXIT_USAGE)
    finally:
        engine.dispose()
    _show_token(
        f"reactivated user {user.id} ({user.role}; {', '.join(user.las)}). The new token", token
    )


def _show_token(what: str, token: str) -> None:
    """The token on stdout (alone, for a script), and `what` it is on stderr."""
    err.print(f"{what} below is shown only now: keep it safe.", highlight=False, soft_wrap=True)
    out.print(token, highlight=False, markup=False, soft_wrap=True)
