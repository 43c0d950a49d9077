"""The SSDA903 code lists, and how 903 placements map to the product's kinds and providers.

Codes and descriptions follow the DfE's public standard as summarised in the project's
figures file (§2.3); the years a code is valid in come from the DfE validator's rule 146
and the liia-tools schemas. Years are named by the year ending 31 March: 2025 is the
2024-25 return. docs/ssda903.md explains every mapping decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import geo
from vocab import ETHNICITIES


@dataclass(frozen=True, slots=True)
class PlaceCode:
    """A PLACE code: what it means, its group in the baseline tables and its years."""

    description: str
    group: str
    kind: str | None
    first_year: int | None = None  # first return (year ending 31 March) it is valid in
    last_year: int | None = None  # last return it is valid in
    historic: bool = False  # from before the current code set; never valid now

    def valid_in(self, year: int) -> bool:
        if self.historic:
            return False
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )


FOSTER_KIN = "Foster with relatives or friends"
FOSTER_OTHER = "Foster with other carers"
ADOPTION = "Placed for adoption"
SECURE = "Secure children's homes"
HOMES = "Children's homes"
SUPPORTED = "Supported or independent living"
PARENTS = "Placed with parents"
EMPLOYMENT = "Residential employment"
CARE_HOME = "Residential care homes"
SCHOOLS = "Residential schools"
HEALTH = "NHS or health settings"
FAMILY_CENTRE = "Family centre or mother and baby unit"
CUSTODY = "Young offender institution or prison"
TEMPORARY = "Temporary placements"
OTHER = "Other placements"
NOT_RECORDED = "Not recorded"

#: Every PLACE code. `kind` is the product's placement kind (vocab.KINDS) or None where the
#: product has no carer of that kind (docs/ssda903.md, "Placement types").
PLACE: Final = MappingProxyType(
    {
        "U1": PlaceCode("Foster with relative(s) or friend(s), long-term", FOSTER_KIN, "kinship"),
        "U2": PlaceCode(
            "Foster with relative(s) or friend(s) also approved as adopters (FfA/concurrent)",
            FOSTER_KIN,
            "kinship",
        ),
        "U3": PlaceCode("Foster with relative(s) or friend(s), other", FOSTER_KIN, "kinship"),
        "U4": PlaceCode("Foster with other foster carer(s), long-term", FOSTER_OTHER, "foster"),
        "U5": PlaceCode(
            "Foster with other foster carer(s) also approved as adopters (FfA/concurrent)",
            FOSTER_OTHER,
            "foster",
        ),
        "U6": PlaceCode("Foster with other foster carer(s), other", FOSTER_OTHER, "foster"),
        "A3": PlaceCode(
            "Placed for adoption with consent, with current foster carer(s)", ADOPTION, "adoption"
        ),
        "A4": PlaceCode(
            "Placed for adoption with consent, not with current foster carer(s)",
            ADOPTION,
            "adoption",
        ),
        "A5": PlaceCode(
            "Placed for adoption with placement order, with current foster carer(s)",
            ADOPTION,
            "adoption",
        ),
        "A6": PlaceCode(
            "Placed for adoption with placement order, not with current foster carer(s)",
            ADOPTION,
            "adoption",
        ),
        "K1": PlaceCode("Secure children's home", SECURE, "residential"),
        "K2": PlaceCode(
            "Children's home subject to Children's Homes Regulations", HOMES, "residential"
        ),
        "K3": PlaceCode(
            "Registered supported accommodation (16-17)", SUPPORTED, "supported", first_year=2025
        ),
        "H5": PlaceCode(
            "Semi-independent living not subject to children's homes regulations",
            SUPPORTED,
            "supported",
            last_year=2025,
        ),
        "P1": PlaceCode(
            "Placed with own parent(s) or other person(s) with parental responsibility",
            PARENTS,
            None,
        ),
        "P2": PlaceCode(
            "Independent living (flat, lodgings, bedsit, B&B, with friends)",
            SUPPORTED,
            "supported",
            last_year=2025,
        ),
        "P3": PlaceCode("Residential employment", EMPLOYMENT, "supported"),
        "R1": PlaceCode("Residential care home", CARE_HOME, "residential"),
        "R2": PlaceCode(
            "NHS/health trust or other establishment providing medical or nursing care",
            HEALTH,
            None,
        ),
        "R3": PlaceCode("Family centre or mother and baby unit", FAMILY_CENTRE, None),
        "R5": PlaceCode("Young offender institution or prison", CUSTODY, None),
        "S1": PlaceCode(
            "Residential school (not dual-registered as a children's home)", SCHOOLS, "residential"
        ),
        "T0": PlaceCode("Temporary move of any type", TEMPORARY, None),
        "T1": PlaceCode("Temporary period in hospital", TEMPORARY, None),
        "T2": PlaceCode("Temporary absence on holiday", TEMPORARY, None),
        "T3": PlaceCode(
            "Temporary accommodation while the normal foster carer(s) are on holiday",
            TEMPORARY,
            None,
        ),
        "T4": PlaceCode("Temporary accommodation of 7 days or less, other reason", TEMPORARY, None),
        "Z1": PlaceCode("Other placements", OTHER, None, last_year=2025),
        "Z11": PlaceCode("Other placements (2025-26 split)", OTHER, None, first_year=2026),
        "Z12": PlaceCode("Other placements (2025-26 split)", OTHER, None, first_year=2026),
        "Z13": PlaceCode("Other placements (2025-26 split)", OTHER, None, first_year=2026),
        "Z14": PlaceCode("Other placements (2025-26 split)", OTHER, None, first_year=2026),
        # Historic codes still met in long extracts (MastodonC witan.cic; validator rule 335).
        "Q1": PlaceCode(
            "Foster with relative or friend (before the U codes)",
            FOSTER_KIN,
            "kinship",
            historic=True,
        ),
        "Q2": PlaceCode(
            "Foster with other carer (before the U codes)", FOSTER_OTHER, "foster", historic=True
        ),
        "A1": PlaceCode(
            "Placed for adoption with consent (before A3/A4)", ADOPTION, "adoption", historic=True
        ),
        "A2": PlaceCode(
            "Placed for adoption, other (before A5/A6)", ADOPTION, "adoption", historic=True
        ),
        "M1": PlaceCode("Missing (discontinued)", OTHER, None, historic=True),
        "M2": PlaceCode("Missing (discontinued)", OTHER, None, historic=True),
        "M3": PlaceCode("Missing (discontinued)", OTHER, None, historic=True),
    }
)

#: The order of the baseline table's rows.
PLACE_GROUPS: Final = (
    FOSTER_KIN,
    FOSTER_OTHER,
    ADOPTION,
    SECURE,
    HOMES,
    SUPPORTED,
    PARENTS,
    EMPLOYMENT,
    CARE_HOME,
    SCHOOLS,
    HEALTH,
    FAMILY_CENTRE,
    CUSTODY,
    TEMPORARY,
    OTHER,
    NOT_RECORDED,
)

#: Fostering for adoption and concurrent planning: the child's plan is adoption.
FFA_PLACES: Final = frozenset({"U2", "U5"})
FOSTER_PLACES: Final = frozenset({"U1", "U2", "U3", "U4", "U5", "U6", "Q1", "Q2"})
TEMPORARY_PLACES: Final = frozenset({"T0", "T1", "T2", "T3", "T4"})
#: PLACE codes for which PLACE_PROVIDER may be blank (rules 178 and 213).
PROVIDER_OPTIONAL: Final = TEMPORARY_PLACES | {"Z1", "Z11", "Z12", "Z13", "Z14"}
_OTHER_FROM_2026: Final = frozenset({"Z11", "Z12", "Z13", "Z14"})
#: "XXXXXXX" may stand in the URN of a placement that takes none (rule 222).
NO_URN_PLACEHOLDER: Final = "XXXXXXX"


def no_provider(year: int) -> frozenset[str]:
    """PLACE codes that take no PLACE_PROVIDER in a return (rules 178, 213): temporary
    moves and "other" placements (Z1 until 2024-25, Z11-Z14 from 2025-26)."""
    return TEMPORARY_PLACES | _OTHER_FROM_2026 | ({"Z1"} if year <= 2025 else frozenset())


def no_provider_rules(place: str, year: int) -> str:
    """The DfE rules that say `place` takes no provider: 213 lists the temporary and the
    2025-26 "other" codes, 178 the same and Z1, but not T4 from 2025-26."""
    found = [r for r, listed in (("178", place != "T4" or year <= 2025), ("213", place != "Z1"))
             if listed]  # fmt: skip
    return ("rules " if len(found) > 1 else "rule ") + ", ".join(found)


def no_urn(year: int) -> frozenset[str]:
    """PLACE codes that take no Ofsted URN in a return (rule 222): parents, residential
    employment, care homes, NHS, custody, temporary moves and "other"; semi-independent
    living (H5) until 2022-23, P2 until 2023-24, Z1 until 2024-25."""
    until = {"H5": 2023, "P2": 2024, "Z1": 2025}
    return (
        no_provider(year) - {"Z1"}
        | {"P1", "P3", "R1", "R2", "R5"}
        | {place for place, last in until.items() if year <= last}
    )


PLACE_PROVIDER: Final = MappingProxyType(
    {
        "PR0": "Parent(s) or other person(s) with parental responsibility",
        "PR1": "Own provision by the LA (including an RAA the LA hosts)",
        "PR2": "Other LA provision (including an RAA another LA hosts)",
        "PR3": "Other public provision (for example an NHS body)",
        "PR4": "Private provision",
        "PR5": "Voluntary or third-sector provision",
    }
)

#: Short names for messages.
PROVIDER_LABEL: Final = MappingProxyType(
    {
        "PR0": "parents",
        "PR1": "own LA",
        "PR2": "other LA",
        "PR3": "other public body",
        "PR4": "private",
        "PR5": "voluntary",
    }
)
#: The DfE validator rule that forbids each provider's impossible placements.
PROVIDER_RULE: Final = MappingProxyType(
    {"PR0": 550, "PR1": 527, "PR2": 528, "PR3": 529, "PR4": 530, "PR5": 531}
)

#: PLACE codes a provider code may not go with (DfE rules 550 and 527-531): the 903 then
#: contradicts itself, and the import keeps the PLACE and drops the provider.
PROVIDER_NOT_WITH: Final = MappingProxyType(
    {
        "PR1": frozenset({"P1", "R2", "R5"}),
        "PR2": frozenset({"P1", "R2", "R5"}),
        "PR3": frozenset({"P1", "A3", "A4", "A5", "A6", "K1", "K2"}) | FOSTER_PLACES,
        "PR4": frozenset({"P1"}),
        "PR5": frozenset({"P1"}),
    }
)
#: PR0 only with P1 (rule 550).
PARENTS_ONLY: Final = frozenset({"P1"})


def provider_conflict(place: str, provider: str) -> bool:
    """True when the 903 rules say this provider cannot run this kind of placement."""
    if not place or not provider:
        return False
    if provider == "PR0":
        return place not in PARENTS_ONLY
    return place in PROVIDER_NOT_WITH.get(provider, frozenset())


def product_provider(place: str, provider: str) -> str | None:
    """The product's provider (vocab.PROVIDERS) for a PLACE_PROVIDER in a PLACE, or None.

    A private or voluntary foster placement is with an independent fostering agency: the
    product's `ifa`. PR0 (parents) and PR3 (other public bodies, such as the NHS) have no
    product equivalent.
    """
    if provider in ("PR4", "PR5") and place in FOSTER_PLACES:
        return "ifa"
    return {"PR1": "in_house", "PR2": "other_la", "PR4": "private", "PR5": "voluntary"}.get(
        provider
    )


def place_kind(place: str) -> str | None:
    """The product's placement kind for a PLACE code (None: no product equivalent)."""
    code = PLACE.get(place)
    return code.kind if code else None


