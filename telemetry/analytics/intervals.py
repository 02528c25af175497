"""Sample-and-hold intervals (rules 1-4 of "Analytics semantics").

Readings become parallel float lists once; the interval walk then works on plain
floats and tuples so that a device-day (~3,000 readings) costs a few milliseconds.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from operator import itemgetter

from .model import IDLE, OFF, RUNNING, UNKNOWN, DeviceSettings, Point

Interval = tuple[float, float, float, int, float | None, float]
"""(start, hold_end, spread_end, state, power_w, energy_wh).

State and power hold over [start, hold_end); energy_wh is spread evenly over
[start, spread_end), which is longer than the hold only when counters bridge a gap.
"""


def _clean(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if value != value else value  # NaN counts as missing


def _triple(point: Point | tuple) -> tuple[float, float | None, float | None]:
    if isinstance(point, tuple):
        ts, power, energy = point
    else:
        ts, power, energy = point.ts, point.power_w, point.energy_wh
    return float(ts), _clean(power), _clean(energy)


def normalize(points: Iterable[Point | tuple], now_ts: float
              ) -> tuple[list[float], list[float | None], list[float | None]]:
    """Sort readings by ts (stable), keep the first of equal ts, drop readings after `now`.

    Returns parallel lists (ts, power_w, energy_wh). Points may be `Point`s or
    `(ts, power_w, energy_wh)` tuples; NaN values count as missing.
    """
    rows = sorted(map(_triple, points), key=itemgetter(0))
    ts: list[float] = []
    power: list[float | None] = []
    energy: list[float | None] = []
    last = None
    for t, p, e in rows:
        if t > now_ts:
            break
        if t == last:
            continue
        last = t
        ts.append(t)
        power.append(p)
        energy.append(e)
    return ts, power, energy


def state_of(power_w: float | None, settings: DeviceSettings) -> int:
    """State code for a power value (rule 3): OFF, IDLE, RUNNING or UNKNOWN."""
    if power_w is None:
        return UNKNOWN
    if power_w < settings.off_below_w:
        return OFF
    return IDLE if power_w < settings.run_above_w else RUNNING


def iter_intervals(ts: list[float], power: list[float | None],
                   energy: list[float | None], settings: DeviceSettings,
                   now_ts: float, lo: int = 0, hi: int | None = None
                   ) -> Iterator[Interval]:
    """Yield the interval of each reading i in [lo, hi) of normalized lists.

    Reading i needs only reading i+1 (its `j`); the last reading holds until
    min(now, ts + max_gap_s). A counter drop is a reset: the interval's energy is
    e_j. Power derived from counters (rule 3) uses that same reset-aware energy.
    """
    gap = settings.max_gap_s
    n = len(ts)
    for i in range(lo, n if hi is None else min(hi, n)):
        t0, p, e0 = ts[i], power[i], energy[i]
        if i + 1 < n:
            t1 = ts[i + 1]
            dt = t1 - t0
            hold = t1 if dt <= gap else t0 + gap
            e1 = energy[i + 1]
            if e0 is not None and e1 is not None:
                wh = e1 - e0
                if wh < 0:
                    wh = e1
                if p is None and dt <= gap:
                    p = wh * 3600.0 / dt
                yield t0, hold, t1, state_of(p, settings), p, wh
                continue
        else:
            hold = min(now_ts, t0 + gap)
        wh = p * (hold - t0) / 3600.0 if p is not None else 0.0
        yield t0, hold, hold, state_of(p, settings), p, wh
