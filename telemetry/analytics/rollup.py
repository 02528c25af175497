"""Roll 15-minute buckets up to local hours, days, ISO weeks and months (rule 5)."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .buckets import compute_quarter_buckets
from .figures import apply_figures
from .model import Bucket, DeviceSettings, Point, TimeLike, to_epoch, zone_of
from .shifts import ShiftCalendar, planned_seconds
from .tariff import Tariff
from .zones import boundaries, check_resolution, enclosing

_SUMMED = ("energy_wh", "running_s", "idle_s", "off_s", "running_wh", "idle_wh",
           "off_wh", "samples", "cost", "idle_waste_cost")


def _add(total: Bucket, q: Bucket) -> float:
    """Add quarter `q` into `total`; return its power-seconds for the average."""
    for name in _SUMMED:
        setattr(total, name, getattr(total, name) + getattr(q, name))
    if q.max_power_w is not None and (total.max_power_w is None
                                      or q.max_power_w > total.max_power_w):
        total.max_power_w = q.max_power_w
    return q.avg_power_w * q.covered_s if q.avg_power_w is not None else 0.0


def _reprice(q: Bucket, tariff: Tariff, zone: ZoneInfo, q_start: float) -> Bucket:
    price = tariff.quarter_prices(zone, q_start, 1)[0]
    return replace(q, cost=q.energy_wh * price / 1000.0,
                   idle_waste_cost=(q.idle_wh + q.off_wh) * price / 1000.0)


def _range(quarters: Sequence[tuple[float, Bucket]], zone: ZoneInfo,
           start: TimeLike | date | None, end: TimeLike | date | None
           ) -> tuple[float, float] | None:
    if start is not None and end is not None:
        return to_epoch(start, zone), to_epoch(end, zone)
    if not quarters:
        return None
    lo = min(ts for ts, _ in quarters)
    hi = max(q.end.timestamp() for _, q in quarters)
    return (to_epoch(start, zone) if start is not None else lo,
            to_epoch(end, zone) if end is not None else hi)


def _finish(total: Bucket, power_s: float, spans: list[tuple[float, float]] | None
            ) -> Bucket:
    covered = total.covered_s
    total.nodata_s = max(total.seconds - covered, 0.0)
    total.avg_power_w = power_s / covered if covered > 0 else None
    lo, hi = total.start.timestamp(), total.end.timestamp()
    planned = total.seconds if spans is None else planned_seconds(spans, lo, hi)
    return apply_figures(total, planned, total.idle_waste_cost)


def aggregate(buckets: Iterable[Bucket], resolution: str, zone: str | ZoneInfo,
              tariff: Tariff | None = None, shifts: ShiftCalendar | None = None,
              start: TimeLike | date | None = None, end: TimeLike | date | None = None
              ) -> list[Bucket]:
    """Roll quarter buckets up to `resolution` buckets of local time in `zone`.

    Output covers every bucket of `resolution` overlapping [start, end) (default:
    the span of the input), empty ones included; quarters outside are ignored and
    missing quarters count as no data. With a `tariff`, cost and idle waste are
    re-priced from each quarter's energy; otherwise the quarters' costs are summed.
    Without shifts (or with an empty calendar) the whole bucket is planned.
    """
    resolution, tz = check_resolution(resolution), zone_of(zone)
    quarters = sorted(((q.start.timestamp(), q) for q in buckets), key=lambda x: x[0])
    span = _range(quarters, tz, start, end)
    if span is None:
        return []
    cuts = boundaries(resolution, tz, span[0], span[1])
    totals = [Bucket(start=datetime.fromtimestamp(a, tz), end=datetime.fromtimestamp(b, tz),
                     seconds=b - a, availability=None)
              for a, b in zip(cuts, cuts[1:])]
    power_s = [0.0] * len(totals)
    for q_start, q in quarters:
        i = bisect_right(cuts, q_start) - 1
        if i < 0 or i >= len(totals):
            continue
        if q.end.timestamp() > cuts[i + 1]:
            raise ValueError(f"quarter at {q.start} straddles a {resolution} boundary")
        if tariff is not None:
            q = _reprice(q, tariff, tz, q_start)
        power_s[i] += _add(totals[i], q)
    spans = None
    if shifts is not None and shifts.shifts:
        spans = shifts.planned_spans(tz, cuts[0], cuts[-1])
    return [_finish(t, p, spans) for t, p in zip(totals, power_s)]


def compute_buckets(points: Iterable[Point | tuple], settings: DeviceSettings,
                    zone: str | ZoneInfo, start: TimeLike | date, end: TimeLike | date,
                    resolution: str, now: TimeLike, tariff: Tariff | None = None,
                    shifts: ShiftCalendar | None = None) -> list[Bucket]:
    """Figures per `resolution` bucket of local time for every bucket overlapping [start, end).

    Dates and naive datetimes are local to `zone`. Computes quarter buckets over
    the enclosing whole buckets, then aggregates them.
    """
    tz = zone_of(zone)
    lo, hi = enclosing(check_resolution(resolution), tz,
                       to_epoch(start, tz), to_epoch(end, tz))
    quarters = compute_quarter_buckets(points, settings, lo, hi, now, tariff, tz)
    return aggregate(quarters, resolution, tz, None, shifts, lo, hi)
