"""The audit log of security events, visible to a tenant's owners."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from tenants.clock import utcnow
from tenants.db import Base, BigId, TenantOwned

EVENTS = (
    "login", "login_failed", "logout", "password_changed", "password_reset", "signup",
    "email_verified", "member_invited", "member_joined", "member_removed", "role_changed",
    "ownership_transferred", "api_key_created", "api_key_revoked", "settings_changed",
)


class AuditEvent(TenantOwned, Base):
    """One security-relevant event in a tenant."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_tenant_at", "tenant_id", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"))
    event: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45), nullable=True)


def record(session: Session, event: str, actor_user_id: int | None = None, ip: str | None = None, **detail) -> None:
    """Append an event to the current tenant's audit log."""
    if event not in EVENTS:
        raise ValueError(f"unknown audit event {event!r}")
    session.add(AuditEvent(event=event, actor_user_id=actor_user_id, ip=ip, detail=detail))


def page_of_events(session: Session, page: int, per_page: int = 50) -> tuple[list[AuditEvent], int]:
    """One page of the current tenant's events, newest first, and the total count."""
    total = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    rows = session.scalars(
        select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .offset(max(page - 1, 0) * per_page).limit(per_page)
    ).all()
    return list(rows), total
