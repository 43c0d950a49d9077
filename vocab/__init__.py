"""The controlled vocabularies of the problem format, shared by every layer.

One place, so that the JSON Schema, the loader, the core and later the database all
reject the same words.
"""

from __future__ import annotations

from typing import Literal

Kind = Literal["foster", "kinship", "residential", "supported", "adoption"]
Provider = Literal["in_house", "ifa", "private", "voluntary", "other_la"]
Urgency = Literal["emergency", "urgent", "planned"]
Sex = Literal["F", "M", "U"]
SiblingPolicy = Literal["must", "should", "apart"]

KINDS: tuple[str, ...] = ("foster", "kinship", "residential", "supported", "adoption")
PROVIDERS: tuple[str, ...] = ("in_house", "ifa", "private", "voluntary", "other_la")
#: Most urgent first: the order of objective level 1.
URGENCIES: tuple[str, ...] = ("emergency", "urgent", "planned")
SEXES: tuple[str, ...] = ("F", "M", "U")
SIBLING_POLICIES: tuple[str, ...] = ("must", "should", "apart")

#: Every need requires the same-named skill of the carer.
NEEDS: tuple[str, ...] = (
    "complex_health",
    "physical_disability",
    "learning_disability",
    "autism",
    "sensory_impairment",
    "emotional_behavioural",
    "therapeutic",
    "harmful_sexual_behaviour",
    "exploitation_risk",
    "substance_misuse",
    "mental_health",
    "uasc",
    "parent_and_child",
    "remand",
)
SKILLS = NEEDS

#: How much of a need a child has, or an adopter could manage (as on Link Maker), lowest
#: first: an adopter manages a need when their level is at least the child's (issue 18).
NEED_LEVELS: tuple[str, ...] = ("low", "medium", "high")

FLAGS: tuple[str, ...] = (
    "needs_wheelchair_access",
    "no_pets",
    "only_child",
    "no_younger_children",
    "no_older_children",
)

#: SSDA903 ETHNIC codes and the census group each belongs to (for matching and equity).
ETHNIC_GROUPS: dict[str, str] = {
    "WBRI": "White",
    "WIRI": "White",
    "WOTH": "White",
    "WIRT": "White",
    "WROM": "White",
    "MWBC": "Mixed",
    "MWBA": "Mixed",
    "MWAS": "Mixed",
    "MOTH": "Mixed",
    "AIND": "Asian",
    "APKN": "Asian",
    "ABAN": "Asian",
    "AOTH": "Asian",
    "BCRB": "Black",
    "BAFR": "Black",
    "BOTH": "Black",
    "CHNE": "Other",
    "OOTH": "Other",
    "REFU": "Not known",
    "NOBT": "Not known",
}
ETHNICITIES: tuple[str, ...] = tuple(ETHNIC_GROUPS)

#: Plain-English names for reasons a person reads.
NEED_LABELS: dict[str, str] = {n: n.replace("_", " ") for n in NEEDS} | {
    "uasc": "unaccompanied asylum-seeking children",
    "parent_and_child": "parent and child",
    "emotional_behavioural": "emotional and behavioural needs",
}

#: What an adoptive family is told about a child's history that leaves their future
#: uncertain; adopters say which they can accept (a hard rule, issue 5).
UNCERTAINTIES: tuple[str, ...] = (
    "developmental_uncertainty",
    "prenatal_alcohol_exposure",
    "prenatal_drug_exposure",
    "family_mental_health",
    "family_learning_disability",
    "genetic_condition_risk",
)
UNCERTAINTY_LABELS: dict[str, str] = {
    "developmental_uncertainty": "developmental uncertainty",
    "prenatal_alcohol_exposure": "alcohol exposure before birth",
    "prenatal_drug_exposure": "drug exposure before birth",
    "family_mental_health": "a family history of mental illness",
    "family_learning_disability": "a family history of learning disability",
    "genetic_condition_risk": "a risk of an inherited condition",
}

#: Contact arrangements in a child's adoption plan; adopters say which they accept.
CONTACT: tuple[str, ...] = ("letterbox", "direct_siblings", "direct_birth_family")
CONTACT_LABELS: dict[str, str] = {
    "letterbox": "letterbox contact",
    "direct_siblings": "direct contact with brothers and sisters living elsewhere",
    "direct_birth_family": "direct contact with birth family",
}

KIND_LABELS: dict[str, str] = {
    "foster": "foster carer",
    "kinship": "kinship carer",
    "residential": "children's home",
    "supported": "supported accommodation",
    "adoption": "adopter",
}

PROVIDER_LABELS: dict[str, str] = {
    "in_house": "in-house",
    "ifa": "IFA",
    "private": "private",
    "voluntary": "voluntary",
    "other_la": "other LA",
}

#: ISO 639-1 codes the generator and the reasons know by name; others are shown as codes.
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "ur": "Urdu",
    "pa": "Punjabi",
    "bn": "Bengali",
    "gu": "Gujarati",
    "pl": "Polish",
    "ro": "Romanian",
    "ar": "Arabic",
    "ku": "Kurdish",
    "fa": "Farsi",
    "ps": "Pashto",
    "ti": "Tigrinya",
    "so": "Somali",
    "sq": "Albanian",
    "vi": "Vietnamese",
    "cy": "Welsh",
    "fr": "French",
    "pt": "Portuguese",
    "sk": "Slovak",
    "cs": "Czech",
    "am": "Amharic",
    "ha": "Hausa",
    "yo": "Yoruba",
    "tr": "Turkish",
}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code)


def ethnic_group(code: str) -> str:
    return ETHNIC_GROUPS.get(code, "Not known")
