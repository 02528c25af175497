"""The shop floor's tables: stop reasons and stop events, the windows stop detection must look at again, each
machine's production settings, per-shift counts, and display links for the wall screen."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, ForeignKeyConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.clock import utcnow
from tenants.db import Base, BigId, TenantOwned, UTCDateTime

CATEGORIES = ("planned", "unplanned")
DEFAULT_MIN_STOP_S = 300


def _device_fk(table: str) -> ForeignKeyConstraint:
    return ForeignKeyConstraint(["tenant_id", "device_id"], ["devices.tenant_id", "devices.id"], ondelete="CASCADE",
                                name=f"fk_{table}_tenant_id_devices")


class StopReason(TenantOwned, Base):
    """One entry of the company's reason list: a label in a category (planned stops do not count against
    availability); archived reasons stay on the stops tagged with them but are no longer offered."""

    __tablename__ = "stop_reasons"
    __table_args__ = (UniqueConstraint("tenant_id", "label", name="uq_stop_reasons_tenant_label"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    label: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(10))  # planned | unplanned
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class StopEvent(TenantOwned, Base):
    """A stop of a machine: an off/idle stretch at least the machine's minimum long; `ended_at` is empty while it
    lasts. Tagging gives it a reason, a note, who and when."""

    __tablename__ = "stop_events"
    __table_args__ = (
        _device_fk("stop_events"),
        UniqueConstraint("tenant_id", "device_id", "started_at", name="uq_stop_events_device_start"),
        Index("ix_stop_events_tenant_started", "tenant_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    device_id: Mapped[int] = mapped_column(BigId)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    off_s: Mapped[float] = mapped_column(Float, default=0.0)
    idle_s: Mapped[float] = mapped_column(Float, default=0.0)
    reason_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("stop_reasons.id", ondelete="SET NULL"),
                                                  nullable=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    tagged_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"),
                                                     nullable=True)
    tagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class StopWindow(TenantOwned, Base):
    """A stretch of a device's readings that changed since stop detection last looked (settling hands over the
    dirty windows it settled); detection re-derives the stops around it and deletes the row."""

    __tablename__ = "stop_windows"
    __table_args__ = (_device_fk("stop_windows"), Index("ix_stop_windows_tenant_device", "tenant_id", "device_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    device_id: Mapped[int] = mapped_column(BigId)
    first_ts: Mapped[datetime] = mapped_column(UTCDateTime())
    last_ts: Mapped[datetime] = mapped_column(UTCDateTime())


class MachineSettings(TenantOwned, Base):
    """A machine's production settings (a row only once the owner changed a default): the shortest off/idle
    stretch that counts as a stop, and optional cycle counting from the power signature (a rise above
    `cycle_above_w`, the running threshold when empty, lasting from `cycle_min_s` to `cycle_max_s`), with the
    learned typical cycle and the ideal one the owner sets."""

    __tablename__ = "machine_settings"
    __table_args__ = (_device_fk("machine_settings"),
                      UniqueConstraint("tenant_id", "device_id", name="uq_machine_settings_device"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    device_id: Mapped[int] = mapped_column(BigId)
    min_stop_s: Mapped[int] = mapped_column(Integer, default=DEFAULT_MIN_STOP_S)
    count_cycles: Mapped[bool] = mapped_column(Boolean, default=False)
    cycle_above_w: Mapped[float | None] = mapped_column(Float, nullable=True)
    cycle_min_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    cycle_max_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    ideal_cycle_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    learned_cycle_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    learned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ProductionCount(TenantOwned, Base):
    """What people counted for one machine in one shift: parts made (overrides the detected cycles when given)
    and scrap; the shift is identified by its local start as a UTC instant."""

    __tablename__ = "production_counts"
    __table_args__ = (_device_fk("production_counts"),
                      UniqueConstraint("tenant_id", "device_id", "shift_start", name="uq_production_counts_shift"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    device_id: Mapped[int] = mapped_column(BigId)
    shift_start: Mapped[datetime] = mapped_column(UTCDateTime())
    shift_end: Mapped[datetime] = mapped_column(UTCDateTime())
    parts: Mapped[int | None] = mapped_column(Integer, nullable=True)
    scrap: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    entered_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"),
                                                      nullable=True)
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class DisplayLink(TenantOwned, Base):
    """A revocable link that opens the wall screen of the company, and nothing else; the secret is in the
    credential index (kind "display"), only its hash is kept, and it is shown once."""

    __tablename__ = "display_links"
    __table_args__ = (Index("ix_display_links_tenant", "tenant_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))
    secret_hash: Mapped[str] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"),
                                                      nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
