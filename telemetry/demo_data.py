"""The demo company's plant: five simulated machines, a tariff with a cheaper night band, a two-shift
weekday calendar, and a month of readings kept up to now (no Flask).

`ensure_demo` creates the demo company (tenants.demo) and whatever of its plant is missing, tops each
machine's history up to now from its last reading and settles the rollups, so the first page load
only reads stored quarters. Readings go through ingest's one storage path (`ingest.store_rows`): they
are inserted first-write-wins, mark rollups dirty and move the machines' live state exactly as
posted readings do. Running it again adds only the readings since the last run (a month at most).

A machine's readings always continue its meter: a top-up (or the live feed) starts a fresh simulated
trace at the last stored reading and counts the trace's energy on from the stored counter. Restarting
the counter instead would read as a meter reset (its whole value counted as energy), a jump as a burst.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from telemetry import plant, registry
from telemetry.ingest import store_rows
from telemetry.models import Device
from telemetry.settling import settle_devices
from telemetry.simulator import PROFILES, Schedule, SimReading, simulate
from telemetry.stored_readings import count_readings, latest_readings
from tenants.clock import utcnow
from tenants.demo import DemoAccount, ensure_demo_tenant
from tenants.scoping import require_tenant_id, tenant_context

HISTORY_DAYS = 30
INTERVAL_S = 60  # history: one reading a minute keeps a month at ~216,000 rows
LIVE_INTERVAL_S = 10
BATCH_ROWS = 5_000
FEED_KEY_NAME = "Demo live feed"
STANDBY_PF = 0.5
HOUR = 3600
TARIFF = {"price_per_kwh": 0.28, "bands": [{"weekdays": None, "start_hour": 22, "end_hour": 6, "price": 0.19}]}
SHIFTS = [{"weekday": day, "start": start, "end": end} for day in range(5)
          for start, end in (("06:00", "14:00"), ("14:00", "22:00"))]

Round = tuple[datetime, list[dict]]


@dataclass(frozen=True)
class DemoMachine:
    """A demo machine: a simulator profile scaled to its size, the standby its controls draw around
    the clock, when it works, and its device settings."""

    name: str
    profile: str
    line: str
    rated_w: float
    off_below_w: float
    run_above_w: float
    scale: float = 1.0
    standby_w: float = 0.0
    weekdays: frozenset[int] = frozenset(range(5))
    hours: tuple[int, int] = (6, 22)
    breaks: bool = True
    initial_wh: float = 250_000.0

    def fields(self) -> dict:
        """The device fields to create it with."""
        return {"name": self.name, "kind": "clamp", "site": "Demo plant", "line": self.line,
                "rated_w": self.rated_w, "off_below_w": self.off_below_w, "run_above_w": self.run_above_w}

    def schedule(self, zone: ZoneInfo) -> Schedule:
        """When the machine works, in the company's zone."""
        shifts = ((self.hours[0] * HOUR, self.hours[1] * HOUR),)
        return Schedule(zone=zone, weekdays=self.weekdays, shifts=shifts,
                        **({} if self.breaks else {"breaks": ()}))


MACHINES: tuple[DemoMachine, ...] = (
    DemoMachine("CNC lathe", "cnc", "Machining", 7500, 100, 1500, standby_w=60, initial_wh=183_400),
    DemoMachine("CNC mill", "cnc", "Machining", 11000, 150, 2000, scale=1.4, standby_w=90, initial_wh=402_750),
    # left to hold pressure every day from 05:00 to 23:00: the classic leak and weekend waste
    DemoMachine("Compressor", "compressor", "Utilities", 11000, 200, 5000, standby_w=15,
                weekdays=frozenset(range(7)), hours=(5, 23), breaks=False, initial_wh=1_210_300),
    DemoMachine("Hydraulic press", "press", "Forming", 18500, 300, 2000, standby_w=40, initial_wh=655_020),
    DemoMachine("Saw", "cnc", "Cutting", 4000, 60, 800, scale=0.5, standby_w=25, initial_wh=48_900),
)


