"""The browser tests' harness: a real `placematch serve` (SQLite, the demo region) once
per test session, Chromium from Debian's package driven by Playwright, signing in
through the form as a person does, and axe-core on every page.

    def test_something(signed_in: SignIn) -> None:
        page = signed_in("placement_officer")          # on the page after sign-in
        page.get_by_role("link", name="Referrals").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")
        assert_accessible(page)                        # axe: 0 violations

`served.tokens` has the demo tokens as printed (by role); `served.api(role)` is an
httpx client with that role's bearer token, for arranging what a test needs (never for
what the test asserts: that is read from the page).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from api.load import wait_until_up
from tests.api.server import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TOKEN_LINE = re.compile(r"^demo (\w+) \(.*\) token: (pm_\S+)$")


@dataclass
class Served:
    """A running `placematch serve` over a demo database."""

    base: str
    tokens: dict[str, str]

    def api(self, role: str) -> httpx.Client:
        return httpx.Client(
            base_url=self.base,
            headers={"Authorization": f"Bearer {self.tokens[role]}"},
            timeout=30,
        )


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`placematch serve` as the README runs it, on a loopback port; its demo tokens
    read from what it prints."""
    port = free_port()
    db = tmp_path_factory.mktemp("web") / "demo.db"
    command = [sys.executable, "-m", "cli", "serve", "--port", str(port), "--db", str(db)]
    server = subprocess.Popen(
        [*command, "--no-access-log"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    try:
        assert server.stdout is not None
        tokens: dict[str, str] = {}
        for line in server.stdout:
            found = TOKEN_LINE.match(line.strip())
            if found:
                tokens[found[1]] = found[2]
            if line.startswith("try: curl"):
                break
        assert {"placement_officer", "admin", "planner"} <= set(tokens), tokens
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base)
        yield Served(base, tokens)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def playwright_() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_: Playwright) -> Iterator[Browser]:
    """Chromium from Debian's package (Playwright's own download is not reachable)."""
    browser = playwright_.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser, served: Served) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) whose relative addresses go to the server."""
    context = browser.new_context(base_url=served.base)
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def sign_in(page: Page, token: str, start: str = "/") -> None:
    """Sign in through the form as a person does: open the service, paste the token
    into the labelled field, press the button."""
    page.goto(start)
    page.get_by_label("Your token").fill(token)
    page.get_by_role("button", name="Sign in").click()


SignIn = Callable[..., Page]


@pytest.fixture
def signed_in(page: Page, served: Served) -> SignIn:
    """`signed_in(role, start="/")`: the page, signed in as the demo user of `role`."""

    def sign(role: str, start: str = "/") -> Page:
        sign_in(page, served.tokens[role], start)
        page.wait_for_load_state()
        assert "/sign-in" not in page.url, page.content()[:2000]
        return page

    return sign


AXE = Axe()


def assert_accessible(page: Page) -> None:
    """axe-core (shipped with axe-playwright-python) on the page as it is: every rule
    axe runs by default (WCAG 2.0-2.2 A and AA, and its best practices), 0 violations;
    each violation's id, impact, help and where, if any."""
    results = AXE.run(page)
    violations = results.response["violations"]
    lines = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in violations
    ]
    assert not violations, f"axe on {page.url}:\n" + "\n".join(lines)


def screenshot(page: Page, name: str) -> Path:
    """Save the page as docs/screenshots/NAME.png (kept true by the tests that take them)."""
    folder = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
