"""Weekly shift calendar: planned time overlapping a bucket (rule 7)."""
from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import cast
from zoneinfo import ZoneInfo


def _parse_hhmm(text: str) -> tuple[int, int]:
    hours, _, minutes = text.partition(":")
    h, m = int(hours), int(minutes or 0)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError(f"bad time of day {text!r}")
    return h, m


@dataclass(slots=True, frozen=True)
class Shift:
    """A shift starting on `weekday` (0=Mon) at local `start`, ending at `end`.

    An end at or before the start ends on the next day ("22:00"-"06:00");
    "24:00" means the following midnight.
    """

    weekday: int
    start: str
    end: str

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0 (Monday) .. 6 (Sunday)")
        if _parse_hhmm(self.start)[0] == 24:
            raise ValueError("a shift cannot start at 24:00")
        _parse_hhmm(self.end)

    def span_on(self, day: date, zone: ZoneInfo) -> tuple[float, float]:
        """Epoch [start, end) of this shift when it starts on local `day`."""
        sh, sm = _parse_hhmm(self.start)
        eh, em = _parse_hhmm(self.end)
        end_day = day if (eh, em) > (sh, sm) else day + timedelta(days=1)
        if eh == 24:
            end_day, eh = end_day + timedelta(days=1), 0
        start = datetime.combine(day, time(sh, sm), zone).timestamp()
        end = datetime.combine(end_day, time(eh, em), zone).timestamp()
        return start, end


@dataclass(slots=True, frozen=True)
class ShiftCalendar:
    """The tenant's weekly shifts; an empty calendar plans every second."""

    shifts: tuple[Shift, ...] = ()

    def __post_init__(self) -> None:
        shifts = tuple(s if isinstance(s, Shift) else Shift(*s) for s in self.shifts)
        object.__setattr__(self, "shifts", shifts)

    @classmethod
    def of(cls, shifts: Iterable[Shift | tuple[int, str, str]]) -> ShiftCalendar:
        """A calendar from (weekday, "HH:MM", "HH:MM") tuples or Shifts."""
        return cls(cast(tuple[Shift, ...], tuple(shifts)))  # __post_init__ turns the tuples into Shifts

    def planned_spans(self, zone: ZoneInfo, start_ts: float, end_ts: float
                      ) -> list[tuple[float, float]]:
        """Merged, sorted epoch spans of planned time overlapping [start, end)."""
        first = datetime.fromtimestamp(start_ts, zone).date() - timedelta(days=2)
        last = datetime.fromtimestamp(end_ts, zone).date()
        spans = []
        day = first
        while day <= last:
            for shift in self.shifts:
                if shift.weekday == day.weekday():
                    s, e = shift.span_on(day, zone)
                    if e > start_ts and s < end_ts and e > s:
                        spans.append((s, e))
            day += timedelta(days=1)
        return _merge(spans)


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def planned_seconds(spans: list[tuple[float, float]], start_ts: float, end_ts: float
                    ) -> float:
    """Seconds of merged `spans` inside [start, end)."""
    total = 0.0
    i = max(bisect_right(spans, (start_ts, float("inf"))) - 1, 0)
    while i < len(spans) and spans[i][0] < end_ts:
        s, e = spans[i]
        total += max(0.0, min(e, end_ts) - max(s, start_ts))
        i += 1
    return total
