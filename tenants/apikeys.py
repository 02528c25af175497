"""Tenant API keys for /api/v1: named, prefixed, hashed, shown once, revocable."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from tenants import audit, credentials
from tenants.clock import utcnow
from tenants.db import Base, BigId, TenantOwned
from tenants.errors import NotFound
from tenants.scoping import require_tenant_id, tenant_context
from tenants.secrets import api_key_secret, secret_matches
from tenants.validation import clean_name

KIND = "api_key"
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKey(TenantOwned, Base):
    """A tenant API key; only its hash and a display prefix are kept."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_tenant", "tenant_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)

    @property
    def active(self) -> bool:
        """Whether the key still works."""
        return self.revoked_at is None


def create_key(session: Session, name: str, actor_user_id: int | None = None) -> tuple[ApiKey, str]:
    """Create a key in the current tenant; returns it and the secret (shown once)."""
    secret = api_key_secret()
    key = ApiKey(name=clean_name(name, "key name", 100), prefix=secret[:10], secret_hash="",
                 created_by_id=actor_user_id)
    session.add(key)
    session.flush()
    key.secret_hash = credentials.register(session, secret, require_tenant_id(), KIND, key.id)
    audit.record(session, "api_key_created", actor_user_id, name=key.name, prefix=key.prefix)
    return key, secret


def list_keys(session: Session) -> list[ApiKey]:
    """The current tenant's keys, newest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.created_at.desc(), ApiKey.id.desc())))


def revoke_key(session: Session, key_id: int, actor_user_id: int | None = None) -> ApiKey:
    """Revoke a key of the current tenant at once."""
    key = session.get(ApiKey, key_id)
    if key is None:
        raise NotFound()
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        credentials.unregister(session, KIND, key.id)
        audit.record(session, "api_key_revoked", actor_user_id, name=key.name, prefix=key.prefix)
    return key


def authenticate_key(session: Session, secret: str) -> ApiKey | None:
    """The active key matching the secret, of whichever tenant, noting its use."""
    ref = credentials.resolve(session, secret, (KIND,))
    if ref is None:
        return None
    with tenant_context(ref.tenant_id):
        key = session.get(ApiKey, ref.credential_id)
        if key is None or not key.active or not secret_matches(secret, key.secret_hash):
            return None
        now = utcnow()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            key.last_used_at = now
            session.flush()
    return key
