"""The billing jobs: every company's billing run (services.billing_runs), charging due invoices, and mailing the
billing notices."""
from __future__ import annotations

from datetime import datetime

from billing.payment_jobs import charge_due_invoices, mail_billing_notices
from billing.providers import PaymentProvider, provider_from_settings
from jobs.environment import once, process_mailer, process_settings
from services import billing_runs
from tenants.clock import utcnow
from tenants.db import Database
from tenants.unit_of_work import for_each_tenant


def run_billing(db: Database, now: datetime | None = None) -> int:
    """Bill every company up to yesterday and close its last month when due; returns ledger rows added."""
    now = now or utcnow()
    return for_each_tenant(db, lambda unit: billing_runs.bill_company(unit, now), what="run_billing").count


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
