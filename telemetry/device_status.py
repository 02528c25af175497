"""What a device says about itself rather than about its machine: posts that carry no power and no
energy (Tasmota's InfluxDB status lines: uptime, heap, relay state, Wi-Fi) are kept on the device as
its reported status, never stored as readings, so they cannot break the energy counter's series."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from telemetry.models import Device
from telemetry.readings import NormalizedReading

MAX_KEYS = 64
# Tasmota's names (sensor "device" and "wifi", see telemetry/parsers/influx.py), then plain ones
RELAY_KEYS = ("device.power1", "device.power", "relay")
WIFI_PERCENT_KEYS = ("wifi.rssi",)
WIFI_DBM_KEYS = ("wifi.signal", "rssi")
UPTIME_KEYS = ("device.uptimesec", "uptime_s")


def is_status_only(reading: NormalizedReading) -> bool:
    """Whether a reading has neither power nor energy: then it is the device's status, not a reading."""
    return reading.power_w is None and reading.energy_wh is None


def status_values(reading: NormalizedReading) -> dict[str, float]:
    """The values of a status-only reading: its other electrical values under our names, and the rest."""
    values = {name: getattr(reading, name) for name in ("voltage_v", "current_a", "power_factor")
              if getattr(reading, name) is not None}
    return {**values, **reading.extra}


def store_reported(session: Session, reported: dict[int, tuple[datetime, dict[str, float]]],
                   received_at: datetime) -> None:
    """Merge each device's newly reported values (by device id: newest time, values) into what it
    reported before, and note the device as seen; the current tenant's devices only."""
    if not reported:
        return
    known: dict[int, dict | None] = dict(session.execute(
        select(Device.id, Device.reported_status).where(Device.id.in_(reported))).all())
    for device_id, (at, values) in reported.items():
        merged = {**(known.get(device_id) or {}), **values}
        session.execute(update(Device).where(Device.id == device_id)
                        .values(reported_status=dict(list(merged.items())[-MAX_KEYS:]), reported_at=at,
                                last_seen_at=received_at)
                        .execution_options(synchronize_session=False))


@dataclass(frozen=True)
class ReportedFacts:
    """The parts of a reported status a person cares about, when the device sent them."""

    relay_on: bool | None
    wifi_percent: float | None
    wifi_dbm: float | None
    uptime_s: float | None
    others: dict[str, float]


def _first(values: dict[str, float], keys: tuple[str, ...]) -> float | None:
    return next((values[key] for key in keys if key in values), None)


def facts(reported: dict | None) -> ReportedFacts:
    """Relay state, Wi-Fi signal and uptime out of a device's reported status, and what else it said."""
    values = dict(reported or {})
    relay = _first(values, RELAY_KEYS)
    shown = set(RELAY_KEYS + WIFI_PERCENT_KEYS + WIFI_DBM_KEYS + UPTIME_KEYS)
    return ReportedFacts(None if relay is None else relay != 0, _first(values, WIFI_PERCENT_KEYS),
                         _first(values, WIFI_DBM_KEYS), _first(values, UPTIME_KEYS),
                         {key: value for key, value in sorted(values.items()) if key not in shown})
