"""SSDA903 imports: upload an LA's extract, read its report, and the baseline it gives.

Placement officers and admins upload their own LAs' extracts (`POST /imports/ssda903`,
multipart: the 903 CSV files named as the DfE names them, or the XML return; `la`; an
optional `siblings` CSV; `check=true` to check without writing). An upload over
`api.limits.max_import_bytes()` is refused (413) before it is read; the files are read
as streams from where the server spooled them, checked outside the write lock, and written in
chunks (store.ssda903_chunks), each audited by the store (`child.import`, the children
it wrote); reading a report is audited as `import.read`. The baseline (`GET /baseline`)
is counts only, so planners may read it too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile, status
from fastapi.responses import HTMLResponse, PlainTextResponse
from pydantic import StringConstraints

import ssda903
import store
from api.deps import STAFF, Services, Svc, allow
from api.errors import json_errors, responses
from api.routes.common import Limit, Offset, RecordId, Serial, page
from api.schemas.common import ErrorOut, Page
from api.schemas.imports import (
    BaselineOut,
    BaselineScenarioOut,
    CareRecordOut,
    ImportOut,
    IssuePage,
)
from api.services import imports
from ssda903.report import issues_csv

router = APIRouter(tags=["SSDA903 imports"])

#: Who may bring an LA's data in (issue 7): the people who own its records.
IMPORTERS: tuple[str, ...] = ("placement_officer", "admin")
BASELINE_READERS = imports.BASELINE_READERS
Importer = Annotated[store.User, Depends(allow(*IMPORTERS))]
Reader = Annotated[store.User, Depends(allow(*STAFF))]
BaselineReader = Annotated[store.User, Depends(allow(*BASELINE_READERS))]

MAX_FILES = imports.MAX_FILES


@dataclass
class IssueFilter:
    """Which of an import's issues: every filter given must match."""

    severity: Annotated[str | None, Query(max_length=7, pattern="^(error|warning)$")] = None
    rule: Annotated[str | None, Query(max_length=64, examples=["unknown_outcode"])] = None
    table: Annotated[str | None, Query(max_length=64, examples=["episodes"])] = None


def _read_upload(files: list[UploadFile]) -> ssda903.Extract:
    return imports.read_upload([(f.filename or "", f.file) for f in files])


def _read_siblings(siblings: UploadFile) -> ssda903.Table:
    return imports.read_siblings(siblings.filename or "siblings.csv", siblings.file)


def import_903(
    user: Importer,
    svc: Svc,
    files: Annotated[
        list[UploadFile],
        File(description="903 CSV files named as the DfE names them, or the XML return"),
    ],
    la: Annotated[str, Form(description="your LA whose extract it is", examples=["Leeds"])],
    as_of: Annotated[
        date | None, Form(description="the day to describe; default the latest date in it")
    ] = None,
    siblings: Annotated[
        UploadFile | None, File(description="sibling links CSV: child, sibling, policy")
    ] = None,
    check: Annotated[bool, Form(description="check and report only, write nothing")] = False,
) -> Any:
    """Reads every row; bad rows are skipped or imported with a field blanked, each
    named in the report (table, row, column, value, rule). The children looked after on
    the day are created or updated in chunks (`state` is `done` once all are in). A file
    that cannot be read, or an extract without its header or episodes table, is a 422
    and nothing is written; an upload over the limit is a 413."""
    extract = _read_upload(files)
    links = _read_siblings(siblings) if siblings is not None else None
    names = [f.filename or "" for f in files] + ([siblings.filename or ""] if siblings else [])
    return imports.import_extract(
        svc, user, extract, la=la, as_of=as_of, links=links, files=names, check=check
    )


router.add_api_route(
    "/imports/ssda903",
    import_903,
    methods=["POST"],
    response_model=ImportOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 422)
    | {413: {"model": ErrorOut, "description": "the upload is over the limit (named)"}},
    summary="Import an SSDA903 extract",
)


@router.get(
    "/imports",
    response_model=Page[ImportOut],
    responses=responses(401, 403, 422),
    summary="Your LAs' imports, newest first",
)
def list_all(user: Reader, svc: Svc, offset: Offset = 0, limit: Limit = 50) -> Any:
    return page(imports.list_imports_of(svc, user, offset, limit), offset, limit)


