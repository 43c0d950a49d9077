"""Who is placed where, and whether one more child (or sibling group) fits there.

The one place that knows the rules about a whole result: capacity, who a child can
live alongside, and that an adopter takes one family. The solver builds its starting
solutions with it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from children.model import Child
from matching.pairs import PairTable


class Occupancy:
    """Children placed per carer, against the carers' free places."""

    def __init__(
        self,
        children: Sequence[Child],
        vacancies: np.ndarray,
        one_family: np.ndarray | None = None,
        family: Sequence[str] | None = None,
    ) -> None:
        self.children = children
        self.vacancies = vacancies
        #: Carers (adopters) that take one family only, and each child's family.
        self.one_family = one_family
        self.family = family
        self.at: dict[int, list[int]] = defaultdict(list)
        self.carer_of: dict[int, int] = {}

    def fits(self, members: Sequence[int], carer: int) -> bool:
        """Room for all `members` at `carer`, and nobody there they cannot live with."""
        here = self.at.get(carer, [])
        if len(here) + len(members) > self.vacancies[carer]:
            return False
        if here and self.one_family is not None and self.one_family[carer]:
            assert self.family is not None
            if any(self.family[m] != self.family[here[0]] for m in members):
                return False
        return not any(
            self.children[m].cannot_live_with(self.children[o]) for m in members for o in here
        )

    @classmethod
    def of(cls, pairs: PairTable) -> Occupancy:
        """An empty occupancy over a problem's children and carers."""
        return cls(pairs.children, pairs.vacancies, pairs.one_family, pairs.family)

    def place(self, members: Sequence[int], carer: int) -> None:
        for m in members:
            self.at[carer].append(m)
            self.carer_of[m] = carer

    def remove(self, child: int) -> None:
        carer = self.carer_of.pop(child)
        self.at[carer].remove(child)