LEGAL_STATUS: Final = MappingProxyType(
    {
        "C1": "Interim care order",
        "C2": "Full care order",
        "D1": "Freeing order granted",
        "E1": "Placement order granted",
        "V2": "Single period of accommodation under s20",
        "V3": "Agreed series of short-term breaks, episodes recorded",
        "V4": "Agreed series of short-term breaks, agreements recorded",
        "L1": "Police protection and in LA accommodation",
        "L2": "Emergency protection order",
        "L3": "Child assessment order and in LA accommodation",
        "J1": "Remanded to LA or youth detention accommodation",
        "J2": "Placed in LA accommodation under PACE 1984",
        "J3": "Youth Rehabilitation Order with residence or intensive fostering",
    }
)
#: Short breaks: not counted as looked after by the DfE, nor here.
SHORT_BREAKS: Final = frozenset({"V3", "V4"})
#: A placement order (E1) or the freeing order it replaced (D1): the plan is adoption.
ADOPTION_ORDERS: Final = frozenset({"E1", "D1"})

CATEGORY_OF_NEED: Final = MappingProxyType(
    {
        "N1": "Abuse or neglect",
        "N2": "Child's disability",
        "N3": "Parental illness or disability",
        "N4": "Family in acute stress",
        "N5": "Family dysfunction",
        "N6": "Socially unacceptable behaviour",
        "N7": "Low income",
        "N8": "Absent parenting",
    }
)

