"""The credential index: from a presented secret's hash to its tenant.

Authentication is the one place that must find a tenant before a tenant is known. The index
holds only hashes, tenant ids and the kind and id of the credential; the credential rows
themselves (API keys, device tokens, gateway keys) are tenant-owned and read under scoping.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, delete, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from tenants.clock import utcnow
from tenants.db import Base, BigId
from tenants.secrets import hash_secret


class CredentialIndex(Base):
    """Maps a secret's SHA-256 to the tenant and credential it belongs to."""

    __tablename__ = "credential_index"

    secret_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    credential_id: Mapped[int] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@dataclass(frozen=True)
class CredentialRef:
    """Which credential a secret is: its tenant, kind and id."""

    tenant_id: int
    kind: str
    credential_id: int


def register(session: Session, secret: str, tenant_id: int, kind: str, credential_id: int) -> str:
    """Index a new secret; returns its hash for the credential row."""
    digest = hash_secret(secret)
    session.add(CredentialIndex(secret_hash=digest, tenant_id=tenant_id, kind=kind, credential_id=credential_id))
    return digest


_revocation_listeners: list[Callable[[str, int], None]] = []


def on_unregister(listener: Callable[[str, int], None]) -> None:
    """Call `listener(kind, credential_id)` whenever this process revokes a credential, so that
    in-process caches of resolved credentials forget it at once (other processes' caches expire)."""
    _revocation_listeners.append(listener)


def unregister(session: Session, kind: str, credential_id: int) -> None:
    """Remove a credential's secrets from the index (revocation)."""
    session.execute(
        delete(CredentialIndex).where(CredentialIndex.kind == kind, CredentialIndex.credential_id == credential_id)
    )
    if _revocation_listeners:
        _tell_listeners(kind, credential_id)
        # again once committed: a lookup between now and the commit still saw the credential alive
        event.listen(session, "after_commit", lambda _session: _tell_listeners(kind, credential_id), once=True)


def _tell_listeners(kind: str, credential_id: int) -> None:
    for listener in _revocation_listeners:
        listener(kind, credential_id)


def resolve(session: Session, secret: str, kinds: tuple[str, ...]) -> CredentialRef | None:
    """Find which credential of the given kinds a presented secret is, or None."""
    if not secret or len(secret) > 200:
        return None
    row = session.execute(
        select(CredentialIndex.tenant_id, CredentialIndex.kind, CredentialIndex.credential_id).where(
            CredentialIndex.secret_hash == hash_secret(secret), CredentialIndex.kind.in_(kinds)
        )
    ).first()
    return CredentialRef(*row) if row else None
