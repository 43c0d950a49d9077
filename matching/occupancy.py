"""Who is placed where, and whether one more child (or sibling group) fits there.

The one place that knows the rules about a whole result: capacity, and who a child can
live alongside. The solver builds its starting solutions with it.
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
