"""The one path every ingest format takes after parsing: authenticate, check, resolve devices, store."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from telemetry.analytics import IDLE, OFF, RUNNING, DeviceSettings, state_of
from telemetry.models import Device, DeviceCredential
from telemetry.parsers import MEASURES
from telemetry.rollups import mark_dirty
from telemetry.readings import NormalizedReading, ParseResult, Rejection, validate
from telemetry.storage import insert_readings
from tenants import credentials
from tenants.db import utcnow
from tenants.models import Tenant
from tenants.scoping import tenant_context
from tenants.secrets import secret_matches

MAX_READINGS = 10_000
STATE_NAMES = {RUNNING: "running", IDLE: "idle", OFF: "off"}
LAST_USED_RESOLUTION_S = 60


@dataclass(frozen=True)
class IngestSource:
    """Who is posting: a device token (bound to one device) or a gateway key (names devices)."""

    tenant_id: int
    credential_id: int
    kind: str
    device: Device | None
    timezone: ZoneInfo
    retention_days: int

    @property
    def input_map(self) -> dict:
        """The device's firmware-name map (gateway posts map per device after parsing)."""
        return dict(self.device.input_map or {}) if self.device is not None else {}


@dataclass
class IngestOutcome:
    """What happened to a request's readings."""

    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    pending_devices: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        """The answer body DESIGN.md specifies."""
        return {"accepted": self.accepted, "duplicates": self.duplicates,
                "rejected": [{"index": r.index, "error": r.error} for r in self.rejected]}


def authenticate(session: Session, secret: str | None) -> IngestSource | None:
    """The source of a device token or gateway key, or None when it is not a live credential."""
    if not secret or len(secret) != 32:
        return None
    ref = credentials.resolve(session, secret, ("device", "gateway"))
    if ref is None:
        return None
    with tenant_context(ref.tenant_id):
        row = session.execute(
            select(DeviceCredential, Tenant.timezone, Tenant.raw_retention_days)
            .join(Tenant, Tenant.id == DeviceCredential.tenant_id).where(DeviceCredential.id == ref.credential_id)
        ).first()
        if row is None or row[0].revoked_at is not None or not secret_matches(secret, row[0].secret_hash):
            return None
        credential, zone, retention = row
        device = session.get(Device, credential.device_id) if credential.kind == "device" else None
        if credential.kind == "device" and (device is None or device.status == "retired"):
            return None
        _note_use(credential)
    return IngestSource(ref.tenant_id, credential.id, credential.kind, device, ZoneInfo(zone), retention)


def _note_use(credential: DeviceCredential) -> None:
    now = utcnow()
    if credential.last_used_at is None or (now - credential.last_used_at).total_seconds() > LAST_USED_RESOLUTION_S:
        credential.last_used_at = now


def ingest(session: Session, source: IngestSource, parsed: ParseResult, received_at: datetime) -> IngestOutcome:
    """Check and store the parsed readings in the source's tenant (the current tenant context);
    the caller commits. Rejected items are reported with their reasons; duplicates change nothing."""
    checked = validate(parsed, received_at=received_at, retention_days=source.retention_days)
    outcome = IngestOutcome(rejected=list(checked.rejected))
    devices = _devices_for(session, source, checked, outcome)
    rows: dict[tuple[int, datetime], dict] = {}
    candidates = 0
    for index, reading in checked.items:
        device = devices.get(index)
        if device is None:
            continue
        candidates += 1
        if source.kind == "gateway" and device.input_map:
            reading = apply_input_map(reading, device.input_map)
        rows.setdefault((device.id, reading.ts), _row(source.tenant_id, device.id, reading, received_at))
    outcome.rejected.sort(key=lambda r: r.index)
    inserted = insert_readings(session, list(rows.values())) if rows else []
    outcome.accepted = len(inserted)
    outcome.duplicates = candidates - outcome.accepted
    by_id = {device.id: device for device in devices.values()}
    _touch_devices(session, inserted, received_at, by_id)
    return outcome


def _devices_for(session: Session, source: IngestSource, checked: ParseResult, outcome: IngestOutcome) -> dict:
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
            by_name[key] = _device_named(session, name, outcome)
        if by_name[key].status == "retired":
            outcome.rejected.append(Rejection(index, f"device {name!r} is retired"))
            continue
        found[index] = by_name[key]
    return found


def _device_named(session: Session, name: str, outcome: IngestOutcome) -> Device:
    device = session.scalar(select(Device).where(func.lower(Device.name) == name.lower()[:100]))
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
    changes = {}
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
        session.execute(update(Device).where(Device.id == device_id).values(last_seen_at=received_at))
        session.execute(
            update(Device).where(Device.id == device_id,
                                 (Device.last_reading_at.is_(None)) | (Device.last_reading_at < latest_ts))
            .values(last_reading_at=latest_ts, last_power_w=latest_power, state=state,
                    state_since=case((Device.state.is_distinct_from(state), since), else_=Device.state_since))
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
