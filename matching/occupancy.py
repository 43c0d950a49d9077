"""Who is placed where, and whether one more child (or sibling group) fits there.

The one place that knows the rules about a whole result: capacity, and who a child can
live alongside. The solver's starting solution, the baselines and result checks use it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from children.model import Child


class Occupancy:
    """Children placed per carer, against the carers' free places."""

    def __init__(self, children: Sequence[Child], vacancies: np.ndarray) -> None:
        self.children = children
        self.vacancies = vacancies
        self.at: dict[int, list[int]] = defaultdict(list)
        self.carer_of: dict[int, int] = {}

    def fits(self, members: Sequence[int], carer: int) -> bool:
        """Room for all `members` at `carer`, and nobody there they cannot live with."""
        here = self.at.get(carer, [])
        if len(here) + len(members) > self.vacancies[carer]:
            return False
        return not any(
            self.children[m].cannot_live_with(self.children[o]) for m in members for o in here
        )

    def place(self, members: Sequence[int], carer: int) -> None:
        for m in members:
            self.at[carer].append(m)
            self.carer_of[m] = carer

    def remove(self, child: int) -> None:
        carer = self.carer_of.pop(child)
        self.at[carer].remove(child)


def result_violations(
    children: Sequence[Child], vacancies: np.ndarray, carer_of: dict[int, int]
) -> list[str]:
    """Breaches of the result-level rules in an assignment (empty when it is sound)."""
    at: dict[int, list[int]] = defaultdict(list)
    for c, h in carer_of.items():
        at[h].append(c)
    out = []
    for h, kids in at.items():
        if len(kids) > vacancies[h]:
            out.append(f"carer #{h}: {len(kids)} children for {vacancies[h]} place(s)")
        for i, a in enumerate(kids):
            for b in kids[i + 1 :]:
                if children[a].cannot_live_with(children[b]):
                    out.append(
                        f"carer #{h}: {children[a].id} and {children[b].id} cannot live together"
                    )
    return out
