"""Where a command's CPU goes, by kind of process: `python -m bench.cpu_sample -- CMD...`.

Runs CMD and samples every process on the machine twice a second (psutil), keeping each
one's latest user + system time and what it is (a test process, Chromium's renderer, a
server the tests started, a comparison's child, PostgreSQL…); at the end prints the CPU
seconds each kind used while CMD ran. Made to see why the test suite takes the time it
does on two cores (docs/benchmarks.md, "Test suite: where two cores go"); a process that
lives less than half a second may be missed, and one that ends loses its last half
second, so the figures are a little low.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Sequence

import psutil

#: A process's kind, from its command line: the first pattern found names it.
KINDS: tuple[tuple[str, str], ...] = (
    ("comparison child", "api.comparison_child"),
    ("postgres", "postgres"),
    ("ray", "ray"),
    ("playwright driver", "playwright"),
    ("placematch serve", "cli serve"),
    ("uvicorn", "uvicorn"),
    ("python -m cli", "-m cli"),
    ("test process (xdist)", "sys.stdin.readline"),
    ("solver worker (spawn)", "multiprocessing.spawn"),
    ("pytest", "pytest"),
)
EVERY_S = 0.5


def kind(cmdline: Sequence[str]) -> str:
    """What a process is, from its command line."""
    text = " ".join(cmdline)
    if "chrom" in text:  # Chromium: the browser itself, or one of its helpers by type
        found = re.search(r"--type=([a-z-]+)", text)
        return f"chromium {found.group(1) if found else 'browser'}"
    for name, pattern in KINDS:
        if pattern in text:
            return name
    return "other: " + (text[:50] or "(no command line)")


def sample(command: Sequence[str]) -> tuple[float, int, dict[str, float]]:
    """Run `command`; its wall time, exit code and the CPU seconds by kind of process
    started while it ran."""
    before = {p.pid for p in psutil.process_iter()}
    latest: dict[tuple[int, float], tuple[str, float]] = {}
    began = time.monotonic()
    proc = subprocess.Popen(command)
    while proc.poll() is None:
        for p in psutil.process_iter(["pid", "cmdline", "create_time"]):
            if p.info["pid"] in before:
                continue  # not the command's: it was there before
            try:
                cpu = p.cpu_times()
            except psutil.Error:
                continue
            key = (p.info["pid"], p.info["create_time"])
            latest[key] = (kind(p.info["cmdline"] or []), cpu.user + cpu.system)
        time.sleep(EVERY_S)
    used: defaultdict[str, float] = defaultdict(float)
    for name, seconds in latest.values():
        used[name] += seconds
    return time.monotonic() - began, proc.returncode, dict(used)


def main(argv: Sequence[str]) -> int:
    if "--" not in argv or argv.index("--") == len(argv) - 1:
        print("usage: python -m bench.cpu_sample -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    wall, code, used = sample(argv[argv.index("--") + 1 :])
    total = sum(used.values())
    print(f"wall {wall:.0f} s, exit code {code}; CPU {total:.0f} s ({total / wall:.2f} cores)")
    for name, seconds in sorted(used.items(), key=lambda kv: -kv[1]):
        if seconds >= 0.5:
            print(f"{seconds:8.1f} s  {name}")
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
