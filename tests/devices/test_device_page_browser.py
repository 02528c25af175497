"""A new machine's page on a phone (390x844) in headless Chromium: the token and setup help with the real
host, then the badge turns green by itself when the first reading arrives."""
from __future__ import annotations

import json
import urllib.request

import pytest

from tests.conftest import PASSWORD
from tests.support.browser import PHONE, shoot

pytestmark = pytest.mark.browser


def _no_horizontal_overflow(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways at {widths[1]}px: content is {widths[0]}px wide"


def _post_reading(base_url: str, token: str, power_w: float) -> int:
    request = urllib.request.Request(f"{base_url}/api/v1/readings", data=json.dumps({"power_w": power_w}).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def test_new_machine_page_turns_green_on_a_phone(live_server, owner, new_context, screenshot, console_errors):
    from playwright.sync_api import expect

    context = new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page = context.new_page()
    page.goto(live_server("/login"))
    page.fill("#email", owner.email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(live_server("/"))

    page.locator("nav.mainnav").get_by_role("link", name="Machines").click()
    expect(page.locator("main")).to_contain_text("No machines yet")
    _no_horizontal_overflow(page)
    shoot(page, screenshot, "devices-empty-phone")

    page.get_by_role("link", name="Add your first machine").click()
    page.fill("#name", "Lathe 3")
    page.select_option("#kind", "smart_plug")
    page.fill("#site", "Plant 1")
    page.locator("main form button[type=submit]").click()

    token = page.locator("#device-token").inner_text().strip()
    assert len(token) == 32
    expect(page.locator("#live .badge.waiting")).to_be_visible()
    expect(page.locator("#live")).to_contain_text("Waiting for the first reading")
    shelly = page.locator("#snippet-shelly_gen2")
    expect(shelly).to_be_visible()  # the first firmware is open
    expect(shelly).to_contain_text(f"{live_server.url}/api/v1/shelly/{token}")
    expect(page.locator("#snippet-tasmota_esp32")).to_be_hidden()  # the others are folded
    page.locator("details.firmware summary", has_text="Tasmota on ESP32").click()
    expect(page.locator("#snippet-tasmota_esp32")).to_contain_text(f"IfxToken {token}")
    copy = page.locator("#token button.copy")
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("() => navigator.clipboard.readText()") == token
    _no_horizontal_overflow(page)
    shoot(page, screenshot, "device-new-phone")

    assert _post_reading(live_server.url, token, 1520) == 202
    expect(page.locator("#live .badge.online")).to_be_visible(timeout=20_000)  # polled every 5 s, no reload
    expect(page.locator("#live [data-live=power]")).to_have_text("1,520 W")
    expect(page.locator("#live")).not_to_contain_text("Waiting for the first reading")
    page.evaluate("() => window.scrollTo(0, 0)")
    shoot(page, screenshot, "device-live-phone")

    page.goto(live_server("/devices"))
    expect(page.locator("table.machines")).to_contain_text("Lathe 3")
    expect(page.locator("table.machines .badge.online")).to_be_visible()
    _no_horizontal_overflow(page)
    shoot(page, screenshot, "devices-list-phone")

    page.locator("table.machines a", has_text="Lathe 3").click()
    footer = page.locator("footer form.language")
    footer.locator("select[name=language]").select_option("zh_Hans")
    footer.locator("button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("#live")).to_contain_text("实时状态")
    expect(page.locator("#setup")).to_contain_text("<TOKEN>")  # the token is not shown again
    _no_horizontal_overflow(page)
    shoot(page, screenshot, "device-zh-phone")
    assert console_errors == [], "\n".join(console_errors)
