"""Billing for the demo company: its simulated history is billed as if it had been running all along,
so the quick start shows the month so far and, from the second day of a month on, last month's invoice."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing import invoices, ledger
from billing.models import Invoice
from telemetry.models import Device
from tenants.clock import local_date
from tenants.models import Tenant


def bill_demo_history(session: Session, tenant: Tenant, since: datetime, now: datetime) -> Invoice | None:
    """Date the current (demo) company and its machines back to `since`, write the ledger of its closed
    days and close last month; returns last month's invoice, if it had anything to bill."""
    tenant.created_at = min(tenant.created_at, since)
    for device in session.scalars(select(Device).where(Device.status != "pending")):
        device.active_since = min(device.active_since or since, since)
    session.flush()
    ledger.bill_closed_days(session, tenant, now)
    this_month = invoices.month_start(local_date(now, tenant))
    return invoices.close_month(session, tenant, invoices.month_start(this_month - timedelta(days=1)), now)
