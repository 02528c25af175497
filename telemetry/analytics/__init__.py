"""Analytics engine: readings -> machine state, energy, cost and uptime per time bucket.

Pure Python (no Flask, no database). The stored grain is the UTC-aligned
15-minute bucket (`compute_quarter_buckets`); `aggregate` rolls those up to local
hours, days, ISO weeks and months; `compute_buckets` does both in one call.
"""
from .advice import ThresholdAdvice, suggest_thresholds
from .buckets import affected_window, compute_quarter_buckets
from .figures import availability, idle_waste_wh, utilization
from .intervals import iter_intervals, normalize, state_of
from .model import IDLE, OFF, QUARTER_S, RESOLUTIONS, RUNNING, UNKNOWN, Bucket, DeviceSettings, Point
from .rollup import aggregate, compute_buckets
from .shifts import Shift, ShiftCalendar
from .tariff import Band, Tariff

__all__ = [
    "Band", "Bucket", "DeviceSettings", "IDLE", "OFF", "Point", "QUARTER_S",
    "RESOLUTIONS", "RUNNING", "Shift", "ShiftCalendar", "Tariff", "ThresholdAdvice",
    "UNKNOWN", "affected_window", "aggregate", "availability", "compute_buckets",
    "compute_quarter_buckets", "idle_waste_wh", "iter_intervals", "normalize",
    "state_of", "suggest_thresholds", "utilization",
]
