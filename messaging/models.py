"""Messaging's tables: a company's channels, the phones that subscribed to Web Push, and the end-of-shift reports
sent (one per company and shift)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.clock import utcnow
from tenants.db import Base, BigId, TenantOwned, UTCDateTime

KINDS = ("wecom", "dingtalk", "feishu", "telegram", "ntfy")


class MessageChannel(TenantOwned, Base):
    """A place the company's alerts and shift reports go: a group bot, a Telegram chat or an ntfy topic. The
    target (webhook address or token) and the signing secret are kept encrypted with the app's key."""

    __tablename__ = "message_channels"
    __table_args__ = (Index("ix_message_channels_tenant", "tenant_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100))
    target_encrypted: Mapped[str] = mapped_column(Text)
    secret_encrypted: Mapped[str | None] = mapped_column(Text, nullable=True)
    target_hint: Mapped[str] = mapped_column(String(120), default="")  # shown instead of the target itself
    sends_alerts: Mapped[bool] = mapped_column(Boolean, default=True)
    sends_shift_reports: Mapped[bool] = mapped_column(Boolean, default=True)
    language: Mapped[str] = mapped_column(String(10), default="en")
    created_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"),
                                                      nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)


class PushSubscription(TenantOwned, Base):
    """A browser's Web Push subscription of one person in one company (endpoint and keys as the browser gave)."""

    __tablename__ = "push_subscriptions"
    __table_args__ = (UniqueConstraint("tenant_id", "endpoint_hash", name="uq_push_subscriptions_endpoint"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"))
    endpoint: Mapped[str] = mapped_column(Text)
    endpoint_hash: Mapped[str] = mapped_column(String(64))
    keys: Mapped[dict] = mapped_column(JSON, default=dict)  # p256dh, auth
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    sends_alerts: Mapped[bool] = mapped_column(Boolean, default=True)
    sends_shift_reports: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)


class ShiftReport(TenantOwned, Base):
    """The end-of-shift report of one shift of the company: claimed once (unique shift start), its figures and
    where it went."""

    __tablename__ = "shift_reports"
    __table_args__ = (UniqueConstraint("tenant_id", "shift_start", name="uq_shift_reports_shift"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shift_start: Mapped[datetime] = mapped_column(UTCDateTime())
    shift_end: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    deliveries: Mapped[list] = mapped_column(JSON, default=list)  # [{"channel": "...", "ok": bool, "error": ""}]
