"""Reading and device queries shared by the API, the pages and the partner API."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from telemetry.models import Device
from telemetry.reading_blocks import StoredReading
from telemetry.stored_readings import read_readings
from tenants.clock import utcnow

MAX_PAGE = 5000
ONLINE_MIN_S = 600


@dataclass
class ReadingPage:
    """Readings in time order and the ts to continue after, or None at the end."""

    readings: list[StoredReading]
    next_after: datetime | None


def readings_page(session: Session, device_id: int, start: datetime, end: datetime, limit: int = 1000,
                  after: datetime | None = None) -> ReadingPage:
    """Readings of a device of the current tenant with start <= ts < end, after a cursor."""
    limit = max(1, min(limit, MAX_PAGE))
    rows = read_readings(session, device_id, start, end, after=after, limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return ReadingPage(rows, rows[-1].ts if more else None)


def is_online(device: Device, now: datetime | None = None) -> bool:
    """Whether the device posted within max(10 min, 3 × its max gap)."""
    if device.last_seen_at is None:
        return False
    window = timedelta(seconds=max(ONLINE_MIN_S, 3 * device.max_gap_s))
    return (now or utcnow()) - device.last_seen_at <= window


def reading_json(reading: StoredReading) -> dict:
    """A stored reading in the API's JSON shape."""
    return {"ts": reading.ts.isoformat().replace("+00:00", "Z"),
            "received_at": reading.received_at.isoformat().replace("+00:00", "Z"),
            "power_w": reading.power_w, "energy_wh": reading.energy_wh, "voltage_v": reading.voltage_v,
            "current_a": reading.current_a, "power_factor": reading.power_factor, "extra": reading.extra or {}}


def device_json(device: Device, now: datetime | None = None) -> dict:
    """A device in the API's JSON shape, with its live status."""
    def iso(value):
        return value.isoformat().replace("+00:00", "Z") if value else None

    return {"id": device.id, "name": device.name, "kind": device.kind, "site": device.site, "line": device.line,
            "rated_w": device.rated_w, "off_below_w": device.off_below_w, "run_above_w": device.run_above_w,
            "max_gap_s": device.max_gap_s, "input_map": device.input_map or {}, "status": device.status,
            "created_at": iso(device.created_at), "last_reading_at": iso(device.last_reading_at),
            "last_seen_at": iso(device.last_seen_at), "last_power_w": device.last_power_w,
            "online": is_online(device, now), "reported_status": device.reported_status or {},
            "reported_at": iso(device.reported_at)}
