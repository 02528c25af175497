"""The partner portal and module review on a phone (390x844) in headless Chromium: partner signup, the
module form, the secret page, the module page, then a platform admin approves; no page scrolls sideways."""
from __future__ import annotations

import pytest

from marketplace import webhooks
from marketplace.models import Installation, Module
from tenants.models import User
from tests.support.browser import assert_fits_phone, log_in_on_phone, shoot

pytestmark = pytest.mark.browser


@pytest.fixture
def platform_admin(db, make_account):
    """A platform admin (who also runs a company, so logging in lands on the overview)."""
    account = make_account("Platform Ops", "ops@platform.test")
    with db.session() as session:
        session.get(User, account.user_id).is_platform_admin = True
    return account.email


def _install_with_an_event(db, owner, module_id: int) -> None:
    """The owner's company installs the module; its installation.created event failed once."""
    with db.session() as session:
        module = session.get(Module, module_id)
        installation = Installation(tenant_id=owner.tenant_id, module_id=module.id, status="active", scopes=[],
                                    scopes_version=1, device_ids=[], notified_states={})
        session.add(installation)
        session.flush()
        delivery = webhooks.enqueue(session, installation, module, "installation.created", {})
        delivery.attempts, delivery.last_status_code, delivery.last_error = 1, 503, "HTTP 503 from the receiver"


def test_partner_writes_a_module_and_an_admin_approves_it_on_a_phone(live_server, db, owner, platform_admin,
                                                                     new_context, screenshot, console_errors):
    from playwright.sync_api import expect

    page = log_in_on_phone(new_context, live_server, owner.email)
    page.goto(live_server("/partners/"))
    expect(page.locator("main")).to_contain_text("A partner is a company that builds app modules")
    assert_fits_phone(page)
    shoot(page, screenshot, "partners-empty-phone")

    page.get_by_role("link", name="Become a partner").click()
    page.fill("#name", "Lean Watts GmbH")
    page.fill("#contact_email", "hi@leanwatts.test")
    assert_fits_phone(page)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("No modules yet")
    assert_fits_phone(page)
    shoot(page, screenshot, "partner-portal-empty-phone")

    page.get_by_role("link", name="Write your first module").click()
    page.fill("#name", "Idle Waste Report")
    page.fill("#slug", "idle-report")
    page.fill("#summary", "A daily report of the money lost idling.")
    page.fill("#description", "# Idle waste\n\nEvery morning, **which machine** idled the most.")
    page.locator("#categories input[value=reports]").check()
    page.fill("#languages", "en, zh-Hans")
    page.fill("#support_email", "help@p.example")
    page.fill("#webhook_url", "https://p.example/hooks")
    page.fill("#launch_url", "https://p.example/launch")
    page.locator("#scopes input[value='devices:read']").check()
    page.locator("#events input[value='device.daily_summary']").check()
    page.select_option("#pricing_model", "device_day")
    page.fill("#prices", "EUR 0.505")
    assert_fits_phone(page)
    shoot(page, screenshot, "partner-module-form-phone")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("EUR prices have at most 2 decimals (not 0.505).")
    expect(page.locator("#name")).to_have_value("Idle Waste Report")  # nothing typed is lost
    page.fill("#prices", "EUR 0.50, CNY 4.00")
    page.locator("main form button[type=submit]").click()

    secret = page.locator("#module-secret").inner_text().strip()
    assert secret.startswith("dfs_") and len(secret) == 68
    expect(page.locator("main")).to_contain_text("DF-Signature")
    assert_fits_phone(page)
    shoot(page, screenshot, "partner-module-secret-phone")

    page.get_by_role("link", name="Done").click()
    expect(page.locator("h1")).to_have_text("Idle Waste Report")
    expect(page.locator("#credentials")).to_contain_text(f"{live_server.url}/api/partner/v1")
    expect(page.locator("main")).not_to_contain_text(secret)
    assert_fits_phone(page)
    page.get_by_role("button", name="Submit for review").click()
    expect(page.locator("main")).to_contain_text("Submitted for review")
    expect(page.locator(".page-head .badge")).to_have_text("In review")
    assert_fits_phone(page)
    shoot(page, screenshot, "partner-module-page-phone")
    module_url = page.url

    page.get_by_role("link", name="Webhook delivery log").click()
    expect(page.locator("main")).to_contain_text("No events yet")
    assert_fits_phone(page)

    admin = log_in_on_phone(new_context, live_server, platform_admin)
    admin.goto(live_server("/admin/modules/"))
    expect(admin.locator("main")).to_contain_text("1 module waits for review.")
    assert_fits_phone(admin)
    shoot(admin, screenshot, "admin-modules-phone")
    admin.locator("main table a", has_text="Idle Waste Report").click()
    expect(admin.locator("#manifest")).to_contain_text("CNY 4.00, EUR 0.50")
    expect(admin.locator("#manifest strong", has_text="which machine")).to_be_visible()
    assert_fits_phone(admin)
    shoot(admin, screenshot, "admin-module-review-phone")
    admin.get_by_role("button", name="Approve and publish").click()
    expect(admin.locator("main")).to_contain_text("The module was approved.")
    expect(admin.locator(".page-head .badge")).to_have_text("Published")
    assert_fits_phone(admin)

    page.goto(module_url)
    expect(page.locator(".page-head .badge")).to_have_text("Published")
    expect(page.locator("#status")).to_contain_text("Published: factories can find and install it.")
    assert_fits_phone(page)

    _install_with_an_event(db, owner, int(module_url.rstrip("/").rsplit("/", 1)[1]))
    page.reload()
    expect(page.locator("#installations")).to_contain_text("Acme Metall")
    assert_fits_phone(page)
    page.get_by_role("link", name="Webhook delivery log").click()
    expect(page.locator("table.deliveries")).to_contain_text("installation.created")
    assert_fits_phone(page)
    shoot(page, screenshot, "partner-deliveries-phone")
    unexpected = [e for e in console_errors if "status of 422" not in e]  # the refused price, on purpose
    assert unexpected == [], "\n".join(unexpected)
