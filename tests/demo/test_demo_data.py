"""ensure_demo: the demo company with five machines, a tariff, shifts and a settled history up to now,
idempotent and topped up on every run; the simulated readings continue each machine's meter."""
from __future__ import annotations

import itertools
import os
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from telemetry.demo_data import MACHINES, _Remembering, continuation
from telemetry.simulator import simulate
from tenants.clock import utcnow
from tests.conftest import login
from tests.demo.conftest import DAYS, assert_counters_continue, readings_by_device

BERLIN = ZoneInfo("Europe/Berlin")
PER_DAY = 24 * 60
RATED = {m.name: m.rated_w for m in MACHINES}


def _local_days(now: datetime, days: int) -> tuple[str, str]:
    """The first local day fully inside the history and today, as API `from`/`to`."""
    return ((now.astimezone(BERLIN) - timedelta(days=days - 1)).date().isoformat(),
            now.astimezone(BERLIN).date().isoformat())


def _daily_energy(client, headers, device_id: int, start: str, end: str) -> list[float]:
    response = client.get(f"/api/v1/devices/{device_id}/series?from={start}&to={end}&resolution=day", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [bucket["energy_wh"] for bucket in response.get_json()["buckets"]]


def test_builds_the_company_machines_plant_and_history(build, db, client, api_headers, sql):
    summary = build()

    assert summary.account.created and summary.account.tenant.timezone == "Europe/Berlin"
    assert summary.machines == 5 and set(summary.devices) == {m.name for m in MACHINES}
    assert summary.readings == summary.added == 5 * (DAYS * PER_DAY + 1)
    stored = readings_by_device(db, summary.account.tenant.id)
    for name, series in stored.items():
        assert series[-1][0] <= utcnow() and series[-1][0] - series[0][0] == timedelta(days=DAYS)
        assert {b[0] - a[0] for a, b in zip(series, series[1:])} == {timedelta(minutes=1)}
        assert_counters_continue(series, RATED[name])
    headers = api_headers(summary.account.tenant.id)
    tariff = client.get("/api/v1/tariff", headers=headers).get_json()
    assert tariff["price_per_kwh"] == 0.28 and tariff["currency"] == "EUR"
    assert tariff["bands"] == [{"weekdays": None, "start_hour": 22, "end_hour": 6, "price": 0.19}]
    shifts = client.get("/api/v1/shifts", headers=headers).get_json()["shifts"]
    assert len(shifts) == 10 and {s["weekday"] for s in shifts} == set(range(5))
    devices = {row.name: row for row in sql("SELECT name, rated_w, off_below_w, run_above_w, status, state "
                                            "FROM devices WHERE tenant_id = :t", t=summary.account.tenant.id)}
    assert all(d.status == "active" and d.state in ("running", "idle", "off") for d in devices.values())
    assert all(d.off_below_w < d.run_above_w < d.rated_w for d in devices.values())


def test_rollups_are_settled_and_every_day_has_energy(build, client, api_headers, sql):
    summary = build()
    tenant_id = summary.account.tenant.id

    rollups = sql("SELECT device_id, count(*) AS n FROM rollups WHERE tenant_id = :t GROUP BY device_id", t=tenant_id)
    assert len(rollups) == 5 and all(row.n >= DAYS * 96 for row in rollups)
    dirty = sql("SELECT device_id, first_ts, last_ts FROM rollup_dirty WHERE tenant_id = :t", t=tenant_id)
    assert len(dirty) <= 5, "only the live edges are left to settle"
    headers = api_headers(tenant_id)
    overview = client.get("/api/v1/overview", headers=headers).get_json()
    assert len(overview["machines"]) == 5 and overview["currency"] == "EUR"
    assert all(m["online"] and m["energy_wh"] > 0 for m in overview["machines"]), overview["machines"]
    assert overview["totals"]["energy_wh"] > 0 and overview["totals"]["cost"] > 0
    start, end = _local_days(utcnow(), DAYS)
    for name, device_id in summary.devices.items():
        days = _daily_energy(client, headers, device_id, start, end)
        assert len(days) == DAYS and all(wh > 0 for wh in days), (name, days)


def test_a_second_run_adds_nothing_and_a_later_one_tops_up(build, db, sql):
    now = utcnow().replace(second=0, microsecond=0)
    first = build(now=now)
    tables = ("tenants", "users", "devices", "tariffs", "shifts", "device_credentials", "rollups")
    counts = {table: sql(f"SELECT count(*) FROM {table}")[0][0] for table in tables}

    again = build(now=now)
    assert (again.account.created, again.added, again.readings) == (False, 0, first.readings)
    assert {table: sql(f"SELECT count(*) FROM {table}")[0][0] for table in tables} == counts

    later = build(now=now + timedelta(hours=2))
    assert later.added == 5 * 120 and later.readings == first.readings + 5 * 120
    newest = sql("SELECT max(bucket_start) FROM rollups")[0][0]
    assert str(newest) >= str((now + timedelta(hours=1, minutes=45)).replace(tzinfo=None)), "the top-up is settled"
    for name, series in readings_by_device(db, first.account.tenant.id).items():
        assert series[-1][0] == now + timedelta(hours=2)
        assert_counters_continue(series, RATED[name])


def test_a_top_up_after_a_long_pause_adds_only_the_last_days(build, db):
    now = utcnow().replace(second=0, microsecond=0) - timedelta(days=10)
    first = build(now=now, days=1)
    later = build(now=now + timedelta(days=10), days=1)
    assert later.added == 5 * (PER_DAY + 1)
    for name, series in readings_by_device(db, first.account.tenant.id).items():
        gap = [b[0] - a[0] for a, b in zip(series, series[1:]) if b[0] - a[0] > timedelta(minutes=1)]
        assert gap == [timedelta(days=9)]
        assert_counters_continue(series, RATED[name])


def test_the_demo_owner_can_log_in(build, client):
    summary = build(days=1)
    assert login(client, summary.account.email, summary.account.password).status_code == 302


@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m.name)
def test_a_continuation_counts_on_from_the_stored_counter(machine):
    start = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)  # a Monday morning
    readings = list(itertools.islice(continuation(machine, start, 1234.5, BERLIN, 60), 24 * 60))
    assert readings[0].ts == start + timedelta(minutes=1)
    series = [(r.ts, r.power_w, r.energy_wh, None) for r in readings]
    assert_counters_continue([(start, None, 1234.5, None)] + series, machine.rated_w)
    assert min(r.power_w for r in readings) >= machine.standby_w > 0
    assert max(r.power_w for r in readings) > machine.run_above_w, "the machine works on a Monday"


def test_the_remembering_schedule_changes_no_reading():
    start = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)  # over the switch to summer time
    for machine in MACHINES:
        plain = simulate(machine.profile, start, 60, device=machine.name, schedule=machine.schedule(BERLIN))
        fast = simulate(machine.profile, start, 60, device=machine.name,
                        schedule=_Remembering(machine.schedule(BERLIN)))
        assert list(itertools.islice(plain, 4 * PER_DAY)) == list(itertools.islice(fast, 4 * PER_DAY))


@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="the timing is SQLite's")
def test_the_real_default_month_is_quick_on_sqlite(build, client, api_headers):
    started = time.perf_counter()
    summary = build(days=30)
    elapsed = time.perf_counter() - started
    assert summary.added == 5 * (30 * PER_DAY + 1)
    assert elapsed < 45, f"the first demo run took {elapsed:.1f} s"
    print(f"first demo run: {elapsed:.1f} s")
    headers = api_headers(summary.account.tenant.id)
    start, end = _local_days(utcnow(), 30)
    for name, device_id in summary.devices.items():
        days = _daily_energy(client, headers, device_id, start, end)
        assert len(days) == 30 and all(wh > 0 for wh in days), (name, days)
