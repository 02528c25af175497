"""Plain value types shared by the analytics modules (no Flask, no database)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from tenants.clock import day_start

QUARTER_S = 900
"""Base bucket length in seconds; every modern zone offset is a multiple of it."""

RUNNING, IDLE, OFF, UNKNOWN = 0, 1, 2, -1
"""State codes used in the inner loops (UNKNOWN: no power, none derivable)."""

RESOLUTIONS = ("15min", "hour", "day", "week", "month")

TimeLike = float | int | datetime


@dataclass(slots=True, frozen=True)
class Point:
    """One meter reading: epoch seconds (UTC), power in W, energy counter in Wh."""

    ts: float
    power_w: float | None = None
    energy_wh: float | None = None


@dataclass(slots=True, frozen=True)
class DeviceSettings:
    """Per-device thresholds (rule 3) and the longest hold (rule 2)."""

    off_below_w: float = 10.0
    run_above_w: float = 100.0
    max_gap_s: float = 300.0

    def __post_init__(self) -> None:
        if self.off_below_w > self.run_above_w:
            raise ValueError("off_below_w must not exceed run_above_w")
        if not self.max_gap_s > 0:
            raise ValueError("max_gap_s must be positive")


@dataclass(slots=True)
class Bucket:
    """Figures of one time bucket; the four state durations sum to `seconds`.

    Quarter buckets leave `planned_s`/`availability` as if no shifts were set
    (whole bucket planned); `aggregate` fills them from a shift calendar.
    """

    start: datetime
    end: datetime
    seconds: float
    energy_wh: float = 0.0
    running_s: float = 0.0
    idle_s: float = 0.0
    off_s: float = 0.0
    nodata_s: float = 0.0
    running_wh: float = 0.0
    idle_wh: float = 0.0
    off_wh: float = 0.0
    max_power_w: float | None = None
    avg_power_w: float | None = None
    samples: int = 0
    cost: float = 0.0
    utilization: float = 0.0
    availability: float | None = None
    planned_s: float = 0.0
    idle_waste_wh: float = 0.0
    idle_waste_cost: float = 0.0

    @property
    def covered_s(self) -> float:
        """Seconds with a known state (running + idle + off)."""
        return self.running_s + self.idle_s + self.off_s


def to_epoch(value: TimeLike | date, zone: ZoneInfo | None = None) -> float:
    """Epoch seconds of a number, an aware datetime, or a date (local midnight in `zone`).

    Naive datetimes are read as wall time in `zone`; without a zone they are refused.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            if zone is None:
                raise ValueError("naive datetime needs a zone")
            value = value.replace(tzinfo=zone)
        return value.timestamp()
    if isinstance(value, date):
        if zone is None:
            raise ValueError("a date needs a zone")
        return day_start(value, zone).timestamp()
    result = float(value)
    if not math.isfinite(result):
        raise ValueError("time must be finite")
    return result


def floor_quarter(ts: float) -> float:
    """Start of the UTC-aligned 15-minute step containing `ts`."""
    return math.floor(ts / QUARTER_S) * QUARTER_S


def ceil_quarter(ts: float) -> float:
    """Smallest 15-minute step boundary at or after `ts`."""
    return math.ceil(ts / QUARTER_S) * QUARTER_S
