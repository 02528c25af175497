"""Stored finished days: daily, weekly and monthly figures read from them equal the figures added up
from quarters, and they are never stale (late readings, threshold, tariff and shift changes)."""
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from telemetry import registry
from telemetry.rollups import DayRollup
from tenants import apikeys
from tenants.scoping import tenant_context

ZONE = ZoneInfo("Asia/Kolkata")  # a half-hour zone: local days start at 18:30 UTC


@pytest.fixture
def plant(db, make_account):
    account = make_account("Day Works", "d@days.test", timezone="Asia/Kolkata", currency="INR")
    with db.session() as session, tenant_context(account.tenant_id):
        device, token = registry.create_device(session, {"name": "lathe", "off_below_w": 10, "run_above_w": 1000})
        _key, api_key = apikeys.create_key(session, "d")
        session.flush()
        device_id = device.id
    return {"tenant_id": account.tenant_id, "device_id": device_id, "token": token,
            "headers": {"Authorization": f"Bearer {api_key}"}}


def _local_midnight(days_ago: int) -> datetime:
    today = datetime.now(ZONE).date()
    return datetime.combine(today - timedelta(days=days_ago), datetime.min.time(), ZONE).astimezone(UTC)


def _post(client, plant, start, powers, step=300):
    readings = [{"ts": (start + timedelta(seconds=step * i)).isoformat(), "power_w": p} for i, p in enumerate(powers)]
    response = client.post("/api/v1/readings", json=readings, headers={"Authorization": f"Bearer {plant['token']}"})
    assert response.status_code == 202, response.get_json()


def _series(client, plant, first, last, resolution="day"):
    url = f"/api/v1/devices/{plant['device_id']}/series?from={first}&to={last}&resolution={resolution}"
    response = client.get(url, headers=plant["headers"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()["buckets"]


def _stored_days(db, plant):
    with db.session() as session, tenant_context(plant["tenant_id"]):
        return session.scalar(select(func.count()).select_from(DayRollup))


def _history(client, plant):
    """Four local days of a machine that runs at 2 kW from 08:00 to 12:00 and idles at 400 W after."""
    for days_ago in (4, 3, 2, 1):
        day = _local_midnight(days_ago)
        _post(client, plant, day + timedelta(hours=8), [2000] * 48 + [400] * 24)


def _period():
    return (datetime.now(ZONE).date() - timedelta(days=4)).isoformat(), datetime.now(ZONE).date().isoformat()


def test_finished_days_are_stored_and_read_back_equal(client, db, plant):
    _history(client, plant)
    first, last = _period()
    computed = _series(client, plant, first, last)
    assert _stored_days(db, plant) == 4, "the four finished days are stored, today is not"
    assert _series(client, plant, first, last) == computed
    hours = _series(client, plant, first, last, "hour")
    for day in computed:
        inside = [h for h in hours if day["start"] <= h["start"] < day["end"]]
        assert day["energy_wh"] == pytest.approx(sum(h["energy_wh"] for h in inside), rel=1e-9)
        assert day["running_s"] == pytest.approx(sum(h["running_s"] for h in inside), abs=1e-6)
    assert computed[0]["running_s"] == pytest.approx(4 * 3600) and computed[0]["idle_s"] == pytest.approx(2 * 3600)


def test_a_late_reading_in_a_stored_day_shows_at_once(client, db, plant):
    _history(client, plant)
    first, last = _period()
    before = _series(client, plant, first, last)
    _post(client, plant, _local_midnight(3) + timedelta(hours=20), [3000] * 12)  # an evening hour at 3 kW
    after = _series(client, plant, first, last)
    assert after[1]["energy_wh"] == pytest.approx(before[1]["energy_wh"] + 3000, rel=1e-6)
    assert after[1]["running_s"] == pytest.approx(before[1]["running_s"] + 3600, abs=1e-6)
    assert ([a["energy_wh"] for i, a in enumerate(after) if i != 1]
            == [b["energy_wh"] for i, b in enumerate(before) if i != 1])


def test_tariff_shift_and_threshold_changes_are_never_served_stale(client, db, plant):
    _history(client, plant)
    first, last = _period()
    client.put("/api/v1/tariff", json={"price_per_kwh": 5.0}, headers=plant["headers"])
    cheap = _series(client, plant, first, last)
    client.put("/api/v1/tariff", json={"price_per_kwh": 10.0}, headers=plant["headers"])
    dear = _series(client, plant, first, last)
    assert dear[0]["cost"] == pytest.approx(2 * cheap[0]["cost"]) and dear[0]["cost"] > 0
    weekday = datetime.fromisoformat(dear[0]["start"]).weekday()
    client.put("/api/v1/shifts", json={"shifts": [{"weekday": weekday, "start": "08:00", "end": "12:00"}]},
               headers=plant["headers"])
    planned = _series(client, plant, first, last)
    assert planned[0]["availability"] == pytest.approx(1.0)
    response = client.patch(f"/api/v1/devices/{plant['device_id']}", json={"run_above_w": 300},
                            headers=plant["headers"])
    assert response.status_code == 200
    rethresholded = _series(client, plant, first, last)
    assert rethresholded[0]["running_s"] == pytest.approx(6 * 3600), "idle at 400 W now counts as running"


def test_weeks_and_months_from_stored_days_equal_those_from_quarters(client, db, plant):
    _history(client, plant)
    first, last = _period()
    client.put("/api/v1/tariff", json={"price_per_kwh": 6.0, "bands": [
        {"weekdays": "all", "start_hour": 8, "end_hour": 10, "price": 9.0}]}, headers=plant["headers"])
    days = _series(client, plant, first, last)
    for resolution in ("week", "month"):
        coarse = _series(client, plant, first, last, resolution)
        assert sum(b["energy_wh"] for b in coarse) == pytest.approx(sum(d["energy_wh"] for d in days), rel=1e-9)
        assert sum(b["cost"] for b in coarse) == pytest.approx(sum(d["cost"] for d in days), rel=1e-9)
    hours = _series(client, plant, first, last, "hour")
    assert sum(d["cost"] for d in days) == pytest.approx(sum(h["cost"] for h in hours), rel=1e-9)


def test_another_tenant_never_reads_stored_days(client, db, plant, make_account):
    _history(client, plant)
    first, last = _period()
    _series(client, plant, first, last)
    other = make_account("Other Days", "x@days.test")
    with db.session() as session, tenant_context(other.tenant_id):
        assert session.scalar(select(func.count()).select_from(DayRollup)) == 0
