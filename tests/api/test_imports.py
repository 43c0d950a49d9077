"""SSDA903 uploads over HTTP: who may import (officers and admins, own LA only), the
report and its issues, nothing written on a refused upload, the audit, and the baseline
that planners read."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

import store
from api.routes.imports import MAX_FILES
from ssda903.read import COLUMNS
from tests.api.conftest import Api
from tests.ssda903.helpers import EPISODES, HEADER, OC2, UASC, changed, csv_text

AS_OF = "2024-03-31"


def upload(
    api: Api,
    as_: str = "officer",
    la: str = "Leeds",
    tables: dict[str, list[dict[str, str]] | None] | None = None,
    extra: list[tuple[str, tuple[str, bytes, str]]] | None = None,
    **form: Any,
) -> Any:
    base = {"header": HEADER, "episodes": EPISODES, "uasc": UASC, "oc2": OC2}
    files = [
        ("files", (f"{name}.csv", csv_text(rows, COLUMNS[name]).encode(), "text/csv"))
        for name, rows in (base | (tables or {})).items()
        if rows is not None
    ]
    data = {"la": la, "as_of": AS_OF} | {k: str(v).lower() for k, v in form.items()}
    return api.post("/imports/ssda903", as_=as_, files=files + (extra or []), data=data)


def children_ids(api: Api) -> set[str]:
    r = api.get("/children", params={"limit": 1000})
    return {c["id"] for c in r.json()["items"]}


def test_an_officer_imports_their_las_extract(both_api: Api) -> None:
    r = upload(both_api, tables={"header": changed(HEADER, 2, ETHNIC="ZZZZ")})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["la"] == "Leeds" and body["year"] == "2023-24" and body["created"] == 3
    assert body["tables"]["header"] == {"read": 3, "imported": 3, "skipped": 0, "present": True}
    assert body["children"]["looked_after"] == 3 and body["warnings"] >= 1
    assert body["by"] == both_api.users["officer"].id
    assert {"Leeds-101", "Leeds-102", "Leeds-103"} <= children_ids(both_api)
    child = both_api.get("/children/Leeds-103").json()
    assert child["home"] is None and child["needs"] == ["uasc"]
    audit = both_api.audit(action="child.import")
    assert len(audit) == 1 and len(audit[0].child_ids) == 3
    # the report, and each issue with table, row, column, value and rule
    one = both_api.get(f"/imports/{body['id']}").json()
    assert one["summary"][0]["rule"] == body["summary"][0]["rule"]
    issues = both_api.get(f"/imports/{body['id']}/issues", params={"table": "header"}).json()
    assert issues["total"] >= 1
    first = issues["items"][0]
    assert (first["table"], first["row"], first["column"], first["value"]) == (
        "header",
        3,
        "ETHNIC",
        "ZZZZ",
    )
    listed = both_api.get("/imports").json()
    assert [i["id"] for i in listed["items"]] == [body["id"]]
    assert (listed["offset"], listed["limit"], listed["next_offset"]) == (0, 50, None)


def test_check_only_writes_nothing(api: Api) -> None:
    before = children_ids(api)
    r = upload(api, check=True)
    assert r.status_code == 201, r.text
    assert r.json()["id"] is None and r.json()["children"]["looked_after"] == 3
    assert children_ids(api) == before and api.get("/imports").json()["items"] == []


@pytest.mark.parametrize("who", ["planner", "finder"])
def test_only_officers_and_admins_import(api: Api, who: str) -> None:
    assert upload(api, as_=who).status_code == 403
    assert upload(api, as_="manager").status_code == 201


def test_another_las_extract_is_refused(api: Api) -> None:
    r = upload(api, la="Bradford")
    assert r.status_code == 403 and "Bradford" in r.json()["detail"]
    assert not any(c.startswith("Bradford-") for c in children_ids(api))
    assert upload(api, as_="bradford", la="Bradford").status_code == 201
    assert api.get("/imports", as_="officer").json()["items"] == []  # Bradford's is not Leeds's


def test_a_refused_upload_says_which_file_and_writes_nothing(api: Api) -> None:
    before = children_ids(api)
    notes = [("files", ("notes.txt", b"hello", "text/plain"))]
    r = upload(api, extra=notes)
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "files[4]" and "notes.txt" in r.text
    assert "not a 903 table by its columns" in r.text
    r = upload(api, tables={"episodes": None})
    assert r.status_code == 422 and "the episodes table is missing" in r.text
    xml = [("files", ("return.xml", b'<!DOCTYPE x [<!ENTITY a "b">]><r/>', "text/xml"))]
    r = api.post("/imports/ssda903", files=xml, data={"la": "Leeds"})
    assert r.status_code == 422 and "DOCTYPE" in r.text
    many = [("files", (f"header{k}.csv", b"CHILD\n", "text/csv")) for k in range(MAX_FILES + 1)]
    assert api.post("/imports/ssda903", files=many, data={"la": "Leeds"}).status_code == 422
    assert children_ids(api) == before and api.get("/imports").json()["items"] == []


def test_uploaded_files_are_told_by_their_columns_and_the_report_names_the_rest(
    api: Api,
) -> None:
    renamed = [
        ("files", ("export1.csv", csv_text(HEADER, COLUMNS["header"]).encode(), "text/csv")),
        ("files", ("export2.csv", csv_text(EPISODES, COLUMNS["episodes"]).encode(), "text/csv")),
        ("files", ("export3.csv", b"CHILD,DOB,REVIEW,REVIEW_CODE\n101,,01/02/2024,PN1\n", "")),
    ]
    r = api.post("/imports/ssda903", files=renamed, data={"la": "Leeds", "as_of": AS_OF})
    assert r.status_code == 201, r.text
    assert children_ids(api) >= {"Leeds-101", "Leeds-102", "Leeds-103"}
    assert r.json()["read_not_used"] == {"reviews": 1}


def test_a_siblings_file_makes_a_group(api: Api) -> None:
    links = [("siblings", ("siblings.csv", b"child,sibling,policy\n101,102,should\n", "text/csv"))]
    r = upload(api, extra=links)
    assert r.status_code == 201, r.text
    assert r.json()["sibling_groups"] == 1
    group = api.get("/sibling-groups/Leeds-G-101")
    assert group.status_code == 200 and group.json()["children"] == ["Leeds-101", "Leeds-102"]


def test_another_las_import_is_a_404(api: Api) -> None:
    made = upload(api, as_="bradford", la="Bradford").json()["id"]
    assert api.get(f"/imports/{made}").status_code == 404
    assert api.get(f"/imports/{made}/issues").status_code == 404
    assert api.get(f"/imports/{made}", as_="bradford").status_code == 200


def test_planners_read_the_baseline_of_their_las(api: Api) -> None:
    assert api.get("/baseline", as_="planner").status_code == 404  # nothing imported yet
    upload(api)
    r = api.get("/baseline", as_="planner")
    assert r.status_code == 200, r.text
    body = r.json()  # 3 children: every count is small, so a planner sees none
    assert body["looked_after"] is None and body["las"] == ["Leeds"]
    assert body["share_outside_la"] is None and body["small_numbers_hidden"] is True
    rows = body["tables"]["distance_locality"]["rows"]
    assert rows and all(row[1] == "fewer than 5" for row in rows)
    assert api.get("/baseline", as_="planner", params={"la": "Bradford"}).status_code == 403
    page = api.get("/baseline/report", as_="planner")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "<img" in page.text and "fewer than 5 children looked after" in page.text
    assert "3 children looked after" not in page.text
    # an officer reads the records themselves: the exact figures
    exact = api.get("/baseline", as_="officer").json()
    assert exact["looked_after"] == 3 and exact["share_outside_la"] == pytest.approx(1 / 3)
    assert exact["small_numbers_hidden"] is False
    assert "3 children looked after" in api.get("/baseline/report", as_="officer").text


def test_the_import_needs_a_token(api: Api) -> None:
    assert upload(api, as_=None).status_code == 401  # type: ignore[arg-type]


def test_an_officer_reads_where_an_imported_child_lives_now(api: Api) -> None:
    upload(api)
    r = api.get("/children/Leeds-102/care-record")
    assert r.status_code == 200, r.text
    care = r.json()
    assert (care["place"], care["kind"], care["outcode"], care["out_of_la"]) == (
        "K2",
        "residential",
        "HX1",
        True,
    )
    assert care["distance_km"] > 10 and care["code"] == "102"
    assert api.audit(action="care_record.read")[0].child_ids == ["Leeds-102"]
    assert api.get("/children/C1/care-record").status_code == 404  # never imported
    assert api.get("/children/Leeds-102/care-record", as_="bradford").status_code == 404
    assert api.get("/children/Leeds-102/care-record", as_="planner").status_code == 403


def test_a_planner_gets_a_scenario_that_starts_from_the_import(api: Api) -> None:
    from scenarios.spec import load_scenario_text

    upload(api)
    r = api.get("/baseline/scenario", as_="planner")
    assert r.status_code == 200, r.text
    scenario = load_scenario_text(r.json()["yaml"])
    assert scenario.las == ("Leeds",) and scenario.placed["foster"] == 1
    assert r.json()["name"] == "Leeds from the 903"
    assert api.get("/baseline/scenario", as_="bradford").status_code == 404


def test_a_broken_multipart_body_is_a_422(api: Api) -> None:
    r = api.post(
        "/imports/ssda903",
        content=b"--xyz\r\nFalse--xyz--\r\n",
        headers={"Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert r.status_code == 422 and "multipart/form-data" in r.json()["errors"][0]["message"]


def test_the_xml_return_imports_the_same_children(api: Api) -> None:
    import ssda903

    rows = {"header": HEADER, "episodes": EPISODES, "uasc": UASC, "oc2": OC2}
    xml = ssda903.to_xml({k: [dict(r) for r in v] for k, v in rows.items()}).encode()
    r = api.post(
        "/imports/ssda903",
        files=[("files", ("return.xml", xml, "text/xml"))],
        data={"la": "Leeds", "as_of": AS_OF},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["form"] == "xml" and body["created"] == 3 and body["errors"] == 0
    csv_child = upload(api).json()  # the CSV form of the same rows: nothing changes
    assert csv_child["unchanged"] == 3 and csv_child["created"] == 0


def test_issues_as_csv_for_a_spreadsheet(api: Api) -> None:
    body = upload(api, tables={"header": changed(HEADER, 2, ETHNIC="=HYPERLINK(1)")}).json()
    r = api.get(f"/imports/{body['id']}/issues.csv", params={"table": "header"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert "attachment" in r.headers["content-disposition"]
    lines = list(csv.DictReader(io.StringIO(r.text)))
    assert lines and lines[0]["table"] == "header" and lines[0]["row"] == "3"
    assert lines[0]["value"] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert api.get(f"/imports/{body['id']}/issues.csv", as_="bradford").status_code == 404


def test_an_officer_lists_the_imported_children_whose_home_is_not_known(api: Api) -> None:
    upload(api)
    r = api.get("/children", params={"home_known": "false"})
    assert r.status_code == 200
    assert [c["id"] for c in r.json()["items"]] == ["Leeds-103"]  # no HOME_POST
    known = {c["id"] for c in api.get("/children", params={"home_known": "true"}).json()["items"]}
    assert "Leeds-101" in known and "Leeds-103" not in known


# -- issue 13: uploads that never 500, never fail whole for one row, and stream ----------


@pytest.mark.parametrize("fault", ["bare CR", "long field", "binary"])
@pytest.mark.parametrize("where", ["episodes", "siblings"])
def test_a_file_the_csv_reader_cannot_read_is_a_422_naming_it_and_nothing_is_written(
    api: Api, fault: str, where: str
) -> None:
    """Tests the six 500s of issue 13: a bare CR in a field, a field over 131,072
    characters and a binary file, as the episodes file or the siblings file, are each a
    422 naming the file, the row where there is one, and the reason."""
    from tests.ssda903.test_read import FAULTS

    data, words = FAULTS[fault]
    name = f"{where}.csv"
    if where == "episodes":
        r = upload(api, tables={"episodes": None}, extra=[("files", (name, data, "text/csv"))])
        field = "files[3]"
    else:
        links = data.replace(b"CHILD,SEX", b"child,sibling,policy,SEX")  # its header line
        r = upload(api, extra=[("siblings", (name, links, "text/csv"))])
        field = "siblings"
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert error["field"] == field
    for w in words:
        assert w.replace("header.csv", name) in error["message"]
    assert not any(c.startswith("Leeds-1") for c in children_ids(api))
    assert api.get("/imports").json()["items"] == []


@pytest.mark.parametrize("code", ["1 02", "10'2", "10/2", "<102>", "=102", "10\u200f2"])
def test_a_child_code_the_store_cannot_keep_skips_that_child_in_a_check_and_an_import_alike(
    api: Api, code: str
) -> None:
    """Tests issue 13's whole-import 422: one bad CHILD code is an error of its row, the
    check and the import report it the same, and the other children are written."""
    tables: dict[str, Any] = {
        "header": changed(HEADER, 1, CHILD=code),
        "episodes": changed(EPISODES, 1, CHILD=code),
    }
    checked = upload(api, tables=tables, check=True)
    written = upload(api, tables=tables)
    assert checked.status_code == written.status_code == 201, written.text
    assert checked.json()["state"] == "checked" and written.json()["state"] == "done"
    for key in ("tables", "errors", "warnings", "by_rule"):
        assert checked.json()[key] == written.json()[key], key
    stored = {k: v for k, v in written.json()["children"].items() if not k.startswith("stored_")}
    assert checked.json()["children"] == stored
    assert written.json()["by_rule"]["not_a_child_code"] == 1
    assert written.json()["created"] == 2 and written.json()["skipped"] == 0
    issues = api.get(f"/imports/{written.json()['id']}/issues", params={"rule": "not_a_child_code"})
    [issue] = issues.json()["items"]
    assert (issue["table"], issue["row"], issue["column"], issue["value"]) == (
        "header",
        2,
        "CHILD",
        code,
    )
    assert {"Leeds-101", "Leeds-103"} <= children_ids(api)


def test_a_utf16_export_from_excel_imports_every_row(api: Api) -> None:
    """Tests that a UTF-16 CSV (with its byte-order mark) is read, not skipped row by row."""
    files = [
        ("files", (f"{name}.csv", csv_text(rows, COLUMNS[name]).encode("utf-16"), "text/csv"))
        for name, rows in {"header": HEADER, "episodes": EPISODES}.items()
    ]
    r = api.post("/imports/ssda903", files=files, data={"la": "Leeds", "as_of": AS_OF})
    assert r.status_code == 201, r.text
    assert r.json()["created"] == 3 and r.json()["errors"] == 0


def test_an_upload_over_the_limit_is_a_413_naming_it_before_it_is_read(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests the early refusal: by Content-Length, and by counting a body sent without
    one (chunked), each a 413 naming the limit, nothing written."""
    from api.limits import MAX_IMPORT_MB_ENV

    monkeypatch.setenv(MAX_IMPORT_MB_ENV, "0.001")  # 1,048 bytes
    r = upload(api)
    assert r.status_code == 413, r.text
    assert "0.001 MB (1,048 bytes" in r.json()["detail"] and MAX_IMPORT_MB_ENV in r.text
    boundary = "b0undary"
    part = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="la"\r\n\r\nLeeds\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="header.csv"\r\nContent-Type: text/csv\r\n\r\n'
    ).encode()

    def body() -> Any:  # no Content-Length: the server counts
        yield part
        for _ in range(100):
            yield b"x" * 100 + b"\r\n"
        yield f"\r\n--{boundary}--\r\n".encode()

    r = api.post(
        "/imports/ssda903",
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert r.status_code == 413, r.text
    monkeypatch.setenv(MAX_IMPORT_MB_ENV, "1")
    assert upload(api).status_code == 201
    assert len(api.get("/imports").json()["items"]) == 1


def test_an_la_whose_name_has_spaces_imports_its_children(api: Api) -> None:
    """Tests that County Durham's extract imports (its ids were refused by the audit log
    whole, as its name was in the audit entry)."""
    with store.transaction(api.engine) as s:
        _, token = store.create_user(s, "durham", "placement_officer", ["County Durham"])
    api.tokens["durham"] = token
    r = upload(api, as_="durham", la="County Durham")
    assert r.status_code == 201, r.text
    assert r.json()["created"] == 3 and r.json()["state"] == "done"
    child = api.get("/children/County-Durham-101", as_="durham")
    assert child.status_code == 200 and child.json()["la"] == "County Durham"
    assert api.get("/children/County-Durham-101").status_code == 404  # not Leeds's
