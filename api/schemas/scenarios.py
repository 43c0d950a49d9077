"""Scenario comparisons for planners: the scenarios compared, their outcomes and the
differences."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
)

from api.schemas.common import Body, Out
from api.schemas.runs import RESTARTED_AS, RESTARTED_FROM, RunStatus
from api.schemas.types import Int, clean_text

#: Scenarios in a comparison, replications of each, and YAML characters in one.
MIN_SCENARIOS, MAX_SCENARIOS = 2, 6
MAX_REPLICATIONS = 50
MAX_YAML = 20_000
ScenarioYaml = Annotated[
    str, Strict(), StringConstraints(min_length=1, max_length=MAX_YAML), AfterValidator(clean_text)
]

_EXAMPLE_BASELINE = "base: baseline.yaml\nhorizon_weeks: 26\n"
_EXAMPLE_TEENS = (
    "base: teen-carers-leeds-east.yaml\n"
    "name: 40 teen carers, east Leeds\n"
    "description: 40 more foster households for 11-17s in LS9, LS14, LS15 from week 4\n"
    "horizon_weeks: 26\n"
    "supply:\n"
    "  recruit:\n"
    "    - {week: 4, count: 40, la: Leeds, kind: foster, min_age: 11, max_age: 17,\n"
    "       skills: [emotional_behavioural], areas: [LS9, LS14, LS15]}\n"
)


class ExampleOut(Out):
    file: str = Field(examples=["baseline.yaml"], description="what `base:` names")
    name: str
    description: str
    yaml: str = Field(description="the file as shipped")


class ComparisonIn(Body):
    """Scenarios to simulate and compare, as YAML (docs/scenarios.md); the first is the
    baseline."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"scenarios": [_EXAMPLE_BASELINE, _EXAMPLE_TEENS], "replications": 5}]
        }
    )

    scenarios: list[ScenarioYaml] = Field(
        min_length=MIN_SCENARIOS,
        max_length=MAX_SCENARIOS,
        description="each a scenario in YAML; `base:` may name an example "
        "(GET /scenarios/examples) whose fields it changes. Names must differ. A scenario's "
        "own `replications` is ignored (the comparison's is used)",
    )
    replications: Annotated[Int, Field(ge=1, le=MAX_REPLICATIONS)] = Field(
        default=5, description="simulated runs of each scenario"
    )


class ScenarioFactsOut(Out):
    name: str
    description: str
    base: str | None = Field(description="the example it changes, if any")
    horizon_weeks: int
    children: int = Field(description="children looked after at the start")
    households: int = Field(description="carer households at the start")
    las: list[str]
    referrals_a_year: float
    matching: str


class WorkOut(Out):
    region_years: float = Field(
        description="years of the five-LA region simulated, over every replication"
    )
    solver_seconds: float = Field(description="the solver's time limits over every week")


class OutcomeOut(Out):
    scenario: str
    metric: str = Field(examples=["share_within_20_miles"])
    label: str = Field(examples=["placed within 20 miles of home"])
    higher_is_better: bool | None
    mean: float | None = Field(description="over replications (null: nothing to measure)")
    low: float | None = Field(description="95% interval")
    high: float | None
    n: int = Field(description="replications measured")


class DifferenceOut(Out):
    scenario: str
    baseline: str
    metric: str
    label: str
    mean: float | None = Field(description="scenario minus baseline, paired by replication")
    low: float | None = Field(description="95% interval")
    high: float | None
    n: int
    verdict: Literal["better", "worse", "higher", "lower"] | None = Field(
        description="when the interval excludes zero (with 2 or more replications): better "
        "or worse, or higher or lower for a measure that is not judged (children referred)"
    )


class ComparisonOut(Out):
    id: str
    status: RunStatus
    las: list[str] = Field(description="the LAs of whoever started it: who may see it")
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress: float = Field(ge=0, le=1, description="share of the replications done")
    message: str | None = Field(description="what it is doing")
    replications: int = Field(description="of each scenario")
    replications_done: int = Field(description="of every scenario together")
    replications_total: int
    scenarios: list[ScenarioFactsOut]
    work: WorkOut
    summary: list[OutcomeOut] | None = Field(
        description="when done: each scenario's outcomes, mean and 95% interval"
    )
    differences: list[DifferenceOut] | None = Field(
        description="when done: each scenario but the first against the first"
    )
    error: str | None
    restarted_from: str | None = Field(default=None, description=RESTARTED_FROM)
    restarted_as: str | None = Field(default=None, description=RESTARTED_AS)
