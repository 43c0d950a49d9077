"""Whole journeys as two kinds of user do them: with the keyboard alone (Tab, Shift+Tab,
Enter, Space and typing; never the mouse), where every stop shows where the focus is
and the skip link takes the focus to the page's content; and with JavaScript switched
off, where plain forms and links do everything, and a progress page is followed by its
own "Refresh this page" link. The family-finder's journey (waiting children, adopters
for a child, a round started and read, the region report) and the planner's (baseline,
a what-if built in the form, compared, its report), and the placement officer's
without JavaScript (the officer's keyboard journey is in test_referrals.py and
test_matches.py)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.web.conftest import WAIT_MS, Served, follow_refresh, sign_in, submit
from tests.web.test_family_finding import rows

#: How long a round or a comparison may take to finish on a busy machine.
FINISH_MS = 120_000
#: How long a page drawing plots (the baseline, a report) may take on a busy machine.
PLOTS_MS = 30_000

FOCUSED_TEXT = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return '';
  const label = e.labels && e.labels[0] ? e.labels[0].innerText : '';
  const own = e.tagName === 'SELECT' ? '' : (e.innerText || e.value || '');
  return (label + ' ' + own).trim();
}"""

#: What the focused element shows that says "the focus is here": an outline that can be
#: seen, or (GOV.UK's focus for links and link-like buttons) the yellow background with
#: a black bar beneath. Unfocused, none of these is drawn.
FOCUS_SHOWN = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return 'nothing is focused';
  const s = getComputedStyle(e);
  const clear = c => c === 'transparent' || /rgba\\(.*, 0\\)$/.test(c);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2
    && !clear(s.outlineColor);
  const yellow = s.backgroundColor === 'rgb(255, 221, 0)' && s.boxShadow !== 'none';
  const box = e.getBoundingClientRect();
  const onScreen = box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0;
  if (!onScreen) return 'the focused element is off the screen: ' + e.outerHTML.slice(0, 120);
  return outline || yellow ? '' : 'no visible focus on ' + e.outerHTML.slice(0, 120);
}"""


def focused(page: Page) -> str:
    return str(page.evaluate(FOCUSED_TEXT))


def assert_focus_shown(page: Page) -> None:
    problem = page.evaluate(FOCUS_SHOWN)
    assert not problem, problem


def tab_to(page: Page, what: str, presses: int = 80, back: bool = False) -> None:
    """Press Tab (Shift+Tab when `back`) until the focused element's label or text
    includes `what`; the focus must then be visible."""
    key = "Shift+Tab" if back else "Tab"
    for _ in range(presses):
        page.keyboard.press(key)
        if what in focused(page):
            assert_focus_shown(page)
            return
    raise AssertionError(f"{key} never reached {what!r}")


def skip_to_content(page: Page) -> None:
    """The first Tab on a page shows the skip link; Enter moves the focus to <main>, so
    the next Tab goes to the content, past the header and the menu."""
    page.wait_for_load_state("load")  # the stylesheet (and so the focus style) is in
    page.keyboard.press("Tab")
    assert focused(page) == "Skip to main content"
    assert_focus_shown(page)
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    in_main = page.evaluate("() => !!document.activeElement.closest('main')")
    assert in_main, "the Tab after the skip link left <main>"


def sign_in_by_keyboard(page: Page, token: str) -> None:
    page.goto("/")
    tab_to(page, "Your token")
    page.keyboard.type(token)
    page.keyboard.press("Enter")


def press_enter_on(page: Page, what: str, back: bool = False) -> None:
    tab_to(page, what, back=back)
    page.keyboard.press("Enter")


def type_into(page: Page, label: str, text: str) -> None:
    """Tab to the field labelled `label`, replace what it holds with `text`."""
    tab_to(page, label)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


@pytest.fixture
def no_script(browser: Browser, served: Served) -> Iterator[Page]:
    """A page in a browser with JavaScript switched off."""
    context = browser.new_context(base_url=served.base, java_script_enabled=False)
    context.set_default_timeout(WAIT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def a_child_with_adopters(page: Page) -> str:
    """The first single child on the family-finding list with an adopter who could."""
    return next(
        r["Child"] for r in rows(page) if int(r["Adopters who could"]) > 0 and "," not in r["Child"]
    )


# The family-finder.


def test_family_finding_with_the_keyboard_alone(page: Page, served: Served) -> None:
    sign_in_by_keyboard(page, served.tokens["family_finder"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Family-finding")
    skip_to_content(page)
    child = a_child_with_adopters(page)
    press_enter_on(page, child)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Adopters for {child}")
    assert rows(page)
    tab_to(page, "Also search beyond the region")
    page.keyboard.press("Space")
    expect(page.get_by_label("Also search beyond the region")).to_be_checked()
    press_enter_on(page, "Search again")
    expect(page.get_by_role("heading", name="Adopters beyond the region")).to_be_visible()
    press_enter_on(page, "Back to family-finding")
    expect(page.get_by_role("heading", level=1)).to_have_text("Family-finding")

    tab_to(page, "Whom the round puts first")
    page.keyboard.type("Longest")
    type_into(page, "First priority from this many weeks waiting", "70")
    type_into(page, "Second priority from this many weeks waiting", "26")
    # Back a field to put right the first one.
    tab_to(page, "First priority from this many weeks waiting", back=True)
    page.keyboard.press("Control+A")
    page.keyboard.type("78")
    tab_to(page, "Include adopters beyond the region")
    page.keyboard.press("Space")
    press_enter_on(page, "Start round")
    expect(page.get_by_role("heading", level=1)).to_have_text("Family-finding round")
    summary = page.locator(".summary-list").first
    expect(summary).to_contain_text("Finished", timeout=FINISH_MS)  # it refreshes itself
    expect(summary).to_contain_text("Longest waiting first")
    expect(summary).to_contain_text("beyond the region")
    links = rows(page)
    assert links and all(r["Adopter"] and r["Why"] for r in links)
    expect(page.get_by_role("heading", name="without a link")).to_be_visible()
    press_enter_on(page, "Read the region report")
    expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=PLOTS_MS)
    assert page.get_by_role("img").count() > 0


def test_family_finding_with_javascript_off(no_script: Page, served: Served) -> None:
    page = no_script
    sign_in(page, served.tokens["family_finder"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Family-finding")
    child = a_child_with_adopters(page)
    page.get_by_role("link", name=child, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Adopters for {child}")
    page.get_by_label("Also search beyond the region").check()
    page.get_by_role("button", name="Search again").click()
    expect(page.get_by_role("heading", name="Adopters beyond the region")).to_be_visible()
    page.get_by_role("link", name="Back to family-finding").click()

    page.get_by_label("First priority from this many weeks waiting").fill("soon")
    page.get_by_role("button", name="Start round").click()
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        ["The weeks for first priority must be a whole number, 0 to 1040"]
    )
    page.get_by_label("First priority from this many weeks waiting").fill("78")
    page.get_by_role("button", name="Start round").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Family-finding round")
    follow_refresh(page)
    assert rows(page)
    expect(page.get_by_role("heading", name="without a link")).to_be_visible()
    page.get_by_role("link", name="Read the region report").click(timeout=PLOTS_MS)
    expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=PLOTS_MS)
    assert page.get_by_role("img").count() > 0


# The planner.


def test_a_what_if_with_the_keyboard_alone(page: Page, served: Served) -> None:
    sign_in_by_keyboard(page, served.tokens["planner"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Baseline", timeout=PLOTS_MS)
    skip_to_content(page)
    expect(page.get_by_role("img")).to_have_count(2)
    press_enter_on(page, "What-ifs", back=True)  # the menu is above the content
    expect(page.get_by_role("heading", level=1)).to_have_text("What-ifs")

    type_into(page, "Name of the what-if", "12 more foster carers by keyboard")
    type_into(page, "Households to recruit", "12")
    tab_to(page, "Kind")
    page.keyboard.type("Foster")
    tab_to(page, "LA")
    page.keyboard.type("Leeds")
    type_into(page, "From week", "1")
    type_into(page, "Change in referrals, per cent", "5")
    # The YAML box opens and closes from the keyboard too.
    tab_to(page, "Or paste a scenario as YAML")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Scenario (YAML)")).to_be_visible()
    page.keyboard.press("Space")
    expect(page.get_by_label("Scenario (YAML)")).to_be_hidden()
    type_into(page, "Weeks to simulate", "2")
    type_into(page, "Replications", "1")
    press_enter_on(page, "Compare with the baseline")
    expect(page.get_by_role("heading", level=1)).to_have_text("What-if comparison")
    summary = page.locator(".summary-list")
    expect(summary).to_contain_text("12 more foster carers by keyboard")
    expect(summary).to_contain_text("Finished", timeout=FINISH_MS)  # it refreshes itself
    assert "Placed in their home LA" in {r["Outcome"] for r in rows(page)}
    press_enter_on(page, "Read the comparison report")
    expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=PLOTS_MS)
    assert page.get_by_role("img").count() > 0


def test_a_what_if_with_javascript_off(no_script: Page, served: Served) -> None:
    page = no_script
    sign_in(page, served.tokens["planner"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Baseline", timeout=PLOTS_MS)
    expect(page.get_by_role("img")).to_have_count(2)
    page.get_by_role("navigation").get_by_role("link", name="What-ifs").click()
    page.get_by_label("Households to recruit").fill("none")
    page.get_by_role("button", name="Compare with the baseline").click()
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        ["Households to recruit must be a whole number from 1 to 10,000"]
    )
    page.get_by_label("Name of the what-if").fill("8 more foster carers, no script")
    page.get_by_label("Households to recruit").fill("8")
    page.get_by_label("From week").fill("1")
    page.get_by_label("Weeks to simulate").fill("2")
    page.get_by_label("Replications").fill("1")
    page.get_by_role("button", name="Compare with the baseline").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What-if comparison")
    follow_refresh(page)
    assert rows(page)
    page.get_by_role("link", name="Read the comparison report").click(timeout=PLOTS_MS)
    expect(page.get_by_role("heading", level=1)).to_be_visible(timeout=PLOTS_MS)
    assert page.get_by_role("img").count() > 0


# The placement officer, without JavaScript: referrals, a child, matches, a proposal
# confirmed or declined with a reason.


def test_the_officers_journey_with_javascript_off(no_script: Page, served: Served) -> None:
    page = no_script
    sign_in(page, served.tokens["placement_officer"])
    expect(page.get_by_role("heading", level=1)).to_have_text("Referrals")
    page.get_by_text("Filter referrals").click()
    page.get_by_label("Urgency").select_option(label="Emergency")
    submit(page.get_by_role("button", name="Show referrals"))
    listed = page.locator("tbody tr")
    expect(listed.first).to_contain_text("Emergency")
    for k in range(listed.count()):
        if "Held" in page.locator("tbody tr").nth(k).inner_text():
            continue  # another test proposed a household for this child already
        page.locator("tbody tr").nth(k).locator("th a").click()
        page.get_by_role("link", name="See matches").click()
        propose = page.get_by_role("link", name=re.compile(r"^Propose household"))
        if propose.count():
            break
        page.go_back()
        page.go_back()
    else:
        raise AssertionError("no emergency referral has a match to propose")
    child = page.get_by_role("heading", level=1).inner_text().removeprefix("Matches for child ")
    propose.first.click()
    page.get_by_label("How many hours to hold the place").fill("2")
    page.get_by_role("button", name="Propose and hold the place").click()
    page.wait_for_url("**/proposals/*")
    expect(page.get_by_role("main")).to_contain_text(child)
    page.get_by_role("button", name="Decline proposal").click()
    expect(page.get_by_role("alert")).to_be_visible()  # a reason is needed
    page.get_by_label("Reason for declining").fill("the social worker prefers another home")
    page.get_by_role("button", name="Decline proposal").click()
    expect(page.get_by_role("main")).to_contain_text("the social worker prefers another home")
    page.get_by_role("main").get_by_role("link", name=child, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Child {child}")
    history = page.get_by_role("table", name="Proposals for this child, newest first")
    expect(history).to_contain_text("Declined")
