"""SSDA903 uploads over HTTP: who may import (officers and admins, own LA only), the
report and its issues, nothing written on a refused upload, the audit, and the baseline
that planners read."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from api.routes.imports import MAX_FILES
from ssda903.read import COLUMNS
from tests.api.conftest import Api
from tests.test_ssda903 import EPISODES, HEADER, OC2, UASC, changed, csv_text

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
    r = upload(api, tables={"episodes": None})
    assert r.status_code == 422 and "the episodes table is missing" in r.text
    xml = [("files", ("return.xml", b'<!DOCTYPE x [<!ENTITY a "b">]><r/>', "text/xml"))]
    r = api.post("/imports/ssda903", files=xml, data={"la": "Leeds"})
    assert r.status_code == 422 and "DOCTYPE" in r.text
    many = [("files", (f"header{k}.csv", b"CHILD\n", "text/csv")) for k in range(MAX_FILES + 1)]
    assert api.post("/imports/ssda903", files=many, data={"la": "Leeds"}).status_code == 422
    assert children_ids(api) == before and api.get("/imports").json()["items"] == []


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
