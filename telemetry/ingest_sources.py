"""Who is posting: a device token or gateway key authenticated into an IngestSource (its tenant, its device
for a device token, the tenant's time zone and retention), with the worker's credential cache."""
from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from telemetry.credential_cache import CredentialCache
from telemetry.models import Device, DeviceCredential
from tenants import credentials
from tenants.clock import utcnow
from tenants.models import Tenant
from tenants.scoping import tenant_context
from tenants.secrets import hash_secret, secret_matches

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
    def of(cls, device: Device) -> DeviceRef:
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


def cached_source(secret: str | None, cache: CredentialCache | None,
                  checked_in_statement: bool = False) -> IngestSource | None:
    """The source of a secret authenticated less than `cache.ttl` seconds ago, else None (no query).
    With `checked_in_statement` (the caller's storing statement checks the credential again), a
    device token's source is used for up to `cache.verified_ttl` seconds."""
    if cache is None or not secret or len(secret) != 32:
        return None
    digest = hash_secret(secret)
    if checked_in_statement:
        source = cache.get(digest, max_age=cache.verified_ttl)
        if source is not None and source.kind == "device":
            return source
    return cache.get(digest)


def authenticate(session: Session, secret: str | None, cache: CredentialCache | None = None) -> IngestSource | None:
    """The source of a device token or gateway key, or None when it is not a live credential.
    With a cache, a secret authenticated less than `cache.ttl` seconds ago costs no query."""
    source = cached_source(secret, cache)
    if source is not None:
        return source
    if not secret or len(secret) != 32:
        return None
    digest = hash_secret(secret)
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


def credential_live(session: Session, credential_id: int) -> bool:
    """Whether a device credential of the current tenant is still not revoked."""
    return session.scalar(select(DeviceCredential.id).where(
        DeviceCredential.id == credential_id, DeviceCredential.revoked_at.is_(None))) is not None


def _note_use(credential: DeviceCredential) -> None:
    now = utcnow()
    if credential.last_used_at is None or (now - credential.last_used_at).total_seconds() > LAST_USED_RESOLUTION_S:
        credential.last_used_at = now
