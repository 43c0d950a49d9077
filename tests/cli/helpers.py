"""Two ways to run the CLI in a test.

`run` calls the command in this process (typer's CliRunner): the same arguments, exit
code, standard output and standard error as a user sees, without a new Python process
importing OR-Tools, FastAPI and pandas (about a second each time). An exception the
command lets escape comes back as the traceback on standard error and exit code 1, as
the interpreter would print it, so "no traceback" is still checked.

`run_process` is `python -m cli ...` in a child process, as the README runs it: each
command family keeps at least one test through it (the entry point, the real exit code,
output flushed by a real process).
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from contextlib import chdir, nullcontext
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app


def run(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`placematch ARGS` in this process, answered as `run_process` answers."""
    with chdir(cwd) if cwd is not None else nullcontext():
        result = CliRunner().invoke(app, list(args), env=env, prog_name="placematch")
    stderr = result.stderr
    code = result.exit_code
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        stderr += "".join(traceback.format_exception(result.exception))
        code = 1
    return subprocess.CompletedProcess(["placematch", *args], code, result.stdout, stderr)


def run_process(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m cli ARGS` in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=os.environ | env if env else None,
        timeout=300,
    )
