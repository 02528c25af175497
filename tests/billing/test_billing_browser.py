"""Billing on a phone (390x844) in headless Chromium: the billing page, an invoice, its printable page and
the operators' price book, none of them scrolling sideways and none breaking the Content Security Policy."""
from __future__ import annotations

import pytest

from billing import notices
from tenants import accounts
from tenants.clock import utcnow
from tenants.models import Tenant
from tenants.scoping import tenant_context
from tests.billing.test_billing_pages import NOW, _month_so_far, _october_invoice, installed  # noqa: F401 - installed: a fixture
from tests.support.browser import assert_fits_phone, log_in_on_phone, shoot

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def fixed_clock(clock):
    """The same fixed "today" and "now" as the page tests."""
    clock.set(NOW)
    return clock


def test_billing_on_a_phone(live_server, db, owner, installed, new_context, screenshot,  # noqa: F811
                            console_errors):
    from playwright.sync_api import expect

    _month_so_far(db, owner, installed)
    _october_invoice(db, owner, installed["module_id"], vat_id="ATU12345678", country="AT")
    with tenant_context(owner.tenant_id), db.session() as session:
        session.get(Tenant, owner.tenant_id).name = "Acme Metallverarbeitung und Sondermaschinenbau GmbH & Co. KG"
        notices.add_notice(session, "cap_80:overall:2026-11", "cap_80", {
            "month": "2026-11", "currency": "EUR", "spent_minor": 1600, "cap_minor": 2000})
    page = log_in_on_phone(new_context, live_server, owner.email, lands_on=None)

    page.goto(live_server("/billing/"))
    expect(page.locator(".month-total")).to_have_text("€3.50")
    expect(page.locator("main")).to_contain_text("At this pace: about €10.50 by the end of the month.")
    page.fill("#cap", "5.00")
    page.get_by_role("button", name="Save the cap").click()
    expect(page.locator(".flash.success")).to_contain_text("The monthly cap was saved.")
    expect(page.locator("#overall-cap progress.spend")).to_be_visible()
    assert_fits_phone(page)
    shoot(page, screenshot, "billing-phone")

    page.get_by_role("link", name="DF-2026-000001").click()
    expect(page.locator("main h1")).to_have_text("Invoice DF-2026-000001")
    expect(page.locator(".reverse-charge")).to_have_text("Reverse charge: VAT to be accounted for by the recipient")
    assert_fits_phone(page)
    shoot(page, screenshot, "billing-invoice-phone")

    page.get_by_role("link", name="Printable version").click()
    expect(page.locator("button[data-print]")).to_be_visible()
    expect(page.locator(".mainnav")).to_have_count(0)
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.locator("button[data-print]").click()
    assert page.evaluate("() => window.printed") == 1
    assert_fits_phone(page)
    shoot(page, screenshot, "billing-print-phone")
    page.emulate_media(media="print")
    expect(page.locator("button[data-print]")).to_be_hidden()
    color = page.evaluate("() => getComputedStyle(document.body).color")
    assert color == "rgb(0, 0, 0)", color
    page.emulate_media(media="screen")

    with db.session() as session:
        admin = accounts.find_user(session, "ops@platform.test")  # the admin who approved the module
        admin.is_platform_admin, admin.verified_at = True, utcnow()
    admin_page = log_in_on_phone(new_context, live_server, "ops@platform.test", "a-long-password-2", lands_on=None)
    admin_page.goto(live_server("/admin/billing/"))
    admin_page.fill("#EUR-device_day", "0.075")
    admin_page.locator("#price-EUR button[type=submit]").click()
    expect(admin_page.locator("#price-EUR .error")).to_contain_text("at most 2 decimals")
    admin_page.fill("#EUR-device_day", "0.06")
    admin_page.locator("#price-EUR button[type=submit]").click()
    expect(admin_page.locator(".flash.success")).to_contain_text("The prices in EUR were saved.")
    assert_fits_phone(admin_page)
    shoot(admin_page, screenshot, "admin-billing-phone")
    admin_page.goto(live_server("/admin/billing/invoices?status=all"))
    expect(admin_page.locator(".admin-invoices tbody tr")).to_have_count(1)
    assert_fits_phone(admin_page)
    unexpected = [e for e in console_errors if "status of 422" not in e]  # the refused price answers 422
    assert unexpected == [], "\n".join(unexpected)
