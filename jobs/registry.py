"""The scheduler's job list: each job takes the Database and is idempotent; per-tenant work goes through
tenants.unit_of_work.for_each_tenant (one transaction policy, one failure policy)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

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
from tenants.unit_of_work import TenantUnit, for_each_tenant


@dataclass(frozen=True)
class Job:
    """A job and how often it runs."""

    name: str
    run: Callable[[Database], int]
    every_seconds: int


def purge_expired_invitations(db: Database) -> int:
    """Delete invitations whose link has expired, in every tenant; returns how many."""
    return for_each_tenant(db, lambda unit: unit.attempt(team.purge_expired_invitations),
                           what="purge_expired_invitations").count


def settle_rollups(db: Database) -> int:
    """Recompute the rollups late or new readings touched, in every tenant; returns buckets written.
    Safe beside other settlers (jobs.settler): each takes the devices no other is settling."""
    return for_each_tenant(db, _settle_tenant, what="settle_rollups").count


def _settle_tenant(unit: TenantUnit) -> int:
    with unit.session() as session:
        device_ids = rollups.dirty_device_ids(session)
    written = 0
    for i in range(0, len(device_ids), settling.CHUNK):  # a transaction per chunk: short device locks
        with unit.session() as session:
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
        created = partitions.ensure_partitions(connection, today,
                                               partitions.month_start(today, partitions.MONTHS_AHEAD))
        dropped = partitions.drop_expired_partitions(connection, max(keep_days, 730))
    return len(created) + len(dropped)


def pack_readings(db: Database) -> int:
    """In every tenant, move the readings of finished days into packed blocks (merging late ones)
    and drop the blocks past the tenant's retention; returns how many readings moved. A transaction
    per device-day: safe to stop and run again."""
    now = utcnow()
    return for_each_tenant(db, lambda unit: _pack_tenant(unit, now), what="pack_readings").count


def _pack_tenant(unit: TenantUnit, now: datetime) -> int:
    with unit.session() as session:
        keep_days = session.scalars(select(Tenant.raw_retention_days).where(Tenant.id == unit.tenant_id)).one()
        packing.drop_expired_blocks(session, keep_days, now)
        device_ids = list(session.scalars(select(Device.id).order_by(Device.id)))
    moved = 0
    for device_id in device_ids:
        while day := unit.attempt(lambda session, device_id=device_id: packing.pack_next_day(session, device_id, now)):
            moved += day
    return moved


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
