"""The scheduler's job list: each job takes the Database, is idempotent and sets tenant context itself."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from jobs.alerting import evaluate_alerts
from jobs.billing import charge_invoices, mail_notices, run_billing
from jobs.module_events import deliver_webhooks, emit_module_events
from telemetry import packing, partitions, rollups, settling
from telemetry.models import Device
from tenants import team
from tenants.clock import utcnow
from tenants.db import Database
from tenants.models import Tenant
from tenants.scoping import tenant_context


@dataclass(frozen=True)
class Job:
    """A job and how often it runs."""

    name: str
    run: Callable[[Database], int]
    every_seconds: int


def tenant_ids(db: Database) -> list[int]:
    """Every tenant's id (the tenants table is a platform table)."""
    with db.session() as session:
        return list(session.scalars(select(Tenant.id).order_by(Tenant.id)))


def purge_expired_invitations(db: Database) -> int:
    """Delete invitations whose link has expired; returns how many."""
    removed = 0
    for tenant_id in tenant_ids(db):
        with db.session() as session:
            removed += team.purge_expired_invitations(session, [tenant_id])
    return removed


def settle_rollups(db: Database) -> int:
    """Recompute the rollups late or new readings touched, in every tenant; returns buckets written.
    Safe beside other settlers (jobs.settler): each takes the devices no other is settling."""
    written = 0
    for tenant_id in tenant_ids(db):
        with tenant_context(tenant_id):
            with db.session() as session:
                device_ids = rollups.dirty_device_ids(session)
            for i in range(0, len(device_ids), settling.CHUNK):  # a transaction per chunk: short device locks
                with db.session() as session:
                    chunk = device_ids[i:i + settling.CHUNK]
                    devices = list(session.scalars(select(Device).where(Device.id.in_(chunk))))
                    written += settling.settle_devices(session, devices, skip_locked=True)
    return written


def maintain_partitions(db: Database) -> int:
    """PostgreSQL: create next months' reading partitions, drop those past every tenant's retention."""
    if db.dialect != "postgresql":
        return 0
    with db.session() as session:
        keep_days = session.scalar(select(func.max(Tenant.raw_retention_days))) or 730
    with db.engine.begin() as connection:
        today = utcnow().date()
        created = partitions.ensure_partitions(connection, today, partitions.month_start(today, partitions.MONTHS_AHEAD))
        dropped = partitions.drop_expired_partitions(connection, max(keep_days, 730))
    return len(created) + len(dropped)


def pack_readings(db: Database) -> int:
    """In every tenant, move the readings of finished days into packed blocks (merging late ones)
    and drop the blocks past the tenant's retention; returns how many readings moved. A transaction
    per device-day: safe to stop and run again."""
    now, moved = utcnow(), 0
    for tenant_id in tenant_ids(db):
        with tenant_context(tenant_id):
            with db.session() as session:
                keep_days = session.scalar(select(Tenant.raw_retention_days).where(Tenant.id == tenant_id))
                packing.drop_expired_blocks(session, keep_days, now)
                device_ids = list(session.scalars(select(Device.id).order_by(Device.id)))
            for device_id in device_ids:
                moved += _pack_device(db, device_id, now)
    return moved


def _pack_device(db: Database, device_id: int, now) -> int:
    moved = 0
    while True:
        with db.session() as session:
            day = packing.pack_next_day(session, device_id, now)
        if not day:
            return moved
        moved += day


JOBS: tuple[Job, ...] = (
    Job("purge_expired_invitations", purge_expired_invitations, every_seconds=3600),
    Job("settle_rollups", settle_rollups, every_seconds=30),
    Job("maintain_partitions", maintain_partitions, every_seconds=6 * 3600),
    Job("pack_readings", pack_readings, every_seconds=3600),
    Job("evaluate_alerts", evaluate_alerts, every_seconds=60),
    Job("emit_module_events", emit_module_events, every_seconds=60),
    Job("deliver_webhooks", deliver_webhooks, every_seconds=15),
    Job("run_billing", run_billing, every_seconds=3600),
    Job("charge_invoices", charge_invoices, every_seconds=3600),
    Job("mail_billing_notices", mail_notices, every_seconds=300),
)
