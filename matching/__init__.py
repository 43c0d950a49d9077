"""Matching: eligibility (hard rules), scoring (soft criteria with reasons), ranked
matches and the CP-SAT batch solver.

The Python API for other tools::

    import matching
    problem = matching.load_problem("problem.json")      # or a dict
    ranking = matching.rank(problem, "C-0001", top=20)   # .to_dict()
    result = matching.solve(problem)                     # .to_dict()
    # with problem.policy.wait_for_better: result.held_back (matching.wait)

The package's folders show its subsystems: the contract (`problem`, `result`,
`schema/`); one pair at a time (`eligibility`, `scoring`, `table`, `ranking`,
`unplaced`); data shared by batch methods (`pairs`, `occupancy`); the optimiser
(`solver` and its private internals); the yardsticks (`yardsticks/`: baselines and
stability); and family-finding for adoption (`family_finding/`). This module only
re-exports the public API.
"""

from __future__ import annotations

from matching.eligibility import RULES, assess
from matching.loading import load_problem
from matching.problem import Policy, Problem, ProblemInvalid, ProblemIssue, parse_problem
from matching.ranking import CarerRanking, MatchingContext, Ranking, rank, rank_children
from matching.result import SolveResult
from matching.solver import solve
from matching.wait import HeldBack, hold_back

__all__ = [
    "RULES",
    "CarerRanking",
    "HeldBack",
    "MatchingContext",
    "Policy",
    "Problem",
    "ProblemInvalid",
    "ProblemIssue",
    "Ranking",
    "SolveResult",
    "assess",
    "hold_back",
    "load_problem",
    "parse_problem",
    "rank",
    "rank_children",
    "solve",
]
