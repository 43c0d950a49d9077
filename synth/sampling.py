"""Sampling helpers shared by the generators (synth.region, synth.looked_after): indices
drawn with given shares, a uniform pick from pools, the ethnicity mix without the UASC,
and religion and languages by ethnicity. Every draw takes the caller's numpy Generator,
so the callers' order of draws decides the output.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from synth import calibration as cal
from vocab import FLAGS, KINDS, NEEDS

__all__ = ["FLAG", "KIND", "MAX_AGE", "NEED", "culture", "non_uasc_codes", "pick", "uniform_in"]

#: Column of each need, flag and placement kind in the generators' boolean matrices.
NEED = {n: i for i, n in enumerate(NEEDS)}
FLAG = {f: i for i, f in enumerate(FLAGS)}
KIND = {k: i for i, k in enumerate(KINDS)}
#: The oldest age of a referral or a carer's approval.
MAX_AGE = 17


def pick(
    rng: np.random.Generator,
    shares: Mapping[Any, float] | Sequence[float] | np.ndarray,
    size: int,
) -> np.ndarray:
    """Indices drawn with the given shares (in the mapping's order)."""
    p = np.fromiter(shares.values() if isinstance(shares, Mapping) else shares, dtype=np.float64)
    cum = np.cumsum(p / p.sum())
    cum[-1] = 1.0
    picked: np.ndarray = np.searchsorted(cum, rng.random(size), side="right")
    return picked


def uniform_in(
    rng: np.random.Generator, pools: Sequence[np.ndarray], which: np.ndarray
) -> np.ndarray:
    """One element drawn uniformly from pools[which[i]] for each i."""
    flat = np.concatenate(pools) if pools else np.zeros(0, dtype=np.int64)
    sizes = np.array([len(p) for p in pools], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    drawn: np.ndarray = flat[
        starts[which] + np.floor(rng.random(len(which)) * sizes[which]).astype(np.int64)
    ]
    return drawn


def non_uasc_codes() -> tuple[list[str], np.ndarray]:
    """SSDA903 codes and their shares for non-UASC children: the national mix (§1.2)
    with the UASC share of the stock (§1.1) and their origins taken out."""
    uasc_group: dict[str, float] = dict.fromkeys(cal.ETHNIC_GROUP_TARGET, 0.0)
    for origin in cal.UASC_ORIGINS:
        uasc_group[_group_of(origin[2])] += origin[1]
    codes, shares = [], []
    s = cal.UASC_STOCK_SHARE
    for group, target in cal.ETHNIC_GROUP_TARGET.items():
        g = max(0.0, target - s * uasc_group[group]) / (1.0 - s)
        for code, split in cal.ETHNIC_CODE_SPLIT[group].items():
            codes.append(code)
            shares.append(g * split)
    p = np.array(shares)
    return codes, p / p.sum()


def _group_of(code: str) -> str:
    return next(g for g, split in cal.ETHNIC_CODE_SPLIT.items() if code in split)


def culture(
    rng: np.random.Generator, codes: np.ndarray
) -> tuple[np.ndarray, list[tuple[str, ...]]]:
    """Religion and languages for each ETHNIC code (ETHNIC_CULTURE), English first."""
    religion = np.empty(len(codes), dtype=object)
    languages: list[tuple[str, ...]] = [("en",)] * len(codes)
    for code, (religions, second) in cal.ETHNIC_CULTURE.items():
        at = np.flatnonzero(codes == code)
        if not len(at):
            continue
        names = list(religions)
        religion[at] = np.array(names, dtype=object)[pick(rng, religions, len(at))]
        options = list(second)
        for i, k in zip(at.tolist(), pick(rng, second, len(at)).tolist(), strict=True):
            if options[k] is not None:
                languages[i] = ("en", options[k])
    return religion, languages
