"""Report figures: equal to the series API's daily buckets, and moved by the tariff and shifts set on the
settings pages."""
from __future__ import annotations

from datetime import timedelta

import pytest

from services import figures
from telemetry import reports
from tenants.clock import utcnow
from tenants.models import Tenant
from tenants.scoping import tenant_context
from tests.conftest import post_form
from tests.reports.conftest import make_plant, post_power, read_csv

HOURS = ("running", "idle", "off", "nodata")
FIVE_MINUTES = timedelta(minutes=5)


@pytest.fixture
def kolkata(db, make_account, client):
    """A company in Asia/Kolkata (half-hour offset) with three days of varied readings, a time-of-use tariff and
    shifts, set through the API."""
    plant = make_plant(db, make_account, "Kolkata Castings", "owner@kolkata.test", "Asia/Kolkata", "IN", "INR")
    first, middle, last = plant.day(5), plant.day(4), plant.day(3)
    lathe, press = plant.tokens["Drehbank Süd"], plant.tokens["车床 1"]
    post_power(client, lathe, plant.at(first, 8), plant.at(first, 12), 1500)
    post_power(client, lathe, plant.at(first, 12.25), plant.at(first, 14), 50)
    post_power(client, lathe, plant.at(first, 22), plant.at(first, 26), 1200)  # across local midnight
    post_power(client, lathe, plant.at(last, 0), plant.at(last, 24), 2)
    post_power(client, press, plant.at(middle, 10), plant.at(middle, 11), 800, step_s=60)
    post_power(client, press, plant.at(middle, 11.5), plant.at(middle, 13), 40, step_s=120)  # a gap: no data
    assert client.put("/api/v1/tariff", headers=plant.api_headers, json={"price_per_kwh": 8, "bands": [
        {"weekdays": None, "start_hour": 22, "end_hour": 6, "price": 5}]}).status_code == 200
    assert client.put("/api/v1/shifts", headers=plant.api_headers, json={"shifts": [
        {"weekday": d, "start": "06:00", "end": "18:00"} for d in range(7)]}).status_code == 200
    return plant


