"""The family-finder's adopters waiting since approval (issue 18), in a browser: reached
from the family-finding page, longest waiting first, accessible; and the children for an
adopter with each child's weeks waited and priority."""

from __future__ import annotations

from tests.web.conftest import SignIn, assert_accessible
from tests.web.test_family_finding import PRIORITY_ORDER, rows


def test_adopters_waiting_longest_first_then_their_children(signed_in: SignIn) -> None:
    page = signed_in("family_finder", "/family-finding")
    page.get_by_role("link", name="Adopters waiting since approval").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Adopters waiting"
    shown = rows(page)
    assert shown
    weeks = [int(r["Weeks since approval"]) for r in shown]
    assert weeks == sorted(weeks, reverse=True)
    assert all(r["Register referral"].split("due ")[-1][:2] == "20" for r in shown)
    assert_accessible(page)
    page.get_by_role("link", name=shown[0]["Adopter"]).click()
    children = rows(page)
    assert children and all(r["Weeks waited"].isdigit() for r in children)
    assert all(r["Priority"].split()[0] in PRIORITY_ORDER for r in children)
    assert_accessible(page)
