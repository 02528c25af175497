"""What platform operators see of billing across companies.

Invoices are tenant-owned: the scoping hook adds the current tenant to every query, and on PostgreSQL
row-level security hides other companies' rows from the app's role even in raw SQL. So there is no query
that reads every company's invoices at once, and none is added here on purpose. Instead the operator's
list walks the tenants, entering each one's context (`tenants.unit_of_work.each_tenant`), and asks for that
company's newest matching invoices, then merges and caps the result (`MAX_INVOICES`). That is one small
indexed query per company: fine for the operator page of a platform with hundreds of companies; past
that, a platform-level invoice summary table (written when an invoice changes) would replace the walk.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.models import INVOICE_STATUSES, Invoice
from tenants.models import Tenant
from tenants.unit_of_work import each_tenant

MAX_INVOICES = 200
UNPAID = ("open", "payment_failed")


@dataclass(frozen=True)
class CompanyInvoice:
    """An invoice with the company it belongs to."""

    tenant_id: int
    company: str
    invoice: Invoice


def all_invoices(session: Session, statuses: tuple[str, ...] | None = UNPAID,
                 limit: int = MAX_INVOICES) -> list[CompanyInvoice]:
    """Every company's invoices in `statuses` (all statuses for None), newest first, at most `limit`."""
    unknown = set(statuses or ()) - set(INVOICE_STATUSES)
    if unknown:
        raise ValueError(f"unknown invoice statuses: {sorted(unknown)}")
    query = select(Invoice).order_by(Invoice.issued_at.desc(), Invoice.id.desc()).limit(limit)
    if statuses:
        query = query.where(Invoice.status.in_(statuses))
    found: list[CompanyInvoice] = []
    for tenant in each_tenant(session):
        found.extend(CompanyInvoice(tenant.id, tenant.name, invoice) for invoice in session.scalars(query))
    found.sort(key=lambda row: (row.invoice.issued_at, row.invoice.id), reverse=True)
    return found[:limit]


def currencies_in_use(session: Session) -> list[str]:
    """The currencies companies bill in, by code (the price book may lack some: they use the defaults)."""
    return sorted(set(session.scalars(select(Tenant.currency).distinct())))
