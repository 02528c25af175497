"""Which alerts should be open now: one rule per alert kind, evaluated for the current tenant at `now`.

- offline: no reading for max(10 min, 3 × the device's usual interval), the usual interval being the
  median gap of its recent readings (its max gap when it has fewer than two readings);
- outside_shift: the machine runs while no shift is planned (only when shifts are set);
- idle_waste: today's idle waste of the machine is above the company's daily limit (kWh or money);
- over_rated: the device has a rated power and its latest power is above it.
Each rule returns the alert's details, or None. No Flask.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from telemetry import overview, plant
from telemetry.analytics import ShiftCalendar
from telemetry.models import Device
from telemetry.settling import settle_devices
from telemetry.stored_readings import latest_readings
from tenants.clock import local_date
from tenants.models import Tenant

OFFLINE_MIN_S = 600
RECENT_READINGS = 21  # the usual interval is the median of the last 20 gaps


@dataclass(frozen=True)
class IdleLimit:
    """The daily idle waste limit per machine: in kWh, or in the company currency (`money`); None is off."""

    limit: float | None
    unit: str = "kwh"

    @property
    def on(self) -> bool:
        """Whether the idle waste alert is turned on."""
        return self.limit is not None and self.limit > 0


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def usual_interval_s(session: Session, device: Device) -> tuple[float, datetime | None]:
    """The median gap between the device's recent readings (its max gap with fewer than two readings),
    and the time of its newest reading."""
    stamps = [r.ts for r in latest_readings(session, device.id, RECENT_READINGS)]
    gaps = [(newer - older).total_seconds() for newer, older in zip(stamps, stamps[1:])]
    return (median(gaps) if gaps else float(device.max_gap_s)), (stamps[0] if stamps else None)


def offline_details(session: Session, device: Device, now: datetime) -> dict | None:
    """Details of an offline alert when the device is silent past its threshold, else None
    (a device never heard from is not offline: there is nothing to miss yet)."""
    seen = device.last_seen_at
    if seen is not None and (now - seen).total_seconds() <= OFFLINE_MIN_S:
        return None  # heard from within 10 minutes: online whatever its interval
    interval, newest = usual_interval_s(session, device)
    last = max((t for t in (seen, newest) if t is not None), default=None)
    if last is None:
        return None
    threshold = max(OFFLINE_MIN_S, 3 * interval)
    silent = (now - last).total_seconds()
    if silent <= threshold:
        return None
    return {"last_seen_at": _iso(last), "silent_s": round(silent), "threshold_s": round(threshold)}


def over_rated_details(device: Device) -> dict | None:
    """Details of a power-above-rated alert when the latest power exceeds the rated power, else None."""
    if device.rated_w is None or device.last_power_w is None or device.last_power_w <= device.rated_w:
        return None
    return {"power_w": device.last_power_w, "rated_w": device.rated_w}


def in_shift(calendar: ShiftCalendar, zone: ZoneInfo, now: datetime) -> bool:
    """Whether `now` is planned time (always, when no shifts are set)."""
    moment = now.timestamp()
    return not calendar.shifts or bool(calendar.planned_spans(zone, moment, moment + 1))


def outside_shift_details(device: Device, planned_now: bool) -> dict | None:
    """Details of a running-outside-shifts alert when the machine runs in unplanned time, else None."""
    if planned_now or device.state != "running":
        return None
    return {"power_w": device.last_power_w, "running_since": _iso(device.state_since)}


def idle_waste_details(session: Session, tenant: Tenant, limit: IdleLimit, now: datetime) -> dict[int, dict]:
    """Per device id, details of an idle waste alert for each machine whose idle waste of the local day
    is above the limit (nothing when the limit is off)."""
    if limit.limit is None or not limit.on:
        return {}
    day = local_date(now, tenant)
    settle_devices(session, list(session.scalars(select(Device).where(Device.status == "active"))), now)
    found = {}
    for machine in overview.machines_for_day(session, tenant, day, now):
        wh, cost = machine.day.idle_waste_wh, machine.day.idle_waste_cost
        if (wh / 1000 if limit.unit == "kwh" else cost) > limit.limit:
            found[machine.device.id] = {"day": day.isoformat(), "idle_waste_wh": round(wh, 3),
                                        "idle_waste_cost": round(cost, 6), "limit": limit.limit,
                                        "unit": limit.unit, "currency": tenant.currency}
    return found


def same_episode(open_details: dict, wanted_details: dict) -> bool:
    """Whether an open alert still stands for what the rule reports (an idle waste alert is per local day)."""
    return open_details.get("day") == wanted_details.get("day")


def wanted_alerts(session: Session, tenant: Tenant, limit: IdleLimit, now: datetime) -> dict[tuple[int, str], dict]:
    """Every alert that should be open now, keyed by (device id, kind), with its details."""
    devices = list(session.scalars(select(Device).where(Device.status == "active").order_by(Device.id)))
    planned_now = in_shift(plant.get_shifts(session), ZoneInfo(tenant.timezone), now)
    wanted = {(device_id, "idle_waste"): details
              for device_id, details in idle_waste_details(session, tenant, limit, now).items()}
    for device in devices:
        offline = offline_details(session, device, now)
        if offline is not None:
            wanted[(device.id, "offline")] = offline
            continue  # its live state is stale: no live alerts for it
        for kind, details in (("over_rated", over_rated_details(device)),
                              ("outside_shift", outside_shift_details(device, planned_now))):
            if details is not None:
                wanted[(device.id, kind)] = details
    return wanted
