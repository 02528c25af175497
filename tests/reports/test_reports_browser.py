"""The reports page, the printable view and the Tariff tab in headless Chromium at phone width."""
from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.reports.conftest import make_plant, post_power
from tests.support.browser import take_screenshot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
A4_LANDSCAPE = {"width": 1123, "height": 794}  # CSS pixels of an A4 page in landscape
MIN_PNG_BYTES = 5 * 1024


def _no_horizontal_overflow(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways at {widths[1]}px: content is {widths[0]}px wide"


def _shoot(page, screenshot, name: str):
    path = screenshot(page, name)
    assert path.stat().st_size > MIN_PNG_BYTES, path
    return path


def test_reports_on_a_phone(live_server, app, db, make_account, new_context, screenshot, console_errors):
    from playwright.sync_api import expect

    plant = make_plant(db, make_account, "Präzision Müller 精工", "owner@mueller.test", "Europe/Berlin")
    client, day = app.test_client(), plant.day(2)
    post_power(client, plant.tokens["Drehbank Süd"], plant.at(day, 6), plant.at(day, 14), 1800)
    post_power(client, plant.tokens["Drehbank Süd"], plant.at(day, 14.25), plant.at(day, 18), 60)
    post_power(client, plant.tokens["车床 1"], plant.at(day, 0), plant.at(day, 24), 450)

    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto(live_server("/login"))
    page.fill("#email", plant.account.email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(live_server("/"))

    page.locator("nav.mainnav").get_by_role("link", name="Reports").click()
    expect(page.locator("h1")).to_have_text("Reports")
    page.fill("#from", (day.replace(day=1) if day.day > 1 else day).isoformat())
    page.fill("#to", day.isoformat())
    page.select_option("#breakdown", "day")
    page.locator("form.report-form button[type=submit]").click()
    table = page.locator("table.report-table").first
    expect(table).to_contain_text("Drehbank Süd")
    expect(table).to_contain_text("车床 1")
    expect(table.locator("tfoot")).to_contain_text("All machines")
    _no_horizontal_overflow(page)
    _shoot(page, screenshot, "reports-phone")
    take_screenshot(page, "reports-phone-top", full_page=False)

    page.get_by_role("link", name="Printable view").click()
    expect(page.locator(".print-head")).to_contain_text("Präzision Müller 精工")
    expect(page.locator("nav.mainnav")).to_have_count(0)
    page.set_viewport_size(A4_LANDSCAPE)
    page.emulate_media(media="print")
    expect(page.locator(".print-head .actions")).to_be_hidden()
    _no_horizontal_overflow(page)
    _shoot(page, screenshot, "reports-print")
    page.emulate_media(media="screen")
    page.set_viewport_size(PHONE)

    page.goto(live_server("/settings/tariff"))
    page.fill("#price_per_kwh", "0.30")
    page.fill("input[name='band-0-price']", "0.15")
    page.locator("form.plant-form button[type=submit]").click()
    expect(page.locator(".flash.success")).to_be_visible()
    _no_horizontal_overflow(page)
    _shoot(page, screenshot, "settings-tariff-phone")
    take_screenshot(page, "settings-tariff-phone-top", full_page=False)

    page.goto(live_server("/api/docs"))
    operation = page.locator("details.api-op").first
    operation.locator("summary").click()
    expect(operation.locator("pre").first).to_be_visible()
    operation.screenshot(path=str(screenshot(page, "api-docs-phone").parent / "api-docs-operation-phone.png"))
    _no_horizontal_overflow(page)
    _shoot(page, screenshot, "api-docs-phone")
    take_screenshot(page, "api-docs-phone-top", full_page=False)
    assert console_errors == [], "\n".join(console_errors)
