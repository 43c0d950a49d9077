"""The browser tests' harness: a real `placematch serve` (SQLite, the demo region) once
per test process (over a copy of one demo database prepared for the run), Chromium from
Debian's package driven by Playwright, signing in through the form as a person does
(once per role, its session then kept, as a browser keeps it), and axe-core on every
page.

    def test_something(signed_in: SignIn) -> None:
        page = signed_in("placement_officer")          # on the page after sign-in
        page.get_by_role("link", name="Referrals").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")
        assert_accessible(page)                        # axe: 0 violations

`served.tokens` has the demo tokens (by role) as serve made them; `served.api(role)` is an
httpx client with that role's bearer token, for arranging what a test needs (never for
what the test asserts: that is read from the page).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from axe_playwright_python.sync_playwright import Axe, AxeResults
from playwright._impl._api_structures import SetCookieParam
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Locator,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError

from api.load import wait_until_up
from tests.api.server import free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"

#: How often a progress page reloads itself in these tests (`PLACEMATCH_REFRESH_S`; a
#: user's reloads every 3 s), and how long a test without JavaScript waits before it
#: follows the page's Refresh link again: the tests wait on the work, not the clock.
REFRESH_S = "1"
LOOK_AGAIN_MS = 250


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
def demo_database(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> tuple[Path, dict[str, str]]:
    """The demo database as `placematch serve` prepares it on an empty file, and the
    demo tokens it made (serve prints them then). Prepared once for all the test
    processes of a run (pytest-xdist's workers share the base temporary folder's
    parent); each serves a copy of its own, so the same accounts and tokens."""
    from api.demo import prepare_demo, sqlite_url

    base = tmp_path_factory.getbasetemp()
    shared = base if worker_id == "master" else base.parent  # this run's, never an older
    template, tokens = shared / "web-demo.db", shared / "web-demo-tokens.json"
    with (shared / "web-demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one prepares it; the others wait, then copy
        if not template.exists():
            part = shared / "web-demo-part.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{part}{suffix}").unlink(missing_ok=True)
            made = prepare_demo(sqlite_url(part))
            assert not Path(f"{part}-wal").exists()  # all of it in the one file
            tokens.write_text(json.dumps(made))
            part.rename(template)
    return template, json.loads(tokens.read_text())


@pytest.fixture(scope="session")
def served(
    tmp_path_factory: pytest.TempPathFactory, demo_database: tuple[Path, dict[str, str]]
) -> Iterator[Served]:
    """`placematch serve` as the README runs it, on a loopback port, over a copy of the
    demo database (the same as serve makes of an empty file) with its demo tokens."""
    template, tokens = demo_database
    assert {"placement_officer", "admin", "planner", "family_finder"} <= set(tokens), tokens
    port = free_port()
    db = tmp_path_factory.mktemp("web") / "demo.db"
    shutil.copyfile(template, db)
    command = [sys.executable, "-m", "cli", "serve", "--port", str(port), "--db", str(db)]
    server = subprocess.Popen(
        [*command, "--no-access-log"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(os.environ, PYTHONUNBUFFERED="1", PLACEMATCH_REFRESH_S=REFRESH_S),
    )
    try:
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


#: What a person waits for a page (and an `expect` for what it shows): a busy machine
#: shared by several test processes can take more than Playwright's 5 s.
WAIT_MS = 15_000
expect.set_options(timeout=WAIT_MS)


@pytest.fixture
def context(browser: Browser, served: Served) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) whose relative addresses go to the server."""
    context = browser.new_context(base_url=served.base)
    context.set_default_timeout(WAIT_MS)
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


@pytest.fixture(scope="session")
def sessions(browser: Browser, served: Served) -> Callable[[str], list[SetCookieParam]]:
    """`sessions(role)`: the cookies of a session of the demo user of `role`, signed in
    through the form once per test session (in a browser profile of its own) and then
    reused, as a person's browser keeps them between pages: the sign-in form itself is
    tested in test_sign_in.py, with the keyboard in test_referrals.py and
    test_journeys.py. A test that signs out signs in on its own page."""
    made: dict[str, list[SetCookieParam]] = {}

    def cookies(role: str) -> list[SetCookieParam]:
        if role not in made:
            context = browser.new_context(base_url=served.base)
            try:
                page = context.new_page()
                sign_in(page, served.tokens[role], "/sign-in")
                page.wait_for_load_state()
                assert "/sign-in" not in page.url, page.content()[:2000]
                made[role] = [
                    SetCookieParam(
                        name=c["name"],
                        value=c["value"],
                        domain=c["domain"],
                        path=c["path"],
                        expires=c["expires"],
                        httpOnly=c["httpOnly"],
                        secure=c["secure"],
                        sameSite=c["sameSite"],
                    )
                    for c in context.cookies()
                    if c["name"] == "placematch_session"
                ]
            finally:
                context.close()
        return made[role]

    return cookies


