"""Ranked matches with their reasons and near misses, both ways, and the hard rules."""

from __future__ import annotations

from pydantic import (
    ConfigDict,
)

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