def _series(client, plant, device_id: int, first, last) -> list[dict]:
    response = client.get(f"/api/v1/devices/{device_id}/series?from={first}&to={last}&resolution=day",
                          headers=plant.api_headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["buckets"]


def _assert_row_matches(row: dict, buckets: list[dict]) -> None:
    assert float(row["energy_kwh"]) == pytest.approx(sum(b["energy_wh"] for b in buckets) / 1000, abs=6e-4)
    assert float(row["cost"]) == pytest.approx(sum(b["cost"] for b in buckets), abs=6e-3)
    assert float(row["idle_waste_cost"]) == pytest.approx(sum(b["idle_waste_cost"] for b in buckets), abs=6e-3)
    assert float(row["idle_waste_kwh"]) == pytest.approx(sum(b["idle_waste_wh"] for b in buckets) / 1000, abs=6e-4)
    for state in HOURS:
        assert float(row[f"{state}_h"]) == pytest.approx(sum(b[f"{state}_s"] for b in buckets) / 3600, abs=6e-3)


def test_report_equals_the_sum_of_the_series_apis_daily_buckets(client, owner_of, kolkata):
    first, last = kolkata.day(5), kolkata.day(3)
    owner_of(kolkata)
    rows = read_csv(client.get(f"/reports/export?format=csv&from={first}&to={last}"))
    by_machine = {row["machine"]: row for row in rows}
    assert set(by_machine) == {"Drehbank Süd", "车床 1", "All machines"}
    for name, device_id in kolkata.devices.items():
        buckets = _series(client, kolkata, device_id, first, last)
        assert len(buckets) == 3
        _assert_row_matches(by_machine[name], buckets)
        row = by_machine[name]
        assert (row["period_start"], row["period_end"], row["currency"]) == (str(first), str(last), "INR")
        assert float(row["planned_h"]) == pytest.approx(36)  # 06:00-18:00 on three days
        assert float(row["availability_pct"]) == pytest.approx(float(row["running_h"]) / 36 * 100, abs=0.06)
    total = by_machine["All machines"]
    assert total["device_id"] == ""
    assert float(total["energy_kwh"]) == pytest.approx(sum(float(by_machine[n]["energy_kwh"]) for n in kolkata.devices),
                                                       abs=2e-3)
    assert float(by_machine["Drehbank Süd"]["energy_kwh"]) > 10 and float(by_machine["车床 1"]["nodata_h"]) > 69


def test_daily_breakdown_rows_equal_each_daily_bucket(client, owner_of, kolkata):
    first, last = kolkata.day(5), kolkata.day(3)
    owner_of(kolkata)
    rows = read_csv(client.get(f"/reports/export?from={first}&to={last}&breakdown=day"))
    for name, device_id in kolkata.devices.items():
        days = [row for row in rows if row["machine"] == name]
        buckets = _series(client, kolkata, device_id, first, last)
        assert [row["period_start"] for row in days] == [b["start"][:10] for b in buckets]
        for row, bucket in zip(days, buckets):
            _assert_row_matches(row, [bucket])


@pytest.mark.parametrize("breakdown", ["week", "month"])
def test_week_and_month_slices_add_up_to_the_period(db, kolkata, breakdown):
    with db.session() as session, tenant_context(kolkata.account.tenant_id):
        tenant = session.get(Tenant, kolkata.account.tenant_id)
        figures.settle_for_reading(session, figures.active_devices(session), utcnow())
        whole = reports.build_report(session, tenant, reports.ReportPeriod(kolkata.day(40), kolkata.day(1)))
        split = reports.build_report(session, tenant, reports.ReportPeriod(kolkata.day(40), kolkata.day(1), breakdown))
        session.flush()
    assert split.total_slices[0].first == kolkata.day(40) and split.total_slices[-1].last == kolkata.day(1)
    for before, after in zip(split.total_slices, split.total_slices[1:]):
        assert (after.first - before.last).days == 1
    for machine, whole_machine in zip(split.machines, whole.machines):
        for name in ("energy_wh", "cost", "running_s", "idle_s", "off_s", "nodata_s", "planned_s", "idle_waste_cost"):
            assert sum(getattr(s.figures, name) for s in machine.slices) == pytest.approx(
                getattr(whole_machine.total, name))


def test_a_night_band_set_on_the_tariff_page_halves_the_night_cost(client, owner_of, shanghai):
    day = shanghai.day(3)
    post_power(client, shanghai.tokens["Drehbank Süd"], shanghai.at(day, 0), shanghai.at(day, 24), 1000)
    post_power(client, shanghai.tokens["车床 1"], shanghai.at(day, 0), shanghai.at(day, 24), 50)  # idle all day
    owner_of(shanghai)
    assert post_form(client, "/settings/tariff", {"price_per_kwh": "0,30"}).status_code == 302

    def figures():
        rows = read_csv(client.get(f"/reports/export?from={day}&to={day}"))
        return {row["machine"]: (row["cost"], row["idle_waste_cost"]) for row in rows}

    assert figures()["Drehbank Süd"] == ("7.20", "0.00")  # 24 kWh at 0.30
    assert figures()["车床 1"] == ("0.36", "0.36")  # 1.2 kWh idle at 0.30
    response = post_form(client, "/settings/tariff", {"price_per_kwh": "0.30", "band-0-price": "0.15",
                                                      "band-0-start": "22", "band-0-end": "6"})
    assert response.status_code == 302
    # 8 night hours at 0.15 and 16 day hours at 0.30
    assert figures()["Drehbank Süd"] == ("6.00", "0.00")
    assert figures()["车床 1"] == ("0.30", "0.30")
    assert figures()["All machines"] == ("6.30", "0.30")


def test_shifts_set_on_the_shifts_page_change_availability(client, owner_of, shanghai):
    day = shanghai.day(3)
    token = shanghai.tokens["Drehbank Süd"]
    post_power(client, token, shanghai.at(day, 0), shanghai.at(day, 8) - FIVE_MINUTES, 2)
    post_power(client, token, shanghai.at(day, 8), shanghai.at(day, 12) - FIVE_MINUTES, 1500)
    post_power(client, token, shanghai.at(day, 12), shanghai.at(day, 24), 2)
    owner_of(shanghai)

    def availability():
        rows = read_csv(client.get(f"/reports/export?from={day}&to={day}"))
        row = next(r for r in rows if r["machine"] == "Drehbank Süd")
        return row["running_h"], row["planned_h"], row["availability_pct"]

    assert availability() == ("4.00", "24.00", "16.7")  # no shifts: every hour is planned
    weekday = str(day.weekday())
    assert post_form(client, "/settings/shifts", {"shift-0-day": weekday, "shift-0-start": "08:00",
                                                  "shift-0-end": "16:00"}).status_code == 302
    assert availability() == ("4.00", "8.00", "50.0")
    night_before = str((day.weekday() - 1) % 7)  # 22:00-02:00 of the day before adds 00:00-02:00
    assert post_form(client, "/settings/shifts", {
        "shift-0-day": weekday, "shift-0-start": "08:00", "shift-0-end": "16:00",
        "shift-1-day": night_before, "shift-1-start": "22:00", "shift-1-end": "02:00"}).status_code == 302
    assert availability() == ("4.00", "10.00", "40.0")


def test_the_report_page_shows_the_figures(client, owner_of, shanghai):
    day = shanghai.day(2)
    post_power(client, shanghai.tokens["Drehbank Süd"], shanghai.at(day, 6), shanghai.at(day, 10) - FIVE_MINUTES, 3000)
    owner_of(shanghai)
    page = client.get(f"/reports?from={day}&to={day}").get_data(as_text=True)
    assert "Drehbank Süd" in page and "车床 1" in page and "All machines" in page
    assert ">12.0<" in page  # kWh: 3 kW for 4 hours
