"""A short-lived in-process memory of authenticated device credentials, and the events that evict
entries when a credential, device or tenant changes in this process."""
from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import event

from telemetry.models import Device
from tenants import credentials
from tenants.models import Tenant

if TYPE_CHECKING:
    from telemetry.ingest_sources import IngestSource


VERIFIED_TTL_S = 60.0
"""How long a device token's source may serve a path that checks the credential again in its own
statement (telemetry.store_pg.store_all_committed): revocation still takes effect at once there; only
settings changed in another process (input map, zone, retention) show after at most this long."""


class CredentialCache:
    """A short-lived in-process memory of authenticated device tokens and gateway keys, so that a
    device posting again within `ttl` seconds costs no credential lookup.

    Keyed by the secret's SHA-256; holds only what IngestSource carries. A revocation made in this
    process evicts the credential at once (tenants.credentials.on_unregister); one made in another
    process takes effect here when the entry expires, at most `ttl` seconds later. Changes to a
    device's thresholds or input map, or to the tenant's zone or retention, show after at most
    `ttl` seconds too. Entries stay up to `verified_ttl` for callers that verify the credential
    themselves (`get(..., max_age=cache.verified_ttl)`). `ttl` 0 turns the cache off."""

    def __init__(self, ttl: float = 5.0, max_entries: int = 50_000, clock: Callable[[], float] = time.monotonic,
                 verified_ttl: float = VERIFIED_TTL_S) -> None:
        self.ttl, self.max_entries, self.clock = ttl, max_entries, clock
        self.verified_ttl = max(ttl, verified_ttl) if ttl > 0 else 0.0
        self._entries: dict[str, tuple[float, IngestSource]] = {}
        self._lock = threading.Lock()
        _CACHES.add(self)

    def get(self, digest: str, max_age: float | None = None) -> IngestSource | None:
        """The cached source of a secret's hash, if it was authenticated at most `max_age` seconds
        ago (default `ttl`)."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        age = self.clock() - entry[0]
        if age >= self.verified_ttl:
            with self._lock:
                if self._entries.get(digest) is entry:
                    del self._entries[digest]
            return None
        return entry[1] if age < (self.ttl if max_age is None else max_age) else None

    def put(self, digest: str, source: IngestSource) -> None:
        """Remember a source authenticated just now."""
        if self.ttl <= 0:
            return
        now = self.clock()
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries = {k: v for k, v in self._entries.items() if now - v[0] < self.verified_ttl}
                if len(self._entries) >= self.max_entries:
                    self._entries.clear()
            self._entries[digest] = (now, source)

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


_CACHES: weakref.WeakSet[CredentialCache] = weakref.WeakSet()


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
