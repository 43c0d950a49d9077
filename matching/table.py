"""Carers as columns, so a rule or a score is one array operation over every household.

Built once per problem; one child against tens of thousands of households is then a
handful of numpy expressions instead of a Python loop over pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from carers.model import Household
from geo import Gazetteer, gazetteer
from vocab import CONTACT, KINDS, NEED_LEVELS, NEEDS, UNCERTAINTIES, ethnic_group

NEED_BIT: dict[str, int] = {n: 1 << i for i, n in enumerate(NEEDS)}
KIND_INDEX: dict[str, int] = {k: i for i, k in enumerate(KINDS)}
NO_CHILD_YOUNGEST = 99
NO_CHILD_OLDEST = -1
#: A need's level as a number: 0 for a need an adopter has not said they could manage,
#: then low, medium, high (a skill counts as high).
LEVEL_RANK: dict[str, int] = {level: i + 1 for i, level in enumerate(NEED_LEVELS)}
HIGH = LEVEL_RANK["high"]


UNCERTAINTY_BIT: dict[str, int] = {u: 1 << i for i, u in enumerate(UNCERTAINTIES)}
CONTACT_BIT: dict[str, int] = {k: 1 << i for i, k in enumerate(CONTACT)}


def need_mask(needs: frozenset[str] | Sequence[str]) -> int:
    mask = 0
    for n in needs:
        mask |= NEED_BIT[n]
    return mask


def bit_mask(words: frozenset[str] | Sequence[str], bits: dict[str, int]) -> int:
    mask = 0
    for w in words:
        mask |= bits[w]
    return mask


def _adopter_columns(carers: Sequence[Household]) -> dict[str, np.ndarray]:
    """What each adopter accepts. Other carers are not asked about a child's history or
    contact plan, so those rules bind adopters only (all bits set for everyone else)."""
    every_u, every_c = (1 << len(UNCERTAINTIES)) - 1, (1 << len(CONTACT)) - 1
    unc, con, early = [], [], []
    for h in carers:
        a = h.adopter
        if h.kind != "adoption":
            unc.append(every_u)
            con.append(every_c)
            early.append(True)
        elif a is None:
            unc.append(0)
            con.append(0)
            early.append(False)
        else:
            unc.append(bit_mask(a.uncertainties, UNCERTAINTY_BIT))
            con.append(bit_mask(a.contact, CONTACT_BIT))
            early.append(a.early_permanence)
    return {
        "accepts_uncertainty": np.array(unc, dtype=np.int32),
        "accepts_contact": np.array(con, dtype=np.int32),
        "early_permanence": np.array(early, dtype=bool),
        "one_family": np.array([h.one_family for h in carers], dtype=bool),
        "manages": _need_levels(carers),
    }


def _need_levels(carers: Sequence[Household]) -> np.ndarray:
    """The level of each need each adopter could manage (`LEVEL_RANK`; 0: not said): a
    skill is high, else the approval's graded `needs`. Other carers are not graded (their
    skills rule applies), so every need is high for them."""
    out = np.full((len(carers), len(NEEDS)), HIGH, dtype=np.int8)
    for i, h in enumerate(carers):
        if h.kind != "adoption":
            continue
        graded = h.adopter.needs if h.adopter else {}
        out[i] = [HIGH if n in h.skills else LEVEL_RANK.get(graded.get(n, ""), 0) for n in NEEDS]
    return out


class Codebook:
    """Stable small-integer codes for open vocabularies (LAs, religions, languages)."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}

    def code(self, value: str) -> int:
        return self.codes.setdefault(value, len(self.codes))

    def get(self, value: str) -> int:
        return self.codes.get(value, -1)


