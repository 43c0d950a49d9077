"""The simulated region's numbers that stand for the world, and the levels it must hit.

Every number here is either a published figure (the § of
/work/shared/reference/figures-and-ssda903.md it comes from) or an assumption with its
reason. The targets are what England looks like under today's practice (the
officer-style process, `matching: on_arrival`): `tests/scenarios/test_calibration.py`
runs the officer year and checks each simulated level against its target, and
`placematch scenario calibrate` prints them side by side (docs/calibration.md, "The
simulated year").

Stock and flow. The DfE's distance, in-LA and children's-home shares are stock figures
(children looked after on 31 March). The simulation measures distance and LA on the
children it places in the measured year (a flow), and the children's-home share on the
stock of simulated placements. New placements are close to the stock on distance (§1.5:
76% of 2022-23's new placements with a known distance were within 20 miles, against 78%
of the stock in 2024), which is why a flow measure is held to a stock target.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

# -- demand and endings --------------------------------------------------------------

#: §1.1: children ceasing care a year per child looked after (34,450 / 81,770, 2025):
#: the weekly hazard of a placement's planned end.
LEAVING_CARE_PER_WEEK: Final = 34_450 / 81_770 / 52
#: Assumption: planned ends come sooner in children's homes and supported accommodation
#: (moves on at 16-18, step-down to foster care) and later in kinship care than in
#: foster care.
KIND_END_MULTIPLIER: Final = MappingProxyType(
    {"foster": 1.0, "kinship": 0.7, "residential": 1.6, "supported": 2.0}
)
#: Planned end at the 18th birthday: care ends then (the weeks in a year of age).
LEAVING_AGE: Final = 18
WEEKS_A_YEAR: Final = 52
#: §1.6: 66,070 placement changes in 2024 against 83,530 looked after (§1.1); the
#: unplanned reasons are carer requests end for behaviour 8%, for other reasons 6%,
#: child requests end 3%, the authority requests end 1%, standards of care 1%,
#: closure 1%, allegation 1%: 21% of changes, 0.166 unplanned endings a year per child.
UNPLANNED_SHARE_OF_CHANGES: Final = 0.08 + 0.06 + 0.03 + 0.01 + 0.01 + 0.01 + 0.01
UNPLANNED_PER_WEEK: Final = 66_070 * UNPLANNED_SHARE_OF_CHANGES / 83_530 / 52
#: Assumption: breakdowns are likelier in children's homes and supported accommodation
#: (older children, more complex needs; the Children's Commissioner's stability index
#: finds teenagers move most) and rarer in kinship care.
KIND_UNPLANNED_MULTIPLIER: Final = MappingProxyType(
    {"foster": 1.0, "kinship": 0.6, "residential": 1.5, "supported": 1.5}
)
#: Assumption (modest, for a sensitivity run at 0): each way a placement is a worse
#: match (more than 20 miles from home; apart from brothers and sisters who were to
#: live together; a match score under LOW_SCORE) raises its breakdown hazard by this
#: share. Research links distance and sibling separation with instability (Children's
#: Commissioner, "Stability index" 2019; "Siblings in Care" 2023), but gives no size:
#: 25% is a guess that keeps the effect small. A scenario sets
#: `practice.breakdown_worse_match` (0 switches it off).
WORSE_MATCH_BREAKDOWN: Final = 0.25
#: Assumption: a match score (0-100) below which the placement counts as a poor match.
LOW_SCORE: Final = 50.0
#: Assumption: a child whose placement breaks down is back on the list as an emergency
#: this often (same day), otherwise as urgent (a notice period of days to weeks).
BREAKDOWN_EMERGENCY_SHARE: Final = 0.5

# -- supply ----------------------------------------------------------------------------

#: Approved places per household, by kind. Foster: §1.8, 69,825 approved places for
#: 33,435 mainstream households (2024-25) is 2.09 a household; the spread over 1-4 is
#: an assumption with that mean. Kinship: assumption (approved for the family's
#: children, usually one or two). Children's homes: assumption (most are small: 2-5
#: beds, 3.5 on average; §1.4's 11.4% share is what the simulated year is held to).
#: Supported accommodation: assumption (1-4 rooms a setting).
APPROVED_PLACES: Final = MappingProxyType(
    {
        "foster": MappingProxyType({1: 0.30, 2: 0.40, 3: 0.21, 4: 0.09}),
        "kinship": MappingProxyType({1: 0.75, 2: 0.20, 3: 0.05}),
        "residential": MappingProxyType({2: 0.2, 3: 0.3, 4: 0.3, 5: 0.2}),
        "supported": MappingProxyType({1: 0.3, 2: 0.3, 3: 0.25, 4: 0.15}),
    }
)
#: Assumption: the share of foster households with two or more available places that
#: are approved for a sibling group and kept for one (a single child is not placed
#: there). Ofsted does not count sibling approvals; this is set so the officer year
#: keeps §1.9's 66% of sibling groups together (TARGETS), the one figure it is tuned to.
SIBLING_APPROVED: Final = MappingProxyType({"foster": 0.7})
#: Assumption: a sibling-group approval covers the whole group's ages.
SIBLING_APPROVED_AGES: Final = (0, 17)
#: Assumption: how far officers place (km, straight line) when nothing nearer is free,
#: where the product's policy stops at 32 km for foster care and supported
#: accommodation (matching.problem.DEFAULT_MAX_DISTANCE_KM). §1.5: 21% of 2022-23's
#: new placements were more than 20 miles away, and 4% of children placed inside
#: their LA were (2015); 60 km is set so the officer year matches those shares.
OFFICER_MAX_DISTANCE_KM: Final = MappingProxyType({"foster": 60.0, "supported": 60.0})
#: §1.8: 42,015 of 69,825 mainstream places filled (2024-25): 60%.
FILLED_SHARE: Final = 42_015 / 69_825
#: §1.8: 16% of places vacant (2023-24; 18% in 2021-22).
VACANT_SHARE: Final = 0.16
#: §1.8: the rest of the unfilled places are not available (carer's break, matching
#: limits on the approval): 1 - 60% - 16%, about 24%. Drawn per household at the
#: start and kept: a household's unavailable places are never offered.
UNAVAILABLE_SHARE: Final = 1.0 - FILLED_SHARE - VACANT_SHARE
#: Assumption: the weeks between a new carer's approval being expected (the
#: assessment's panel date is set) and the household joining, drawn uniformly.
ASSESSMENT_NOTICE_WEEKS: Final = (4, 12)
#: Assumption: how far ahead the product knows a place will come free (a planned end:
#: a move agreed at a looked-after review, an 18th birthday, a step-down; a carer's
#: approval panel booked). Eight weeks is the generator's own horizon for expected
#: places (synth.calibration.EXPECTED_HORIZON_DAYS, 56 days) and the longest wait a
#: planned referral's date needed allows (14-56 days, docs/calibration.md).
EXPECTED_NOTICE_WEEKS: Final = 8
#: Weeks of warm-up before the measured horizon, by default (docs/calibration.md, "The
#: simulated year": the stock of placements settles within about half a year).
WARMUP_WEEKS: Final = 26

# -- targets -------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A national level the officer-process year must reproduce, within `tolerance`
    (in the same units: shares of 1)."""

    label: str
    value: float
    tolerance: float
    source: str


TARGETS: Final = MappingProxyType(
    {
        "within_20_miles": Target(
            "placed within 20 miles of home (fallback counts as beyond)",
            0.78,
            0.04,
            "§1.5: 22% of children looked after more than 20 miles away (2024); 76% of "
            "2022-23's new placements with a known distance (67 / (100 - 13))",
        ),
        "siblings_together": Target(
            "must/should sibling groups kept together",
            0.66,
            0.05,
            "§1.9: 34% of sibling groups separated (Children's Commissioner 2023)",
        ),
        "childrens_homes": Target(
            "children in children's homes (fallback included), of simulated placements",
            0.114 / 0.895,
            0.025,
            "§1.4: children's homes 11.4% of all looked after (FOI, Sept 2024), of the "
            "89.5% in the kinds simulated (foster 52.7, kinship 15.6, homes 11.4, "
            "supported 9.8): 12.7%",
        ),
        "home_la": Target(
            "placed inside their home LA",
            0.55,
            0.05,
            "§1.5: 60% inside in 2015 and 'almost half' outside in 2024: about 55%",
        ),
    }
)
