"""Closing a month into an invoice: every ledger row not yet billed up to the month's end, in lines per
meter, module and unit price (rows of earlier months, billed late, get their own line naming the days),
tax by country, and a platform-wide sequential number."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import groupby

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from billing.models import Invoice, InvoiceLine, InvoiceNumber, UsageRecord
from billing.pricebook import prices_for
from billing.tax import tax_amount, tax_for
from marketplace.models import Module
from tenants.clock import utcnow
from tenants.db import upsert_insert
from tenants.errors import NotFound
from tenants.models import Tenant

PAYMENT_TERM = timedelta(days=14)
METER_ORDER = {"platform_device_day": 0, "module_device_day": 1, "module_flat_day": 2, "module_unit": 3}


def month_start(day: date) -> date:
    """The first day of the day's month."""
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after the day's."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def close_month(session: Session, tenant: Tenant, period_start: date, now: datetime | None = None) -> Invoice | None:
    """The company's invoice for the month starting `period_start` (the current tenant's), made from its
    unbilled ledger rows when it does not exist yet; None when there was nothing to bill."""
    existing = session.scalar(select(Invoice).where(Invoice.period_start == period_start))
    if existing is not None:
        return existing
    period_end = next_month(period_start)
    rows = list(session.scalars(select(UsageRecord).where(UsageRecord.invoice_id.is_(None),
                                                          UsageRecord.day < period_end)))
    if not rows:
        return None
    now = now or utcnow()
    invoice = _invoice(session, tenant, period_start, period_end, now)
    lines = _lines(session, rows, period_start)
    for position, line in enumerate(lines, start=1):
        line.invoice_id, line.position = invoice.id, position
        session.add(line)
    invoice.subtotal_minor = sum(line.amount_minor for line in lines)
    invoice.tax_minor = tax_amount(invoice.subtotal_minor, invoice.tax_rate_bp)
    invoice.total_minor = invoice.subtotal_minor + invoice.tax_minor
    invoice.status = "open" if invoice.total_minor > 0 else "paid"
    invoice.paid_at = now if invoice.status == "paid" else None
    session.execute(update(UsageRecord).where(UsageRecord.id.in_([r.id for r in rows]),
                                              UsageRecord.invoice_id.is_(None)).values(invoice_id=invoice.id)
                    .execution_options(synchronize_session=False))
    return invoice


def _invoice(session: Session, tenant: Tenant, period_start: date, period_end: date, now: datetime) -> Invoice:
    tax = tax_for(tenant.country, tenant.vat_id)
    invoice = Invoice(number=_next_number(session, now.year), period_start=period_start, period_end=period_end,
                      currency=tenant.currency, subtotal_minor=0, tax_rate_bp=tax.rate_bp, tax_minor=0,
                      total_minor=0, reverse_charge=tax.reverse_charge, country=tenant.country,
                      commission_bp=prices_for(session, tenant.currency).commission_bp,
                      vat_id=tenant.vat_id, company_name=tenant.name, status="draft", provider="local",
                      issued_at=now, due_at=now + PAYMENT_TERM)
    session.add(invoice)
    session.flush()  # a second closing of the same month fails here, on (tenant, period_start)
    return invoice


def _next_number(session: Session, year: int) -> str:
    session.execute(upsert_insert(session, InvoiceNumber.__table__).values(year=year, last=0).on_conflict_do_nothing())
    counter = session.scalars(select(InvoiceNumber).where(InvoiceNumber.year == year).with_for_update()).one()
    counter.last += 1
    return f"DF-{year}-{counter.last:06d}"


def _line_key(row: UsageRecord, period_start: date) -> tuple:
    return (METER_ORDER[row.meter], row.module_id or 0, row.unit_price_minor, row.day < period_start)


def _lines(session: Session, rows: list[UsageRecord], period_start: date) -> list[InvoiceLine]:
    names = {m.id: m.display_name for m in session.scalars(
        select(Module).where(Module.id.in_({r.module_id for r in rows if r.module_id})))}
    lines = []
    for (_order, module_id, price, late), grouped in groupby(sorted(rows, key=lambda r: _line_key(r, period_start)),
                                                            key=lambda r: _line_key(r, period_start)):
        group = list(grouped)
        first = group[0]
        lines.append(InvoiceLine(
            meter=first.meter, module_id=module_id or None, partner_id=first.partner_id,
            description=names.get(module_id, "") if module_id else "",
            late_days=sorted({r.day.isoformat() for r in group}) if late else [],
            quantity=sum(r.quantity for r in group), unit_price_minor=price,
            amount_minor=sum(r.amount_minor for r in group)))
    return lines


def tenant_invoices(session: Session, limit: int = 24) -> list[Invoice]:
    """The current company's invoices, newest first."""
    return list(session.scalars(select(Invoice).order_by(Invoice.period_start.desc(), Invoice.id.desc()).limit(limit)))


def tenant_invoice(session: Session, invoice_id: int) -> tuple[Invoice, list[InvoiceLine]]:
    """One of the current company's invoices with its lines; NotFound for others'."""
    invoice = session.scalar(select(Invoice).where(Invoice.id == invoice_id))
    if invoice is None:
        raise NotFound()
    lines = session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)
                            .order_by(InvoiceLine.position))
    return invoice, list(lines)


def is_past_due(invoice: Invoice, now: datetime | None = None) -> bool:
    """Whether the invoice waits for money it should have had: its payment failed, or it is open past due
    (the same rule as `past_due_invoice`, for one invoice in hand)."""
    now = now or utcnow()
    return invoice.status == "payment_failed" or (
        invoice.status == "open" and invoice.due_at is not None and invoice.due_at < now)


def past_due_invoice(session: Session, now: datetime) -> Invoice | None:
    """The current company's oldest invoice whose payment failed or that is open past its due date."""
    return session.scalar(select(Invoice).where(or_(
        Invoice.status == "payment_failed", and_(Invoice.status == "open", Invoice.due_at < now)))
        .order_by(Invoice.period_start, Invoice.id).limit(1))
