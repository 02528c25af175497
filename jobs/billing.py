"""The billing job: every company's closed days into the ledger, cap notices, and last month's invoice
once a day of grace has passed (so the month's last readings are in). Safe to run twice at once: the
company's row is locked on PostgreSQL, ledger rows and invoices are unique."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing import invoices, ledger, notices
from billing.payment_jobs import charge_due_invoices, mail_billing_notices
from billing.providers import PaymentProvider, provider_from_settings
from jobs.environment import once, process_mailer, process_settings
from tenants.clock import local_date, utcnow
from tenants.db import Database
from tenants.models import Tenant
from tenants.unit_of_work import TenantUnit, for_each_tenant

log = logging.getLogger("jobs.billing")
CLOSE_AFTER_DAYS = 1


def run_billing(db: Database, now: datetime | None = None) -> int:
    """Bill every company up to yesterday and close its last month when due; returns ledger rows added."""
    now = now or utcnow()
    return for_each_tenant(db, lambda unit: _bill_tenant(unit, now), what="run_billing").count


def _bill_tenant(unit: TenantUnit, now: datetime) -> int:
    added = unit.attempt(lambda session: _bill_days(session, unit.tenant_id, now))
    try:
        unit.attempt(lambda session: _close_last_month(session, unit.tenant_id, now))
    except Exception:  # the days billed stay billed (and counted); the next run closes the month
        log.exception("closing last month of tenant %s failed", unit.tenant_id)
    return added


def _bill_days(session: Session, tenant_id: int, now: datetime) -> int:
    tenant = session.scalars(select(Tenant).where(Tenant.id == tenant_id).with_for_update()).one()
    added = ledger.bill_closed_days(session, tenant, now)
    today = local_date(now, tenant)
    notices.check_caps(session, tenant, invoices.month_start(today), invoices.next_month(today))
    return added


def _close_last_month(session: Session, tenant_id: int, now: datetime) -> None:
    tenant = session.scalars(select(Tenant).where(Tenant.id == tenant_id).with_for_update()).one()
    today = local_date(now, tenant)
    if (today - invoices.month_start(today)).days < CLOSE_AFTER_DAYS:
        return
    last_month = invoices.month_start(invoices.month_start(today) - timedelta(days=1))
    try:
        with session.begin_nested():
            invoices.close_month(session, tenant, last_month, now)
    except IntegrityError:  # another scheduler closed it at the same moment
        log.info("invoice of tenant %s was closed by another run", tenant_id)


def charge_invoices(db: Database) -> int:
    """Charge due invoices through the configured payment provider (Stripe, or local: nothing to do)."""
    return charge_due_invoices(db, process_provider(), utcnow())


@once
def process_provider() -> PaymentProvider:
    """This process's payment provider, built once from its settings."""
    return provider_from_settings(process_settings())


def mail_notices(db: Database) -> int:
    """Mail new billing notices (caps reached, payments failed) to the companies' owners and admins."""
    return mail_billing_notices(db, process_mailer(), process_settings().base_url, utcnow())
