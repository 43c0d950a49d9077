"""`python -m bench.cpu_sample`: a command's CPU by kind of process."""

from __future__ import annotations

import sys

import pytest

from bench.cpu_sample import kind, main, sample


def test_processes_are_named_by_what_they_are() -> None:
    assert kind(["/usr/lib/chromium/chromium", "--type=renderer", "--lang=en"]) == (
        "chromium renderer"
    )
    assert kind(["/usr/lib/chromium/chromium", "--headless"]) == "chromium browser"
    assert kind(["python", "-m", "api.comparison_child", "/tmp/x"]) == "comparison child"
    assert kind(["python", "-m", "cli", "serve", "--port", "1"]) == "placematch serve"
    assert kind([]) == "other: (no command line)"


def test_a_child_that_burns_cpu_is_counted() -> None:
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 1.5: pass"
    wall, code, used = sample([sys.executable, "-c", burn])
    assert code == 0 and wall >= 1.5
    assert 1.0 <= sum(used.values()) <= wall + 1


def test_without_a_command_it_says_how(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2 and "usage" in capsys.readouterr().err
