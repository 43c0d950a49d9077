"""The throwaway PostgreSQL cluster the tests start: it lives in bench/postgres.py, which
`placematch soak` shares; kept importable here for the tests."""

from bench.postgres import Cluster, find_bin_dir

__all__ = ["Cluster", "find_bin_dir"]
