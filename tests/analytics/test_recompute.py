"""Rule 8: late readings recompute exactly the buckets they touch."""
from __future__ import annotations

import random
from bisect import bisect_left

import pytest

from telemetry.analytics import DeviceSettings, Point, affected_window, compute_quarter_buckets

from ._util import window_points

SETTINGS = DeviceSettings(max_gap_s=300)
T = 1_767_571_200.0
END = T + 6 * 3600
NOW = END + 3600


def random_trace(rng: random.Random, start: float, end: float) -> list[Point]:
    points, t, counter = [], start, 1000.0
    while t < end:
        power = rng.choice([1.0, 60.0, 1500.0, None])
        counter = 0.0 if rng.random() < 0.02 else counter + rng.uniform(0, 30)
        points.append(Point(t, power, rng.choice([counter, counter, None])))
        t += rng.choice([15.0, 45.0, 60.0, 280.0, 700.0, 1900.0])
    return points


def recompute(stored: list[Point], late: Point, quarters: dict) -> None:
    ts = sorted(p.ts for p in stored)
    i = bisect_left(ts, late.ts)
    prev = ts[i - 1] if i > 0 else None
    nxt = ts[i] if i < len(ts) else None
    stored.append(late)
    lo, hi = affected_window(late.ts, late.ts, prev, nxt, SETTINGS.max_gap_s)
    lo, hi = max(lo, T), min(hi, END)
    if lo < hi:
        window = window_points(stored, lo, hi)
        for q in compute_quarter_buckets(window, SETTINGS, lo, hi, NOW):
            quarters[q.start.timestamp()] = q


@pytest.mark.parametrize("seed", range(5))
def test_touched_buckets_only_match_a_full_recompute(seed: int) -> None:
    rng = random.Random(seed)
    stored = random_trace(rng, T + 10, END - 10)
    late = [p for p in stored if rng.random() < 0.15]
    stored = [p for p in stored if p not in late]
    late += [Point(T + rng.uniform(-600, 6 * 3600 + 600), 900.0, None) for _ in range(5)]
    quarters = {q.start.timestamp(): q
                for q in compute_quarter_buckets(stored, SETTINGS, T, END, NOW)}
    rng.shuffle(late)
    for point in late:
        if all(p.ts != point.ts for p in stored):
            recompute(stored, point, quarters)
    full = compute_quarter_buckets(stored, SETTINGS, T, END, NOW)
    assert len(full) == len(quarters)
    for want in full:
        got = quarters[want.start.timestamp()]
        for name in ("energy_wh", "running_s", "idle_s", "off_s", "nodata_s", "running_wh",
                     "idle_wh", "off_wh", "samples"):
            assert getattr(got, name) == pytest.approx(getattr(want, name), abs=1e-9)
        assert got.max_power_w == want.max_power_w


def test_late_reading_after_the_last_one_touches_its_hold() -> None:
    stored = [Point(T + 50, 2000.0, None), Point(T + 100, 2000.0, None)]
    quarters = {q.start.timestamp(): q
                for q in compute_quarter_buckets(stored, SETTINGS, T, END, NOW)}
    recompute(stored, Point(T + 800, 2000.0, None), quarters)
    full = compute_quarter_buckets(stored, SETTINGS, T, END, NOW)
    assert [quarters[q.start.timestamp()] for q in full] == full
    assert full[1].running_s == 200


def test_affected_window_without_neighbours() -> None:
    assert affected_window(T + 100, T + 100, None, None, 300) == (T, T + 900)
    assert affected_window(T + 800, T + 800, T + 100, None, 300) == (T, T + 1800)
    assert affected_window(T + 100, T + 2000, T - 1, T + 2700, 300) == (T - 900, T + 2700)
