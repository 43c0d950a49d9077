"""Input limits: body sizes (413 before reading), list and text sizes in the schemas,
error answers that never echo a huge value, and bodies that are not UTF-8 JSON."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from api import create_app
from api.limits import MAX_BODY_BYTES, BodyLimit, max_import_bytes
from tests.api.conftest import Api, fill, sign_in
from tests.api.server import running
from tests.loops import run_alone

MILLION = b"[" + b"1," * 999_999 + b"1]"  # 2 MB here, 4 MB as the report sent it


def test_a_declared_body_over_the_limit_is_413_unread(api: Api) -> None:
    """Tests that a Content-Length over 1 MiB is refused before the body is read."""
    body = b'{"needs": ' + MILLION + b"}"
    answer = api.post("/children", content=body, headers={"content-type": "application/json"})
    assert answer.status_code == 413, answer.text
    assert "1 MiB" in answer.json()["detail"] and len(answer.content) < 200


def test_a_chunked_body_is_counted_and_cut_off(api: Api) -> None:
    """Tests that a body sent without a length is refused once it passes the limit."""

    def chunks() -> Iterator[bytes]:
        for k in range(0, len(MILLION), 64 * 1024):
            yield MILLION[k : k + 64 * 1024]

    answer = api.post("/match-runs", content=chunks(), headers={"content-type": "application/json"})
    assert answer.status_code == 413, answer.text


def test_the_rest_of_a_chunked_body_is_never_read() -> None:
    """Tests the middleware alone: an app reading a chunked body of 2 MB gets 413 from
    the limit after about 1 MiB has been received, and no more is asked for."""
    asked: list[int] = []
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        asked.append(1)
        return {"type": "http.request", "body": b"x" * 65536, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def reader(scope: Any, receive: Any, send: Any) -> None:
        while (await receive())["more_body"]:
            pass

    scope = {"type": "http", "path": "/children", "headers": [(b"content-type", b"text/plain")]}
    run_alone(BodyLimit(reader)(scope, receive, send))
    assert sent[0]["status"] == 413 and len(asked) == MAX_BODY_BYTES // 65536 + 1


def test_the_import_has_its_own_larger_limit() -> None:
    """Tests that the SSDA903 upload's limit is the one named function (50 MiB by
    default, PLACEMATCH_MAX_IMPORT_MB) and every other route's is 1 MiB."""
    limit = BodyLimit(app=None)  # type: ignore[arg-type]
    assert limit.larger == {"/imports/ssda903": max_import_bytes}
    assert max_import_bytes() == 50 * 2**20 and limit.limit == MAX_BODY_BYTES == 2**20


def test_a_million_items_are_refused_and_health_answers_meanwhile(
    sqlite_engine: Engine,
) -> None:
    """Tests, on a real server, that a 1,000,000-item body declared at its length is
    answered 413 right after its headers (the body not sent), and that /health answers
    while that request is still open."""
    fill(sqlite_engine)
    tokens, _ = sign_in(sqlite_engine)
    app = create_app(sqlite_engine, migrate=False, solver_workers=1, scenario_slots=0)
    body = b'{"needs": ' + MILLION * 2 + b"}"
    with running(app) as base:
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=20) as big:
            head = (
                f"POST /children HTTP/1.1\r\nHost: {host}\r\n"
                f"Authorization: Bearer {tokens['officer']}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            big.sendall(head.encode() + body[:65536])  # and the rest never comes
            assert httpx.get(f"{base}/health", timeout=20).status_code == 200
            answer = big.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 413"), answer


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/children", {"needs": ["autism"] * 100_000}, "body.needs"),
        ("/carers", {"skills": ["autism"] * 100_000}, "body.skills"),
        ("/sibling-groups", {"children": ["C1"] * 100_000}, "body.children"),
    ],
)
def test_long_lists_are_named_briefly(
    api: Api, path: str, body: dict[str, Any], field: str
) -> None:
    """Tests that a list past its maxItems is a 422 naming it, in a short answer."""
    answer = api.post(path, json=body)
    assert answer.status_code == 422, answer.text[:300]
    assert field in [e["field"] for e in answer.json()["errors"]]
    assert len(answer.content) < 5000