@pytest.fixture
def signed_in(
    page: Page, served: Served, sessions: Callable[[str], list[SetCookieParam]]
) -> SignIn:
    """`signed_in(role, start="/")`: the page, signed in as the demo user of `role`
    (their session's cookie, see `sessions`), open at `start`; with `start=None` not yet
    open (for a test whose first page is what it checks: no first page loaded for
    nothing)."""

    def sign(role: str, start: str | None = "/") -> Page:
        page.context.add_cookies(sessions(role))
        if start is not None:
            page.goto(start)
            assert "/sign-in" not in page.url, page.content()[:2000]
        return page

    return sign


def submit(button: Locator) -> None:
    """Press a button or link that loads a new page, and return once the new page is
    there. Playwright's click returns when the navigation starts, so a plain read
    straight after (one not retried like `expect`) could see half the old page and half
    the new."""
    with button.page.expect_navigation():
        button.click()


def wait_until_ended(page: Page, seconds: float = 120) -> None:
    """Wait while a progress page (a batch run, a round, a comparison) reloads itself
    until its Status row says it ended: Finished, Failed or Interrupted. Waiting for its
    "Refresh this page" link to go is not enough: while the page reloads, the new page
    is briefly blank, with no link either."""
    status = page.locator(".summary-list__row").filter(has_text="Status").first
    expect(status).to_contain_text(
        re.compile("Finished|Failed|Interrupted"), timeout=seconds * 1000
    )


def follow_refresh(page: Page, status: str = "Finished", seconds: float = 120) -> None:
    """Without JavaScript nothing reloads the page: follow its "Refresh this page" link
    (the person's way of checking again) until the status says `status`. A person
    would pause longer between looks; the test looks again every quarter second, so it
    waits on the work rather than on the clock."""
    summary = page.locator(".summary-list").first
    deadline = time.monotonic() + seconds
    while status not in summary.inner_text():
        if time.monotonic() > deadline:
            raise AssertionError(f"not {status} after {seconds:g} s of refreshing")
        link = page.get_by_role("link", name="Refresh this page")
        expect(link).to_be_visible()
        page.wait_for_timeout(LOOK_AGAIN_MS)
        link.click()
        page.wait_for_load_state()


AXE = Axe()


def axe_on(page: Page, reloads: int = 30) -> AxeResults:
    """axe's results on the page; if the page reloads itself meanwhile (a progress page
    while its work goes), on the page it reloaded to."""
    for _ in range(reloads):
        try:
            return AXE.run(page)
        except PlaywrightError as e:
            if "Execution context was destroyed" not in str(e):
                raise
            page.wait_for_load_state()
    raise AssertionError(f"{page.url} reloaded itself {reloads} times while axe ran")


def assert_accessible(page: Page) -> None:
    """axe-core (shipped with axe-playwright-python) on the page as it is: every rule
    axe runs by default (WCAG 2.0-2.2 A and AA, and its best practices), 0 violations;
    each violation's id, impact, help and where, if any."""
    results = axe_on(page)
    violations = results.response["violations"]
    lines = [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(node["target"]) for node in v["nodes"])
        for v in violations
    ]
    log = os.environ.get("PLACEMATCH_AXE_LOG")
    if log:  # the closing notes' table of pages checked: path, rules run, violations
        with open(log, "a", encoding="utf-8") as out:
            checked = len(results.response["passes"]) + len(results.response["incomplete"])
            out.write(f"{urlsplit(page.url).path}\t{checked}\t{len(violations)}\n")
    assert not violations, f"axe on {page.url}:\n" + "\n".join(lines)


def screenshot(page: Page, name: str) -> Path:
    """Save the page as docs/screenshots/NAME.png (kept true by the tests that take them)."""
    folder = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
