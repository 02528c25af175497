"""Time-of-use tariffs, shift availability and idle waste (rules 6-7)."""
from __future__ import annotations

from datetime import date

import pytest

from telemetry.analytics import (
    DeviceSettings,
    Point,
    ShiftCalendar,
    Tariff,
    aggregate,
    compute_buckets,
    compute_quarter_buckets,
)

from ._util import local_ts, steady

SETTINGS = DeviceSettings()
NOW = 2_000_000_000.0
BERLIN = "Europe/Berlin"
TOU = Tariff.time_of_use(0.10, [("all", 22, 6, 0.05), ({0, 1, 2, 3, 4}, 8, 20, 0.30)])
TWO_SHIFTS = ShiftCalendar.of([(d, "06:00", "14:00") for d in range(5)]
                              + [(d, "14:00", "22:00") for d in range(5)])


def one_day(zone: str, day: date, power_w: float = 1000.0) -> list[Point]:
    t0 = local_ts(zone, day.year, day.month, day.day)
    return steady(t0 - 60, t0 + 86400 + 60, 60, power_w)


def test_time_of_use_prices_each_local_hour() -> None:
    monday, saturday = date(2026, 1, 5), date(2026, 1, 10)
    (weekday,) = compute_buckets(one_day(BERLIN, monday), SETTINGS, BERLIN, monday,
                                 date(2026, 1, 6), "day", NOW, TOU)
    assert weekday.energy_wh == pytest.approx(24000)
    assert weekday.cost == pytest.approx(8 * 0.05 + 12 * 0.30 + 4 * 0.10)
    (weekend,) = compute_buckets(one_day(BERLIN, saturday), SETTINGS, BERLIN, saturday,
                                 date(2026, 1, 11), "day", NOW, TOU)
    assert weekend.cost == pytest.approx(8 * 0.05 + 16 * 0.10)


def test_time_of_use_uses_local_hours_in_a_half_hour_zone() -> None:
    zone, monday = "Asia/Kolkata", date(2026, 1, 5)
    hours = compute_buckets(one_day(zone, monday), SETTINGS, zone, monday,
                            date(2026, 1, 6), "hour", NOW, TOU)
    prices = [round(h.cost / (h.energy_wh / 1000), 6) for h in hours]
    assert prices == [0.05] * 6 + [0.10] * 2 + [0.30] * 12 + [0.10] * 2 + [0.05] * 2


def test_aggregate_reprices_with_a_given_tariff_and_tou_needs_a_zone() -> None:
    monday = date(2026, 1, 5)
    t0 = local_ts(BERLIN, 2026, 1, 5)
    quarters = compute_quarter_buckets(one_day(BERLIN, monday), SETTINGS, t0, t0 + 86400,
                                       NOW)
    assert sum(q.cost for q in quarters) == 0  # no tariff given
    (day,) = aggregate(quarters, "day", BERLIN, tariff=TOU)
    assert day.cost == pytest.approx(4.4)
    with pytest.raises(ValueError):
        compute_quarter_buckets([], SETTINGS, t0, t0 + 900, NOW, TOU)


def test_availability_is_running_over_planned_shift_time() -> None:
    monday, saturday = local_ts(BERLIN, 2026, 1, 5), local_ts(BERLIN, 2026, 1, 10)
    points = steady(monday + 6 * 3600, monday + 14 * 3600, 60, 1500.0)
    points += steady(monday + 14 * 3600, monday + 22 * 3600, 60, 5.0, counter_wh=None)
    points += steady(saturday + 8 * 3600, saturday + 10 * 3600, 60, 1500.0)
    points.append(Point(saturday + 10 * 3600, 0.0, None))
    days = compute_buckets(points, SETTINGS, BERLIN, date(2026, 1, 5), date(2026, 1, 11),
                           "day", NOW, shifts=TWO_SHIFTS)
    assert days[0].planned_s == 16 * 3600
    assert days[0].availability == pytest.approx(0.5)
    assert days[0].utilization == pytest.approx(1 / 3)
    assert days[1].availability == 0.0
    assert days[5].planned_s == 0 and days[5].availability is None
    assert days[5].utilization == pytest.approx(2 / 24)


def test_night_shift_across_the_autumn_dst_change() -> None:
    night = ShiftCalendar.of([(5, "22:00", "06:00")])  # Saturday night
    days = compute_buckets([], SETTINGS, BERLIN, date(2026, 10, 24), date(2026, 10, 26),
                           "day", NOW, shifts=night)
    assert [d.planned_s for d in days] == [2 * 3600, 7 * 3600]
    hours = compute_buckets([], SETTINGS, BERLIN, date(2026, 10, 25), date(2026, 10, 26),
                            "hour", NOW, shifts=night)
    assert sum(h.planned_s for h in hours) == 7 * 3600


def test_partial_quarter_shift_and_empty_calendar() -> None:
    odd = ShiftCalendar.of([(0, "06:10", "06:50")])
    (hour,) = compute_buckets([], SETTINGS, BERLIN, local_ts(BERLIN, 2026, 1, 5, 6),
                              local_ts(BERLIN, 2026, 1, 5, 7), "hour", NOW, shifts=odd)
    assert hour.planned_s == 40 * 60 and hour.availability == 0.0
    (whole,) = compute_buckets([], SETTINGS, BERLIN, date(2026, 1, 5), date(2026, 1, 6),
                               "day", NOW, shifts=ShiftCalendar())
    assert whole.planned_s == 86400


def test_idle_waste_counts_idle_and_standby_energy_priced() -> None:
    t0 = local_ts(BERLIN, 2026, 1, 5, 8)
    points = (steady(t0, t0 + 3600, 60, 2000.0, None)
              + steady(t0 + 3600, t0 + 3 * 3600, 60, 50.0, None)
              + steady(t0 + 3 * 3600, t0 + 4 * 3600 + 1, 60, 5.0, None))
    (day,) = compute_buckets(points, SETTINGS, BERLIN, date(2026, 1, 5), date(2026, 1, 6),
                             "day", t0 + 4 * 3600, Tariff.flat(0.2))
    assert (day.running_wh, day.idle_wh, day.off_wh) == pytest.approx((2000, 100, 5))
    assert day.idle_waste_wh == pytest.approx(105)
    assert day.idle_waste_cost == pytest.approx(0.021)
    assert day.cost == pytest.approx(2105 * 0.2 / 1000)
