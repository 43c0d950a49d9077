"""The DfE validator's own virtual environment, built once and reused.

`csc-validator-be-903` pins pandas 1.5 and numpy 1.24, which the product cannot share
(it runs pandas 2), so the validator lives in a venv of its own, made with the Python
that runs the product and filled by pip from the package registry. The version is
pinned: a new release can add or change rules, and the check's `EXPLAINED` list is
written against this one. A venv that already holds the pinned version is reused; any
other (missing, half-built, another version) is built afresh beside it and moved into
place only when pip has finished, so an interrupted build is never taken for a good one.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ENV_VAR", "PACKAGE", "VERSION", "default_place", "validator_python"]

PACKAGE = "csc-validator-be-903"
VERSION = "0.1.17"
#: Where the venv is, if not in the user's cache (e.g. a CI cache directory).
ENV_VAR = "PLACEMATCH_VENV_903"


def default_place() -> Path:
    """$PLACEMATCH_VENV_903, else ~/.cache/placematch/venv-903-<version>."""
    given = os.environ.get(ENV_VAR)
    if given:
        return Path(given).expanduser()
    return Path.home() / ".cache" / "placematch" / f"venv-903-{VERSION}"


def _python(place: Path) -> Path:
    return place / "bin" / "python"


def installed_version(place: Path) -> str | None:
    """The validator's version in the venv at `place`, or None (no venv, no validator)."""
    python = _python(place)
    if not python.exists():
        return None
    probe = f"from importlib.metadata import version; print(version({PACKAGE!r}))"
    done = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=False, timeout=60
    )
    return done.stdout.strip() if done.returncode == 0 else None


def validator_python(
    place: Path | None = None, *, say: Callable[[str], None] = lambda _: None
) -> Path:
    """The Python of a venv holding the pinned validator: the one at `place` (default
    `default_place()`) if it has that version, else one built there now. Raises
    RuntimeError, with pip's last lines, if the build fails."""
    place = place or default_place()
    if installed_version(place) == VERSION:
        return _python(place)
    place.parent.mkdir(parents=True, exist_ok=True)
    with _locked(place.parent / f".{place.name}.lock"):
        if installed_version(place) != VERSION:  # another process may have built it
            say(f"building the validator's venv ({PACKAGE}=={VERSION}) in {place}")
            _build_in_place(place)
    if installed_version(place) != VERSION:
        raise RuntimeError(f"{place} was built but does not hold {PACKAGE}=={VERSION}")
    return _python(place)


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path` (test processes may ask for the venv at once)."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build_in_place(place: Path) -> None:
    """Build in a staging folder beside `place`, then move it there (a venv whose pip
    was interrupted is never left at `place`)."""
    building = Path(tempfile.mkdtemp(prefix=f".{place.name}-", dir=place.parent))
    try:
        _build(building)
        if place.exists():
            shutil.rmtree(place)
        building.rename(place)  # only `bin/python -m ...` is used: a moved venv serves
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def _build(place: Path) -> None:
    """A fresh venv at `place` with the validator installed by pip."""
    _run([sys.executable, "-m", "venv", "--clear", str(place)])
    _run([str(_python(place)), "-m", "pip", "install", "--quiet", f"{PACKAGE}=={VERSION}"])


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-8:])
        raise RuntimeError(f"{' '.join(command[:4])} ... failed ({done.returncode}):\n{tail}")
