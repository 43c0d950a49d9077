"""What every answer carries (security headers), and the docs page drawn without any
third-party host."""

from __future__ import annotations

import re

import pytest

from tests.api.conftest import Api


@pytest.mark.parametrize(
    ("path", "as_", "status"),
    [
        ("/children/C1", "officer", 200),
        ("/children/B1", "officer", 404),
        ("/referrals", None, 401),
        ("/health", None, 200),
        ("/docs", None, 200),
    ],
)
def test_every_answer_has_the_security_headers(api: Api, path: str, as_: str, status: int) -> None:
    """Tests the headers on JSON, errors and the HTML docs page."""
    answer = api.get(path, as_=as_)
    assert answer.status_code == status
    h = answer.headers
    assert h["x-content-type-options"] == "nosniff" and h["x-frame-options"] == "DENY"
    assert h["referrer-policy"] == "no-referrer" and h["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert "script-src" not in h["content-security-policy"]  # default-src 'none': no script


def test_a_500_has_them_too(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests that an answer made by Starlette's outermost error middleware is covered."""
    import store

    def broken(*_a: object, **_k: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(store, "aggregates", broken)
    answer = api.get("/stats")
    assert answer.status_code == 500 and answer.json() == {"detail": "internal error"}
    assert answer.headers["x-frame-options"] == "DENY"


def test_the_docs_page_loads_nothing_from_elsewhere(api: Api) -> None:
    """Tests that /docs is drawn here (every operation and schema) with no script and
    no address of another host."""
    page = api.get("/docs", as_=None)
    assert page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "<script" not in text.lower()
    assert re.findall(r'(?:src|href)="(?:https?:)?//', text) == []
    assert "cdn" not in text.lower()
    doc = api.get("/openapi.json", as_=None).json()
    for path in doc["paths"]:
        assert f"<code>{path}</code>" in text
    assert 'id="schema-childin"' in text and "at most 64 characters" in text
    assert api.get("/redoc", as_=None).status_code == 404
