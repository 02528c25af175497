"""A partner's members page on a phone (390x844) in headless Chromium: the owner opens it from the portal,
is told why an unknown address cannot be added, adds a colleague, makes them an owner and removes them
(after confirming); the page never scrolls sideways."""
from __future__ import annotations

import pytest

from marketplace import modules
from tenants import accounts
from tenants.clock import utcnow
from tenants.models import User
from tests.conftest import PASSWORD
from tests.support.browser import assert_fits_phone, log_in_on_phone, shoot

pytestmark = pytest.mark.browser


@pytest.fixture
def partner_id(db, owner) -> int:
    """A partner organisation owned by `owner`, and a colleague with an account but no membership yet."""
    with db.session() as session:
        colleague = accounts.create_user(session, email="dev@leanwatts.test", password=PASSWORD)
        colleague.verified_at = utcnow()
        partner = modules.create_partner(session, name="Lean Watts GmbH", contact_email="hi@leanwatts.test",
                                         owner=session.get(User, owner.user_id))
        session.flush()
        return partner.id


def test_owner_manages_the_members_on_a_phone(live_server, owner, partner_id, new_context, screenshot,
                                              console_errors):
    from playwright.sync_api import expect

    page = log_in_on_phone(new_context, live_server, owner.email)
    page.goto(live_server(f"/partners/{partner_id}/"))
    page.get_by_role("link", name="Members").click()
    expect(page.locator("h1")).to_have_text("Members")
    expect(page.locator("#members")).to_contain_text(owner.email)
    expect(page.locator("#members")).to_contain_text("The only owner")
    assert_fits_phone(page)
    shoot(page, screenshot, "partner-members-phone")

    page.fill("#email", "nobody@leanwatts.test")
    page.locator("#add-member button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("There is no account for nobody@leanwatts.test yet")
    expect(page.locator("#email")).to_have_value("nobody@leanwatts.test")  # nothing typed is lost
    assert_fits_phone(page)
    shoot(page, screenshot, "partner-members-refused-phone")

    page.fill("#email", "dev@leanwatts.test")
    page.locator("#add-member button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("dev@leanwatts.test was added to Lean Watts GmbH.")
    row = page.locator("#members tr", has_text="dev@leanwatts.test")
    expect(row.locator(".badge")).to_have_text("Member")
    row.locator("select[name=role]").select_option("owner")
    row.get_by_role("button", name="Set role").click()
    expect(page.locator("main")).to_contain_text("dev@leanwatts.test is now an owner.")
    expect(page.locator("#members tr", has_text="dev@leanwatts.test").locator(".badge")).to_have_text("Owner")
    assert_fits_phone(page)
    shoot(page, screenshot, "partner-members-two-owners-phone")

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#members tr", has_text="dev@leanwatts.test").get_by_role("button", name="Remove").click()
    expect(page.locator("main")).to_contain_text("dev@leanwatts.test was removed from Lean Watts GmbH.")
    expect(page.locator("#members")).not_to_contain_text("dev@leanwatts.test")
    assert_fits_phone(page)
    unexpected = [e for e in console_errors if "status of 422" not in e]  # the refused address, on purpose
    assert unexpected == [], "\n".join(unexpected)
