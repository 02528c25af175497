"""Partner statements and payouts on a phone (390x844) in headless Chromium: the partner opens its
statement from the portal and downloads the CSV, a platform admin creates the month's payout and marks it
paid, and the partner sees it paid; no page scrolls sideways."""
from __future__ import annotations

import pytest

from tests.billing.test_statements import revenue  # noqa: F401 - a fixture
from tests.support.browser import assert_fits_phone, log_in_on_phone, shoot

pytestmark = pytest.mark.browser


def test_statement_and_payout_on_a_phone(live_server, revenue, new_context, screenshot, console_errors):  # noqa: F811
    from playwright.sync_api import expect

    partner_id = revenue.partners["a"]
    page = log_in_on_phone(new_context, live_server, revenue.members["a"], accept_downloads=True)
    page.goto(live_server(f"/partners/{partner_id}/"))
    page.get_by_role("link", name="Revenue statements and payouts").click()
    expect(page.locator("h1")).to_have_text("Revenue statements")
    expect(page.locator("#paid-only")).to_contain_text("Only paid invoices count")
    expect(page.locator("#statement-EUR")).to_contain_text("Idle Waste Report")
    expect(page.locator("#statement-EUR tr.total")).to_contain_text("€1,618.00")
    expect(page.locator("#statement-CNY tr.total")).to_contain_text("CN¥105.67")
    expect(page.locator("#statement-EUR")).to_contain_text("Not paid out yet")
    assert_fits_phone(page)
    shoot(page, screenshot, "partner-statement-phone")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    assert download.value.suggested_filename == f"statement-{revenue.slugs['a']}-2026-10.csv"
    text = open(download.value.path(), encoding="utf-8-sig").read()
    assert text.splitlines()[-1] == "2026-10,EUR,Total,,2,2,2022.51,404.51,1618.00"

    admin = log_in_on_phone(new_context, live_server, revenue.admin_email, accept_downloads=True)
    admin.goto(live_server("/admin/payouts/"))
    row = admin.locator(f"#payout-{partner_id}-EUR")
    expect(row).to_contain_text("Lean Watts GmbH")
    assert_fits_phone(admin)
    shoot(admin, screenshot, "admin-payouts-phone")
    row.get_by_role("button", name="Create payout of €1,618.00").click()
    expect(admin.locator("main")).to_contain_text("The payout of €1,618.00 was created.")
    expect(row.locator(".badge")).to_have_text("Payout pending")
    assert_fits_phone(admin)
    shoot(admin, screenshot, "admin-payout-pending-phone")
    row.get_by_label("Payment reference").fill("SEPA-2026-11-0042")
    row.get_by_role("button", name="Mark paid").click()
    expect(admin.locator("main")).to_contain_text("The payout is marked paid.")
    expect(row).to_contain_text("SEPA-2026-11-0042")
    assert_fits_phone(admin)

    page.reload()
    expect(page.locator("#statement-EUR .payout-status")).to_contain_text("SEPA-2026-11-0042")
    assert_fits_phone(page)
    shoot(page, screenshot, "partner-statement-paid-phone")
    assert console_errors == [], "\n".join(console_errors)
