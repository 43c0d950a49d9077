"""SSDA903 imports: check or write an LA's extract, read the reports and issues, a
child's care record, and the baseline the imports give.

Writing goes chunk by chunk (store.ssda903_chunks), each chunk a transaction under the
write lock and audited by the store (`child.import`); reading a report is audited as
`import.read`, a care record as `care_record.read`. The baseline is counts only.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any, BinaryIO

import ssda903
import store
from api.auditlog import WriteLock
from api.deps import STAFF, Services
from api.errors import invalid
from api.schemas.imports import CareRecordOut
from api.services.common import Reading, aware, reading
from ssda903.read import passed_over_file, read_csv_file, read_siblings_table
from ssda903.report import year_label
from store.ssda903 import Saved, care_imports, care_record, get_import, import_issues, list_imports
from store.ssda903_chunks import import_in_chunks

#: Rules that mean no child could be rebuilt: the upload is refused whole.
_FATAL = "missing_table"
#: The most files one upload may carry (the 903 return has 12 tables; last year's too).
MAX_FILES = 24


def read_upload(files: list[tuple[str, BinaryIO]]) -> ssda903.Extract:
    """Uploaded files (name, stream) as an extract, each read as a stream from where the
    server spooled it; Invalid naming the file at fault (`files[k]`, and the row, where
    there is one). The JSON route and the Imports page both read uploads here."""
    if len(files) > MAX_FILES:
        raise invalid("files", f"at most {MAX_FILES} files (the 903 return has 12 tables)")
    tables: dict[str, ssda903.Table] = {}
    passed_over: list[str] = []
    for k, (name, stream) in enumerate(files):
        try:
            if name.lower().endswith(".xml"):
                if len(files) > 1:
                    raise invalid(f"files[{k}]", "send the XML return alone, or CSV files only")
                return ssda903.extract_from_xml(stream.read())
            if (why := passed_over_file(name)) is not None:
                passed_over.append(why)
                continue
            table = read_csv_file(stream, name)  # by its columns, else its name
            if table.name in tables:
                raise invalid(f"files[{k}]", f"{name!r} is a second {table.name} table")
            tables[table.name] = table
        except ssda903.ExtractUnreadable as exc:
            raise invalid(f"files[{k}]", f"cannot be read as a 903 extract: {exc}") from None
    return ssda903.Extract("csv", tables, tuple(passed_over))


def read_siblings(name: str, stream: BinaryIO) -> ssda903.Table:
    """The sibling links CSV (child, sibling, policy); Invalid if it cannot be read."""
    try:
        return read_siblings_table(stream, name)
    except ssda903.ExtractUnreadable as exc:
        raise invalid("siblings", f"cannot be read: {exc}") from None


#: matplotlib's pyplot is not thread-safe: one baseline's plots drawn at a time.
_drawing = threading.Lock()
#: Who sees the baseline: counts, no child named.
BASELINE_READERS: tuple[str, ...] = (*STAFF, "planner")


def import_record(run: store.ImportRun) -> dict[str, Any]:
    report = run.report
    return {
        "id": run.id,
        "la": run.la,
        "as_of": run.as_of,
        "year": year_label(run.year),
        "form": run.form,
        "files": list(run.files),
        "at": aware(run.at),
        "by": run.by,
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "skipped": run.skipped,
        "sibling_groups": run.sibling_groups,
        "state": run.state,
        **{
            k: report[k] for k in ("tables", "children", "errors", "warnings", "by_rule", "summary")
        },
        "read_not_used": report.get("read_not_used", {}),  # reports stored before these
        "not_read": report.get("not_read", []),
        "dfe_warnings": report.get("dfe_warnings", 0),
    }


def store_import(
    writes: WriteLock,
    imported: ssda903.Import,
    *,
    by: store.User | None,
    las: list[str] | None,
    files: list[str],
) -> Saved:
    """Write an import chunk by chunk, each chunk a transaction under the write lock."""
    return import_in_chunks(
        writes.engine, imported, by=by, las=las, files=files, transaction_=writes.transaction
    )


def import_extract(
    svc: Services,
    user: store.User,
    extract: ssda903.Extract,
    *,
    la: str,
    as_of: date | None,
    links: ssda903.Table | None,
    files: list[str],
    check: bool,
) -> dict[str, Any]:
    """Import an extract of one of the user's LAs (`check`: report only, write
    nothing); Invalid, with nothing written, for an extract without the tables a child
    is rebuilt from."""
    if la not in user.las:
        raise store.Forbidden(f"LA {la!r} is not one of yours")
    imported = ssda903.import_extract(extract, la=la, as_of=as_of, siblings=links)
    fatal = [i.message for i in imported.report.errors if i.rule == _FATAL]
    if fatal:
        raise invalid("files", "; ".join(fatal))
    if check:
        run = store.ImportRun(
            la=la,
            as_of=imported.as_of,
            year=imported.year,
            form=imported.report.form,
            files=files,
            report=imported.report.to_dict(issues=0),
        )
        return import_record(run) | {"at": None, "state": "checked"}
    saved = store_import(svc.writes, imported, by=user, las=user.las, files=files)
    return import_record(saved.run)


def list_imports_of(
    svc: Services, user: store.User, offset: int, limit: int
) -> list[dict[str, Any]]:
    """The user's LAs' imports, newest first."""
    with store.read_session(svc.engine) as s:
        runs = list_imports(s, las=user.las, offset=offset, limit=limit)
        return [import_record(r) for r in runs]


def read_import(svc: Services, user: store.User, import_id: int) -> dict[str, Any]:
    with reading(svc) as r:
        run = get_import(r.session, import_id, las=user.las)
        r.audit(user, "import.read", [], run.id)
        return import_record(run)


def read_issues(
    svc: Services,
    user: store.User,
    import_id: int,
    *,
    severity: str | None,
    rule: str | None,
    table: str | None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """An import's issues within the user's LAs, the read audited."""
    with reading(svc) as r:
        run = get_import(r.session, import_id, las=user.las)
        found = import_issues(
            run,
            severity=severity,
            rule=rule,
            table=table,
            offset=offset,
            limit=limit,
        )
        r.audit(user, "import.read", [], run.id, {"offset": offset})
    return found


def read_care_record(
    svc: Services, user: store.User, child_id: str, *, within: Reading | None = None
) -> dict[str, Any]:
    """Where a child lives now by their LA's 903 data (NotFound if never imported)."""
    with reading(svc, within) as r:
        care = care_record(r.session, child_id, las=user.las)
        r.audit(user, "care_record.read", [child_id], child_id)
        return {k: getattr(care, k) for k in CareRecordOut.model_fields}


