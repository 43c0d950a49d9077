"""SSDA903 imports: what was read and kept, the issues found, and the baseline taken
from the care records."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import (
    Field,
)

from api.schemas.common import Out, Page


class TableCountsOut(Out):
    read: int
    imported: int
    skipped: int
    present: bool = Field(description="false: the table was not sent")


class RuleCountOut(Out):
    severity: str = Field(examples=["warning"])
    rule: str = Field(examples=["unknown_outcode"])
    table: str = Field(examples=["episodes"])
    column: str = Field(examples=["PL_POST"])
    count: int
    example: str = Field(
        examples=["episodes row 3: PL_POST 'EG19 7TT' is not a known outcode: distance unknown"]
    )


class ImportOut(Out):
    """One SSDA903 import: what was read, kept and skipped, and what the store did."""

    id: int | None = Field(description="null for a check-only upload (nothing written)")
    la: str
    as_of: date
    year: str = Field(examples=["2023-24"], description="the return")
    form: str = Field(examples=["csv"])
    files: list[str]
    at: datetime | None
    by: int | None
    created: int
    updated: int
    unchanged: int
    skipped: int = Field(description="children the store refused (named in the issues)")
    sibling_groups: int
    state: Literal["checked", "writing", "done", "interrupted"] = Field(
        description="checked: a check-only upload; writing: its children are being written "
        "chunk by chunk; done: all written; interrupted: the server stopped while writing it "
        "(run the same extract again to complete it)"
    )
    tables: dict[str, TableCountsOut]
    children: dict[str, int] = Field(
        description="in_header, looked_after, short_breaks_only, left_care, home_unknown, …"
    )
    errors: int = Field(description="rows (or children) skipped")
    warnings: int = Field(description="rows imported with a field blanked or read leniently")
    by_rule: dict[str, int]
    summary: list[RuleCountOut] = Field(description="one line per rule and column, with an example")
    read_not_used: dict[str, int] = Field(
        default_factory=dict, description="the return's tables read and not used, with their rows"
    )
    not_read: list[str] = Field(
        default_factory=list, description="files passed over, with why (last year's tables, ...)"
    )
    dfe_warnings: int = Field(
        default=0,
        description="warnings on rows the DfE's validator would reject (the message names the "
        "DfE rule); the import kept them as each message says",
    )


class IssueOut(Out):
    table: str = Field(examples=["episodes"])
    row: int = Field(description="1-based data row (CSV) or CHILD element (XML); 0: the table")
    column: str = Field(examples=["PLACE"])
    value: str = Field(examples=["Q9"])
    rule: str = Field(examples=["unknown_code"])
    message: str = Field(examples=["PLACE Q9 is not a 903 code: placement type unknown"])
    severity: str = Field(examples=["warning"])
    where: str | None = Field(default=None, description="inside an XML CHILD: 'EPISODE 2'")


class IssuePage(Page[IssueOut]):
    total: int = Field(description="issues matching the filters")


class BaselineTableOut(Out):
    title: str
    columns: list[str]
    rows: list[list[Any]]


class BaselineOut(Out):
    """Where your LAs' children live now by their latest 903 imports, in the DfE's terms."""

    las: list[str]
    as_of: list[date]
    looked_after: int | None = Field(description="null for a planner when fewer than 5")
    share_over_20_miles: float | None = Field(
        description="of those with both outcodes known; null for a planner when either side "
        "is fewer than 5 children"
    )
    share_outside_la: float | None = Field(
        description="of those whose placement is known; null for a planner as above"
    )
    median_distance_km: float | None
    sibling_groups_together: int | None = Field(
        description="null: no sibling groups (or, for a planner, fewer than 5)"
    )
    sibling_groups_known: int | None = Field(description="groups whose placements are known")
    small_numbers_hidden: bool = Field(
        default=False,
        description="true for a planner: counts of 1 to 4 children are null here and "
        "'fewer than 5' (or 'suppressed') in the tables",
    )
    tables: dict[str, BaselineTableOut]


class CareRecordOut(Out):
    """Where a child lives now by their LA's latest 903 import."""

    child_id: str
    import_id: int
    code: str = Field(description="the 903 CHILD")
    date_of_birth: date
    legal_status: str | None = Field(examples=["C2"])
    period_start: date = Field(description="the start of the current period of care")
    placed_since: date
    place: str | None = Field(examples=["U4"], description="903 PLACE")
    place_provider: str | None = Field(examples=["PR1"], description="903 PLACE_PROVIDER")
    kind: str | None = Field(examples=["foster"], description="the product's kind")
    provider: str | None = Field(examples=["in_house"])
    outcode: str | None = Field(examples=["LS12"], description="of the placement; null: unknown")
    distance_km: float | None = Field(description="straight line from home (outcodes)")
    out_of_la: bool | None
    urn: str | None = Field(description="Ofsted URN of a registered setting")
    sdq_score: int | None


class BaselineScenarioOut(Out):
    """A what-if scenario that starts from your LAs' 903 data (docs/scenarios.md)."""

    name: str = Field(examples=["Leeds from the 903"])
    description: str
    yaml: str = Field(description="send it (or an edited copy) to POST /scenarios/comparisons")
