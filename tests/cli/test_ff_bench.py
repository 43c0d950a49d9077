"""`placematch family-find bench`: a Markdown row per round and seed, with blocking pairs
split by what they cost (issue 18)."""

from __future__ import annotations

from tests.cli.helpers import run


def test_bench_prints_a_row_per_round_with_the_blocking_split() -> None:
    r = run(
        "family-find",
        "bench",
        *("--seed", "1", "--runs", "1", "--children", "40", "--adopters", "15"),
        *("--time-limit", "2"),
    )
    assert r.returncode == 0, r.stderr
    header = next(line for line in r.stdout.splitlines() if line.startswith("| seed"))
    assert "price of priority" in header and "same tier" in header
    rows = [line.split(" | ") for line in r.stdout.splitlines() if line.startswith("| 1 ")]
    names = [row[3] for row in rows]
    assert names == [
        "round",
        "deferred acceptance",
        "priority-aware deferred acceptance",
        "officer-style pass",
    ]
    for row in rows:
        total, priority, tier, other = (int(x) for x in row[7:11])
        assert total == priority + tier + other
    assert [row[7] for row in rows][1] == "0"  # deferred acceptance is stable
