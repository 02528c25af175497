"""Devices, their credentials, and stored readings."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tenants.clock import utcnow
from tenants.db import Base, BigId, TenantOwned, UTCDateTime

KINDS = ("smart_plug", "din_rail", "clamp", "other")
STATUSES = ("active", "pending", "retired")


class Device(TenantOwned, Base):
    """A meter on a machine; `pending` when a gateway named it first and the owner has not accepted it."""

    __tablename__ = "devices"
    __table_args__ = (
        UniqueConstraint("tenant_id", "name"),
        UniqueConstraint("tenant_id", "id"),  # target of composite foreign keys
        Index("ix_devices_tenant_status", "tenant_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16), default="other")
    site: Mapped[str] = mapped_column(String(100), default="")
    line: Mapped[str] = mapped_column(String(100), default="")
    rated_w: Mapped[float | None] = mapped_column(Float, nullable=True)
    off_below_w: Mapped[float] = mapped_column(Float, default=10.0)
    run_above_w: Mapped[float] = mapped_column(Float, default=100.0)
    max_gap_s: Mapped[int] = mapped_column(Integer, default=300)
    input_map: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_reading_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_seen_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_power_w: Mapped[float | None] = mapped_column(Float, nullable=True)
    state: Mapped[str | None] = mapped_column(String(8), nullable=True)  # of the newest reading
    state_since: Mapped[datetime | None] = mapped_column(nullable=True)
    # when the device stopped being pending (billing counts its days from then); None while pending
    active_since: Mapped[datetime | None] = mapped_column(nullable=True)
    # what the device last said about itself in posts without power or energy (relay, Wi-Fi, uptime)
    reported_status: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(nullable=True)


class DeviceCredential(TenantOwned, Base):
    """A device token (bound to one device) or a gateway key (posts for many devices by name)."""

    __tablename__ = "device_credentials"
    __table_args__ = (Index("ix_device_credentials_tenant_device", "tenant_id", "device_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # device | gateway
    device_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("devices.id", ondelete="CASCADE"),
                                                     nullable=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Reading(TenantOwned, Base):
    """One stored reading; (tenant, device, ts) is unique and the first write wins."""

    __tablename__ = "readings"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "device_id", "ts"),
        ForeignKeyConstraint(["tenant_id", "device_id"], ["devices.tenant_id", "devices.id"], ondelete="CASCADE"),
    )

    device_id: Mapped[int] = mapped_column(BigId)
    ts: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    power_w: Mapped[float | None] = mapped_column(Float, nullable=True)
    energy_wh: Mapped[float | None] = mapped_column(Float, nullable=True)
    voltage_v: Mapped[float | None] = mapped_column(Float, nullable=True)
    current_a: Mapped[float | None] = mapped_column(Float, nullable=True)
    power_factor: Mapped[float | None] = mapped_column(Float, nullable=True)
    extra: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class ReadingBlock(TenantOwned, Base):
    """A device's readings of one finished UTC day, packed (telemetry.reading_blocks); the
    readings are no longer in the row table, except late ones not merged yet."""

    __tablename__ = "reading_blocks"
    __table_args__ = (
        PrimaryKeyConstraint("tenant_id", "device_id", "day"),
        ForeignKeyConstraint(["tenant_id", "device_id"], ["devices.tenant_id", "devices.id"], ondelete="CASCADE"),
    )

    device_id: Mapped[int] = mapped_column(BigId)
    day: Mapped[date] = mapped_column(Date)
    first_ts: Mapped[datetime] = mapped_column(UTCDateTime())
    last_ts: Mapped[datetime] = mapped_column(UTCDateTime())
    count: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
