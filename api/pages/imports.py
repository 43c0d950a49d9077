"""The Imports pages (admins): upload an LA's SSDA903 extract (the CSV files or the XML
return, the LA, the day it describes, check only), the imports of the admin's LAs, and
one import's report with its issues (filtered by severity, rule and table, in pages)
and a "Download CSV" of them. The same services as the JSON routes
(api/services/imports.py: reading the upload, importing, the reports and issues, each
read audited as `import.read`), so the same scope: another LA's import is the same 404
page as an unknown id.

The upload form posts to `/imports/ssda903`, the JSON route's address, so it has the
same body limit (api/limits.py). A real import redirects to its report; a check saves
nothing, so its report is the answer to the form itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.datastructures import UploadFile

import store
from api.deps import AdminPage, Svc
from api.pages.common import page_number, page_router, render, see_other, with_query
from api.routes.common import Serial
from api.services import imports
from ssda903.report import issues_csv

router = page_router()

PER_PAGE = 50
ISSUES_PER_PAGE = 50
SEVERITIES: dict[str, str] = {"error": "Errors (row skipped)", "warning": "Warnings (imported)"}
STATES: dict[str, tuple[str, str]] = {
    "done": ("Imported", "green"),
    "checked": ("Checked only", "blue"),
    "writing": ("Being written", "orange"),
    "interrupted": ("Interrupted", "red"),
}


async def _imports_page(
    request: Request,
    user: store.User,
    svc: Svc,
    *,
    errors: list[tuple[str, str]] | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    number = page_number(request.query_params.get("page")) or 1
    if errors is not None:
        number = 1
    runs = await run_in_threadpool(
        imports.list_imports_of, svc, user, (number - 1) * PER_PAGE, PER_PAGE + 1
    )
    more = len(runs) > PER_PAGE
    return render(
        request,
        "admin/imports.html",
        title="Imports",
        status_code=422 if errors else 200,
        errors=errors or [],
        runs=runs[:PER_PAGE],
        states=STATES,
        las=list(user.las),
        la_options={la: la for la in user.las},
        form=form or {"la": user.las[0] if len(user.las) == 1 else "", "as_of": "", "check": False},
        page=number,
        previous=with_query("/imports", {"page": number - 1}) if number > 1 else None,
        next_page=with_query("/imports", {"page": number + 1}) if more else None,
    )


@router.get("/imports", response_class=HTMLResponse)
async def imports_page(request: Request, user: AdminPage, svc: Svc) -> HTMLResponse:
    return await _imports_page(request, user, svc)


def _field(name: str) -> str:
    """The page's field for a service's field name (`files[2]` is the files field)."""
    base = name.split(".")[-1].split("[")[0]
    return base if base in ("files", "siblings", "la", "as_of") else "files"


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:]


@router.post("/imports/ssda903", response_class=HTMLResponse)
async def upload(request: Request, user: AdminPage, svc: Svc) -> Response:
    sent = await request.form()
    files = [f for f in sent.getlist("files") if isinstance(f, UploadFile) and f.filename]
    la = str(sent.get("la", ""))
    as_of_text = str(sent.get("as_of", "")).strip()
    check = sent.get("check") == "yes"
    form = {"la": la, "as_of": as_of_text, "check": check}
    errors: list[tuple[str, str]] = []
    if not files:
        errors.append(("files", "Choose the 903 CSV files or the XML return"))
    if la not in user.las:
        errors.append(("la", "Choose the LA whose extract it is"))
    as_of: date | None = None
    if as_of_text:
        try:
            as_of = date.fromisoformat(as_of_text)
        except ValueError:
            errors.append(("as_of", "The date must be a real date, for example 2026-03-31"))
    if errors:
        return await _imports_page(request, user, svc, errors=errors, form=form)

    def run() -> dict[str, Any]:
        extract = imports.read_upload([(f.filename or "", f.file) for f in files])
        return imports.import_extract(
            svc,
            user,
            extract,
            la=la,
            as_of=as_of,
            links=None,
            files=[f.filename or "" for f in files],
            check=check,
        )

    try:
        done = await run_in_threadpool(run)
    except store.Invalid as exc:
        errors = [(_field(i.field), _sentence(i.message)) for i in exc.issues]
        return await _imports_page(request, user, svc, errors=errors, form=form)
    if check:
        return render(
            request, "admin/import.html", title="Extract checked", run=done, **_no_issues()
        )
    return see_other(f"/imports/{done['id']}")


def _no_issues() -> dict[str, Any]:
    return {
        "issues": [],
        "total": 0,
        "filters": IssueFilters(),
        "pages": 1,
        "previous": None,
        "next_page": None,
        "csv": None,
        "severities": SEVERITIES,
        "rules": {},
        "tables": {},
        "states": STATES,
    }


@dataclass
class IssueFilters:
    severity: str | None = None
    rule: str | None = None
    table: str | None = None
    page: int = 1
    errors: list[tuple[str, str]] = field(default_factory=list)

    def service_args(self) -> dict[str, str | None]:
        return {"severity": self.severity, "rule": self.rule, "table": self.table}

    def query(self, page: int | None = None) -> dict[str, str | int | None]:
        return {**self.service_args(), "page": page}

    @property
    def any(self) -> bool:
        return any(v is not None for v in self.service_args().values())


def read_issue_filters(request: Request, run: dict[str, Any]) -> IssueFilters:
    """The filters from the query string, each checked against the import's own rules and
    tables; a value not among them is an error named for its field, never a 500."""
    q = request.query_params
    f = IssueFilters()
    choices = {
        "severity": (SEVERITIES, "Choose errors or warnings"),
        "rule": (run["by_rule"], "Choose a rule from the list"),
        "table": (run["tables"], "Choose a table from the list"),
    }
    for name, (allowed, message) in choices.items():
        value = q.get(name, "").strip()
        if value and value in allowed:
            setattr(f, name, value)
        elif value:
            f.errors.append((name, message))
    number = page_number(q.get("page"))
    if number is None:
        f.errors.append(("page", "The page number must be a whole number, 1 or more"))
    else:
        f.page = number
    return f


@router.get("/imports/{import_id}", response_class=HTMLResponse)
async def import_page(
    request: Request, import_id: Serial, user: AdminPage, svc: Svc
) -> HTMLResponse:
    run = await run_in_threadpool(imports.read_import, svc, user, import_id)
    f = read_issue_filters(request, run)

    def load() -> tuple[int, list[dict[str, Any]]]:
        total, items = imports.read_issues(
            svc,
            user,
            import_id,
            offset=(f.page - 1) * ISSUES_PER_PAGE,
            limit=ISSUES_PER_PAGE,
            **f.service_args(),
        )
        last = max(1, -(-total // ISSUES_PER_PAGE))
        if f.page > last:
            f.page = last
            total, items = imports.read_issues(
                svc,
                user,
                import_id,
                offset=(f.page - 1) * ISSUES_PER_PAGE,
                limit=ISSUES_PER_PAGE,
                **f.service_args(),
            )
        return total, items

    total, items = await run_in_threadpool(load)
    pages = max(1, -(-total // ISSUES_PER_PAGE))
    here = f"/imports/{import_id}"
    return render(
        request,
        "admin/import.html",
        title=f"Import {import_id}",
        status_code=422 if f.errors else 200,
        errors=f.errors,
        run=run,
        issues=items,
        total=total,
        filters=f,
        pages=pages,
        previous=with_query(here, f.query(f.page - 1)) if f.page > 1 else None,
        next_page=with_query(here, f.query(f.page + 1)) if f.page < pages else None,
        csv=with_query(f"{here}/issues.csv", f.service_args()),
        severities=SEVERITIES,
        rules={r: r for r in run["by_rule"]},
        tables={t: t for t in run["tables"]},
        states=STATES,
    )


@router.get("/imports/{import_id}/issues.csv")
async def issues_download(
    request: Request, import_id: Serial, user: AdminPage, svc: Svc
) -> PlainTextResponse:
    """The issues as CSV for a signed-in browser: the same service and CSV as the JSON
    route's `GET /imports/{id}/issues.csv` (which takes a bearer token)."""
    run = await run_in_threadpool(imports.read_import, svc, user, import_id)
    f = read_issue_filters(request, run)
    _, items = await run_in_threadpool(
        lambda: imports.read_issues(
            svc, user, import_id, severity=f.severity, rule=f.rule, table=f.table
        )
    )
    name = f"ssda903-import-{import_id}-issues.csv"
    return PlainTextResponse(
        issues_csv(items),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
