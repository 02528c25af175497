"""Exact figures per UTC-aligned 15-minute bucket (rules 2-6): the stored base grain.

Neighbour readings needed to compute the window [start, end) exactly:
  * every reading with start <= ts < end,
  * the latest reading with ts < start (its hold or counter gap may reach into the window),
  * the earliest reading with ts >= end (it is the `j` of the window's last reading:
    it fixes that interval's length and counter energy).
Readings beyond those change nothing; passing more is harmless. Readings with
ts > now are ignored. See `affected_window` for which buckets a late reading touches.
"""
from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from tenants.clock import zone_of

from .intervals import Interval, iter_intervals, normalize
from .model import QUARTER_S, UNKNOWN, Bucket, DeviceSettings, Point, TimeLike, ceil_quarter, floor_quarter, to_epoch
from .tariff import Tariff


class _Sums:
    """Parallel per-quarter accumulators (plain float lists, no objects per piece)."""

    __slots__ = ("w0", "w1", "energy", "state_s", "state_wh", "power_s", "max_p", "samples")

    def __init__(self, w0: float, w1: float) -> None:
        n = int(round((w1 - w0) / QUARTER_S))
        self.w0, self.w1 = w0, w1
        self.energy = [0.0] * n
        self.state_s = [[0.0] * n for _ in range(3)]
        self.state_wh = [[0.0] * n for _ in range(3)]
        self.power_s = [0.0] * n
        self.max_p: list[float | None] = [None] * n
        self.samples = [0] * n

    def add(self, iv: Interval) -> None:
        """Split one interval over the quarters it overlaps, in proportion to time."""
        t0, hold, spread, state, power, wh = iv
        a, b = max(t0, self.w0), min(spread, self.w1)
        if b <= a:
            return
        density = wh / (spread - t0)
        k = int((a - self.w0) // QUARTER_S)
        qs = self.w0 + k * QUARTER_S
        while qs < b:
            qe = qs + QUARTER_S
            lo = a if a > qs else qs
            self.energy[k] += density * ((b if b < qe else qe) - lo)
            held = (hold if hold < qe else qe) - lo
            if state != UNKNOWN and power is not None and held > 0:  # (power is None only when UNKNOWN)
                self.state_s[state][k] += held
                self.state_wh[state][k] += density * held
                self.power_s[k] += power * held
                top = self.max_p[k]
                if top is None or power > top:
                    self.max_p[k] = power
            k += 1
            qs = qe

    def count(self, ts: list[float], lo: int, hi: int) -> None:
        """Count readings with ts in the window per quarter."""
        for i in range(lo, hi):
            if ts[i] >= self.w0:
                self.samples[int((ts[i] - self.w0) // QUARTER_S)] += 1


def _bucket(sums: _Sums, k: int, zone: tzinfo, price: float | None) -> Bucket:
    start = sums.w0 + k * QUARTER_S
    run, idle, off = (s[k] for s in sums.state_s)
    run_wh, idle_wh, off_wh = (s[k] for s in sums.state_wh)
    covered = run + idle + off
    energy = sums.energy[k]
    utilization = run / QUARTER_S
    return Bucket(
        start=datetime.fromtimestamp(start, zone),
        end=datetime.fromtimestamp(start + QUARTER_S, zone),
        seconds=float(QUARTER_S), energy_wh=energy,
        running_s=run, idle_s=idle, off_s=off,
        nodata_s=max(QUARTER_S - covered, 0.0),
        running_wh=run_wh, idle_wh=idle_wh, off_wh=off_wh,
        max_power_w=sums.max_p[k],
        avg_power_w=sums.power_s[k] / covered if covered > 0 else None,
        samples=sums.samples[k],
        cost=energy * price / 1000.0 if price is not None else 0.0,
        utilization=utilization, availability=utilization,
        planned_s=float(QUARTER_S), idle_waste_wh=idle_wh + off_wh,
        idle_waste_cost=(idle_wh + off_wh) * price / 1000.0 if price is not None else 0.0,
    )


def quarter_window(start: TimeLike, end: TimeLike) -> tuple[float, float]:
    """Epoch bounds of a window, checked to lie on 15-minute steps."""
    w0, w1 = to_epoch(start), to_epoch(end)
    if w0 % QUARTER_S or w1 % QUARTER_S:
        raise ValueError("window bounds must be multiples of 15 minutes")
    if w1 < w0:
        raise ValueError("window end precedes its start")
    return w0, w1


def compute_quarter_buckets(points: Iterable[Point | tuple], settings: DeviceSettings,
                            start: TimeLike, end: TimeLike, now: TimeLike,
                            tariff: Tariff | None = None,
                            zone: str | ZoneInfo | None = None) -> list[Bucket]:
    """Exact figures for every 15-minute bucket in [start, end), in time order.

    `points` need not be sorted; see the module docstring for which readings
    must be present. `zone` names the tenant's zone: needed to price a
    time-of-use tariff by local hour, and used for the buckets' datetimes
    (UTC otherwise). Without a tariff, cost figures are 0. Time after `now`
    counts as no data.
    """
    w0, w1 = quarter_window(start, end)
    now_ts = to_epoch(now)
    tz = zone_of(zone) if zone is not None else None
    ts, power, energy = normalize(points, now_ts)
    lo = max(bisect_left(ts, w0) - 1, 0)
    hi = bisect_left(ts, w1)
    sums = _Sums(w0, w1)
    add = sums.add
    for iv in iter_intervals(ts, power, energy, settings, now_ts, lo, hi):
        add(iv)
    sums.count(ts, lo, hi)
    n = len(sums.energy)
    prices = tariff.quarter_prices(tz, w0, n) if tariff is not None else [None] * n
    out_zone = tz or UTC
    return [_bucket(sums, k, out_zone, prices[k]) for k in range(n)]


def affected_window(first_ts: float, last_ts: float, prev_ts: float | None,
                    next_ts: float | None, max_gap_s: float) -> tuple[float, float]:
    """15-minute-aligned [start, end) whose buckets change when readings arrive.

    `first_ts`/`last_ts` bound the new readings; `prev_ts` is the latest stored
    reading before `first_ts` and `next_ts` the earliest stored after `last_ts`
    (None when there is none). Only the predecessor's interval and the new
    readings' intervals change, so [prev, next) covers every change; without a
    successor the new last reading holds for up to max_gap_s. Buckets after the
    last reading also change as `now` advances, up to last ts + max_gap_s.
    """
    lo = prev_ts if prev_ts is not None else first_ts
    hi = next_ts if next_ts is not None else last_ts + max_gap_s
    start = floor_quarter(lo)
    return start, max(ceil_quarter(hi), start + QUARTER_S)
