"""The marketplace on a phone (390x844) in headless Chromium: the catalogue, a module's page, the consent
screen, the installed modules and a module's card on the dashboard, none of them scrolling sideways."""
from __future__ import annotations

import copy

import pytest
from sqlalchemy import select

from marketplace import insights, modules
from marketplace.models import Installation
from telemetry import registry
from tenants import accounts
from tenants.scoping import tenant_context
from tests.marketplace.test_marketplace_pages import ERP, REPORT, VIBRATION
from tests.support.browser import assert_fits_phone, log_in_on_phone, shoot

pytestmark = pytest.mark.browser

LONG_LINK = "https://partner.example/docs/a-rather-long-path/that-must-wrap-on-a-phone/instead-of-overflowing/index"


@pytest.fixture
def catalogue(db, owner):
    """Three published modules and two machines of the owner's company."""
    with db.session() as session:
        partner_user = accounts.create_user(session, email="dev@partner.test", password="a-long-password-1")
        admin = accounts.create_user(session, email="ops@platform.test", password="a-long-password-2")
        admin.is_platform_admin = True
        session.flush()
        partner = modules.create_partner(session, name="Lean Watts Industrial Software Solutions GmbH & Co. KG",
                                         contact_email="hi@leanwatts.test", owner=partner_user)
        report = {**copy.deepcopy(REPORT), "description": REPORT["description"] + f"\n\nManual: <{LONG_LINK}>\n\n"
                  "- Ranks the machines by money lost idling\n- Shows the hours when it happens"}
        for manifest in (report, VIBRATION, ERP):
            modules.approve(modules.submit_for_review(modules.create_module(session, partner, copy.deepcopy(manifest))),
                            admin)
    with tenant_context(owner.tenant_id), db.session() as session:
        for name in ("Lathe with a rather long descriptive name, hall 2", "Press"):
            registry.create_device(session, {"name": name})


def test_marketplace_on_a_phone(live_server, db, owner, catalogue, new_context, screenshot, console_errors):
    from playwright.sync_api import expect

    page = log_in_on_phone(new_context, live_server, owner.email)

    page.goto(live_server("/marketplace/"))
    expect(page.locator(".module-card")).to_have_count(3)
    expect(page.locator("main")).to_contain_text("€0.05 per machine per day")
    assert_fits_phone(page)
    shoot(page, screenshot, "marketplace-list-phone")

    page.get_by_role("link", name="Energy").click()
    expect(page.locator(".module-card")).to_have_count(1)
    page.fill("#q", "bearings")
    page.locator("form.market-search button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("No modules match")
    assert_fits_phone(page)

    page.goto(live_server("/marketplace/idle-report"))
    expect(page.locator("main h1")).to_have_text("Idle Waste Report")
    expect(page.locator("main")).to_contain_text("See the machines you choose")
    expect(page.locator(".description h3")).to_have_text("Idle waste")
    assert_fits_phone(page)
    shoot(page, screenshot, "marketplace-module-phone")

    page.get_by_role("link", name="Subscribe").click()
    expect(page.locator("input[name=devices]:checked")).to_have_count(2)
    page.fill("#cap", "abc")
    page.locator("form.consent button[type=submit]").click()
    expect(page.locator("form.consent .error")).to_contain_text("Enter the monthly cap as an amount")
    assert_fits_phone(page)
    shoot(page, screenshot, "marketplace-consent-phone")
    page.fill("#cap", "20.00")
    page.locator("form.consent button[type=submit]").click()
    expect(page.locator(".flash.success")).to_contain_text("Idle Waste Report was installed.")
    expect(page.locator(".badge.installed")).to_be_visible()
    assert_fits_phone(page)

    page.goto(live_server("/marketplace/installed"))
    expect(page.locator(".installed-item")).to_have_count(1)
    expect(page.locator(".installed-item")).to_contain_text("€0.00 of €20.00")
    assert_fits_phone(page)
    shoot(page, screenshot, "marketplace-installed-phone")

    with tenant_context(owner.tenant_id), db.session() as session:
        installation = session.scalars(select(Installation)).one()
        insights.post_insight(session, installation, {
            "kind": "card", "severity": "warning", "title": "Lathe idled 3 h 20 min yesterday",
            "body": "That is about €4.20 of electricity. The compressor ran all weekend."})
        insights.post_insight(session, installation, {"kind": "report", "title": "March idle report",
                                                      "url": LONG_LINK})
    page.goto(live_server("/"))
    section = page.locator("#module-insights")
    expect(section).to_contain_text("Lathe idled 3 h 20 min yesterday")
    expect(section).to_contain_text("From Idle Waste Report")
    expect(section.get_by_role("link", name="Open report")).to_have_attribute("target", "_blank")
    section.scroll_into_view_if_needed()
    assert_fits_phone(page)
    shoot(page, screenshot, "dashboard-insights-phone")

    page.goto(live_server("/alerts"))
    page.locator("#module-insights li.insight", has_text="Lathe idled").get_by_role("button", name="Dismiss").click()
    expect(page.locator("#module-insights")).not_to_contain_text("Lathe idled")
    expect(page.locator("#module-insights")).to_contain_text("March idle report")
    assert_fits_phone(page)
    unexpected = [e for e in console_errors if "status of 422" not in e]  # the refused cap above answers 422
    assert unexpected == [], "\n".join(unexpected)