@dataclass(frozen=True)
class CarerTable:
    carers: tuple[Household, ...]
    kind: np.ndarray  # int8 index into KINDS
    la: np.ndarray  # int32 codes in `las`
    location: np.ndarray  # int32 gazetteer index
    x_km: np.ndarray
    y_km: np.ndarray
    min_age: np.ndarray
    max_age: np.ndarray
    takes_f: np.ndarray
    takes_m: np.ndarray
    takes_u: np.ndarray
    vacancies: np.ndarray
    available_day: np.ndarray  # date ordinal
    skills: np.ndarray  # uint16 bitmask over NEEDS
    household_n: np.ndarray
    youngest: np.ndarray
    oldest: np.ndarray
    smoker: np.ndarray
    pets: np.ndarray
    wheelchair: np.ndarray
    experience: np.ndarray
    cost: np.ndarray
    ethnicity_group: np.ndarray  # int codes in `groups`
    religion: np.ndarray
    speaks: np.ndarray  # bool [n_carers, n_languages]
    accepts_uncertainty: np.ndarray  # int bitmask over UNCERTAINTIES
    accepts_contact: np.ndarray  # int bitmask over CONTACT
    early_permanence: np.ndarray  # approved for early permanence (non-adopters: True)
    one_family: np.ndarray  # takes one child or one sibling group only (adopters)
    manages: np.ndarray  # int8 [n_carers, n_needs]: LEVEL_RANK an adopter could manage
    las: Codebook
    religions: Codebook
    languages: Codebook
    groups: Codebook
    connected: dict[str, np.ndarray]  # child id -> kinship carer indices

    def __len__(self) -> int:
        return len(self.carers)

    @classmethod
    def build(cls, carers: Sequence[Household], gaz: Gazetteer | None = None) -> CarerTable:
        gaz = gaz or gazetteer()
        las, religions, languages, groups = Codebook(), Codebook(), Codebook(), Codebook()
        loc = np.array([gaz.index[h.location] for h in carers], dtype=np.int32)
        spoken = [[languages.code(lang) for lang in h.languages] for h in carers]
        speaks = np.zeros((len(carers), max(1, len(languages.codes))), dtype=bool)
        for i, codes in enumerate(spoken):
            speaks[i, codes] = True
        connected: dict[str, list[int]] = defaultdict(list)
        for i, h in enumerate(carers):
            for cid in h.connected_children:
                connected[cid].append(i)
        ages = [h.household_children_ages for h in carers]
        return cls(
            carers=tuple(carers),
            kind=np.array([KIND_INDEX[h.kind] for h in carers], dtype=np.int8),
            la=np.array([las.code(h.la) for h in carers], dtype=np.int32),
            location=loc,
            x_km=gaz.easting[loc] / 1000.0 if len(carers) else np.zeros(0),
            y_km=gaz.northing[loc] / 1000.0 if len(carers) else np.zeros(0),
            min_age=np.array([h.min_age for h in carers], dtype=np.int16),
            max_age=np.array([h.max_age for h in carers], dtype=np.int16),
            takes_f=np.array([h.takes_sex("F") for h in carers], dtype=bool),
            takes_m=np.array([h.takes_sex("M") for h in carers], dtype=bool),
            takes_u=np.array([h.takes_sex("U") for h in carers], dtype=bool),
            vacancies=np.array([h.vacancies for h in carers], dtype=np.int32),
            available_day=np.array([h.available_from.toordinal() for h in carers], dtype=np.int32),
            skills=np.array([need_mask(h.skills) for h in carers], dtype=np.int32),
            household_n=np.array([len(a) for a in ages], dtype=np.int16),
            youngest=np.array([min(a, default=NO_CHILD_YOUNGEST) for a in ages], dtype=np.int16),
            oldest=np.array([max(a, default=NO_CHILD_OLDEST) for a in ages], dtype=np.int16),
            smoker=np.array([h.smoker for h in carers], dtype=bool),
            pets=np.array([h.pets for h in carers], dtype=bool),
            wheelchair=np.array([h.wheelchair_access for h in carers], dtype=bool),
            experience=np.array([h.years_experience for h in carers], dtype=np.float64),
            cost=np.array([h.weekly_cost for h in carers], dtype=np.float64),
            ethnicity_group=np.array(
                [groups.code(ethnic_group(h.ethnicity)) for h in carers], dtype=np.int32
            ),
            religion=np.array([religions.code(h.religion) for h in carers], dtype=np.int32),
            speaks=speaks,
            **_adopter_columns(carers),
            las=las,
            religions=religions,
            languages=languages,
            groups=groups,
            connected={k: np.array(v, dtype=np.int64) for k, v in connected.items()},
        )
