"""The one path every ingest format takes after parsing and authenticating (telemetry.ingest_sources): check
and sort the readings (plan_ingest), store them (store_plan, or telemetry.store_pg.store_all_committed without
a session)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, case, update
from sqlalchemy.orm import Session

from telemetry import registry
from telemetry.analytics import IDLE, OFF, RUNNING, DeviceSettings, state_of
from telemetry.device_status import is_status_only, status_values, store_reported
from telemetry.ingest_sources import IngestSource
from telemetry.models import Device
from telemetry.packing import without_packed
from telemetry.parsers import MEASURES
from telemetry.readings import NormalizedReading, ParseResult, Rejection, validate
from telemetry.rollups import mark_dirty
from telemetry.storage import insert_readings
from telemetry.store_pg import store_rows_pg
from tenants.scoping import require_tenant_id

MAX_READINGS = 10_000
STATE_NAMES = {RUNNING: "running", IDLE: "idle", OFF: "off"}


@dataclass
class IngestOutcome:
    """What happened to a request's readings."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    pending_devices: list[str] = field(default_factory=list)
    device_status: int = 0
    """Items without power or energy, kept as their device's reported status instead of as readings."""

    def as_json(self) -> dict:
        """The answer body DESIGN.md specifies (with `device_status` when items were status only)."""
        body = {"accepted": self.accepted, "duplicates": self.duplicates,
                "rejected": [{"index": r.index, "error": r.error} for r in self.rejected]}
        if self.device_status:
            body["device_status"] = self.device_status
        return body


@dataclass
class IngestPlan:
    """What a request will store: reading rows, device status reports, and the outcome so far."""

    outcome: IngestOutcome
    rows: list[dict]
    reported: dict[int, tuple[datetime, dict]]
    devices: dict[int, object]
    candidates: int


def plan_ingest(session: Session | None, source: IngestSource, parsed: ParseResult,
                received_at: datetime) -> IngestPlan:
    """Check the parsed readings and sort them into reading rows and device status; a gateway key's
    devices are found (or created pending) through `session`, a device token needs none (None)."""
    checked = validate(parsed, received_at=received_at, retention_days=source.retention_days)
    outcome = IngestOutcome(rejected=list(checked.rejected))
    devices = _devices_for(session, source, checked, outcome)
    rows: dict[tuple[int, datetime], dict] = {}
    reported: dict[int, tuple[datetime, dict]] = {}
    candidates = 0
    for index, reading in checked.items:
        device = devices.get(index)
        if device is None:
            continue
        if source.kind == "gateway" and device.input_map:
            reading = apply_input_map(reading, device.input_map)
        if is_status_only(reading):
            _note_reported(reported, device.id, reading)
            outcome.device_status += 1
            continue
        candidates += 1
        rows.setdefault((device.id, reading.ts), _row(source.tenant_id, device.id, reading, received_at))
    outcome.rejected.sort(key=lambda r: r.index)
    return IngestPlan(outcome, list(rows.values()), reported, {d.id: d for d in devices.values()}, candidates)


def counted(plan: IngestPlan, accepted: int) -> IngestOutcome:
    """The plan's outcome once `accepted` of its rows were new (the others were duplicates)."""
    plan.outcome.accepted = accepted
    plan.outcome.duplicates = plan.candidates - accepted
    return plan.outcome


def store_plan(session: Session, plan: IngestPlan, received_at: datetime) -> IngestOutcome:
    """Store a plan's device status and readings through the session (the caller commits)."""
    store_reported(session, plan.reported, received_at)
    return counted(plan, store_rows(session, plan.rows, received_at, plan.devices))


def _note_reported(reported: dict[int, tuple[datetime, dict]], device_id: int, reading: NormalizedReading) -> None:
    """Add a status-only reading to its device's report (a later time's values win)."""
    at, values = reported.get(device_id, (reading.ts, {}))
    new = status_values(reading)
    reported[device_id] = (max(at, reading.ts), {**values, **new} if reading.ts >= at else {**new, **values})


def store_rows(session: Session, rows: list[dict], received_at: datetime, devices: dict) -> int:
    """Store reading rows of the current tenant (first write wins), mark the rollups of those inserted
    dirty and move their devices' live state (`devices` by id): the one storage path of posted readings
    and of bulk loads such as the demo history. Returns how many rows were new. On PostgreSQL it is one
    statement (telemetry.store_pg)."""
    rows = without_packed(session, rows, received_at)
    if not rows:
        return 0
    if session.get_bind().dialect.name == "postgresql":
        return store_rows_pg(session, require_tenant_id(), rows, received_at)
    inserted = insert_readings(session, rows)
    _touch_devices(session, inserted, received_at, devices)
    return len(inserted)


