"""An invoice's payment outcome: paid (then the modules' partners earn their share), payment failed
(retried over days, with a notice and a mail to the owners), or void."""
from __future__ import annotations

from datetime import datetime, timedelta
from itertools import groupby
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.models import Invoice, InvoiceLine, RevenueEntry
from billing.notices import add_notice
from tenants.accounts import require_platform_admin
from tenants.clock import utcnow
from tenants.db import upsert_insert
from tenants.errors import N_, Conflict
from tenants.models import User

RETRY_AFTER = (timedelta(days=1), timedelta(days=3), timedelta(days=5))  # then the invoice waits for the owner


def settle_paid(session: Session, invoice: Invoice, now: datetime | None = None) -> Invoice:
    """Mark the invoice paid (again is harmless) and record each module's revenue share of it."""
    if invoice.status == "void":
        raise Conflict(N_("A void invoice cannot be paid."))
    if invoice.status != "paid":
        invoice.status, invoice.paid_at = "paid", now or utcnow()
        invoice.next_payment_at, invoice.last_payment_error = None, ""
    record_revenue(session, invoice)
    return invoice


def settle_failed(session: Session, invoice: Invoice, error: str, now: datetime | None = None) -> Invoice:
    """Note a failed charge: retry later (a few times), tell the owners once per attempt."""
    if invoice.status in ("paid", "void"):
        return invoice
    now = now or utcnow()
    invoice.status, invoice.last_payment_error = "payment_failed", error[:300]
    invoice.payment_attempts += 1
    retry = RETRY_AFTER[invoice.payment_attempts - 1] if invoice.payment_attempts <= len(RETRY_AFTER) else None
    invoice.next_payment_at = now + retry if retry else None
    add_notice(session, f"payment_failed:{invoice.id}:{invoice.payment_attempts}", "payment_failed",
               {"invoice_id": invoice.id, "number": invoice.number, "error": error[:200],
                "total_minor": invoice.total_minor, "currency": invoice.currency})
    return invoice


def mark_paid_by_admin(session: Session, invoice: Invoice, admin: User, now: datetime | None = None) -> Invoice:
    """A platform admin saw the bank transfer arrive."""
    require_platform_admin(admin)
    return settle_paid(session, invoice, now)


def void(session: Session, invoice: Invoice, admin: User, now: datetime | None = None) -> Invoice:
    """Cancel an unpaid invoice (platform admins only); its usage stays billed by it, not re-billed."""
    require_platform_admin(admin)
    if invoice.status == "paid":
        raise Conflict(N_("A paid invoice cannot be voided."))
    invoice.status, invoice.voided_at, invoice.next_payment_at = "void", now or utcnow(), None
    return invoice


def record_revenue(session: Session, invoice: Invoice) -> int:
    """Write the partners' share of a paid invoice, once per module, in the month it was paid (so a
    finished month's statement never changes and is paid out whole); returns entries added."""
    lines = session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id,
                                                      InvoiceLine.module_id.is_not(None))
                            .order_by(InvoiceLine.module_id))
    commission_bp, added = invoice.commission_bp, 0
    paid_at = cast(datetime, invoice.paid_at)  # revenue is recorded once paid: settle_paid sets paid_at first
    for module_id, grouped in groupby(lines, key=lambda line: line.module_id):
        group = list(grouped)
        gross = sum(line.amount_minor for line in group)
        commission = (gross * commission_bp + 5000) // 10000
        statement = upsert_insert(session, RevenueEntry.__table__).values(
            partner_id=group[0].partner_id, module_id=module_id, tenant_id=invoice.tenant_id, invoice_id=invoice.id,
            period_start=paid_at.date().replace(day=1), currency=invoice.currency, gross_minor=gross,
            commission_minor=commission, net_minor=gross - commission, created_at=utcnow()
        ).on_conflict_do_nothing().returning(RevenueEntry.__table__.c.id)
        added += session.execute(statement).first() is not None
    return added


def retry_failed_now(session: Session, now: datetime | None = None) -> int:
    """Make the current company's failed invoices due for another charge at once (a new card was saved)."""
    failed = list(session.scalars(select(Invoice).where(Invoice.status == "payment_failed")))
    for invoice in failed:
        invoice.next_payment_at = now or utcnow()
    return len(failed)


def invoices_to_retry(session: Session, now: datetime) -> list[Invoice]:
    """The current company's failed invoices whose next attempt is due."""
    return list(session.scalars(select(Invoice).where(Invoice.status == "payment_failed",
                                                      Invoice.next_payment_at <= now)))
