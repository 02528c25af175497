"""Rule 5: buckets cut in the tenant's zone (half-hour zones, DST days, weeks, months)."""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from telemetry.analytics import DeviceSettings, aggregate, compute_buckets, compute_quarter_buckets
from telemetry.analytics.zones import boundaries

from ._util import local_ts, steady

SETTINGS = DeviceSettings()
NOW = 2_000_000_000.0


def test_kolkata_days_start_at_local_midnight() -> None:
    zone = "Asia/Kolkata"
    t0 = local_ts(zone, 2026, 1, 4, 12)
    points = steady(t0, t0 + 3 * 86400, 60, 1000.0)
    days = compute_buckets(points, SETTINGS, zone, date(2026, 1, 5), date(2026, 1, 7),
                           "day", NOW)
    assert [d.start.isoformat() for d in days] == [
        "2026-01-05T00:00:00+05:30", "2026-01-06T00:00:00+05:30"]
    assert days[0].start.astimezone(UTC).strftime("%H:%M") == "18:30"
    for day in days:
        assert day.seconds == 86400 and day.running_s == pytest.approx(86400)
        assert day.energy_wh == pytest.approx(24000.0)


def test_kolkata_and_kathmandu_hours_start_off_the_utc_hour() -> None:
    for zone, minute in (("Asia/Kolkata", "30"), ("Asia/Kathmandu", "15")):
        t0 = local_ts(zone, 2026, 1, 5, 0)
        points = steady(t0 - 600, t0 + 4 * 3600, 60, 600.0)
        hours = compute_buckets(points, SETTINGS, zone, t0, t0 + 3 * 3600, "hour", NOW)
        assert len(hours) == 3
        assert {h.start.astimezone(UTC).strftime("%M") for h in hours} == {minute}
        assert all(h.energy_wh == pytest.approx(600.0) for h in hours)


def test_berlin_autumn_dst_day_has_25_hours() -> None:
    zone = "Europe/Berlin"
    t0 = local_ts(zone, 2026, 10, 24, 20)
    points = steady(t0, t0 + 40 * 3600, 30, 2000.0)
    (day,) = compute_buckets(points, SETTINGS, zone, date(2026, 10, 25),
                             date(2026, 10, 26), "day", NOW)
    assert day.seconds == 90000 and day.running_s == pytest.approx(90000)
    assert day.energy_wh == pytest.approx(50000.0)
    assert day.utilization == pytest.approx(1.0)
    hours = compute_buckets(points, SETTINGS, zone, date(2026, 10, 25),
                            date(2026, 10, 26), "hour", NOW)
    assert len(hours) == 25 and all(h.seconds == 3600 for h in hours)
    twos = [h for h in hours if h.start.hour == 2]
    assert [h.start.utcoffset() for h in twos] == [timedelta(hours=2), timedelta(hours=1)]


def test_berlin_spring_day_has_23_hours_and_no_2_oclock() -> None:
    zone = ZoneInfo("Europe/Berlin")
    lo, hi = local_ts("Europe/Berlin", 2026, 3, 29), local_ts("Europe/Berlin", 2026, 3, 30)
    cuts = boundaries("hour", zone, lo, hi)
    assert len(cuts) == 24 and cuts[0] == lo and cuts[-1] == hi
    assert 2 not in {datetime.fromtimestamp(c, zone).hour for c in cuts}


def test_weeks_start_monday_and_months_follow_the_calendar() -> None:
    zone = "Europe/Berlin"
    lo, hi = local_ts(zone, 2026, 3, 1), local_ts(zone, 2026, 4, 1)
    points = steady(lo - 60, hi + 86400, 120, 300.0)
    quarters = compute_quarter_buckets(points, SETTINGS, lo, hi, NOW, zone=zone)
    days = aggregate(quarters, "day", zone)
    weeks = aggregate(quarters, "week", zone, start=date(2026, 3, 2), end=date(2026, 3, 30))
    assert [w.start.date().isoformat() for w in weeks] == [
        "2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23"]
    assert all(w.start.weekday() == 0 and w.start.hour == 0 for w in weeks)
    assert weeks[-1].seconds == 7 * 86400 - 3600  # holds the spring-forward Sunday
    assert weeks[1].energy_wh == pytest.approx(sum(d.energy_wh for d in days[8:15]))
    (month,) = compute_buckets(points, SETTINGS, zone, date(2026, 3, 1), date(2026, 4, 1),
                               "month", NOW)
    assert len(days) == 31 and month.seconds == 31 * 86400 - 3600
    assert month.energy_wh == pytest.approx(sum(d.energy_wh for d in days))
    assert month.running_s == pytest.approx(month.seconds)


def test_partial_range_expands_to_whole_buckets() -> None:
    zone = "Europe/Berlin"
    t0 = local_ts(zone, 2026, 6, 1, 10, 7)
    (day,) = compute_buckets([], SETTINGS, zone, t0, t0 + 60, "day", NOW)
    assert day.start.isoformat() == "2026-06-01T00:00:00+02:00"
    assert day.nodata_s == 86400 and day.avg_power_w is None and day.samples == 0


def test_zone_with_offset_off_the_quarter_grid_is_refused() -> None:
    zone = ZoneInfo("Europe/Amsterdam")  # +00:19:32 until 1937
    t0 = local_ts("Europe/Amsterdam", 1930, 5, 1)
    with pytest.raises(ValueError):
        boundaries("day", zone, t0, t0 + 86400)