def test_every_request_list_and_text_is_bounded(api: Api) -> None:
    """Tests that every array in a JSON request body has maxItems and every string a
    maxLength (or a vocabulary), so the OpenAPI document says what is too much."""
    doc = api.get("/openapi.json", as_=None).json()
    schemas = doc["components"]["schemas"]
    unbounded: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "array" and "maxItems" not in node:
                unbounded.append(where)
            if node.get("type") == "string" and not {"maxLength", "enum", "format"} & set(node):
                unbounded.append(where)
            for key, value in node.items():
                walk(value, f"{where}.{key}")
        elif isinstance(node, list):
            for k, value in enumerate(node):
                walk(value, f"{where}[{k}]")

    bodies = set()
    for ops in doc["paths"].values():
        for op in ops.values():
            for media, content in op.get("requestBody", {}).get("content", {}).items():
                if media == "application/json":
                    bodies |= set(re.findall(r"#/components/schemas/(\w+)", json.dumps(content)))
    seen: set[str] = set()
    while bodies - seen:
        name = (bodies - seen).pop()
        seen.add(name)
        walk(schemas[name], name)
        bodies |= set(re.findall(r"#/components/schemas/(\w+)", json.dumps(schemas[name])))
    assert "ChildIn" in seen and "ComparisonIn" in seen
    assert unbounded == []


def test_an_error_never_echoes_a_huge_value(api: Api) -> None:
    """Tests that a 422 names at most 50 faults, each briefly: a body of 20,000 unknown
    fields, or one with a field name 100,000 characters long."""
    many = api.post("/children", json={f"f{k}": 1 for k in range(20_000)})
    assert many.status_code == 422 and len(many.json()["errors"]) == 51
    assert many.json()["errors"][-1]["message"].startswith("and 19,")
    long = api.post("/children", json={"x" * 100_000: 1, "religion": "y" * 100_000})
    assert long.status_code == 422
    assert len(long.content) < 5000 and "x" * 500 not in long.text


def test_a_body_in_utf16_is_refused(api: Api) -> None:
    """Tests that JSON in UTF-16 (which Python's json would read) is a 422, as documented."""
    text = json.dumps({"urgency": "urgent", "needed_by": "2026-12-01"})
    for encoding in ("utf-16", "utf-16-le", "utf-32"):
        answer = api.post(
            "/children/C4/referrals",
            content=text.encode(encoding),
            headers={"content-type": "application/json"},
        )
        assert answer.status_code == 422, (encoding, answer.text)
        assert "UTF-8" in answer.json()["errors"][0]["message"]
    assert api.get("/referrals", params={"child_id": "C4"}).json()["items"] == []


def test_messages_say_what_is_wrong_with_a_body(api: Api) -> None:
    """Tests the messages for a body with no JSON content type, and JSON nested too deep."""
    plain = api.post("/children", content=b"{}", headers={"content-type": "text/plain"})
    assert plain.status_code == 422
    assert "application/json" in plain.json()["errors"][0]["message"]
    deep = api.post(
        "/children", content=b"[" * 100_000, headers={"content-type": "application/json"}
    )
    assert deep.status_code == 422
    assert "nest" in deep.json()["errors"][0]["message"]


def test_bench_bodies_reports_the_answer(sqlite_engine: Engine) -> None:
    """Tests `placematch bench-bodies` against a real server: one row per size, with the
    status the service gave."""
    from typer.testing import CliRunner

    from cli.main import app as cli

    fill(sqlite_engine)
    tokens, _ = sign_in(sqlite_engine)
    app = create_app(sqlite_engine, migrate=False, solver_workers=1, scenario_slots=0)
    with running(app) as base:
        args = ["bench-bodies", "--url", base, "--token", tokens["officer"]]
        result = CliRunner().invoke(cli, [*args, "--items", "300000", "--items", "20"])
    assert result.exit_code == 0, result.output
    assert "| 300000 | 1.1 | 413 |" in result.output and "| 20 | 0.0 | 422 |" in result.output
