"""Family-finding for adoption: searches both ways, and rounds of links with their
policy and result."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
)

from api.schemas.common import Body, Out
from api.schemas.matches import (
    ChildMatchOut,
    ChildNearMissOut,
    RankingOut,
)
from api.schemas.runs import RESTARTED_AS, RESTARTED_FROM, RunStatus, SiblingOutcomeOut
from api.schemas.types import MAX_INT, Bool, Id, Int, Num, Priority, Text


class AdopterSearchOut(Out):
    """Adopters for a waiting child (or the brothers and sisters placed with them): the
    agency's own LAs' adopters first, then, when asked, adopters elsewhere."""

    subject: str = Field(description="the child, or the sibling group searched for together")
    in_region: RankingOut = Field(description="adopters in your LAs")
    beyond: RankingOut | None = Field(
        description="adopters outside your LAs (beyond_region=true), else null"
    )


WEEKS_WAITING = "weeks since the decision to place for adoption (a group: its longest)"
WHY_PRIORITY = "why this priority: the wait, or how few adopters could take them"


class _Waits(Out):
    weeks_waiting: int = Field(description=WEEKS_WAITING)
    priority: str = Field(
        description="first, second or third, as a round of your agency would give"
    )
    why_priority: list[str] = Field(description=WHY_PRIORITY)
    placed_as: str = Field(description="the child, or the sibling group placed together")


class WaitingChildMatchOut(ChildMatchOut, _Waits):
    """A child the adopter could take, with how long they have waited and their priority."""


class WaitingChildNearMissOut(ChildNearMissOut, _Waits):
    """A child who fails one rule for the adopter, with their wait and priority."""


class WaitingChildrenOut(Out):
    """As CarerRankingOut, each child with their wait and priority."""

    carer: str
    eligible_count: int
    matches: list[WaitingChildMatchOut]
    near_misses: list[WaitingChildNearMissOut]


class ChildSearchOut(Out):
    """Your LAs' waiting children (open referral, plan accepting adoption) an adopter
    could take, best first, then children who fail one rule only; each with weeks
    waited and priority (and why)."""

    subject: str = Field(description="the adopter")
    in_region: WaitingChildrenOut
    beyond: WaitingChildrenOut | None = Field(description="always null: you see your LAs only")


class WaitingAdopterOut(Out):
    """An approved adopter of your LAs and their own wait since approval."""

    adopter: str
    la: str
    approved_on: date
    weeks_since_approval: int
    linked_with: str | None = Field(
        description="in a round: the child or group it linked them with; in the list of "
        "adopters waiting: their furthest open link, 'state: children'"
    )
    children_possible: int = Field(description="waiting children of your LAs they could take")
    referral_due: date = Field(
        description="register referral due: three months after approval if not matched"
    )
    referral_overdue: bool


class RoundIn(Body):
    """A family-finding round over your LAs' waiting children and adopters
    (docs/family-finding.md: whom it puts first, and why)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "time_limit_s": 10,
                    "seed": 0,
                    "long_wait_weeks": 78,
                    "wait_weeks": 26,
                    "few_families": 3,
                    "priority": "waiting_and_hardest",
                    "beyond_region": False,
                }
            ]
        }
    )

    time_limit_s: Annotated[Num, Field(ge=0.5, le=120)] = Field(
        default=10.0, description="solver time limit"
    )
    seed: Annotated[Int, Field(ge=0, le=MAX_INT)] = 0
    long_wait_weeks: Annotated[Int, Field(ge=0, le=1040)] = Field(
        default=78, description="first priority from this many weeks waiting"
    )
    wait_weeks: Annotated[Int, Field(ge=0, le=1040)] = Field(
        default=26, description="second priority from this many weeks (at most long_wait_weeks)"
    )
    few_families: Annotated[Int, Field(ge=0, le=1000)] = Field(
        default=3, description="hard to place: this many adopters in the round or fewer could"
    )
    priority: Priority = Field(
        default="waiting_and_hardest",
        description="waiting_and_hardest: long waits and the hard to place first; waiting: "
        "by time waiting only; none: everyone alike",
    )
    beyond_region: Bool = Field(
        default=False, description="also adopters approved outside your LAs"
    )