@router.get(
    "/imports/{import_id}",
    response_model=ImportOut,
    responses=responses(401, 403, 404, 422),
    summary="One import's report",
)
def get_one(import_id: Serial, user: Reader, svc: Svc) -> Any:
    return imports.read_import(svc, user, import_id)


@router.get(
    "/imports/{import_id}/issues",
    response_model=IssuePage,
    responses=responses(401, 403, 404, 422),
    summary="An import's issues, filtered",
)
def issues(
    import_id: Serial,
    user: Reader,
    svc: Svc,
    which: Annotated[IssueFilter, Depends()],
    offset: Offset = 0,
    limit: Limit = 100,
) -> Any:
    """Every issue with table, row, column, value, rule and message, in file order."""
    total, items = _issues(svc, user, import_id, which, offset, limit)
    return page(items, offset, limit) | {"total": total}


def _issues(
    svc: Services,
    user: store.User,
    import_id: int,
    which: IssueFilter,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    return imports.read_issues(
        svc,
        user,
        import_id,
        severity=which.severity,
        rule=which.rule,
        table=which.table,
        offset=offset,
        limit=limit,
    )


@router.get(
    "/children/{child_id}/care-record",
    response_model=CareRecordOut,
    responses=responses(401, 403, 404, 422),
    summary="Where a child lives now, by their LA's 903 data",
)
def get_care_record(child_id: RecordId, user: Reader, svc: Svc) -> Any:
    """404 when the child has no care record (never imported) or is not in your LAs."""
    return imports.read_care_record(svc, user, child_id)


@router.get(
    "/imports/{import_id}/issues.csv",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/csv": {}}, "description": "every matching issue, a line each"},
        **json_errors(401, 403, 404, 422),
    },
    summary="An import's issues as CSV, for a spreadsheet",
)
def issues_as_csv(
    import_id: Serial, user: Reader, svc: Svc, which: Annotated[IssueFilter, Depends()]
) -> PlainTextResponse:
    """Every issue matching the filters (no paging): table, row, column, value, rule,
    severity, message, where."""
    _, items = _issues(svc, user, import_id, which)
    name = f"ssda903-import-{import_id}-issues.csv"
    return PlainTextResponse(
        issues_csv(items),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


LaFilter = Annotated[
    list[Annotated[str, StringConstraints(max_length=64)]] | None,
    Query(description="your LAs to pool (repeat); default all of yours", max_length=50),
]


@router.get(
    "/baseline",
    response_model=BaselineOut,
    responses=responses(401, 403, 404, 422),
    summary="Baseline figures from your LAs' 903 imports",
)
def baseline(user: BaselineReader, svc: Svc, la: LaFilter = None) -> Any:
    """Children looked after by placement type and provider, share more than 20 miles
    from home, share outside the LA, the DfE's distance bands, sibling groups together:
    the starting point of a what-if. 404 when none of the LAs has an import. To a
    planner, no figure shows 1 to 4 children (`small_numbers_hidden`; docs/security.md)."""
    return imports.baseline(svc, user, la).to_dict(suppress=imports.hides_small_numbers(user))


@router.get(
    "/baseline/report",
    response_class=HTMLResponse,
    responses={
        200: {"content": {"text/html": {}}, "description": "one self-contained HTML page"},
        **json_errors(401, 403, 404, 422),
    },
    summary="The baseline as a page with plots",
)
def baseline_report(user: BaselineReader, svc: Svc, la: LaFilter = None) -> HTMLResponse:
    from reports.ssda903 import render_html

    suppress = imports.hides_small_numbers(user)
    return HTMLResponse(render_html(imports.baseline(svc, user, la), suppress=suppress))


@router.get(
    "/baseline/scenario",
    response_model=BaselineScenarioOut,
    responses=responses(401, 403, 404, 422),
    summary="A what-if scenario starting from your LAs' 903 data",
)
def baseline_scenario(user: BaselineReader, svc: Svc, la: LaFilter = None) -> Any:
    """The shipped baseline scenario with your LAs' population: children looked after
    (which sets the referrals), carer households in proportion, and the children living
    in the region's own homes by kind (the places taken when the year starts). Edit a
    copy and compare the two (`POST /scenarios/comparisons`)."""
    from scenarios.from_903 import scenario_yaml

    doc = imports.baseline_scenario(svc, user, la)
    return {"name": doc["name"], "description": doc["description"], "yaml": scenario_yaml(doc)}
