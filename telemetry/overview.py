"""The factory overview: every machine's state now and its figures for one local day."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from telemetry import plant
from telemetry.analytics import Bucket, aggregate
from telemetry.models import Device
from telemetry.queries import is_online
from telemetry.rollups import stored_quarters_by_device
from tenants.clock import day_bounds, utcnow
from tenants.models import Tenant

ATTENTION = {"offline": 0, "idle": 1, "running": 2, "off": 3, "unknown": 4}


@dataclass
class MachineDay:
    """One machine in the overview."""

    device: Device
    state: str
    since: datetime | None
    online: bool
    day: Bucket


def live_state(device: Device, now: datetime | None = None) -> tuple[str, datetime | None, bool]:
    """The machine's state now (running, idle, off, offline or unknown), since when, and whether it is online."""
    online = is_online(device, now or utcnow())
    state = "offline" if not online and device.last_seen_at is not None else (device.state or "unknown")
    return state, device.last_seen_at if state == "offline" else device.state_since, online


def machines_for_day(session: Session, tenant: Tenant, day: date, now: datetime | None = None) -> list[MachineDay]:
    """Every active machine with its live state and the day's figures (from its rollups as they stand:
    callers settle first), most in need of attention first."""
    now = now or utcnow()
    devices = list(session.scalars(select(Device).where(Device.status == "active")))
    zone = ZoneInfo(tenant.timezone)
    start, end = day_bounds(day, zone)
    quarters = stored_quarters_by_device(session, [d.id for d in devices], start, end)  # plain rows, not ORM objects
    tariff, shifts = plant.get_tariff(session), plant.get_shifts(session)
    machines = []
    for device in devices:
        figures = aggregate(quarters.get(device.id, []), "day", zone, tariff, shifts, start.timestamp(),
                            end.timestamp())
        state, since, online = live_state(device, now)
        machines.append(MachineDay(device, state, since, online, figures[0]))
    machines.sort(key=lambda m: (ATTENTION[m.state], -m.day.idle_waste_wh, m.device.name.lower()))
    return machines


def machine_json(machine: MachineDay) -> dict:
    """A machine of the overview in the API's JSON shape."""
    day = machine.day
    return {"id": machine.device.id, "name": machine.device.name, "site": machine.device.site,
            "line": machine.device.line, "state": machine.state, "online": machine.online,
            "since": machine.since.isoformat().replace("+00:00", "Z") if machine.since else None,
            "power_w": machine.device.last_power_w, "energy_wh": round(day.energy_wh, 3),
            "cost": round(day.cost, 6), "utilization": round(day.utilization, 6),
            "running_s": round(day.running_s, 3), "idle_s": round(day.idle_s, 3),
            "idle_waste_wh": round(day.idle_waste_wh, 3), "idle_waste_cost": round(day.idle_waste_cost, 6)}