class RoundPolicyOut(Out):
    long_wait_weeks: int
    wait_weeks: int
    few_families: int
    priority: str
    beyond_region: bool
    seed: int


class RoundSummaryOut(Out):
    model_config = ConfigDict(extra="allow")

    children: int
    adopters: int
    children_linked: int
    links: int
    siblings_together: int
    status: str
    gap: float
    solve_seconds: float
    linked_by_priority: dict[str, int]


class SubjectOut(Out):
    model_config = ConfigDict(extra="allow")

    id: str = Field(description="a child, or brothers and sisters linked as one")
    children: list[str]
    weeks_waiting: int
    adopters_possible: int
    priority: str
    why: list[str]


class SplitOut(Out):
    """Where a sibling group the round did not link together went (empty otherwise)."""

    together_or_apart_assessment: bool = Field(
        default=False,
        description="a group whose plan is together if a family can be found, split by the "
        "round: the social workers' together-or-apart assessment is needed",
    )
    siblings: dict[str, str | None] = Field(
        default_factory=dict,
        description="each child of the group: the adopter linked with them, or null",
    )
    taken_by_others: dict[str, str] = Field(
        default_factory=dict,
        description="an adopter who could take them all together -> the child or group "
        "the round linked it with instead",
    )


class LinkOut(SplitOut):
    model_config = ConfigDict(extra="allow")

    subject: str
    children: list[str]
    adopter: str
    priority: str
    score: float
    distance_km: float
    why_priority: list[str]
    reasons: list[str]


class BlockerOut(Out):
    rule: str
    what: str = Field(description="the need, uncertainty, contact or rule, in words")
    adopters: int = Field(description="adopters in the round who fail it")
    of: int = Field(description="adopters in the round")


class WidestSearchOut(Out):
    step: str | None = Field(
        description="beyond_region, distance (the limit lifted), or null: none in the data"
    )
    adopters: int
    says: str


class NoOptionOut(Out):
    """No adopter in the round could take them."""

    referral_due: date = Field(
        description="register referral due: three months after the decision to place"
    )
    overdue: bool
    exchange_days: bool = Field(description="worth profiling at exchange and activity days")
    widest_search: WidestSearchOut


class NoLinkOut(SplitOut):
    model_config = ConfigDict(extra="allow")

    subject: str
    children: list[str]
    priority: str
    weeks_waiting: int
    reasons: list[str]
    what_would_change: list[str] = Field(
        description="first the rules that remove the most adopters, then one-change near misses"
    )
    blocking_rules: list[BlockerOut] = Field(default_factory=list)
    no_option: NoOptionOut | None = None


class ShortlistAdopterOut(Out):
    model_config = ConfigDict(extra="allow")

    adopter: str
    position: int = Field(description="1: approach first")
    score: float
    distance_km: float
    round_link: bool = Field(description="the round's own link for this child")
    adopter_interest: bool = Field(description="the adopters said they are interested")
    finder_interest: bool = Field(description="the child's family-finder is interested")
    also_shortlisted_for: list[str] = Field(
        description="the other children (or groups) whose shortlist names this adopter"
    )


class ShortlistOut(Out):
    model_config = ConfigDict(extra="allow")

    subject: str
    children: list[str]
    priority: str
    weeks_waiting: int
    adopters: list[ShortlistAdopterOut] = Field(description="in the order to approach them")
    eligible: int | None = Field(
        default=None, description="adopters in the round who could take them all"
    )
    held_back: list[str] = Field(
        default_factory=list,
        description="adopters who could take them but are at their limit of lists or first "
        "choices, best first",
    )


