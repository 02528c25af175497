"""Stored 15-minute rollups, recomputed for exactly the buckets late or new readings touch.

Ingest marks a dirty window per device; telemetry.settling recomputes the quarter buckets of the
merged window (plus the live edge, which moves with `now`) from the readings and replaces them,
and forgets the stored finished days (`DayRollup`, read by telemetry.day_rollups) that overlap it.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import fields
from datetime import UTC, datetime, timedelta

from sqlalchemy import (
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    cast,
    extract,
    insert,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from telemetry.analytics import Bucket
from telemetry.models import Device
from telemetry.stored_readings import reading_span
from tenants.db import Base, BigId, TenantOwned, UTCDateTime
from tenants.scoping import require_tenant_id


class DeviceFigures(TenantOwned):
    """The figure columns both rollup tables share, keyed by device and a bucket's start."""

    device_id: Mapped[int] = mapped_column(BigId)
    energy_wh: Mapped[float] = mapped_column(Float)
    running_s: Mapped[float] = mapped_column(Float)
    idle_s: Mapped[float] = mapped_column(Float)
    off_s: Mapped[float] = mapped_column(Float)
    running_wh: Mapped[float] = mapped_column(Float)
    idle_wh: Mapped[float] = mapped_column(Float)
    off_wh: Mapped[float] = mapped_column(Float)
    max_power_w: Mapped[float | None] = mapped_column(Float, nullable=True)
    avg_power_w: Mapped[float | None] = mapped_column(Float, nullable=True)
    samples: Mapped[int] = mapped_column(Integer)


def _keyed_by_device(start_column: str) -> tuple:
    """Primary key (tenant, device, bucket start); rows go with their device."""
    return (PrimaryKeyConstraint("tenant_id", "device_id", start_column),
            ForeignKeyConstraint(["tenant_id", "device_id"], ["devices.tenant_id", "devices.id"], ondelete="CASCADE"))


class Rollup(DeviceFigures, Base):
    """Figures of one device in one UTC-aligned 15-minute bucket."""

    __tablename__ = "rollups"
    __table_args__ = _keyed_by_device("bucket_start")

    bucket_start: Mapped[datetime] = mapped_column(UTCDateTime())


DAY_FIGURES = ("energy_wh", "running_s", "idle_s", "off_s", "nodata_s", "running_wh", "idle_wh", "off_wh",
               "max_power_w", "avg_power_w", "samples", "cost", "utilization", "availability", "planned_s",
               "idle_waste_wh", "idle_waste_cost")


class DayRollup(DeviceFigures, Base):
    """A device's figures for one finished local day, as `aggregate` computed them under `basis`
    (see telemetry.day_rollups)."""

    __tablename__ = "rollup_days"
    __table_args__ = _keyed_by_device("day_start")

    day_start: Mapped[datetime] = mapped_column(UTCDateTime())
    day_end: Mapped[datetime] = mapped_column(UTCDateTime())
    basis: Mapped[str] = mapped_column(String(16))
    nodata_s: Mapped[float] = mapped_column(Float)
    cost: Mapped[float] = mapped_column(Float)
    utilization: Mapped[float] = mapped_column(Float)
    availability: Mapped[float | None] = mapped_column(Float, nullable=True)
    planned_s: Mapped[float] = mapped_column(Float)
    idle_waste_wh: Mapped[float] = mapped_column(Float)
    idle_waste_cost: Mapped[float] = mapped_column(Float)


