"""The billing job: every company's closed days into the ledger, cap notices, and last month's invoice
once a day of grace has passed (so the month's last readings are in). Safe to run twice at once: the
company's row is locked on PostgreSQL, ledger rows and invoices are unique."""
from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from billing import invoices, ledger, notices
from billing.payment_jobs import charge_due_invoices, mail_billing_notices
from billing.providers import provider_from_settings
from jobs.environment import mailer_from, settings_from_env
from tenants.clock import utcnow
from tenants.db import Database
from tenants.models import Tenant
from tenants.scoping import tenant_context

log = logging.getLogger("jobs.billing")
CLOSE_AFTER_DAYS = 1


def run_billing(db: Database, now: datetime | None = None) -> int:
    """Bill every company up to yesterday and close its last month when due; returns ledger rows added."""
    now = now or utcnow()
    with db.session() as session:
        tenant_ids = list(session.scalars(select(Tenant.id).order_by(Tenant.id)))
    added = 0
    for tenant_id in tenant_ids:
        try:
            with tenant_context(tenant_id):
                added += _retrying(lambda: _bill_days(db, tenant_id, now))
                _retrying(lambda: _close_last_month(db, tenant_id, now))
        except Exception:  # one company's trouble must not stop the others' billing; the next run retries
            log.exception("billing of tenant %s failed", tenant_id)
    return added


def _retrying(step, attempts: int = 5):
    # SQLite refuses a write in a transaction that read before another writer committed ("database is
    # locked"); the step is idempotent, so running it again sees the other's rows and does the rest
    for attempt in range(attempts):
        try:
            return step()
        except OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))


def _bill_days(db: Database, tenant_id: int, now: datetime) -> int:
    with db.session() as session:
        tenant = session.scalar(select(Tenant).where(Tenant.id == tenant_id).with_for_update())
        added = ledger.bill_closed_days(session, tenant, now)
        today = now.astimezone(ZoneInfo(tenant.timezone)).date()
        notices.check_caps(session, tenant, invoices.month_start(today), invoices.next_month(today))
    return added


def _close_last_month(db: Database, tenant_id: int, now: datetime) -> None:
    try:
        with db.session() as session:
            tenant = session.scalar(select(Tenant).where(Tenant.id == tenant_id).with_for_update())
            today = now.astimezone(ZoneInfo(tenant.timezone)).date()
            if (today - invoices.month_start(today)).days < CLOSE_AFTER_DAYS:
                return
            last_month = invoices.month_start(invoices.month_start(today) - timedelta(days=1))
            invoices.close_month(session, tenant, last_month, now)
    except IntegrityError:  # another scheduler closed it at the same moment
        log.info("invoice of tenant %s was closed by another run", tenant_id)


def charge_invoices(db: Database) -> int:
    """Charge due invoices through the configured payment provider (Stripe, or local: nothing to do)."""
    return charge_due_invoices(db, provider_from_settings(settings_from_env()), utcnow())


def mail_notices(db: Database) -> int:
    """Mail new billing notices (caps reached, payments failed) to the companies' owners and admins."""
    settings = settings_from_env()
    return mail_billing_notices(db, mailer_from(settings), settings.base_url, utcnow())
