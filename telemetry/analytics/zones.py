"""Local calendar boundaries (rule 5) as epoch seconds, converted once per boundary.

Boundaries come from local wall times (midnight, Monday, the 1st, each hour),
so DST days have 23 or 25 hours, the repeated autumn hour is its own bucket, and
half-hour zones cut at their own local midnight.
"""
from __future__ import annotations

from bisect import bisect_right
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .model import QUARTER_S, RESOLUTIONS, ceil_quarter, floor_quarter

_ALIASES = {"quarter": "15min", "15m": "15min", "hourly": "hour", "daily": "day",
            "weekly": "week", "monthly": "month"}


def check_resolution(resolution: str) -> str:
    """Canonical resolution name, or ValueError for an unknown one."""
    name = _ALIASES.get(resolution, resolution)
    if name not in RESOLUTIONS:
        raise ValueError(f"unknown resolution {resolution!r}; use one of {RESOLUTIONS}")
    return name


def _local_ts(day: date, hour: int, zone: ZoneInfo, fold: int = 0) -> float:
    # fold=0 maps a skipped wall time to the instant of the transition itself.
    return datetime.combine(day, time(hour, fold=fold), zone).timestamp()


def _period_starts(resolution: str, first: date, last: date) -> list[date]:
    if resolution == "week":
        first -= timedelta(days=first.weekday())
    elif resolution == "month":
        first = first.replace(day=1)
    days: list[date] = []
    day = first
    while len(days) < 2 or days[-2] <= last:
        days.append(day)
        if resolution == "month":
            day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
        else:
            day += timedelta(days=7 if resolution == "week" else 1)
    return days


def _candidates(resolution: str, zone: ZoneInfo, first: date, last: date) -> set[float]:
    starts = _period_starts(resolution, first, last)
    if resolution != "hour":
        return {_local_ts(day, 0, zone) for day in starts}
    return {_local_ts(day, h, zone, fold) for day in starts
            for h in range(24) for fold in (0, 1)}


def boundaries(resolution: str, zone: ZoneInfo, start_ts: float, end_ts: float
               ) -> list[float]:
    """Sorted bucket boundaries b0 <= start_ts < ... <= b_last with b_last >= end_ts.

    Every boundary is checked to fall on a UTC 15-minute step, so each local
    bucket is a union of whole quarter buckets.
    """
    resolution = check_resolution(resolution)
    if resolution == "15min":
        lo, hi = floor_quarter(start_ts), ceil_quarter(max(end_ts, start_ts + 1))
        return [lo + k * QUARTER_S for k in range(int((hi - lo) // QUARTER_S) + 1)]
    first = (datetime.fromtimestamp(start_ts, zone) - timedelta(days=1)).date()
    last = datetime.fromtimestamp(end_ts, zone).date()
    cuts = sorted(_candidates(resolution, zone, first, last))
    i = max(bisect_right(cuts, start_ts) - 1, 0)
    j = next((k for k in range(i + 1, len(cuts)) if cuts[k] >= end_ts), len(cuts) - 1)
    picked = cuts[i:j + 1]
    if j == i:
        picked = cuts[i:i + 2]
    bad = [b for b in picked if b % QUARTER_S]
    if bad:
        raise ValueError(f"{zone.key}: local boundary {bad[0]} is not on a 15-minute step")
    return picked


def enclosing(resolution: str, zone: ZoneInfo, start_ts: float, end_ts: float
              ) -> tuple[float, float]:
    """The smallest union of whole buckets of `resolution` covering [start, end)."""
    cuts = boundaries(resolution, zone, start_ts, end_ts)
    return cuts[0], cuts[-1]
