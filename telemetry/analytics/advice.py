"""Threshold advice: suggest off/run thresholds from a device's power history.

Power levels of a machine cluster around a few values (standby, idle, cutting)
spread over decades, so the histogram is taken over log10(1 + W). Peaks that are
shallow or hold little weight are merged into their neighbours; thresholds sit
in the middle of the lowest stretch of the valley between the surviving peaks.
"""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat

from .intervals import iter_intervals, normalize
from .model import DeviceSettings, Point


@dataclass(slots=True, frozen=True)
class ThresholdAdvice:
    """Suggested thresholds (None: no suggestion) and the power levels seen."""

    off_below_w: float | None
    run_above_w: float | None
    levels_w: tuple[float, ...]
    samples: int
    reason: str


def _histogram(xs: list[float], ws: list[float], width: float) -> list[float]:
    hist = [0.0] * (int(max(xs) / width) + 3)
    for x, w in zip(xs, ws):
        hist[int(x / width) + 1] += w
    for _ in range(2):  # 1-2-1 smoothing, twice
        hist = [(hist[max(i - 1, 0)] + 2 * hist[i] + hist[min(i + 1, len(hist) - 1)]) / 4
                for i in range(len(hist))]
    return hist


def _valley(hist: list[float], a: int, b: int) -> tuple[float, int]:
    """Lowest value between peaks a < b and the middle index of its flat run."""
    low = min(hist[a:b + 1])
    run = [i for i in range(a, b + 1) if hist[i] <= low * 1.000001 + 1e-12]
    return low, run[len(run) // 2]


def _merge_shallow(hist: list[float], peaks: list[int], depth: float) -> list[int]:
    changed = True
    while changed and len(peaks) > 1:
        changed = False
        for a, b in zip(peaks, peaks[1:]):
            if _valley(hist, a, b)[0] > depth * min(hist[a], hist[b]):
                peaks.remove(a if hist[a] < hist[b] else b)
                changed = True
                break
    return peaks


def _masses(hist: list[float], peaks: list[int]) -> list[float]:
    cuts = [0] + [_valley(hist, a, b)[1] for a, b in zip(peaks, peaks[1:])] + [len(hist)]
    return [sum(hist[lo:hi]) for lo, hi in zip(cuts, cuts[1:])]


def _peaks(hist: list[float], min_share: float, depth: float) -> list[int]:
    peaks = [i for i in range(1, len(hist) - 1)
             if hist[i] > hist[i - 1] and hist[i] >= hist[i + 1]]
    total = sum(hist)
    while True:
        peaks = _merge_shallow(hist, peaks, depth)
        masses = _masses(hist, peaks)
        smallest = min(range(len(peaks)), key=masses.__getitem__, default=None)
        if smallest is None or masses[smallest] >= min_share * total or len(peaks) == 1:
            break
        peaks.pop(smallest)
    while len(peaks) > 3:  # keep the three heaviest levels
        masses = _masses(hist, peaks)
        peaks.pop(min(range(len(peaks)), key=masses.__getitem__))
    return peaks


def _bin_watts(index: int, width: float) -> float:
    """Watts at the centre of histogram bin `index` (bin 0 is padding)."""
    return _round2(10 ** ((index - 0.5) * width) - 1.0)


def _round2(watts: float) -> float:
    if watts <= 0:
        return 0.0
    scale = 10 ** (math.floor(math.log10(watts)) - 1)
    return float(round(watts / scale) * scale)


def suggest_thresholds(powers: Iterable[float], weights: Iterable[float] | None = None,
                       *, min_samples: int = 100, standby_max_w: float = 50.0,
                       bins_per_decade: int = 20) -> ThresholdAdvice:
    """Suggest off_below_w / run_above_w from power values (optionally time-weighted).

    Three levels give both thresholds. Two levels give one valley: it is the run
    threshold, and also the off threshold when the lower level is standby
    (<= standby_max_w), else the off threshold is left unsuggested (None).
    """
    pairs = [(p, w) for p, w in zip(powers, weights if weights is not None else repeat(1.0))
             if p is not None and p == p and w > 0]
    if len(pairs) < min_samples:
        return ThresholdAdvice(None, None, (), len(pairs), "too few samples")
    width = 1.0 / bins_per_decade
    xs = [math.log10(1.0 + max(p, 0.0)) for p, _ in pairs]
    hist = _histogram(xs, [w for _, w in pairs], width)
    peaks = _peaks(hist, min_share=0.02, depth=0.5)
    levels = tuple(_bin_watts(i, width) for i in peaks)
    cuts = [_bin_watts(_valley(hist, a, b)[1], width) for a, b in zip(peaks, peaks[1:])]
    if len(cuts) == 2:
        return ThresholdAdvice(cuts[0], cuts[1], levels, len(pairs), "off, idle and running")
    if len(cuts) == 1:
        if levels[0] <= standby_max_w:
            return ThresholdAdvice(cuts[0], cuts[0], levels, len(pairs),
                                   "off and running; no idle level seen")
        return ThresholdAdvice(None, cuts[0], levels, len(pairs),
                               "idle and running; no off level seen")
    return ThresholdAdvice(None, None, levels, len(pairs), "a single power level")


def held_powers(points: Iterable[Point | tuple], max_gap_s: float, now: float
                ) -> tuple[list[float], list[float]]:
    """Power values with the seconds each one held (rule 2), for time-weighted advice."""
    ts, power, energy = normalize(points, now)
    settings = DeviceSettings(max_gap_s=max_gap_s)
    powers, weights = [], []
    for t0, hold, _, _, p, _ in iter_intervals(ts, power, energy, settings, now):
        if p is not None and hold > t0:
            powers.append(p)
            weights.append(hold - t0)
    return powers, weights
