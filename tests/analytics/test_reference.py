"""The reference trace (DST spring-forward week-end in Berlin) gives the expected days."""
from __future__ import annotations

import csv
import json
import random
import time
from datetime import date

import pytest

from telemetry.analytics import (
    Bucket,
    DeviceSettings,
    Point,
    Tariff,
    aggregate,
    compute_buckets,
    compute_quarter_buckets,
)
from tests.support import FIXTURES

from ._util import close, window_points

REF = FIXTURES / "reference"
NOW = 2_000_000_000.0
DURATIONS = ("seconds", "running_s", "idle_s", "off_s", "nodata_s")
AMOUNTS = ("energy_wh", "running_wh", "idle_wh", "off_wh", "cost")


def _num(text: str) -> float | None:
    return float(text) if text != "" else None


@pytest.fixture(scope="module")
def reference() -> tuple[list[Point], dict]:
    with open(REF / "cnc_berlin_spring.csv", newline="") as fh:
        points = [Point(float(r["ts"]), _num(r["power_w"]), _num(r["energy_wh"]))
                  for r in csv.DictReader(fh)]
    expected = json.loads((REF / "cnc_berlin_spring.expected.json").read_text())
    return points, expected


def _setup(expected: dict) -> tuple[DeviceSettings, str, Tariff]:
    dev = expected["device"]
    settings = DeviceSettings(dev["off_below_w"], dev["run_above_w"], dev["max_gap_s"])
    return settings, dev["timezone"], Tariff.flat(dev["price_per_kwh"])


def _days(expected: dict) -> tuple[date, date]:
    days = [date.fromisoformat(d["day"]) for d in expected["days"]]
    return days[0], date.fromordinal(days[-1].toordinal() + 1)


def _assert_days(buckets: list[Bucket], expected: dict) -> None:
    assert len(buckets) == len(expected["days"])
    for bucket, want in zip(buckets, expected["days"]):
        assert bucket.start.date().isoformat() == want["day"]
        for name in DURATIONS:
            assert abs(getattr(bucket, name) - want[name]) <= 1.0, (want["day"], name)
        for name in AMOUNTS:
            assert close(getattr(bucket, name), want[name]), (want["day"], name)
        states = bucket.running_s + bucket.idle_s + bucket.off_s + bucket.nodata_s
        assert states == pytest.approx(bucket.seconds)


def test_daily_figures_match_reference(reference) -> None:
    points, expected = reference
    settings, zone, tariff = _setup(expected)
    first, end = _days(expected)
    started = time.perf_counter()
    days = compute_buckets(points, settings, zone, first, end, "day", NOW, tariff)
    elapsed = time.perf_counter() - started
    _assert_days(days, expected)
    assert [d.seconds for d in days] == [86400, 82800, 86400]
    assert elapsed < 0.5


def test_shuffled_points_give_the_same_days(reference) -> None:
    points, expected = reference
    settings, zone, tariff = _setup(expected)
    shuffled = list(points)
    random.Random(7).shuffle(shuffled)
    first, end = _days(expected)
    _assert_days(compute_buckets(shuffled, settings, zone, first, end, "day", NOW, tariff),
                 expected)


def test_quarters_from_separate_windows_aggregate_to_the_same_days(reference) -> None:
    points, expected = reference
    settings, zone, tariff = _setup(expected)
    first, end = _days(expected)
    whole = compute_buckets(points, settings, zone, first, end, "day", NOW, tariff)
    w0, w1 = whole[0].start.timestamp(), whole[-1].end.timestamp()
    rng = random.Random(11)
    cuts = sorted({w0, w1, *(w0 + 900 * rng.randrange(1, int((w1 - w0) // 900))
                             for _ in range(9))})
    quarters = []
    for a, b in zip(cuts, cuts[1:]):
        quarters += compute_quarter_buckets(window_points(points, a, b), settings, a, b,
                                            NOW, tariff, zone)
    rng.shuffle(quarters)
    _assert_days(aggregate(quarters, "day", zone, start=w0, end=w1), expected)
