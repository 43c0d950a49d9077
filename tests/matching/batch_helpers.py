"""What the batch solver's unit tests share: a model built as `solve` builds it, an
assignment in ids and from ids, and the sibling exchange problem."""

from __future__ import annotations

from typing import Any

import numpy as np

import matching
from matching.batch.model import AssignmentModel
from matching.batch.relaxation import relax
from matching.pairs import PairTable
from matching.ranking import MatchingContext
from matching.solver import candidates
from tests.conftest import carer, child, doc, group


def model_of(document: dict[str, Any]) -> AssignmentModel:
    """The assignment model of a problem document, kept pairs chosen as `solve` does."""
    p = matching.load_problem(document)
    pairs = PairTable(MatchingContext(p))
    urgency = [c.urgency for c in pairs.children]
    relaxed = relax(pairs.eligible, pairs.quality, pairs.vacancies, urgency)
    keep, must = candidates(pairs, relaxed)
    return AssignmentModel(pairs, keep, must)


def ids_of(model: AssignmentModel, x: np.ndarray) -> dict[str, str]:
    """An assignment vector as child id -> carer id."""
    table = model.pairs.ctx.table
    return {model.children[c].id: table.carers[h].id for c, h in model.assignment(x).items()}


def assign(model: AssignmentModel, placed: dict[str, str]) -> np.ndarray:
    """The assignment vector of child id -> carer id."""
    index = {c.id: i for i, c in enumerate(model.children)}
    carer_index = {h.id: i for i, h in enumerate(model.pairs.ctx.table.carers)}
    return model.values({index[c]: carer_index[h] for c, h in placed.items()})


def exchange_problem() -> dict[str, Any]:
    """Brothers C1 and C2 (`should`) are apart in B and D; the only household with room
    for both, A, is taken by X and Y (age 4, who can live only in A). Bringing the
    brothers together costs X and Y their places, but U1 and U2 (as urgent) can then
    have B and D: as many children placed in each tier, one more group together."""
    kids = [
        child("C1", age=12, sex="M", urgency="urgent"),
        child("C2", age=13, sex="M", urgency="urgent"),
        child("X", age=4, urgency="planned"),
        child("Y", age=4, urgency="planned"),
        child("U1", age=11, urgency="planned"),
        child("U2", age=11, urgency="planned"),
    ]
    homes = [
        carer("A", vacancies=2),
        carer("B", min_age=10),
        carer("D", min_age=10),
    ]
    return doc(kids, homes, [group("G1", ["C1", "C2"], "should")])
