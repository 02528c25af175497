"""Use cases of the company's billing: the billing page, the monthly cap, an invoice, a billing notice."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing import invoices, notices, preview, pricebook, tax, usage
from billing.models import BillingAccount, BillingNotice, Invoice, InvoiceLine
from marketplace import installations
from marketplace.manifest import Pricing
from marketplace.models import Installation
from services.work import committing
from tenants.clock import local_today
from tenants.models import Tenant

INVOICES_SHOWN = 12


@dataclass(frozen=True)
class ModuleSpend:
    """An installed module with the pricing the company consented to and its spend this month."""

    installation: Installation
    name: str
    pricing: Pricing
    spent_minor: int


@dataclass(frozen=True)
class Notices:
    """The company's open billing notices, and the names of the modules they are about."""

    open: list[BillingNotice]
    module_names: dict[int, str]


@dataclass(frozen=True)
class BillingPage:
    """Everything the billing page shows: the month so far with its projection, the caps, the invoices,
    the installed modules' spend, the open notices, the prices and tax that apply, the payment card."""

    today: date
    preview: preview.Preview
    invoices: list[Invoice]
    modules: list[ModuleSpend]
    notices: Notices
    prices: pricebook.Prices
    tax: tax.TaxTreatment
    billing_account: BillingAccount | None


def open_notices(session: Session) -> Notices:
    """The current company's open billing notices with the names of the modules they are about."""
    found = notices.open_notices(session)
    names = {i.id: m.display_name for i, m in installations.tenant_installations(session)} if found else {}
    return Notices(found, names)


def billing_page(session: Session, tenant: Tenant, now: datetime) -> BillingPage:
    """The current company's billing page, for its local today."""
    today = local_today(tenant, now)
    modules = [ModuleSpend(installation, module.display_name, installations.consented_pricing(installation),
                           usage.month_spend_minor(session, installation.id, today))
               for installation, module in installations.tenant_installations(session)]
    return BillingPage(today, preview.month_preview(session, tenant, today),
                       invoices.tenant_invoices(session, INVOICES_SHOWN), modules, open_notices(session),
                       pricebook.prices_for(session, tenant.currency), tax.tax_for(tenant.country, tenant.vat_id),
                       session.scalar(select(BillingAccount)))


def set_monthly_cap(session: Session, tenant: Tenant, cap_minor: int | None) -> None:
    """Set (or clear, with None) the company's overall monthly cap; a refused amount changes nothing."""
    with committing(session):
        preview.set_overall_cap(tenant, cap_minor)


def invoice(session: Session, invoice_id: int) -> tuple[Invoice, list[InvoiceLine]]:
    """One of the current company's invoices with its lines (NotFound for other companies')."""
    return invoices.tenant_invoice(session, invoice_id)


def dismiss_notice(session: Session, notice_id: int) -> None:
    """Hide one of the current company's billing notices (NotFound for other companies')."""
    notices.dismiss_notice(session, notice_id)
    session.commit()
