"""The factory overview and a machine page in headless Chromium, at phone and desktop widths."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from telemetry import plant as plant_settings
from telemetry import registry
from telemetry.models import Device
from tenants.scoping import tenant_context
from tests.analytics_pages.conftest import minute_floor, pattern_history
from tests.conftest import PASSWORD
from tests.support.browser import DESKTOP, PHONE

pytestmark = pytest.mark.browser

PRICE = 0.32
# (minutes, mean W, spread W): a lathe that is switched off, idles, cuts, idles again.
LATHE = [(45, 3.0, 0.4), (25, 380.0, 25.0), (80, 2600.0, 220.0), (30, 380.0, 25.0)]
PRESS = [(60, 2.0, 0.3), (50, 1500.0, 120.0), (20, 240.0, 20.0)]

# Non-background pixels of a canvas, and pixels close to a CSS colour of the page.
COUNT_PIXELS = """([selector, css]) => {
  const canvas = document.querySelector(selector);
  const probe = document.createElement('span'); probe.style.color = css; document.body.append(probe);
  const rgb = getComputedStyle(probe).color.match(/\\d+/g).map(Number); probe.remove();
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0, matching = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] === 0 || (data[i] > 245 && data[i + 1] > 245 && data[i + 2] > 245)) continue;
    painted++;
    if (Math.abs(data[i] - rgb[0]) + Math.abs(data[i + 1] - rgb[1]) + Math.abs(data[i + 2] - rgb[2]) < 40) matching++;
  }
  return {painted, matching, length: canvas.toDataURL().length};
}"""


def _post(url: str, token: str, readings: list[dict]) -> None:
    for start in range(0, len(readings), 2000):
        response = requests.post(url, json=readings[start:start + 2000], headers={"Authorization": f"Bearer {token}"},
                                 timeout=30)
        assert response.status_code == 202, response.text[:300]


@pytest.fixture
def factory_floor(live_server, plant, db):
    """The lathe posts every minute for 26 h and idles now; the press stopped posting 40 minutes ago."""
    with db.session() as session, tenant_context(plant.tenant_id):
        plant_settings.set_tariff(session, PRICE)
        for device_id in plant.devices.values():  # set up by hand: idling at 240-380 W is below 600 W
            registry.update_device(session, device_id, {"off_below_w": 10, "run_above_w": 600})
        session.flush()
    now = minute_floor(datetime.now(UTC))
    ingest = live_server("/api/v1/readings")
    lathe = pattern_history(LATHE, now - timedelta(hours=26), now - timedelta(minutes=12))
    idle = pattern_history([(1, 380.0, 20.0)], now - timedelta(minutes=12), now, seed=3)
    _post(ingest, plant.tokens["Lathe 1"], lathe + idle)
    _post(ingest, plant.tokens["Press 2"], pattern_history(PRESS, now - timedelta(days=3), now - timedelta(minutes=40)))
    with db.session() as session, tenant_context(plant.tenant_id):  # as if it had posted live until then
        session.get(Device, plant.devices["Press 2"]).last_seen_at = now - timedelta(minutes=40)
        session.flush()
    return plant


def _login(page, url: str, email: str) -> None:
    page.goto(url("/login"))
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(url("/"))


def _api(page, path: str) -> dict:
    return page.evaluate("(path) => fetch(path, {credentials: 'same-origin'}).then(r => r.json())", path)


def _kwh(wh: float) -> str:
    value = wh / 1000
    return f"{value:,.{2 if value < 100 else 1 if value < 1000 else 0}f} kWh"


def _eur(amount: float) -> str:
    return f"€{amount:,.2f}"


def _no_horizontal_overflow(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways at {widths[1]}px: content is {widths[0]}px wide"


def _check_overview(page, screenshot) -> dict:
    page.wait_for_selector("#overview[data-loaded] a.tile")
    body = _api(page, "/api/v1/overview")
    tiles = page.locator("a.tile")
    assert tiles.count() == len(body["machines"]) == 2
    for index, machine in enumerate(body["machines"]):  # the API's order: most attention first
        tile = tiles.nth(index)
        assert tile.get_attribute("href") == f"/machines/{machine['id']}"
        assert tile.locator("[data-f=name]").inner_text() == machine["name"]
        assert tile.locator("[data-f=energy]").inner_text() == _kwh(machine["energy_wh"])
        assert tile.locator("[data-f=cost]").inner_text() == _eur(machine["cost"])
        assert tile.locator("[data-f=utilization]").inner_text() == f"{int(machine['utilization'] * 100 + 0.5)}%"
        assert f"state-{machine['state']}" in tile.get_attribute("class")
    by_name = {m["name"]: m for m in body["machines"]}
    assert by_name["Press 2"]["state"] == "offline" and by_name["Lathe 1"]["state"] == "idle"
    press = page.locator("a.tile", has_text="Press 2")
    assert press.locator(".pill").inner_text() == "Offline"
    assert press.locator("[data-f=since]").inner_text().startswith("Offline for 4")  # 40-ish minutes
    assert page.locator("a.tile", has_text="Lathe 1").locator("[data-f=since]").inner_text().startswith("Idle for 1")
    assert page.locator("[data-total=energy]").inner_text() == _kwh(body["totals"]["energy_wh"])
    assert page.locator("[data-total=cost]").inner_text() == _eur(body["totals"]["cost"])
    assert page.locator("[data-total=waste]").inner_text() == _eur(body["totals"]["idle_waste_cost"])
    assert body["totals"]["idle_waste_cost"] > 0
    return body


def _canvas(page, selector: str, css: str) -> dict:
    return page.evaluate(COUNT_PIXELS, [selector, css])


def _check_charts(page) -> None:
    page.wait_for_selector("#machine[data-power-loaded][data-daily-loaded]")
    power = _canvas(page, "[data-chart=power] canvas", "#0b6e4f")
    assert power["painted"] > 500 and power["matching"] > 200, power
    band = _canvas(page, "[data-chart=power] canvas", "#1a9d5b")  # the state band under the plot
    assert band["matching"] > 50, band
    assert _canvas(page, "[data-chart=power] canvas", "#e0a400")["matching"] > 20, "idle shows in the state band"
    daily = _canvas(page, "[data-chart=daily] canvas", "#1a9d5b")
    assert daily["painted"] > 500 and daily["matching"] > 50, daily


def _check_today(page, device_id: int, overview_row: dict) -> None:
    page.wait_for_function("() => document.querySelector('[data-k=energy]').textContent !== '–'")
    day = _api(page, f"/api/v1/devices/{device_id}/series?resolution=day")["buckets"][0]
    assert page.locator("[data-k=energy]").inner_text() == _kwh(day["energy_wh"]) == _kwh(overview_row["energy_wh"])
    assert page.locator("[data-k=cost]").inner_text() == _eur(day["cost"])
    assert page.locator("[data-k=utilization]").inner_text() == f"{int(day['utilization'] * 100 + 0.5)}%"


def test_overview_and_machine_page(clock, live_server, factory_floor, page, new_context, screenshot, console_errors):
    url, lathe_id = live_server, factory_floor.devices["Lathe 1"]
    # The app's clock stands still, so that the overview, the machine page and the API, read seconds
    # apart, show the same live figures (a running machine's energy grows with "now"); the page's
    # timers are under test control (the 30 s refresh is checked without waiting), from the same now.
    page.clock.install(time=clock.now)
    page.set_viewport_size(PHONE)
    _login(page, url, factory_floor.owner_email)
    body = _check_overview(page, screenshot)
    screenshot(page, "overview-phone")
    _no_horizontal_overflow(page)

    # The overview refreshes itself from the API every 30 s, without reloading the page.
    page.evaluate("() => { window.notReloaded = true; }")
    loaded = page.locator("#overview").get_attribute("data-loaded")
    page.clock.run_for(31_000)
    page.wait_for_function("(before) => document.querySelector('#overview').dataset.loaded !== before", arg=loaded)
    assert page.evaluate("() => window.notReloaded") is True

    page.set_viewport_size(DESKTOP)
    screenshot(page, "overview-desktop")

    # Tapping a tile opens the machine page.
    page.set_viewport_size(PHONE)
    page.locator("a.tile", has_text="Lathe 1").click()
    page.wait_for_url(url(f"/machines/{lathe_id}"))
    _check_charts(page)
    lathe_row = next(m for m in body["machines"] if m["id"] == lathe_id)
    _check_today(page, lathe_id, lathe_row)
    assert page.locator(".machine-state .pill").inner_text() == "Idle"
    assert page.locator("[data-timeline] li").count() >= 5
    page.wait_for_selector("[data-advice][data-loaded=off_idle_running]")
    advice = _api(page, f"/api/v1/devices/{lathe_id}/advice")
    assert page.locator("[data-a=run]").inner_text() == f"{advice['run_above_w']:,.0f} W"
    _no_horizontal_overflow(page)
    screenshot(page, "machine-phone")

    # A member sees the advice read-only.
    member = new_context(viewport=PHONE).new_page()
    _login(member, url, factory_floor.member_email)
    member.goto(url(f"/machines/{lathe_id}"))
    member.wait_for_selector("[data-advice][data-loaded]")
    assert member.locator("[data-apply]").is_hidden()
    assert "Only owners and admins" in member.locator("[data-a=message]").inner_text()

    # Desktop: zoom buttons and drag-to-zoom refetch at the right resolution; then apply the advice.
    page.set_viewport_size(DESKTOP)
    page.locator("[data-days='7']").click()
    page.wait_for_selector("#machine[data-power-loaded='15min']")
    page.locator("[data-days='30']").click()
    page.wait_for_selector("#machine[data-power-loaded='hour']")
    page.wait_for_timeout(200)
    screenshot(page, "machine-desktop-30d")
    over = page.locator("[data-chart=power] .u-over").bounding_box()
    page.mouse.move(over["x"] + over["width"] * 0.95, over["y"] + 40)
    page.mouse.down()
    page.mouse.move(over["x"] + over["width"] * 0.99, over["y"] + 40, steps=8)
    page.mouse.up()
    page.wait_for_selector("#machine[data-power-loaded='raw']")
    _check_charts(page)
    page.locator("[data-days='1']").click()
    page.wait_for_selector("#machine[data-power-loaded='raw']")
    page.wait_for_timeout(200)
    screenshot(page, "machine-desktop")

    page.locator("[data-apply]").click()
    page.wait_for_function("() => document.querySelector('[data-a=message]').textContent"
                           ".startsWith('Thresholds saved')")
    device = _api(page, f"/api/v1/devices/{lathe_id}")
    assert (device["off_below_w"], device["run_above_w"]) == (advice["apply"]["off_below_w"],
                                                              advice["apply"]["run_above_w"])
    assert page.locator("[data-apply]").is_hidden()
    assert console_errors == [], "\n".join(console_errors)
