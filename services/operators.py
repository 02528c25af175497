"""Use cases of the platform operators' pages: every company with its member count, the mail outbox, the
price book, every company's invoices, and settling an invoice (a bank transfer arrived, or void).

The operator pages answer 404 to everyone but platform admins (web.auth.operators_only); the domain checks
the acting admin again where it writes (tenants.accounts.require_platform_admin). Module review and partner
payouts are in services.module_review and services.payouts.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from billing import admin_views, pricebook, settlement
from billing.invoices import tenant_invoice
from billing.models import Invoice
from services.work import committing
from tenants.mail import OutboxMessage, recent_mail
from tenants.models import Membership, Tenant, User
from tenants.scoping import tenant_context

TENANTS_PER_PAGE = 50
INVOICES_PER_PAGE = 50


@dataclass(frozen=True)
class TenantsPage:
    """A page of companies, newest first, each with its member count, and where the page is."""

    rows: list[tuple[Tenant, int]]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class PriceBook:
    """The price book's rows (each currency with an entry, then the currencies companies use at the
    defaults) and the default prices a new currency's entry starts from."""

    rows: list[pricebook.Prices]
    blank: pricebook.Prices


@dataclass(frozen=True)
class InvoicesPage:
    """A page of every company's invoices, newest first; `capped` when the list stopped at its maximum."""

    rows: list[admin_views.CompanyInvoice]
    page: int
    pages: int
    total: int
    capped: bool


def _pages(total: int, per_page: int, page: int) -> tuple[int, int]:
    """The number of pages (at least one) and `page` clamped to them."""
    pages = max((total + per_page - 1) // per_page, 1)
    return min(max(page, 1), pages), pages


def tenants_page(session: Session, page: int) -> TenantsPage:
    """Every company with its member count, newest first, one page of them (clamped to the pages there are)."""
    total = session.scalar(select(func.count(Tenant.id))) or 0
    page, pages = _pages(total, TENANTS_PER_PAGE, page)
    members = select(Membership.tenant_id, func.count().label("n")).group_by(Membership.tenant_id).subquery()
    rows = session.execute(
        select(Tenant, func.coalesce(members.c.n, 0)).outerjoin(members, members.c.tenant_id == Tenant.id)
        .order_by(Tenant.created_at.desc(), Tenant.id.desc())
        .offset((page - 1) * TENANTS_PER_PAGE).limit(TENANTS_PER_PAGE)
    ).all()
    return TenantsPage([(tenant, members_count) for tenant, members_count in rows], page, pages, total)


def mail_outbox(session: Session, recipient: str | None) -> list[OutboxMessage]:
    """The newest mails the platform sent or kept in its outbox (only those to `recipient` when given)."""
    return recent_mail(session, recipient)


def price_book(session: Session) -> PriceBook:
    """The price book: a row per currency with an entry, then the currencies companies use at the defaults."""
    rows = pricebook.price_book(session)
    known = {row.currency for row in rows}
    rows += [pricebook.prices_for(session, code) for code in admin_views.currencies_in_use(session)
             if code not in known]
    blank = pricebook.Prices("", pricebook.DEFAULT_DEVICE_DAY_MINOR, pricebook.DEFAULT_FREE_DEVICES,
                             pricebook.DEFAULT_COMMISSION_BP)
    return PriceBook(rows, blank)


def set_prices(session: Session, admin: User, currency: str, *, device_day_minor: object, free_devices: object,
               commission_bp: object) -> pricebook.Prices:
    """Set one currency's prices (they apply to days billed from now on); a refused value changes nothing."""
    with committing(session):
        prices = pricebook.set_prices(session, admin, currency, device_day_minor, free_devices, commission_bp)
    return prices


def company_invoices(session: Session, statuses: tuple[str, ...] | None, page: int) -> InvoicesPage:
    """Every company's invoices in `statuses` (all for None), newest first and at most
    `admin_views.MAX_INVOICES` of them, one page of them (clamped to the pages there are)."""
    rows = admin_views.all_invoices(session, statuses)
    page, pages = _pages(len(rows), INVOICES_PER_PAGE, page)
    shown = rows[(page - 1) * INVOICES_PER_PAGE:page * INVOICES_PER_PAGE]
    return InvoicesPage(shown, page, pages, len(rows), len(rows) >= admin_views.MAX_INVOICES)


def _settle(session: Session, tenant_id: int, invoice_id: int,
            action: Callable[[Session, Invoice, User, datetime], Invoice], admin: User, now: datetime) -> Invoice:
    """Run `action` on a company's invoice as that company (NotFound for an unknown invoice); a refused
    change is rolled back."""
    with tenant_context(tenant_id):
        invoice, _lines = tenant_invoice(session, invoice_id)
        with committing(session):
            action(session, invoice, admin, now)
    return invoice


def mark_invoice_paid(session: Session, admin: User, tenant_id: int, invoice_id: int, now: datetime) -> Invoice:
    """A bank transfer arrived: the company's invoice is paid and the modules' partners earn their share."""
    return _settle(session, tenant_id, invoice_id, settlement.mark_paid_by_admin, admin, now)


def void_invoice(session: Session, admin: User, tenant_id: int, invoice_id: int, now: datetime) -> Invoice:
    """Cancel one of a company's unpaid invoices."""
    return _settle(session, tenant_id, invoice_id, settlement.void, admin, now)
