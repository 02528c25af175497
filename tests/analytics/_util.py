"""Shared helpers for the analytics tests."""
from __future__ import annotations

from bisect import bisect_left
from datetime import datetime
from zoneinfo import ZoneInfo

from telemetry.analytics import Point


def local_ts(zone: str, *args: int, fold: int = 0) -> float:
    """Epoch seconds of a local wall time in `zone`."""
    return datetime(*args, tzinfo=ZoneInfo(zone), fold=fold).timestamp()


def steady(t0: float, t1: float, step: float, power_w: float | None,
           counter_wh: float | None = 0.0) -> list[Point]:
    """Readings every `step` s in [t0, t1) at constant power with a matching counter."""
    points = []
    t = t0
    while t < t1:
        energy = None if counter_wh is None else counter_wh + power_w * (t - t0) / 3600
        points.append(Point(t, power_w, energy))
        t += step
    return points


def window_points(points: list[Point], w0: float, w1: float) -> list[Point]:
    """Only what compute_quarter_buckets needs: readings in [w0, w1) plus one each side."""
    ordered = sorted(points, key=lambda p: p.ts)
    ts = [p.ts for p in ordered]
    lo, hi = bisect_left(ts, w0), bisect_left(ts, w1)
    return ordered[max(lo - 1, 0):hi + 1]


def close(got: float | None, want: float, rel: float = 1e-3, floor: float = 0.01) -> bool:
    """Equal within a relative tolerance, with an absolute floor near zero."""
    return got is not None and abs(got - want) <= max(rel * abs(want), floor)
