"""Rules 1-4 on small hand-made traces, one 15-minute window at a time."""
from __future__ import annotations

import math
import random

import pytest

from telemetry.analytics import Bucket, DeviceSettings, Point, compute_quarter_buckets

T = 1_767_571_200.0  # 2026-01-05 00:00 UTC, a Monday
LATER = T + 86_400
DEFAULT = DeviceSettings()


def quarters(points: list[Point], n: int = 1, now: float = LATER,
             settings: DeviceSettings = DEFAULT) -> list[Bucket]:
    return compute_quarter_buckets(points, settings, T, T + 900 * n, now)


def test_power_only_device_holds_each_reading() -> None:
    points = [Point(T + 60 * k, 1200.0, None) for k in range(15)]
    (q,) = quarters(points)
    assert q.running_s == 900 and q.nodata_s == 0
    assert q.energy_wh == pytest.approx(300.0)
    assert q.running_wh == pytest.approx(300.0)
    assert q.samples == 15 and q.max_power_w == 1200 and q.avg_power_w == 1200


def test_counter_only_device_derives_power_from_counters() -> None:
    points = [Point(T + 60 * k, None, 5.0 * k) for k in range(17)]
    (q,) = quarters(points)
    assert q.energy_wh == pytest.approx(75.0)
    assert q.running_s == pytest.approx(900)
    assert q.avg_power_w == pytest.approx(300.0)
    assert q.max_power_w == pytest.approx(300.0)


def test_counter_reset_counts_the_new_counter_value() -> None:
    points = [Point(T, None, 100.0), Point(T + 60, None, 110.0),
              Point(T + 120, None, 5.0), Point(T + 180, None, 15.0)]
    (q,) = quarters(points)
    assert q.energy_wh == pytest.approx(25.0)
    assert q.running_s == pytest.approx(180)  # 600, 300, 600 W
    # the last reading has no power and no successor: its hold has no state
    assert q.nodata_s == pytest.approx(720)


def test_gap_with_counters_spreads_energy_over_the_whole_gap() -> None:
    points = [Point(T, 1000.0, 0.0), Point(T + 1200, 1000.0, 400.0)]
    first, second = quarters(points, n=2)
    assert (first.running_s, first.nodata_s) == (300, 600)
    assert first.energy_wh == pytest.approx(300.0)
    assert first.running_wh == pytest.approx(100.0)  # the covered 300 s of 1200 s
    assert second.energy_wh == pytest.approx(100.0 + 1000 * 300 / 3600)
    assert second.running_wh == pytest.approx(1000 * 300 / 3600)
    assert (second.running_s, second.nodata_s) == (300, 600)


def test_gap_without_counters_counts_only_the_covered_part() -> None:
    points = [Point(T, 1000.0, None), Point(T + 1200, 1000.0, None)]
    first, second = quarters(points, n=2)
    assert first.energy_wh == pytest.approx(1000 * 300 / 3600)
    assert (first.running_s, first.nodata_s) == (300, 600)
    assert second.running_s == 300


def test_counter_only_gap_counts_energy_in_no_state() -> None:
    points = [Point(T, None, 0.0), Point(T + 1200, None, 400.0)]
    first, _ = quarters(points, n=2)
    assert first.energy_wh == pytest.approx(300.0)
    assert first.nodata_s == 900
    assert first.running_wh == first.idle_wh == first.off_wh == 0
    assert first.avg_power_w is None and first.max_power_w is None


def test_now_in_the_middle_of_the_data() -> None:
    points = [Point(T + 60 * k, 1500.0, 25.0 * k) for k in range(60)]
    now = T + 1830
    cut = quarters(points, n=4, now=now)
    known = quarters([p for p in points if p.ts <= now], n=4, now=now)
    assert cut == known
    assert cut[2].running_s == pytest.approx(30)  # last reading T+1800 holds until now
    assert cut[2].samples == 1 and cut[3].samples == 0
    assert cut[3].nodata_s == 900


def test_hold_after_last_reading_ends_at_max_gap() -> None:
    (q,) = quarters([Point(T + 100, 50.0, None)])
    assert q.idle_s == 300 and q.nodata_s == 600


def test_equal_timestamps_keep_the_first() -> None:
    points = [Point(T, 1000.0, None), Point(T, 5.0, None), Point(T + 60, 1000.0, None)]
    (q,) = quarters(points)
    assert q.running_s == 360 and q.off_s == 0 and q.samples == 2


def test_avg_power_is_time_weighted_and_states_follow_thresholds() -> None:
    points = [Point(T, 5.0, None), Point(T + 300, 100.0, None), Point(T + 600, 1000.0, None)]
    (q,) = quarters(points)
    assert (q.off_s, q.idle_s, q.running_s) == (300, 0, 600)  # 100 W is not idle
    assert q.avg_power_w == pytest.approx((5 + 100 + 1000) / 3)
    assert q.max_power_w == 1000


def test_nan_power_counts_as_missing() -> None:
    (q,) = quarters([Point(T, math.nan, None), Point(T + 60, 1000.0, None)])
    assert q.nodata_s == 600 and q.running_s == 300


def test_four_states_always_sum_to_the_bucket() -> None:
    rng = random.Random(3)
    t, counter, points = T - 500, 0.0, []
    while t < T + 7200:
        power = rng.choice([None, 2.0, 50.0, 2000.0])
        counter = rng.choice([counter + rng.uniform(0, 50), 0.0, counter])
        points.append(Point(t, power, rng.choice([None, counter, counter])))
        t += rng.choice([1, 20, 60, 299, 300, 301, 900])
    for q in quarters(points, n=8):
        assert q.running_s + q.idle_s + q.off_s + q.nodata_s == pytest.approx(900)
        assert q.running_wh + q.idle_wh + q.off_wh <= q.energy_wh + 1e-9


def test_window_bounds_must_be_on_quarter_steps() -> None:
    with pytest.raises(ValueError):
        compute_quarter_buckets([], DEFAULT, T + 1, T + 900, LATER)
