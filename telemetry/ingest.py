"""The one path every ingest format takes after parsing: authenticate, check, resolve devices, store."""
from __future__ import annotations

import threading
import time
import weakref
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cache
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, case, event, select, update
from sqlalchemy.orm import Session

from telemetry.analytics import IDLE, OFF, RUNNING, DeviceSettings, state_of
from telemetry import registry
from telemetry.models import Device, DeviceCredential
from telemetry.parsers import MEASURES
from telemetry.rollups import mark_dirty
from telemetry.readings import NormalizedReading, ParseResult, Rejection, validate
from telemetry.storage import insert_readings
from tenants import credentials
from tenants.clock import utcnow
from tenants.models import Tenant
from tenants.scoping import tenant_context
from tenants.secrets import hash_secret, secret_matches

MAX_READINGS = 10_000
STATE_NAMES = {RUNNING: "running", IDLE: "idle", OFF: "off"}
LAST_USED_RESOLUTION_S = 60


@dataclass(frozen=True)
class DeviceRef:
    """What ingest needs of a device token's device, read once: safe to keep between requests."""

    id: int
    name: str
    status: str
    input_map: dict
    off_below_w: float
    run_above_w: float
    max_gap_s: int

    @classmethod
    def of(cls, device: Device) -> "DeviceRef":
        return cls(device.id, device.name, device.status, dict(device.input_map or {}), device.off_below_w,
                   device.run_above_w, device.max_gap_s)


@dataclass(frozen=True)
class IngestSource:
    """Who is posting: a device token (bound to one device) or a gateway key (names devices)."""

    tenant_id: int
    credential_id: int
    kind: str
    device: DeviceRef | None
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


class CredentialCache:
    """A short-lived in-process memory of authenticated device tokens and gateway keys, so that a
    device posting again within `ttl` seconds costs no credential lookup.

    Keyed by the secret's SHA-256; holds only what IngestSource carries. A revocation made in this
    process evicts the credential at once (tenants.credentials.on_unregister); one made in another
    process takes effect here when the entry expires, at most `ttl` seconds later. Changes to a
    device's thresholds or input map, or to the tenant's zone or retention, show after at most
    `ttl` seconds too. `ttl` 0 turns the cache off."""

    def __init__(self, ttl: float = 5.0, max_entries: int = 50_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl, self.max_entries, self.clock = ttl, max_entries, clock
        self._entries: dict[str, tuple[float, IngestSource]] = {}
        self._lock = threading.Lock()
        _CACHES.add(self)

    def get(self, digest: str) -> IngestSource | None:
        """The cached source of a secret's hash, unless expired."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if entry[0] <= self.clock():
            with self._lock:
                if self._entries.get(digest) is entry:
                    del self._entries[digest]
            return None
        return entry[1]

    def put(self, digest: str, source: IngestSource) -> None:
        """Remember a source authenticated just now."""
        if self.ttl <= 0:
            return
        now = self.clock()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries = {k: v for k, v in self._entries.items() if v[0] > now}
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
            self._entries[digest] = (now + self.ttl, source)

    def forget(self, kind: str, credential_id: int) -> None:
        """Drop every entry of a credential (revoked in this process)."""
        self.forget_where(lambda source: source.credential_id == credential_id and source.kind == kind)

    def forget_where(self, predicate: Callable[[IngestSource], bool]) -> None:
        """Drop the entries whose source matches."""
        with self._lock:
            for digest, (_, source) in list(self._entries.items()):
                if predicate(source):
                    del self._entries[digest]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_CACHES: "weakref.WeakSet[CredentialCache]" = weakref.WeakSet()


def _forget_everywhere(predicate: Callable[[IngestSource], bool]) -> None:
    for known in list(_CACHES):
        known.forget_where(predicate)


# Changes made in this process show at once: revocations, and ORM changes of a device (thresholds,
# input map, status) or of a tenant (zone, retention). Core UPDATEs, as ingest's own, fire nothing.
credentials.on_unregister(lambda kind, credential_id: _forget_everywhere(
    lambda source: source.credential_id == credential_id and source.kind == kind))


@event.listens_for(Device, "after_update")
@event.listens_for(Device, "after_delete")
def _device_changed(_mapper, _connection, device: Device) -> None:
    _forget_everywhere(lambda source: source.device is not None and source.device.id == device.id)


@event.listens_for(Tenant, "after_update")
def _tenant_changed(_mapper, _connection, tenant: Tenant) -> None:
    _forget_everywhere(lambda source: source.tenant_id == tenant.id)


def authenticate(session: Session, secret: str | None, cache: CredentialCache | None = None) -> IngestSource | None:
    """The source of a device token or gateway key, or None when it is not a live credential.
    With a cache, a secret authenticated less than `cache.ttl` seconds ago costs no query."""
    if not secret or len(secret) != 32:
        return None
    digest = hash_secret(secret)
    if cache is not None:
        source = cache.get(digest)
        if source is not None:
            return source
    ref = credentials.resolve(session, secret, ("device", "gateway"))
    if ref is None:
        return None
    with tenant_context(ref.tenant_id):
        # the credential, its tenant's settings and (for a device token) its device in one query
        row = session.execute(
            select(DeviceCredential, Tenant.timezone, Tenant.raw_retention_days, Device)
            .join(Tenant, Tenant.id == DeviceCredential.tenant_id)
            .outerjoin(Device, Device.id == DeviceCredential.device_id)
            .where(DeviceCredential.id == ref.credential_id)
        ).first()
        if row is None or row[0].revoked_at is not None or not secret_matches(secret, row[0].secret_hash):
            return None
        credential, zone, retention, device = row
        if credential.kind == "device" and (device is None or device.status == "retired"):
            return None
        _note_use(credential)
    source = IngestSource(ref.tenant_id, credential.id, credential.kind,
                          DeviceRef.of(device) if credential.kind == "device" else None, ZoneInfo(zone), retention)
    if cache is not None:
        cache.put(digest, source)
    return source


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
    inserted = store_rows(session, list(rows.values()), received_at, {d.id: d for d in devices.values()})
    outcome.accepted = len(inserted)
    outcome.duplicates = candidates - outcome.accepted
    return outcome


def store_rows(session: Session, rows: list[dict], received_at: datetime, devices: dict) -> list[tuple]:
    """Store reading rows of the current tenant (first write wins), mark the rollups of those inserted
    dirty and move their devices' live state (`devices` by id): the one storage path of posted readings
    and of bulk loads such as the demo history. Returns the inserted (device_id, ts, power_w)."""
    inserted = insert_readings(session, rows) if rows else []
    _touch_devices(session, inserted, received_at, devices)
    return inserted


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
