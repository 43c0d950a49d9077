"""The placematch command line."""
