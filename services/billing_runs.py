"""The billing runs of one company: its closed days into the ledger with the cap notices, and last month's
invoice once a day of grace has passed (so the month's last readings are in). Safe to run twice at once: the
company's row is locked on PostgreSQL, ledger rows and invoices are unique."""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing import invoices, ledger, notices
from tenants.clock import local_date
from tenants.models import Tenant
from tenants.unit_of_work import TenantUnit

log = logging.getLogger("services.billing_runs")
CLOSE_AFTER_DAYS = 1


def bill_company(unit: TenantUnit, now: datetime) -> int:
    """Bill the company's closed days into the ledger, check its caps, and close its last month into an invoice
    once a day of grace has passed; returns the ledger rows added (kept when closing the month fails: the next
    run closes it)."""
    added = unit.attempt(lambda session: _bill_days(session, unit.tenant_id, now))
    try:
        unit.attempt(lambda session: _close_last_month(session, unit.tenant_id, now))
    except Exception:  # the days billed stay billed (and counted)
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
