"""Deterministic, realistic power traces of old machines behind a cheap meter, for demos, load
tests and backfills (pure Python, no Flask, no database).

A profile is an endless sequence of load segments `(seconds, watts, power factor)` drawn from a
seeded random generator while the plant works; outside working time (nights, weekends, breaks)
the machine is off. A meter samples the trace every `interval_s` seconds: `power_w` is the
instantaneous power at `ts` and `energy_wh` the exact integral of the trace up to `ts` (on top of
a meter's starting total), so the counter always agrees with the power the machine drew.

    cnc         jobs of long running cycles (2-6 kW with spindle variation and tool changes),
                idle 300-600 W between jobs
    compressor  load/unload cycles (~7.5 kW / ~2 kW), stopping for a while when pressure holds
    press       short ~15 kW strokes over a ~1.2 kW hydraulic idle baseline, three-phase 400 V

The load trace depends only on the profile, device name, seed and start time, never on the
sampling interval; voltage noise has its own generator.
"""
from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Protocol

UTC = UTC
Segment = tuple[float, float, float]
"""(duration in seconds, power in W, power factor) of a stretch of constant load."""


@dataclass(frozen=True, slots=True)
class SimReading:
    """One simulated meter reading in our units."""

    ts: datetime
    power_w: float
    energy_wh: float
    voltage_v: float
    current_a: float
    power_factor: float

    def payload(self, device: str | None = None) -> dict:
        """The reading in our native JSON format (`POST /api/v1/readings`), naming `device` if given."""
        body = {"ts": self.ts.isoformat().replace("+00:00", "Z"), "power_w": self.power_w,
                "energy_wh": self.energy_wh, "voltage_v": self.voltage_v, "current_a": self.current_a,
                "power_factor": self.power_factor}
        return {"device": device, **body} if device else body


@dataclass(frozen=True)
class Schedule:
    """When the plant works: weekdays (0 = Monday), shift spans and breaks as seconds of the local day."""

    zone: tzinfo = UTC
    weekdays: frozenset[int] = frozenset(range(5))
    shifts: tuple[tuple[int, int], ...] = ((6 * 3600, 22 * 3600),)
    breaks: tuple[tuple[int, int], ...] = ((9 * 3600, 9 * 3600 + 900), (12 * 3600, 12 * 3600 + 1800),
                                           (18 * 3600, 18 * 3600 + 900))
    _spans: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        spans = []
        for start, end in self.shifts:
            cuts = sorted((max(a, start), min(b, end)) for a, b in self.breaks if a < end and b > start)
            for a, b in cuts:
                if a > start:
                    spans.append((start, a))
                start = max(start, b)
            if start < end:
                spans.append((start, end))
        object.__setattr__(self, "_spans", tuple(sorted(spans)))

    def state(self, moment: datetime) -> tuple[bool, datetime]:
        """Whether machines work at `moment` and the next time that changes (always later)."""
        local = moment.astimezone(self.zone)
        working = self._working(local)
        for day in range(9):
            midnight = datetime.combine(local.date() + timedelta(days=day), time(0), tzinfo=self.zone)
            if midnight.weekday() not in self.weekdays:
                continue
            for start, end in self._spans:
                edge = midnight + timedelta(seconds=end if working else start)
                if edge > moment:
                    return working, edge.astimezone(UTC)
        return working, moment + timedelta(days=7)

    def _working(self, local: datetime) -> bool:
        if local.weekday() not in self.weekdays:
            return False
        second = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
        return any(start <= second < end for start, end in self._spans)


class ScheduleLike(Protocol):
    """What the simulator asks of a schedule: a Schedule, or anything answering `state` as it does."""

    def state(self, moment: datetime) -> tuple[bool, datetime]: ...


def _gauss(rng: random.Random, mean: float, spread: float, low: float, high: float) -> float:
    return min(max(rng.gauss(mean, spread), low), high)


def cnc_segments(rng: random.Random) -> Iterator[Segment]:
    """A CNC machine: idle between jobs; a job machines several parts at a job-specific spindle
    load with variation, each followed by a short tool change or part load at idle level."""
    while True:
        yield rng.uniform(120, 900), rng.uniform(300, 600), rng.uniform(0.45, 0.65)
        load = rng.uniform(2200, 5200)
        for _part in range(rng.randint(3, 12)):
            for _pass in range(rng.randint(4, 20)):
                yield rng.uniform(5, 40), _gauss(rng, load, 0.1 * load, 2000, 6000), rng.uniform(0.8, 0.92)
            yield rng.uniform(10, 45), rng.uniform(350, 650), rng.uniform(0.5, 0.6)