def care_imports_of(svc: Services, user: store.User, la: list[str] | None) -> list[ssda903.Import]:
    """The stored care records of the LAs asked for (default: all of the user's)."""
    wanted = la or list(user.las)
    outside = [x for x in wanted if x not in user.las]
    if outside:
        raise store.Forbidden(f"LA {outside[0]!r} is not one of yours")
    with store.read_session(svc.engine) as s:
        found = care_imports(s, las=wanted)
    if not found:
        raise store.NotFound("903 import for", ", ".join(wanted))
    return found


def baseline(svc: Services, user: store.User, la: list[str] | None) -> ssda903.Baseline:
    """Baseline figures pooled over the LAs asked for (default: all of the user's)."""
    return ssda903.baseline(care_imports_of(svc, user, la))


def baseline_scenario(svc: Services, user: store.User, la: list[str] | None) -> dict[str, Any]:
    """A scenario document starting from the LAs' 903 imports (default: all the user's):
    the shipped baseline with their population (scenarios/from_903.py). NotFound as
    `baseline`."""
    from scenarios.from_903 import scenario_from_903

    return scenario_from_903(care_imports_of(svc, user, la))


def hides_small_numbers(user: store.User) -> bool:
    """Whether the user's baseline hides counts of 1 to 4 children (a planner's does;
    docs/security.md)."""
    return user.role == "planner"


def baseline_figures(
    svc: Services, user: store.User, la: list[str] | None
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The baseline's figures as `GET /baseline` answers them and its plots (PNG, by file
    name), as the user may see them: a planner's with no count of 1 to 4 children."""
    # Imported here: matplotlib takes most of a second to load, for a page few ask for.
    from reports.ssda903 import charts

    b = baseline(svc, user, la)
    suppress = hides_small_numbers(user)
    with _drawing:
        pngs = charts(b, suppress=suppress)
    return b.to_dict(suppress=suppress), pngs