class DirtyWindow(TenantOwned, Base):
    """Readings of a device between first_ts and last_ts arrived since its rollups were computed."""

    __tablename__ = "rollup_dirty"
    __table_args__ = (Index("ix_rollup_dirty_tenant_device", "tenant_id", "device_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    device_id: Mapped[int] = mapped_column(BigId)
    first_ts: Mapped[datetime] = mapped_column(UTCDateTime())
    last_ts: Mapped[datetime] = mapped_column(UTCDateTime())


def mark_dirty(session: Session, spans: dict[int, tuple[datetime, datetime]]) -> None:
    """Record, per device, the time span of readings just stored (one row per device)."""
    if spans:
        tenant_id = require_tenant_id()
        session.execute(insert(DirtyWindow), [
            {"tenant_id": tenant_id, "device_id": device_id, "first_ts": first, "last_ts": last}
            for device_id, (first, last) in spans.items()])


def dirty_device_ids(session: Session) -> list[int]:
    """Devices of the current tenant with readings not yet rolled up."""
    return list(session.scalars(select(DirtyWindow.device_id).distinct()))


def mark_history_dirty(session: Session, device: Device) -> None:
    """Recompute all of a device's rollups (its thresholds or max gap changed)."""
    first, last = reading_span(session, device.id)
    if first is not None and last is not None:  # (both are None, or neither)
        mark_dirty(session, {device.id: (first, last)})


def stored_quarters(session: Session, device_id: int, start: datetime, end: datetime) -> list[Bucket]:
    """The device's stored quarter buckets in [start, end), as analytics buckets."""
    rows = session.execute(select(*_QUARTER_COLUMNS).where(  # plain rows: no ORM objects for a month of quarters
        Rollup.device_id == device_id, Rollup.bucket_start >= start, Rollup.bucket_start < end)
        .order_by(Rollup.bucket_start))
    return [_quarter(*row) for row in rows]


def stored_quarters_by_device(session: Session, device_ids: list[int], start: datetime, end: datetime
                              ) -> dict[int, list[Bucket]]:
    """These devices' stored quarter buckets in [start, end), in one query of plain rows.

    Naming the devices lets the (tenant, device, bucket_start) key find each device's day directly
    instead of scanning every bucket of the tenant's history for the day."""
    found: dict[int, list[Bucket]] = defaultdict(list)
    if not device_ids:
        return found
    rows = session.execute(select(Rollup.device_id, *_QUARTER_COLUMNS).where(
        Rollup.device_id.in_(device_ids), Rollup.bucket_start >= start, Rollup.bucket_start < end)
        .order_by(Rollup.device_id, Rollup.bucket_start))
    for device_id, *row in rows:
        found[device_id].append(_quarter(*row))
    return found


def _quarter(epoch, energy, running, idle, off, running_wh, idle_wh, off_wh, max_power, avg_power, samples) -> Bucket:
    start = datetime.fromtimestamp(epoch, UTC)
    # positional (in _BUCKET_ORDER): 40 % cheaper than keywords, and this runs once per stored quarter read
    return Bucket(start, start + _QUARTER, 900.0, energy, running, idle, off, 900.0 - (running + idle + off),
                  running_wh, idle_wh, off_wh, max_power, avg_power, samples)


_BUCKET_ORDER = ("start", "end", "seconds", "energy_wh", "running_s", "idle_s", "off_s", "nodata_s", "running_wh",
                 "idle_wh", "off_wh", "max_power_w", "avg_power_w", "samples")
if tuple(f.name for f in fields(Bucket))[:len(_BUCKET_ORDER)] != _BUCKET_ORDER:  # pragma: no cover - a guard
    raise ImportError("telemetry.analytics.Bucket changed its field order: update rollups._quarter")


_QUARTER = timedelta(seconds=900)
# the start as epoch seconds: a float is much cheaper to fetch than a timestamp with a zone (a month
# of quarters is ~3,000 rows per device, an overview ~5,000); quarter starts are whole seconds
_QUARTER_COLUMNS = (cast(extract("epoch", Rollup.bucket_start), Float), Rollup.energy_wh, Rollup.running_s,
                    Rollup.idle_s, Rollup.off_s, Rollup.running_wh, Rollup.idle_wh, Rollup.off_wh, Rollup.max_power_w,
                    Rollup.avg_power_w, Rollup.samples)
