"""The scheduler's job list: each job takes the Database and is idempotent; per-tenant work goes through
tenants.unit_of_work.for_each_tenant (one transaction policy, one failure policy)."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from jobs.alerting import evaluate_alerts
from jobs.billing import charge_invoices, mail_notices, run_billing
from jobs.module_events import deliver_webhooks, emit_module_events
from services import upkeep
from telemetry import partitions
from tenants import team
from tenants.clock import utcnow
from tenants.db import Database
from tenants.models import Tenant
from tenants.unit_of_work import for_each_tenant


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
    return for_each_tenant(db, upkeep.settle_company, what="settle_rollups").count


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
    return for_each_tenant(db, lambda unit: upkeep.pack_company(unit, now), what="pack_readings").count


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
