"""Roll 15-minute buckets up to local hours, days, ISO weeks and months (rule 5)."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from tenants.clock import zone_of

from .buckets import compute_quarter_buckets
from .figures import apply_figures
from .model import QUARTER_S, Bucket, DeviceSettings, Point, TimeLike, to_epoch
from .shifts import ShiftCalendar, planned_seconds
from .tariff import Tariff
from .zones import boundaries, check_resolution, enclosing


def _add(total: Bucket, q: Bucket, price: float | None = None) -> float:
    """Add quarter `q` into `total` (priced at `price` per kWh when given, else at
    its own cost); return its power-seconds for the average.

    Plain attribute arithmetic: this runs once per stored quarter (a month of 50
    machines is ~150,000 calls), so no getattr loops or dataclass copies here.
    """
    total.energy_wh += q.energy_wh
    total.running_s += q.running_s
    total.idle_s += q.idle_s
    total.off_s += q.off_s
    total.running_wh += q.running_wh
    total.idle_wh += q.idle_wh
    total.off_wh += q.off_wh
    total.samples += q.samples
    if price is None:
        total.cost += q.cost
        total.idle_waste_cost += q.idle_waste_cost
    else:
        total.cost += q.energy_wh * price / 1000.0
        total.idle_waste_cost += (q.idle_wh + q.off_wh) * price / 1000.0
    if q.max_power_w is not None and (total.max_power_w is None
                                      or q.max_power_w > total.max_power_w):
        total.max_power_w = q.max_power_w
    return q.avg_power_w * q.covered_s if q.avg_power_w is not None else 0.0


_PRICES: dict[tuple, list[float]] = {}


def _span_prices(tariff: Tariff, zone: ZoneInfo, lo: float, hi: float) -> list[float]:
    """Time-of-use price of every quarter in [lo, hi), kept for the next call with the same
    tariff and span (a report prices the same month for every machine)."""
    key = (tariff, zone.key, lo, hi)
    prices = _PRICES.get(key)
    if prices is None:
        _PRICES.clear()
        prices = _PRICES[key] = tariff.quarter_prices(zone, lo, int((hi - lo) // QUARTER_S))
    return prices


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
    prices = None if tariff is None or tariff.is_flat else _span_prices(tariff, tz, cuts[0], cuts[-1])
    for q_start, q in quarters:
        i = bisect_right(cuts, q_start) - 1
        if i < 0 or i >= len(totals):
            continue
        if q_start + q.seconds > cuts[i + 1]:
            raise ValueError(f"quarter at {q.start} straddles a {resolution} boundary")
        price = None if tariff is None else (
            tariff.price_per_kwh if prices is None else prices[int((q_start - cuts[0]) // QUARTER_S)])
        power_s[i] += _add(totals[i], q, price)
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