def _devices_for(session: Session | None, source: IngestSource, checked: ParseResult, outcome: IngestOutcome) -> dict:
    if source.kind == "device":
        return {index: source.device for index, _ in checked.items}
    by_name: dict[str, Device] = {}
    found: dict[int, Device] = {}
    for index, reading in checked.items:
        name = (reading.device_name or "").strip()
        if not name:
            outcome.rejected.append(Rejection(index, "a gateway key must name the device (device, node or tag)"))
            continue
        key = name.lower()
        if key not in by_name:
            if session is None:  # only a device token goes without (see plan_ingest)
                raise TypeError("a gateway key's devices are found through a session, and none was given")
            by_name[key] = _device_named(session, name, outcome)
        if by_name[key].status == "retired":
            outcome.rejected.append(Rejection(index, f"device {name!r} is retired"))
            continue
        found[index] = by_name[key]
    return found


def _device_named(session: Session, name: str, outcome: IngestOutcome) -> Device:
    name = name[:100]
    device = registry.device_named(session, name)
    if device is None:
        device = Device(name=name[:100], status="pending", kind="other", input_map={}, off_below_w=10.0,
                        run_above_w=100.0, max_gap_s=300, site="", line="")
        session.add(device)
        session.flush()
        outcome.pending_devices.append(device.name)
    return device


def apply_input_map(reading: NormalizedReading, input_map: dict) -> NormalizedReading:
    """Move extra values that the device's input map names into their reading fields."""
    extra = dict(reading.extra)
    changes: dict[str, Any] = {}  # reading field (a measure, so a float) -> value
    for key, target in input_map.items():
        if key in extra and target in MEASURES:
            field_name, factor = MEASURES[target]
            changes[field_name] = extra.pop(key) * factor
    return replace(reading, extra=extra, **changes) if changes else reading


def _row(tenant_id: int, device_id: int, reading: NormalizedReading, received_at: datetime) -> dict:
    return {"tenant_id": tenant_id, "device_id": device_id, "ts": reading.ts, "received_at": received_at,
            "power_w": reading.power_w, "energy_wh": reading.energy_wh, "voltage_v": reading.voltage_v,
            "current_a": reading.current_a, "power_factor": reading.power_factor,
            "extra": dict(reading.extra) or None}


def _touch_devices(session: Session, inserted: list[tuple[int, datetime, float | None]], received_at: datetime,
                   devices: dict[int, Device]) -> None:
    by_device: dict[int, list[tuple[datetime, float | None]]] = {}
    for device_id, ts, power in inserted:
        by_device.setdefault(device_id, []).append((ts, power))
    mark_dirty(session, {d: (min(r)[0], max(r)[0]) for d, r in by_device.items()})
    for device_id, rows in by_device.items():
        rows.sort(key=lambda row: row[0])
        device = devices[device_id]
        latest_ts, latest_power = rows[-1]
        state, since = _trailing_state(device, rows)
        session.execute(_device_update(), {"device": device_id, "seen": received_at, "latest": latest_ts,
                                           "power": latest_power, "state": state, "since": since})


@cache
def _device_update():
    """One UPDATE per device and request, built once: always the last-seen time; the newest
    reading's time, power and live state only when it is newer than the stored one. No objects in
    the session need synchronising (synchronize_session off)."""
    latest = bindparam("latest", type_=Device.last_reading_at.type)
    state = bindparam("state", type_=Device.state.type)
    newer = Device.last_reading_at.is_(None) | (Device.last_reading_at < latest)
    return (
        update(Device).where(Device.id == bindparam("device", type_=Device.id.type))
        .values(last_seen_at=bindparam("seen", type_=Device.last_seen_at.type),
                last_reading_at=case((newer, latest), else_=Device.last_reading_at),
                last_power_w=case((newer, bindparam("power", type_=Device.last_power_w.type)),
                                  else_=Device.last_power_w),
                state=case((newer, state), else_=Device.state),
                state_since=case((newer & Device.state.is_distinct_from(state),
                                  bindparam("since", type_=Device.state_since.type)), else_=Device.state_since))
        .execution_options(synchronize_session=False)
    )


def _trailing_state(device: Device, rows: list[tuple[datetime, float | None]]) -> tuple[str | None, datetime]:
    """The state of the newest reading and the first reading of the run of that state ending the batch."""
    state = live_state(device, rows[-1][1])
    since = rows[-1][0]
    for ts, power in reversed(rows):
        if live_state(device, power) != state:
            break
        since = ts
    return state, since


def live_state(device: Device, power_w: float | None) -> str | None:
    """running, idle or off for a power reading with the device's thresholds; None without power."""
    if power_w is None:
        return None
    return STATE_NAMES[state_of(power_w, DeviceSettings(device.off_below_w, device.run_above_w, device.max_gap_s))]
