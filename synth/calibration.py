"""The numbers behind the synthetic regions, each with its source or its reasoning.

"§x.y" cites /work/shared/reference/figures-and-ssda903.md (the national figures file;
the original publisher is named in docs/calibration.md). "assumption:" marks a number
the figures file does not give; the reason is stated next to it. Shares in a mapping
sum to 1 unless the comment says otherwise (checked at import, below).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

# ---------------------------------------------------------------------------------
# Geography
# ---------------------------------------------------------------------------------

#: §1.11: children looked after in the West Yorkshire LAs (latest figure the file holds
#: for each; years differ: Bradford 2023-24, Calderdale Mar 2025, Kirklees mid-2021,
#: Leeds Mar 2020, Wakefield Mar 2021). Only the proportions are used.
LA_CLA_COUNTS: Final = MappingProxyType(
    {"Bradford": 1515, "Calderdale": 358, "Kirklees": 650, "Leeds": 1346, "Wakefield": 638}
)
#: Out-of-area households (IFAs, children's homes, supported accommodation, voluntary
#: adoption agencies) sit in English outcodes outside the region but within this many km
#: of one of its outcodes. Assumption: ~50 km is the "neighbouring areas" ring of the
#: brief; the foster limit (32 km) means only the inner part serves foster referrals.
OUT_OF_AREA_RING_KM: Final = 50.0

#: Gazetteer areas that are not in England (excluded when `las=None`). The gazetteer's
#: `area` column mixes unitary authorities, counties and a few towns; these are every
#: Scottish council area, Welsh principal area, Northern Irish district and Crown
#: dependency that appears in it.
SCOTTISH_AREAS: Final = frozenset(
    {
        "Aberdeen City", "Aberdeenshire", "Angus", "Argyll and Bute", "City of Edinburgh",
        "Clackmannanshire", "Dumfries and Galloway", "Dundee City", "East Ayrshire",
        "East Dunbartonshire", "East Lothian", "East Renfrewshire", "Eilean Siar", "Falkirk",
        "Fife", "Glasgow City", "Highland", "Inverclyde", "Inverness-shire", "Midlothian",
        "Moray", "North Ayrshire", "North Lanarkshire", "Orkney Islands", "Perth and Kinross",
        "Renfrewshire", "Shetland Islands", "South Ayrshire", "South Lanarkshire", "Stirling",
        "The Scottish Borders", "West Dunbartonshire", "West Lothian",
    }
)  # fmt: skip
WELSH_AREAS: Final = frozenset(
    {
        "Blaenau Gwent", "Bridgend", "Caerphilly", "Cardiff", "Carmarthenshire", "Ceredigion",
        "Conwy", "Denbighshire", "Flintshire", "Gwynedd", "Isle of Anglesey", "Merthyr Tydfil",
        "Monmouthshire", "Neath Port Talbot", "Newport", "Pembrokeshire", "Powys",
        "Rhondda Cynon Taff", "Swansea", "The Vale of Glamorgan", "Torfaen", "Wrexham",
    }
)  # fmt: skip
NORTHERN_IRISH_AREAS: Final = frozenset(
    {
        "Antrim", "Ards", "Ballymena", "Ballymoney", "Banbridge", "Belfast", "Carrickfergus",
        "Castlereagh", "Coleraine", "Cookstown", "County Armagh", "County Fermanagh",
        "Craigavon", "Derry", "Down", "Dungannon", "Larne", "Limavady", "Lisburn",
        "Magherafelt", "Moyle", "Newry and Mourne", "Newtownabbey", "North Down", "Omagh",
        "Strabane",
    }
)  # fmt: skip
CROWN_DEPENDENCIES: Final = frozenset({"Guernsey", "IOM", "Jersey"})
NON_ENGLISH_AREAS: Final = SCOTTISH_AREAS | WELSH_AREAS | NORTHERN_IRISH_AREAS | CROWN_DEPENDENCIES
#: Second, independent test: an area holding any outcode with one of these postcode-area
#: prefixes is not English (Scottish, Welsh, Northern Irish and Crown-dependency postcode
#: areas; cross-border areas CH, SY, TD, LL-less Flintshire are caught by the name list).
NON_ENGLISH_PREFIXES: Final = frozenset(
    {
        "AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH",
        "ZE", "BT", "CF", "LD", "LL", "NP", "SA", "GY", "JE", "IM",
    }
)  # fmt: skip

# ---------------------------------------------------------------------------------
# Referrals (children)
# ---------------------------------------------------------------------------------

#: Age bands of the SSDA903 tables: (first age, last age) inclusive.
AGE_BANDS: Final = ((0, 0), (1, 4), (5, 9), (10, 15), (16, 17))
#: §1.2: age when starting care, 2025 (n = 32,270): under 1 ~16%, 1-4 14%, 5-9 15%,
#: 10-15 27%, 16+ 28%. Referrals are modelled as starters; "16+" is 16-17 here.
AGE_AT_ENTRY: Final = (0.16, 0.14, 0.15, 0.27, 0.28)

#: Share of referrals that are unaccompanied asylum-seeking children. §1.1: UASC were 21%
#: of starters in 2022-23 and 8.0% of the CLA stock in 2025, after a 12% fall in 2024-25.
#: Assumption: a day's open referrals are ~3/4 new entrants (~18% UASC after the fall)
#: and ~1/4 moves of children already looked after (8%): 0.75*0.18 + 0.25*0.08 ~ 0.155.
UASC_SHARE: Final = 0.15
#: Assumption (Home Office UASC claims are overwhelmingly 16-17): age bands of UASC.
UASC_AGES: Final = MappingProxyType({14: 0.04, 15: 0.08, 16: 0.38, 17: 0.50})
#: Assumption: ~94% of UASC are boys (the figures file gives 56% male overall and 53%
#: of non-UASC in 2025, §1.2, which implies ~90-95% of UASC at 8% of the stock).
UASC_MALE_SHARE: Final = 0.94
#: §1.2: 53% of non-UASC children looked after are male (2025).
NON_UASC_MALE_SHARE: Final = 0.53
#: Assumption: pre-birth / newborn referrals with sex not recorded ("U", valid from the
#: 2025 SSDA903 schema, §2.3) are this share of under-1s.
UNDER_1_SEX_UNKNOWN_SHARE: Final = 0.03

#: §1.2: ethnicity of children looked after, 2025: White 71%, Mixed 11%, Black 8%, Asian 5%,
#: Other 4%, not known 1% (the stock, of which 8.0% are UASC, §1.1).
ETHNIC_GROUP_TARGET: Final = MappingProxyType(
    {"White": 0.71, "Mixed": 0.11, "Black": 0.08, "Asian": 0.05, "Other": 0.04, "Not known": 0.01}
)
#: §1.1: UASC share of the 2025 stock, used to take the UASC out of the national mix.
UASC_STOCK_SHARE: Final = 0.08
#: Assumption: split of each census group into SSDA903 ETHNIC codes (DfE tables by code
#: are not in the figures file): White British dominates White; Gypsy/Roma/Traveller and
#: Irish are small; Pakistani is the largest Asian group in care in the North.
ETHNIC_CODE_SPLIT: Final = MappingProxyType(
    {
        "White": MappingProxyType(
            {"WBRI": 0.87, "WOTH": 0.09, "WIRI": 0.01, "WIRT": 0.015, "WROM": 0.015}
        ),
        "Mixed": MappingProxyType({"MWBC": 0.35, "MWBA": 0.15, "MWAS": 0.20, "MOTH": 0.30}),
        "Asian": MappingProxyType({"APKN": 0.40, "ABAN": 0.15, "AIND": 0.15, "AOTH": 0.30}),
        "Black": MappingProxyType({"BAFR": 0.55, "BCRB": 0.15, "BOTH": 0.30}),
        "Other": MappingProxyType({"OOTH": 0.90, "CHNE": 0.10}),
        "Not known": MappingProxyType({"NOBT": 0.60, "REFU": 0.40}),
    }
)

#: Assumption (Home Office asylum statistics are not in the figures file): countries of
#: origin of UASC, with the SSDA903 code, religion and languages (ISO 639-1) that go with
#: them. (origin, share, ETHNIC, religion, language options with their shares).
UASC_ORIGINS: Final = (
    ("Afghanistan", 0.28, "AOTH", "muslim", (("ps",), 0.6), (("fa",), 0.4)),
    ("Eritrea", 0.15, "BAFR", "christian", (("ti",), 1.0)),
    ("Sudan", 0.15, "BAFR", "muslim", (("ar",), 1.0)),
    ("Iran", 0.10, "OOTH", "muslim", (("fa",), 0.6), (("ku", "fa"), 0.4)),
    ("Iraq", 0.07, "OOTH", "muslim", (("ku", "ar"), 0.7), (("ar",), 0.3)),
    ("Vietnam", 0.07, "OOTH", "none", (("vi",), 1.0)),
    ("Syria", 0.05, "OOTH", "muslim", (("ar",), 0.7), (("ar", "ku"), 0.3)),
    ("Albania", 0.06, "WOTH", "muslim", (("sq",), 1.0)),
    ("Ethiopia", 0.04, "BAFR", "christian", (("am",), 1.0)),
    ("Somalia", 0.03, "BAFR", "muslim", (("so",), 1.0)),
)
#: Assumption: share of UASC who already speak English well enough to list it.
UASC_SPEAKS_ENGLISH: Final = 0.35

#: Assumption: religion and a second home language by ETHNIC code (census patterns in
#: broad strokes). Every child and carer speaks English ("en") except where noted (UASC).
#: code -> (religion shares, second-language shares; None = English only).
Culture = tuple[Mapping[str, float], Mapping[str | None, float]]
ETHNIC_CULTURE: Final[Mapping[str, Culture]] = MappingProxyType(
    {
        "WBRI": ({"none": 0.60, "christian": 0.39, "jewish": 0.01}, {None: 1.0}),
        "WIRI": ({"christian": 0.60, "none": 0.40}, {None: 1.0}),
        "WIRT": ({"christian": 0.55, "none": 0.45}, {None: 1.0}),
        "WROM": (
            {"christian": 0.60, "none": 0.30, "muslim": 0.10},
            {"ro": 0.40, "sk": 0.20, "cs": 0.10, None: 0.30},
        ),
        "WOTH": (
            {"christian": 0.55, "none": 0.30, "muslim": 0.15},
            {"pl": 0.25, "ro": 0.15, "pt": 0.05, "sq": 0.05, "tr": 0.05, None: 0.45},
        ),
        "MWBC": ({"none": 0.55, "christian": 0.40, "muslim": 0.05}, {None: 1.0}),
        "MWBA": ({"none": 0.45, "christian": 0.40, "muslim": 0.15}, {None: 1.0}),
        "MWAS": ({"none": 0.45, "muslim": 0.35, "christian": 0.15, "sikh": 0.05}, {None: 1.0}),
        "MOTH": ({"none": 0.55, "christian": 0.30, "muslim": 0.15}, {None: 1.0}),
        "AIND": (
            {"hindu": 0.45, "sikh": 0.30, "muslim": 0.15, "none": 0.10},
            {"gu": 0.30, "pa": 0.30, None: 0.40},
        ),
        "APKN": ({"muslim": 0.95, "none": 0.05}, {"ur": 0.50, "pa": 0.20, None: 0.30}),
        "ABAN": ({"muslim": 0.95, "none": 0.05}, {"bn": 0.60, None: 0.40}),
        "AOTH": (
            {"muslim": 0.50, "hindu": 0.20, "none": 0.20, "christian": 0.10},
            {"ps": 0.10, "fa": 0.10, "ur": 0.05, None: 0.75},
        ),
        "BCRB": ({"christian": 0.55, "none": 0.45}, {None: 1.0}),
        "BAFR": (
            {"christian": 0.60, "muslim": 0.35, "none": 0.05},
            {"so": 0.10, "yo": 0.10, "ha": 0.05, "am": 0.05, "fr": 0.10, "pt": 0.05, None: 0.55},
        ),
        "BOTH": ({"christian": 0.50, "none": 0.30, "muslim": 0.20}, {"fr": 0.15, None: 0.85}),
        "CHNE": ({"none": 0.70, "buddhist": 0.15, "christian": 0.15}, {None: 1.0}),
        "OOTH": (
            {"muslim": 0.50, "none": 0.25, "christian": 0.25},
            {"ar": 0.25, "ku": 0.10, "tr": 0.10, "fa": 0.05, None: 0.50},
        ),
        "REFU": ({"none": 0.70, "christian": 0.25, "muslim": 0.05}, {None: 1.0}),
        "NOBT": ({"none": 0.70, "christian": 0.25, "muslim": 0.05}, {None: 1.0}),
    }
)

#: Age bands for need prevalence: (first, last) inclusive.
NEED_AGE_BANDS: Final = ((0, 0), (1, 4), (5, 9), (10, 12), (13, 15), (16, 17))
#: Assumption: prevalence of each need among non-UASC referrals, by NEED_AGE_BANDS. The
#: figures file has no needs table (N1-N8 is the reason for care, §1.3); these follow the
#: brief (emotional/behavioural common, harmful sexual behaviour rare, exploitation,
#: substance misuse, mental health and remand for teenagers) and the usual picture of
#: children's services caseloads (about half of children in care have SDQ scores of
#: concern; ~1 in 10 has a learning disability or autism).
NEED_PREVALENCE: Final = MappingProxyType(
    {
        "complex_health": (0.06, 0.04, 0.03, 0.02, 0.02, 0.02),
        "physical_disability": (0.01, 0.02, 0.03, 0.03, 0.03, 0.02),
        "learning_disability": (0.00, 0.03, 0.08, 0.10, 0.10, 0.08),
        "autism": (0.00, 0.02, 0.07, 0.08, 0.08, 0.05),
        "sensory_impairment": (0.01, 0.01, 0.015, 0.015, 0.015, 0.01),
        "emotional_behavioural": (0.00, 0.10, 0.35, 0.45, 0.50, 0.35),
        "therapeutic": (0.00, 0.03, 0.08, 0.08, 0.08, 0.03),
        "harmful_sexual_behaviour": (0.00, 0.00, 0.005, 0.02, 0.025, 0.015),
        "exploitation_risk": (0.00, 0.00, 0.00, 0.03, 0.15, 0.15),
        "substance_misuse": (0.00, 0.00, 0.00, 0.00, 0.05, 0.10),
        "mental_health": (0.00, 0.00, 0.01, 0.04, 0.10, 0.12),
        "remand": (0.00, 0.00, 0.00, 0.00, 0.01, 0.03),
        # girls aged 16-17 only (a young mother with her baby); rare
        "parent_and_child": (0.00, 0.00, 0.00, 0.00, 0.00, 0.04),
    }
)
#: Assumption: needs of UASC referrals besides `uasc` itself (trauma shows as mental
#: health or emotional needs in a minority; exploitation risk from trafficking).
UASC_NEED_PREVALENCE: Final = MappingProxyType(
    {"mental_health": 0.10, "emotional_behavioural": 0.10, "exploitation_risk": 0.05}
)

#: Assumption: living-alongside flags and the pet flag are rare.
WHEELCHAIR_IF_PHYSICAL: Final = 0.40  # of children with a physical disability
NO_PETS_SHARE: Final = 0.03  # pet allergy (roughly the share of children with one)
ONLY_CHILD_SHARE: Final = 0.015  # plus ONLY_CHILD_IF_THERAPEUTIC of therapeutic needs
ONLY_CHILD_IF_THERAPEUTIC: Final = 0.10
NO_YOUNGER_SHARE_10_PLUS: Final = 0.02  # besides harmful sexual behaviour, which implies it
NO_OLDER_SHARE_UNDER_10: Final = 0.02

#: Assumption: urgency mix of a day's open referrals (no national figure: DfE does not
#: count referrals by urgency). Roughly a quarter need a bed today (police protection,
#: s20 emergencies, disruptions); UASC arrive unannounced more often.
URGENCY_MIX: Final = MappingProxyType({"emergency": 0.25, "urgent": 0.35, "planned": 0.40})
UASC_URGENCY_MIX: Final = MappingProxyType({"emergency": 0.50, "urgent": 0.35, "planned": 0.15})
#: Assumption: days from `as_of` to `needed_by` (inclusive ranges): emergency today,
#: urgent within a week, planned in 2-8 weeks (a planned move or a care proceedings date).
NEEDED_BY_DAYS: Final = MappingProxyType(
    {"emergency": (0, 0), "urgent": (1, 7), "planned": (14, 56)}
)
#: Assumption: days before `as_of` that a referral still open on `as_of` was made
#: (inclusive ranges): an emergency today or in the last few days (the out-of-hours
#: team's, not yet placed), an urgent one in the last three weeks, a planned one two to
#: ten weeks ago (the plan gives notice; the search starts well before the move). Each
#: is before its needed-by date (`NEEDED_BY_DAYS` counts from `as_of`).
REFERRED_DAYS_AGO: Final = MappingProxyType(
    {"emergency": (0, 3), "urgent": (1, 21), "planned": (14, 70)}
)
#: Assumption: referrals are made in office hours (UTC), 8am to 6pm.
REFERRED_HOURS: Final = (8, 18)

#: Assumption: school. Every child of 4-15 has one; 16-17s at school or college 80%
#: (UASC 16-17: 40%, many wait for an ESOL place). The school is the home outcode or a
#: neighbour within SCHOOL_RADIUS_KM.
SCHOOL_MIN_AGE: Final = 4
SCHOOL_16_17_SHARE: Final = 0.80
UASC_SCHOOL_16_17_SHARE: Final = 0.40
SCHOOL_AT_HOME_OUTCODE: Final = 0.60
SCHOOL_RADIUS_KM: Final = 5.0
#: Assumption: the care plan says "stay at this school" for 30% of 5-16s with a school,
#: 60% in the GCSE years (ages 14-15).
SCHOOL_MUST_STAY_AGES: Final = (5, 16)
SCHOOL_MUST_STAY_SHARE: Final = 0.30
SCHOOL_MUST_STAY_GCSE: Final = 0.60

#: Assumption: 60% of children at risk of exploitation have an avoid list: one outcode
#: within AVOID_OUTCODE_RADIUS_KM of home (the home outcode itself a third of the time),
#: and 35% of those also a neighbouring LA where the network operates.
AVOID_IF_EXPLOITATION: Final = 0.60
AVOID_HOME_OUTCODE: Final = 0.33
AVOID_OUTCODE_RADIUS_KM: Final = 8.0
AVOID_LA_SHARE: Final = 0.35
AVOID_LA_RADIUS_KM: Final = 25.0

#: Assumption: accepted placement kinds by age and plan (the placement mix of §1.4 is the
#: outcome these feed; see docs/calibration.md for the comparison).
#: Teenagers (10+) with emotional needs and a high-risk need may go to a children's home:
RESIDENTIAL_IF_COMPLEX: Final = 0.60
RESIDENTIAL_ONLY_IF_COMPLEX: Final = 0.25  # of those: the plan is residential only
RESIDENTIAL_OTHER_12_PLUS: Final = 0.06
#: 16-17s may go to supported accommodation (K3/H5, §2.3; UASC more often):
SUPPORTED_16_17: Final = 0.50
SUPPORTED_16_17_UASC: Final = 0.75
SUPPORTED_ONLY: Final = 0.25  # of those: supported accommodation only
#: Adoption plans for under-5s (§1.7: average age at adoption 3y4m; ~3,000 adoptions a
#: year against ~9,600 starters under 5, §1.1-1.2; at referral the plan is adoption for
#: a minority). Most are early permanence (foster + adoption), the rest adoption only.
ADOPTION_UNDER_2: Final = 0.18
ADOPTION_2_TO_4: Final = 0.10
ADOPTION_ONLY: Final = 0.35
#: Share of sibling groups (all under 5) whose plan includes adoption.
ADOPTION_SIBLING_GROUP_UNDER_5: Final = 0.15
#: Assumption: a connected person (kinship carer) is assessed for this share of non-UASC
#: referrals (§1.4: kinship foster is ~16% of placements; §1.8: 21% of fostering
#: households and 50% of new approvals are kinship).
KINSHIP_UNIT_SHARE: Final = 0.12
#: Cap on kinship households as a share of all carers (when few carers are asked for).
KINSHIP_MAX_SHARE_OF_CARERS: Final = 0.25

#: Assumption: a child's own distance limit. Children at risk of exploitation are
#: sometimes searched for further away for safety; a few must stay very local (contact).
EXPLOITATION_WIDE_SEARCH: Final = 0.20
WIDE_SEARCH_KM: Final = 80.0
LOCAL_ONLY_SHARE: Final = 0.03
LOCAL_ONLY_KM: Final = 16.0

#: Assumption: a brother or sister already lives with a foster carer for 4% of single
#: referrals; they name that household in `siblings_placed_with`.
SIBLING_ALREADY_PLACED: Final = 0.04
#: Assumption: 30% of children aged 8+ state where they want to live (home outcode, or
#: home and a neighbour); 10% of those also name a carer (a former foster carer).
WISHES_MIN_AGE: Final = 8
WISHES_SHARE: Final = 0.30
WISHES_NAME_CARER: Final = 0.10
WISHES_RADIUS_KM: Final = 6.0

# ---------------------------------------------------------------------------------
# Sibling groups
# ---------------------------------------------------------------------------------

#: Assumption informed by §1.9 (Children's Commissioner 2023: children with 1 sibling in
#: care are the commonest case; separation rises with group size, 64% of children with
#: 5 siblings): sizes of sibling groups among referrals.
SIBLING_GROUP_SIZES: Final = MappingProxyType({2: 0.62, 3: 0.25, 4: 0.09, 5: 0.04})
#: Assumption: the assessment says "must" (together or not at all) for a minority and
#: "apart" for a few; the rest "should" live together. §1.9 reports outcomes (34% of
#: groups separated), not assessments, so it cannot calibrate this split.
SIBLING_POLICY_MIX: Final = MappingProxyType({"should": 0.78, "must": 0.12, "apart": 0.10})
#: Assumption: years between consecutive siblings (0 = twins).
SIBLING_AGE_GAPS: Final = MappingProxyType({0: 0.04, 1: 0.22, 2: 0.32, 3: 0.22, 4: 0.12, 5: 0.08})

# ---------------------------------------------------------------------------------
# Carers
# ---------------------------------------------------------------------------------

#: Household mix, kinship apart (kinship households follow the referrals). §1.4 gives
#: placements: mainstream foster ~53%, children's homes ~11.5%, supported ~10%, adoption
#: ~2-3%; §1.8 gives ~2.1 approved places per mainstream household (69,825 / 33,435).
#: Assumption: homes hold ~4 places and supported settings ~4-5, so per household the
#: mix is ~78 / 10 / 8 %; adopters ~4% (§1.7: ~1,600-1,800 approved adopter families
#: waiting against ~42,000 fostering households, §1.8).
CARER_KIND_MIX: Final = MappingProxyType(
    {"foster": 0.78, "residential": 0.10, "supported": 0.08, "adoption": 0.04}
)
#: §1.4 (FOI to 150 LAs, Sept 2024): in-house mainstream foster 27.9%, IFA 24.8% of
#: placements, i.e. 53% / 47% of mainstream fostering.
FOSTER_PROVIDER_MIX: Final = MappingProxyType({"in_house": 0.53, "ifa": 0.47})
#: Assumption: most children's homes are private; some LA-run, a few voluntary.
RESIDENTIAL_PROVIDER_MIX: Final = MappingProxyType(
    {"private": 0.80, "in_house": 0.15, "voluntary": 0.05}
)
SUPPORTED_PROVIDER_MIX: Final = MappingProxyType(
    {"private": 0.70, "voluntary": 0.20, "in_house": 0.10}
)
#: Assumption: most adopters are approved by the regional adoption agency (in-house),
#: the rest by voluntary adoption agencies.
ADOPTION_PROVIDER_MIX: Final = MappingProxyType({"in_house": 0.80, "voluntary": 0.20})

#: Assumption: share of each kind located outside the region (IFAs and children's homes
#: recruit across boundaries; §1.5: almost half of CLA live outside their LA, 2024).
OUT_OF_AREA_SHARE: Final = MappingProxyType(
    {"ifa_foster": 0.30, "residential": 0.45, "supported": 0.25, "voluntary_adoption": 0.50}
)
#: Assumption: in-house foster carers mostly live in their LA; some just over the border.
IN_HOUSE_OVER_BORDER: Final = 0.15
IN_HOUSE_OVER_BORDER_KM: Final = 15.0

#: Approved places per household. Foster: §1.8 (69,825 places / 33,435 mainstream
#: households = 2.09); the split is an assumption with that mean (2.05). Homes, supported
#: and adopters: assumption (§1.11: 19 of 101 OAWY adopter households approved for
#: sibling groups -> 2 places).
PLACES: Final = MappingProxyType(
    {
        "foster": MappingProxyType({1: 0.30, 2: 0.40, 3: 0.25, 4: 0.05}),
        "residential": MappingProxyType({2: 0.15, 3: 0.25, 4: 0.30, 5: 0.15, 6: 0.15}),
        "supported": MappingProxyType({2: 0.10, 3: 0.20, 4: 0.30, 6: 0.25, 8: 0.15}),
        "adoption": MappingProxyType({1: 0.81, 2: 0.19}),
    }
)
#: Share of places vacant (free now). Foster: §1.8 (16% of places vacant 2023-24, 18% in
#: 2021-22; ~60% filled; the rest unavailable). Homes and supported: assumption (high
#: occupancy; the market is short of beds). Adopters waiting: every approved place.
VACANT_SHARE: Final = MappingProxyType(
    {"foster": 0.17, "residential": 0.15, "supported": 0.20, "adoption": 1.0}
)
#: Assumption: vacancies cluster in households (a sibling placement ends and frees two
#: places at once; carers approved for sibling groups hold places open), so a household
#: "has room" as a whole, and then each of its other places is free with this chance.
#: The chance of having room is set so that the share of places vacant is VACANT_SHARE.
VACANT_EXTRA_PLACE_FREE: Final = 0.75
#: Assumption: independent providers (IFAs, private and voluntary homes, supported
#: accommodation, other LAs) sell to many LAs, and almost half of children looked after
#: live outside their LA (§1.5): a free place with them is offered to this region's
#: referrals with this chance; otherwise another LA's referral has it on hold (the
#: household shows 0 vacancies here, a near miss). In-house places are the LA's own.
INDEPENDENT_PLACE_OFFERED: Final = 0.60
#: Of the places that are not vacant, the share filled (the rest: carer break, matching
#: limits). Foster: §1.8 (60% filled of all places -> 0.60 / 0.83). Others: assumption.
FILLED_OF_NOT_VACANT: Final = MappingProxyType(
    {"foster": 0.72, "residential": 0.95, "supported": 0.95, "adoption": 0.0}
)
#: Assumption: a kinship carer has room for every connected child, except 10% of those
#: connected to a sibling group who can take one fewer.
KINSHIP_SHORT_OF_ROOM: Final = 0.10

#: Assumption: typical approval ranges (min_age, max_age, share).
AGE_RANGES: Final = MappingProxyType(
    {
        "foster": (
            (0, 4, 0.16), (0, 8, 0.14), (0, 11, 0.17), (0, 17, 0.22),
            (5, 17, 0.10), (8, 17, 0.07), (11, 17, 0.09), (13, 17, 0.05),
        ),
        "residential": ((8, 17, 0.20), (10, 17, 0.40), (12, 17, 0.40)),
        "supported": ((16, 17, 1.0),),
        "adoption": ((0, 4, 0.60), (0, 6, 0.30), (0, 9, 0.10)),
    }
)  # fmt: skip
#: Assumption: approval by sex ("both" = either).
SEXES_MIX: Final = MappingProxyType(
    {
        "foster": MappingProxyType({"both": 0.92, "F": 0.05, "M": 0.03}),
        "residential": MappingProxyType({"both": 0.70, "F": 0.15, "M": 0.15}),
        "supported": MappingProxyType({"both": 0.60, "F": 0.10, "M": 0.30}),
        "adoption": MappingProxyType({"both": 0.90, "F": 0.07, "M": 0.03}),
    }
)

#: Assumption: chance a household holds each skill, by kind. In-house foster carers are
#: the base; IFA carers are more skilled (x IFA_SKILL_FACTOR, capped); children's homes
#: most skilled in behaviour, exploitation and mental health; supported accommodation
#: in UASC and independence; adopters in early-years health and therapeutic parenting.
SKILL_CHANCE: Final = MappingProxyType(
    {
        "foster": MappingProxyType(
            {
                "complex_health": 0.10, "physical_disability": 0.08, "learning_disability": 0.22,
                "autism": 0.20, "sensory_impairment": 0.06, "emotional_behavioural": 0.55,
                "therapeutic": 0.22, "harmful_sexual_behaviour": 0.04, "exploitation_risk": 0.10,
                "substance_misuse": 0.06, "mental_health": 0.14, "uasc": 0.12,
                "parent_and_child": 0.05, "remand": 0.03,
            }
        ),
        "residential": MappingProxyType(
            {
                "complex_health": 0.10, "physical_disability": 0.08, "learning_disability": 0.35,
                "autism": 0.35, "sensory_impairment": 0.10, "emotional_behavioural": 0.95,
                "therapeutic": 0.60, "harmful_sexual_behaviour": 0.25, "exploitation_risk": 0.60,
                "substance_misuse": 0.45, "mental_health": 0.50, "uasc": 0.15,
                "parent_and_child": 0.00, "remand": 0.30,
            }
        ),
        "supported": MappingProxyType(
            {
                "complex_health": 0.03, "physical_disability": 0.05, "learning_disability": 0.15,
                "autism": 0.10, "sensory_impairment": 0.03, "emotional_behavioural": 0.50,
                "therapeutic": 0.10, "harmful_sexual_behaviour": 0.05, "exploitation_risk": 0.30,
                "substance_misuse": 0.25, "mental_health": 0.30, "uasc": 0.70,
                "parent_and_child": 0.15, "remand": 0.10,
            }
        ),
        "adoption": MappingProxyType(
            {
                "complex_health": 0.12, "physical_disability": 0.06, "learning_disability": 0.10,
                "autism": 0.05, "sensory_impairment": 0.04, "emotional_behavioural": 0.25,
                "therapeutic": 0.20, "harmful_sexual_behaviour": 0.0, "exploitation_risk": 0.0,
                "substance_misuse": 0.0, "mental_health": 0.0, "uasc": 0.0,
                "parent_and_child": 0.0, "remand": 0.0,
            }
        ),
    }
)  # fmt: skip
IFA_SKILL_FACTOR: Final = 1.5
MAX_SKILL_CHANCE: Final = 0.95
#: Assumption: a kinship carer is assessed as able to meet each of the connected
#: children's needs with this chance (otherwise: a near miss on skills).
KINSHIP_SKILL_FOR_NEED: Final = 0.70
#: Assumption: a UASC-skilled carer speaks one of the UASC languages.
UASC_CARER_LANGUAGE: Final = 0.35

#: Assumption: ethnic group of foster carers and adopters. §1.11: 21% of adopters approved
#: by One Adoption West Yorkshire in 2022-23 were from Black and ethnically diverse
#: backgrounds; foster carers taken to be similar. Codes then split as for children.
CARER_ETHNIC_GROUPS: Final = MappingProxyType(
    {"White": 0.79, "Mixed": 0.04, "Asian": 0.09, "Black": 0.05, "Other": 0.02, "Not known": 0.01}
)

#: Assumption: household features by kind (share true). Children's homes are smoke-free
#: by law; many families keep pets; few homes are adapted for wheelchairs.
SMOKER: Final = MappingProxyType(
    {"foster": 0.08, "kinship": 0.25, "residential": 0.0, "supported": 0.0, "adoption": 0.03}
)
PETS: Final = MappingProxyType(
    {"foster": 0.45, "kinship": 0.50, "residential": 0.05, "supported": 0.0, "adoption": 0.50}
)
WHEELCHAIR: Final = MappingProxyType(
    {"foster": 0.05, "kinship": 0.02, "residential": 0.15, "supported": 0.10, "adoption": 0.03}
)
#: Assumption: children already in the household besides placed children: foster carers
#: are older (§1.8: 65% of carers over 50 in 2020), so a quarter have birth children at
#: home; adopters sometimes have a child already; kinship carers often have their own.
BIRTH_CHILDREN: Final = MappingProxyType({"foster": 0.25, "kinship": 0.40, "adoption": 0.25})
BIRTH_CHILD_AGES: Final = MappingProxyType(
    {"foster": (3, 17), "kinship": (0, 17), "adoption": (2, 10)}
)

#: Assumption: years of experience, gamma(shape, scale) -> mean shape*scale.
EXPERIENCE_GAMMA: Final = MappingProxyType(
    {
        "foster": (2.0, 4.0),
        "residential": (3.0, 3.0),
        "supported": (2.0, 3.0),
        "adoption": (0.5, 1.0),
    }
)

#: Assumption: 15% of households are not available until after `as_of` (returning from a
#: break, approval at a panel next month); the rest became available in the past year.
#: Kinship: 35% later (the connected-person assessment is still running).
AVAILABLE_LATER: Final = 0.15
KINSHIP_AVAILABLE_LATER: Final = 0.35
AVAILABLE_PAST_DAYS: Final = 365
AVAILABLE_LATER_DAYS: Final = (1, 42)

#: Expected places (issue 19, "Place now or wait"): what the product knows about the
#: next weeks. Drawn from their own stream after everything else (synth.expected), so
#: every other draw of a region is as it was. Horizon: the latest date needed of a
#: planned referral (`NEEDED_BY_DAYS`), since nothing later can serve an open referral.
EXPECTED_HORIZON_DAYS: Final = 56
#: A placement with a planned end date within the horizon, per foster, residential or
#: supported household: §1.6 gives 36,560 changes of foster placement a year of which
#: 31% are a change to or implementation of the care plan (planned, so dated ahead),
#: over about 42,000 filled mainstream places (§1.8): 0.27 a filled place a year, 4.2%
#: of filled places within 56 days; at about 1.26 filled places a household (§1.8:
#: 42,015 filled in 33,435 households) that is about 5% of households. Assumption: the
#: same share for children's homes and supported accommodation, and the end date
#: uniform over the horizon.
PLANNED_ENDING_SHARE: Final = 0.05
#: An approval expected at panel within the horizon, per in-house or IFA foster
#: household with no free place: §1.8 has about 4,000 households newly approved a year
#: among 42,190 (about 10% a year, 1.5% within 56 days). Assumption: the generators add
#: no households, so the approval is of one more place for an existing household (a
#: change of approval, which goes to panel as a new approval does); days uniform from
#: 14 (the earliest panel after a referral) to the horizon.
APPROVAL_SHARE: Final = 0.015
APPROVAL_DAYS: Final = (14, EXPECTED_HORIZON_DAYS)
#: A place held for another LA's referral whose hold runs out, per independent
#: household showing no free place (`INDEPENDENT_PLACE_OFFERED`): assumption, no
#: published figure; a provider holds a place for days to a couple of weeks while an LA
#: decides, so about one in ten such households has a hold ending within three weeks.
HOLD_EXPIRES_SHARE: Final = 0.10
HOLD_EXPIRES_DAYS: Final = (2, 21)

#: Kinship carers live near the child: within KINSHIP_NEAR_KM (70%), within
#: KINSHIP_MID_KM (22%), or anywhere in England within KINSHIP_FAR_KM (8%). Assumption.
KINSHIP_DISTANCE_MIX: Final = MappingProxyType({10.0: 0.70, 40.0: 0.22, 150.0: 0.08})

#: Weekly cost (GBP). Residential, private/voluntary: §1.10 CCN 2024 average £6,108 (CMA
#: 2021 gave £3,830 for the largest providers); lognormal around it, clipped, since a few
#: placements cost over £10,000 (§1.10, Independent FOI 2024). IFA foster: §1.10 CMA 2021
#: average ~£820 (not uplifted). In-house foster: §1.10 "£400-£600, unverified"; plus an
#: assumed enhanced fee per skill. In-house (LA) homes: §1.10 gives ~£3,000 in 2016-17
#: (old); assumption £4,500 now. Supported accommodation, kinship and adoption: not in
#: the figures file (assumptions: supported ~£1,500; kinship at about the fostering
#: allowance, £250; adopters approved by the RAA cost no weekly fee, voluntary-agency
#: adopters carry the inter-agency fee, assumed ~£31,000, spread over a year: £600).
COST_RESIDENTIAL_PRIVATE: Final = 6108.0
COST_RESIDENTIAL_SPREAD: Final = 0.35  # lognormal sigma
COST_RESIDENTIAL_RANGE: Final = (3000.0, 15000.0)
COST_RESIDENTIAL_IN_HOUSE: Final = 4500.0
COST_IFA_FOSTER: Final = 820.0
COST_IFA_SPREAD: Final = 0.15
COST_THERAPEUTIC_FACTOR: Final = 1.3  # IFA therapeutic / enhanced placements
COST_IN_HOUSE_FOSTER_RANGE: Final = (400.0, 600.0)
COST_IN_HOUSE_SKILL_FEE: Final = 40.0  # per skill, at most COST_IN_HOUSE_MAX_SKILL_FEES
COST_IN_HOUSE_MAX_SKILL_FEES: Final = 4
COST_SUPPORTED: Final = 1500.0
COST_SUPPORTED_SPREAD: Final = 0.30
COST_KINSHIP: Final = 250.0
COST_ADOPTION: Final = MappingProxyType({"in_house": 0.0, "voluntary": 600.0})


def _check() -> None:
    def one(name: str, shares: Mapping[Any, float] | Iterable[float]) -> None:
        total = sum(shares.values()) if isinstance(shares, Mapping) else sum(shares)
        assert abs(total - 1.0) < 1e-9, f"{name} sums to {total}"

    one("AGE_AT_ENTRY", AGE_AT_ENTRY)
    for name in (
        "UASC_AGES", "ETHNIC_GROUP_TARGET", "URGENCY_MIX", "UASC_URGENCY_MIX",
        "SIBLING_GROUP_SIZES", "SIBLING_POLICY_MIX", "SIBLING_AGE_GAPS", "CARER_KIND_MIX",
        "FOSTER_PROVIDER_MIX", "RESIDENTIAL_PROVIDER_MIX", "SUPPORTED_PROVIDER_MIX",
        "ADOPTION_PROVIDER_MIX", "CARER_ETHNIC_GROUPS", "KINSHIP_DISTANCE_MIX",
    ):  # fmt: skip
        one(name, globals()[name])
    for group, split in ETHNIC_CODE_SPLIT.items():
        one(f"ETHNIC_CODE_SPLIT[{group}]", split)
    for code, (religions, languages) in ETHNIC_CULTURE.items():
        one(f"ETHNIC_CULTURE[{code}] religion", religions)
        one(f"ETHNIC_CULTURE[{code}] language", languages)
    one("UASC_ORIGINS", [o[1] for o in UASC_ORIGINS])
    for o in UASC_ORIGINS:
        one(f"UASC_ORIGINS[{o[0]}] languages", [opt[1] for opt in o[4:]])
    for kind in PLACES:
        one(f"PLACES[{kind}]", PLACES[kind])
        one(f"SEXES_MIX[{kind}]", SEXES_MIX[kind])
        one(f"AGE_RANGES[{kind}]", [r[2] for r in AGE_RANGES[kind]])


_check()