REASON_NEW_EPISODE: Final = MappingProxyType(
    {
        "S": "Started to be looked after",
        "L": "Change of legal status only",
        "P": "Change of placement and carer(s) only",
        "T": "Change of placement, same carer(s), only",
        "B": "Change of legal status and placement and carer(s)",
        "U": "Change of legal status and placement, same carer(s)",
    }
)
#: New episodes with the same carer(s): the placement goes on (S, P, B start a new one).
SAME_CARER: Final = frozenset({"L", "T", "U"})

REASON_EPISODE_CEASED: Final = MappingProxyType(
    {
        "X1": "Episode ceases and a new one begins the same day",
        "E11": "Adopted, application unopposed",
        "E12": "Adopted, consent dispensed with",
        "E2": "Died",
        "E3": "Care taken over by another LA in the UK",
        "E4A": "Returned home to parents or relatives, as part of the care plan",
        "E4B": "Returned home to parents or relatives, not part of the care plan",
        "E13": "Left care to live with parents or relatives without parental responsibility",
        "E41": "Residence order or child arrangements order granted",
        "E43": "Special guardianship order (historic code)",
        "E44": "Special guardianship order (historic code)",
        "E45": "SGO to former foster carers who are relatives or friends",
        "E46": "SGO to former foster carers, not relatives or friends",
        "E47": "SGO to other carers who are relatives or friends",
        "E48": "SGO to other carers, not relatives or friends",
        "E5": "Independent living with formal support",
        "E6": "Independent living without formal support",
        "E7": "Transferred to adult social care residential care",
        "E8": "Ceased for any other reason",
        "E9": "Sentenced to custody",
        "E14": "Accommodation on remand ended",
        "E15": "Age assessment found the child is 18 or over",
        "E16": "Child moved abroad",
        "E17": "Aged 18+ and stayed with current carers (Staying Put)",
    }
)
NEW_EPISODE_SAME_DAY: Final = "X1"