@dataclass
class DemoSummary:
    """What `ensure_demo` left: how to log in, the machines and the readings stored."""

    account: DemoAccount
    machines: int
    readings: int
    added: int
    devices: dict[str, int] = field(default_factory=dict)


def ensure_demo(session: Session, now: datetime | None = None, days: int = HISTORY_DAYS) -> DemoSummary:
    """Make sure the demo company, its machines, tariff and shifts exist, top every machine's history
    up to `now` (`days` back at most) and settle the rollups; the caller commits."""
    now = now or utcnow()
    account = ensure_demo_tenant(session)
    with tenant_context(account.tenant.id):
        devices = ensure_machines(session)
        ensure_plant(session)
        zone = ZoneInfo(account.tenant.timezone)
        added = sum(top_up(session, machine, device, zone, now, days) for machine, device in devices.items())
        settle_devices(session, list(devices.values()), now)
        readings = count_readings(session)
    return DemoSummary(account, len(devices), readings, added, {m.name: d.id for m, d in devices.items()})


def ensure_machines(session: Session) -> dict[DemoMachine, Device]:
    """The current tenant's device of each demo machine, created when missing; one found by name is
    used as it is, unless retired (then the machine is left out)."""
    found = {}
    for machine in MACHINES:
        device = registry.device_named(session, machine.name)
        if device is None:
            device = registry.create_device(session, machine.fields())[0]
        if device.status != "retired":
            found[machine] = device
    return found


def ensure_plant(session: Session) -> None:
    """Set the demo tariff and shift calendar unless the company has its own."""
    if session.scalar(select(plant.TariffRow.id)) is None:
        plant.set_tariff(session, TARIFF["price_per_kwh"], TARIFF["bands"])
    if session.scalar(select(plant.ShiftRow.id).limit(1)) is None:
        plant.set_shifts(session, SHIFTS)
    session.flush()


def top_up(session: Session, machine: DemoMachine, device: Device, zone: ZoneInfo, now: datetime,
           days: int = HISTORY_DAYS) -> int:
    """Store the machine's simulated readings from its last stored one up to `now` (`days` at most)
    in batches of BATCH_ROWS; returns how many were stored."""
    tenant_id = require_tenant_id()
    stream = history(machine, last_reading(session, device.id), zone, now, days)
    stored = 0
    while batch := list(itertools.islice(stream, BATCH_ROWS)):
        rows = [_row(tenant_id, device.id, reading) for reading in batch]
        stored += store_rows(session, rows, now, {device.id: device})
    return stored


def last_reading(session: Session, device_id: int) -> tuple[datetime, float | None] | None:
    """(ts, energy_wh) of the device's newest reading, or None without readings."""
    newest = latest_readings(session, device_id, 1)
    return (newest[0].ts, newest[0].energy_wh) if newest else None