class RoundResultOut(Out):
    """A finished round (matching.family_finding.FamilyFindingRound.to_dict)."""

    model_config = ConfigDict(extra="allow")

    as_of: date
    policy: dict[str, Any]
    summary: RoundSummaryOut
    subjects: list[SubjectOut]
    links: list[LinkOut]
    unlinked: list[NoLinkOut] = Field(description="with what would change for each")
    sibling_groups: list[SiblingOutcomeOut]
    crowding: dict[str, Any] = Field(
        description="how many children's top-5 lists name each adopter, against the round"
    )
    fairness: list[dict[str, Any]] = Field(
        description="the round against plain and priority-aware deferred acceptance and an "
        "officer-style pass"
    )
    region: dict[str, Any] = Field(description="the region report's tables")
    adopters_waiting: list[WaitingAdopterOut] = Field(
        default_factory=list, description="the round's adopters, longest since approval first"
    )
    shortlists: list[ShortlistOut] | None = Field(
        default=None,
        description="for each child or group, the adopters to approach in order; a round "
        "is told the declined links and interest of its LAs (POST /family-finding/links)",
    )


class RoundOut(Out):
    id: str
    status: RunStatus
    las: list[str] = Field(description="the agency's LAs: yours")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: float = Field(ge=0, le=1, description="share of the time limit used")
    message: str | None = Field(description="the round's last progress line")
    children: int | None = Field(description="waiting children in the round")
    adopters: int | None = Field(description="adopters in the round")
    policy: RoundPolicyOut
    summary: RoundSummaryOut | None
    error: str | None
    restarted_from: str | None = Field(default=None, description=RESTARTED_FROM)
    restarted_as: str | None = Field(default=None, description=RESTARTED_AS)
    round: RoundResultOut | None = Field(
        default=None, description="when done, on GET /family-finding/rounds/{round_id}"
    )


LinkState = Literal["proposed", "exploring", "declined", "to_panel", "placed"]
DeclineReason = Literal[
    "adopters_declined",
    "childs_social_worker_declined",
    "needs_not_met",
    "sibling_plan",
    "distance_or_area",
    "other",
]
InterestSide = Literal["adopter", "finder"]


class LinkIn(Body):
    """A link of a child, or brothers and sisters, with an adopter: from a round's
    shortlist (`round_id`) or by hand. It starts `proposed`."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"adopter": "AD-0027", "children": ["C-0015"], "round_id": None}]
        }
    )

    adopter: Id = Field(description="the adopter's household id")
    children: Annotated[list[Id], Field(min_length=1, max_length=10)] = Field(
        description="the child, or the brothers and sisters linked together"
    )
    round_id: Annotated[Id, Field(max_length=32)] | None = Field(
        default=None, description="the round whose shortlist it came from"
    )
    note: Text | None = None


class LinkStateIn(Body):
    """Move a link on one step (proposed → exploring → to_panel → placed), or decline it
    before it is placed, with a reason (`other` needs a note)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"state": "declined", "reason": "needs_not_met", "note": None}]
        }
    )

    state: LinkState
    reason: DeclineReason | None = Field(default=None, description="required to decline")
    note: Text | None = None


class LinkRecordOut(Out):
    id: int
    state: LinkState
    adopter: str
    children: list[str]
    round_id: str | None
    decline_reason: DeclineReason | None
    note: str | None
    next_states: list[LinkState] = Field(description="where it may go from here")
    created_at: datetime
    created_by_name: str | None
    updated_at: datetime
    updated_by_name: str | None


class InterestIn(Body):
    """An expression of interest: the adopter's in a child (recorded by their social
    worker, `side` adopter), or the child's family-finder's in an adopter (`finder`)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"adopter": "AD-0027", "child": "C-0015", "side": "adopter", "note": None}]
        }
    )

    adopter: Id
    child: Id
    side: InterestSide
    note: Text | None = None


class InterestOut(Out):
    id: int
    child: str
    adopter: str
    side: InterestSide
    note: str | None
    recorded_at: datetime
    recorded_by_name: str | None