def compressor_segments(rng: random.Random) -> Iterator[Segment]:
    """A screw compressor: load/unload cycles, then the motor stops while pressure holds."""
    while True:
        for _cycle in range(rng.randint(3, 10)):
            yield rng.uniform(40, 150), _gauss(rng, 7500, 150, 7000, 8000), rng.uniform(0.84, 0.88)
            yield rng.uniform(20, 90), _gauss(rng, 2000, 100, 1700, 2300), rng.uniform(0.4, 0.5)
        yield rng.uniform(120, 600), 0.0, 0.0


def press_segments(rng: random.Random) -> Iterator[Segment]:
    """A hydraulic press: batches of short ~15 kW strokes over the pump's idle baseline, with
    die changes at baseline only between batches."""
    while True:
        for _stroke in range(rng.randint(20, 80)):
            yield rng.uniform(1.0, 2.5), _gauss(rng, 15000, 600, 13000, 17000), rng.uniform(0.8, 0.86)
            yield rng.uniform(4, 15), _gauss(rng, 1200, 60, 1000, 1400), rng.uniform(0.3, 0.4)
        yield rng.uniform(60, 600), _gauss(rng, 1100, 50, 950, 1250), rng.uniform(0.3, 0.4)


@dataclass(frozen=True)
class Profile:
    """A machine type: its load segments and its supply (230 V single-phase or 400 V three-phase)."""

    segments: Callable[[random.Random], Iterator[Segment]]
    nominal_v: float = 230.0
    phases: int = 1


PROFILES: dict[str, Profile] = {
    "cnc": Profile(cnc_segments),
    "compressor": Profile(compressor_segments),
    "press": Profile(press_segments, nominal_v=400.0, phases=3),
}


class _Trace:
    """The machine's load over time: segments laid end to end in working time, integrated."""

    def __init__(self, segments: Iterator[Segment], schedule: ScheduleLike, start: datetime, energy_wh: float):
        self._segments, self._schedule = segments, schedule
        self.now, self.energy_wh = start.timestamp(), energy_wh
        self._current: tuple[float, float, float] | None = None  # (end, power, pf)
        self._pending: Segment | None = None  # the rest of a segment cut short by a break

    def _next(self) -> tuple[float, float, float]:
        working, change = self._schedule.state(datetime.fromtimestamp(self.now, UTC))
        if not working:
            return change.timestamp(), 0.0, 0.0
        seconds, power, pf = self._pending or next(self._segments)
        end = min(self.now + seconds, change.timestamp())
        rest = self.now + seconds - end
        self._pending = (rest, power, pf) if rest > 0.5 else None
        return end, power, pf

    def advance(self, to: float) -> tuple[float, float]:
        """Integrate the load up to `to` (epoch seconds); the (power, pf) in force at `to`."""
        while True:
            if self._current is None:
                self._current = self._next()
            end, power, pf = self._current
            if end > to:
                self.energy_wh += power * (to - self.now) / 3600
                self.now = to
                return power, pf
            self.energy_wh += power * (end - self.now) / 3600
            self.now, self._current = end, None


def simulate(profile: str, start: datetime, interval_s: float, *, device: str = "", seed: int = 0,
             schedule: ScheduleLike | None = None) -> Iterator[SimReading]:
    """Endless readings of a `profile` machine sampled every `interval_s` seconds from `start`
    (aware); the same arguments always give the same readings."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if not interval_s > 0:
        raise ValueError("interval_s must be positive")
    spec = PROFILES[profile]
    load_rng = random.Random(f"{profile}/{device}/{seed}/load")
    volts_rng = random.Random(f"{profile}/{device}/{seed}/volts")
    trace = _Trace(spec.segments(load_rng), schedule or Schedule(), start, load_rng.uniform(1e4, 5e5))
    drift = 0.0
    for step in itertools.count():
        ts = start + timedelta(seconds=step * interval_s)
        power, pf = trace.advance(ts.timestamp())
        drift = min(max(0.9 * drift + volts_rng.gauss(0, 0.003), -0.02), 0.02)
        yield _reading(ts, power, pf, trace.energy_wh, spec.nominal_v * (1 + drift), spec.phases)


def _reading(ts: datetime, power: float, pf: float, energy_wh: float, volts: float, phases: int) -> SimReading:
    amps = power / (volts * pf * (math.sqrt(3) if phases == 3 else 1.0)) if power > 0 and pf > 0 else 0.0
    return SimReading(ts=ts.astimezone(UTC), power_w=round(power, 1), energy_wh=round(energy_wh, 3),
                      voltage_v=round(volts, 1), current_a=round(amps, 3), power_factor=round(pf, 3))