REASON_PLACE_CHANGE: Final = MappingProxyType(
    {
        "CARPL": "Change to or implementation of care plan",
        "CLOSE": "Resignation or closure of provision",
        "ALLEG": "Allegation (s47)",
        "STAND": "Standards of care concern",
        "APPRR": "Approval removed",
        "CREQB": "Carer requests end due to child's behaviour",
        "CREQO": "Carer requests end for other reasons",
        "CHILD": "Child requests end",
        "LAREQ": "Responsible or area authority requests end",
        "PLACE": "Change in status of placement only",
        "CUSTOD": "Custody arrangement",
        "OTHER": "Other",
    }
)

REASON_PLACED_CEASED: Final = MappingProxyType(
    {
        "RD1": "Child's needs changed",
        "RD2": "Court did not make a placement order",
        "RD3": "Prospective adopters could not be found",
        "RD4": "Other",
    }
)

#: SEX: 1/2 up to 2023-24, M/F/U from the 2024-25 return (the DfE validator's 2024-25 rule
#: 101 and liia-tools' "2025" schema, the one that also brings K3); both are read in any year.
SEX: Final = MappingProxyType({"1": "M", "2": "F", "M": "M", "F": "F", "U": "U"})
#: The first return whose SEX codes are M/F/U (the export writes 1/2 before it).
SEX_LETTERS_FROM: Final = 2025

ETHNIC: Final = frozenset(ETHNICITIES)

#: Strengths and Difficulties Questionnaire total difficulties score, 0-40. 17 and above
#: is the "high" and "very high" band of the NHS four-band scoring (0-13 close to
#: average, 14-16 slightly raised, 17-19 high, 20-40 very high), the DfE's "cause for
#: concern"; the import reads it as an emotional and behavioural need.
SDQ_MAX: Final = 40
SDQ_CONCERN: Final = 17
#: Missing table, MISSING: missing from the placement, or away from it without
#: authorisation (the whereabouts known).
MISSING: Final[Mapping[str, str]] = {"M": "missing", "A": "away without authorisation"}
#: Episodes of going missing (MISSING M) in the year before the day that make the child's
#: record carry `exploitation_risk` (docs/ssda903.md, "Needs"): the product's choice.
MISSING_REPEATED: Final = 3

#: 20 miles, the DfE's distance threshold, in km.
TWENTY_MILES_KM: Final = geo.TWENTY_MILES_KM