def history(machine: DemoMachine, last: tuple[datetime, float | None] | None, zone: ZoneInfo, now: datetime,
            days: int = HISTORY_DAYS, interval_s: int = INTERVAL_S) -> Iterator[SimReading]:
    """The readings to add every `interval_s` seconds after `last` up to `now`: from `days` ago on
    the minute when there is no reading (or only older ones), the counter going on from `last`."""
    floor = datetime.fromtimestamp((now - timedelta(days=days)).timestamp() // interval_s * interval_s, UTC)
    if last is None or last[0] < floor:
        start = floor - timedelta(seconds=interval_s)
        energy = last[1] if last is not None and last[1] is not None else machine.initial_wh
    else:
        start, energy = last[0], last[1] if last[1] is not None else machine.initial_wh
    return itertools.takewhile(lambda reading: reading.ts <= now,
                               continuation(machine, start, energy, zone, interval_s))


def continuation(machine: DemoMachine, start: datetime, energy_wh: float, zone: ZoneInfo,
                 interval_s: float) -> Iterator[SimReading]:
    """The machine's readings every `interval_s` seconds after `start`, its counter counting on from
    `energy_wh`: the profile's trace (seeded by machine and start) scaled, plus the standby draw."""
    spec = PROFILES[machine.profile]
    factor = math.sqrt(3) if spec.phases == 3 else 1.0
    readings = simulate(machine.profile, start, interval_s, device=machine.name, seed=int(start.timestamp()),
                        schedule=_Remembering(machine.schedule(zone)))
    base = next(readings).energy_wh
    for reading in readings:
        hours = (reading.ts - start).total_seconds() / HOUR
        power = reading.power_w * machine.scale + machine.standby_w
        pf = reading.power_factor if reading.power_w > 0 else STANDBY_PF
        amps = power / (reading.voltage_v * pf * factor) if power > 0 else 0.0
        energy = energy_wh + (reading.energy_wh - base) * machine.scale + machine.standby_w * hours
        yield SimReading(ts=reading.ts, power_w=round(power, 1), energy_wh=round(energy, 3),
                         voltage_v=reading.voltage_v, current_a=round(amps, 3), power_factor=pf)


class _Remembering:
    """A schedule that answers again without computing while the moment is before the change it
    last named: the working state holds until then (the simulator asks once per load segment)."""

    def __init__(self, schedule: Schedule) -> None:
        self._schedule = schedule
        self._last: tuple[datetime, bool, datetime] | None = None

    def state(self, moment: datetime) -> tuple[bool, datetime]:
        """Whether machines work at `moment` and the next time that changes, as Schedule.state."""
        last = self._last
        if last is not None and last[0] <= moment < last[2]:
            return last[1], last[2]
        working, change = self._schedule.state(moment)
        self._last = (moment, working, change)
        return working, change


def _row(tenant_id: int, device_id: int, reading: SimReading) -> dict:
    """A reading row as ingest stores it, received when it was taken."""
    return {"tenant_id": tenant_id, "device_id": device_id, "ts": reading.ts, "received_at": reading.ts,
            "power_w": reading.power_w, "energy_wh": reading.energy_wh, "voltage_v": reading.voltage_v,
            "current_a": reading.current_a, "power_factor": reading.power_factor, "extra": None}


def issue_feed_key(session: Session) -> str:
    """A new gateway key of the current (demo) tenant for the live feed, returned once; earlier feed
    keys are revoked first (their secrets were only ever held by the feed process that made them)."""
    for key in registry.list_gateway_keys(session):
        if key.name == FEED_KEY_NAME and key.revoked_at is None:
            registry.revoke_gateway_key(session, key.id)
    return registry.create_gateway_key(session, FEED_KEY_NAME)[1]


def live_anchors(session: Session) -> dict[DemoMachine, tuple[datetime, float]]:
    """(ts, energy_wh) of the newest reading of each active demo machine of the current tenant."""
    anchors = {}
    for machine in MACHINES:
        device = registry.device_named(session, machine.name)
        last = last_reading(session, device.id) if device is not None and device.status == "active" else None
        if last is not None:
            anchors[machine] = (last[0], last[1] if last[1] is not None else machine.initial_wh)
    return anchors


def live_rounds(anchors: dict[DemoMachine, tuple[datetime, float]], zone: ZoneInfo,
                interval_s: float = LIVE_INTERVAL_S) -> Iterator[Round]:
    """(time, gateway payloads naming each machine) every `interval_s` seconds after the newest
    anchor, each machine's counter going on from its own newest reading. Endless."""
    if not anchors:
        return iter(())
    start = max(ts for ts, _ in anchors.values())
    machines = list(anchors)
    streams = [continuation(m, start, anchors[m][1], zone, interval_s) for m in machines]
    return ((readings[0].ts, [r.payload(m.name) for r, m in zip(readings, machines)])
            for readings in zip(*streams))
