"""Ranked matches with their reasons and near misses, both ways, and the hard rules."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import ConfigDict, Field

from api.schemas.common import Out


class MatchOut(Out):
    carer: str
    score: float
    distance_km: float
    reasons: list[str]


class NearMissOut(Out):
    carer: str
    failed_rule: str
    detail: str
    distance_km: float
    exception_allowed: bool


class BetterSoonOut(Out):
    """A clearly better match likely before the date needed (issue 19): a household whose
    places are expected to come free by then, scoring at least 10 points above the best
    match available now (or when nothing fits now). Never given for an emergency."""

    carer: str = Field(description="the household expected to come free")
    free_from: date = Field(description="the day its places are expected free")
    why: Literal["placement_ends", "approval", "hold_expires"] = Field(
        description="a placement ends as planned, an approval is expected, a hold expires"
    )
    score: float = Field(description="its score for this child (or group) once free")
    best_now: str | None = Field(description="the best match available now, if any")
    best_now_score: float | None = Field(description="that match's score, if any")
    days_to_wait: int = Field(description="days from the problem's date to `free_from`")


class RankingOut(Out):
    """Who could take this child (or these children): eligible carers best first, each
    with its reasons, then near misses that fail one hard rule."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "subject": "C-0015",
                    "children": ["C-0015"],
                    "eligible_count": 33,
                    "matches": [
                        {
                            "carer": "H-0306",
                            "score": 79.5,
                            "distance_km": 9.0,
                            "reasons": [
                                "9.0 km from home (LS26 to LS8)",
                                "in the child's home LA (Leeds)",
                            ],
                        }
                    ],
                    "near_misses": [
                        {
                            "carer": "H-0138",
                            "failed_rule": "vacancy",
                            "detail": "no free place",
                            "distance_km": 3.1,
                            "exception_allowed": True,
                        }
                    ],
                }
            ]
        }
    )

    subject: str
    children: list[str]
    eligible_count: int
    matches: list[MatchOut]
    near_misses: list[NearMissOut]
    note: str | None = None
    better_soon: BetterSoonOut | None = Field(
        default=None,
        description="present when waiting is likely to find a clearly better match "
        "(docs/matching.md, 'Place now or wait')",
    )


class ChildMatchOut(Out):
    child: str
    score: float
    distance_km: float
    reasons: list[str]


class ChildNearMissOut(Out):
    child: str
    failed_rule: str
    detail: str
    distance_km: float
    exception_allowed: bool


class CarerRankingOut(Out):
    """Which of your LAs' referred children a carer could take: eligible children best
    first, each with its reasons, then children who fail one hard rule only."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "carer": "H-0306",
                    "eligible_count": 78,
                    "matches": [
                        {
                            "child": "C-0172",
                            "score": 93.4,
                            "distance_km": 4.1,
                            "reasons": ["4.1 km from home (LS17 to LS8)"],
                        }
                    ],
                    "near_misses": [
                        {
                            "child": "C-0118",
                            "failed_rule": "age_range",
                            "detail": "approved for ages 11–17; the child is 0",
                            "distance_km": 3.0,
                            "exception_allowed": True,
                        }
                    ],
                }
            ]
        }
    )

    carer: str
    eligible_count: int
    matches: list[ChildMatchOut]
    near_misses: list[ChildNearMissOut]


class RuleOut(Out):
    id: str
    section: str
    summary: str
    exception_allowed: bool
