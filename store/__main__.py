"""`python -m store upgrade | revision MESSAGE`: migrations for developers.

`upgrade` brings DATABASE_URL (or ./placematch.db) to the newest schema. `revision`
writes a new migration in store/migrations/versions by comparing the models with a
scratch SQLite database built from the existing migrations; read and edit what it
writes (autogenerate sees neither triggers nor CHECK constraints) before committing.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command

from store.db import alembic_config, migrate


def main(argv: list[str]) -> int:
    if argv[:1] == ["upgrade"]:
        migrate(argv[1] if len(argv) > 1 else None)
        return 0
    if argv[:1] == ["revision"] and len(argv) == 2:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'scratch.db'}"
            migrate(url)
            command.revision(alembic_config(url), message=argv[1], autogenerate=True)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
