"""Billing tables: the price book, the usage ledger, invoices with their lines, billing notices,
partner revenue entries and payouts, and processed provider events."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tenants.clock import utcnow
from tenants.db import Base, BigId, TenantOwned

METERS = ("platform_device_day", "module_device_day", "module_unit", "module_flat_day")
INVOICE_STATUSES = ("draft", "open", "paid", "payment_failed", "void")


class PriceBookEntry(Base):
    """The platform's prices in one currency: the fee per active device-day, the devices free each day,
    and the commission kept from module revenue (basis points: 2000 = 20 %)."""

    __tablename__ = "price_book"

    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    device_day_minor: Mapped[int] = mapped_column(BigId)
    free_devices: Mapped[int] = mapped_column(Integer, default=0)
    commission_bp: Mapped[int] = mapped_column(Integer, default=2000)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsageRecord(TenantOwned, Base):
    """One append-only line of the usage ledger, priced when written. The idempotency key makes every
    writer (daily job, partner API) count a thing once; `invoice_id` is set when an invoice bills it."""

    __tablename__ = "usage_records"
    __table_args__ = (UniqueConstraint("tenant_id", "idempotency_key"),
                      Index("ix_usage_records_tenant_id_day", "tenant_id", "day"),
                      Index("ix_usage_records_tenant_id_invoice_id", "tenant_id", "invoice_id"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    meter: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[int] = mapped_column(BigId)
    unit_price_minor: Mapped[int] = mapped_column(BigId)
    amount_minor: Mapped[int] = mapped_column(BigId)
    currency: Mapped[str] = mapped_column(String(3))
    idempotency_key: Mapped[str] = mapped_column(String(160))
    installation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("installations.id", ondelete="SET NULL"),
                                                           nullable=True)
    module_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("modules.id", ondelete="SET NULL"), nullable=True)
    partner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("partners.id", ondelete="SET NULL"),
                                                      nullable=True)
    device_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    invoice_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("invoices.id", ondelete="SET NULL"),
                                                      nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Invoice(TenantOwned, Base):
    """A month's invoice of a company. `number` is sequential across the platform, given at closing."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("tenant_id", "period_start"), UniqueConstraint("number"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(20))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)  # exclusive: the first day of the next month
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int] = mapped_column(BigId)
    tax_rate_bp: Mapped[int] = mapped_column(Integer)
    tax_minor: Mapped[int] = mapped_column(BigId)
    total_minor: Mapped[int] = mapped_column(BigId)
    reverse_charge: Mapped[bool] = mapped_column(Boolean, default=False)
    # the commission kept from this invoice's module lines, fixed when it is closed
    commission_bp: Mapped[int] = mapped_column(Integer, default=2000)
    country: Mapped[str] = mapped_column(String(2))
    vat_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    company_name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    provider: Mapped[str] = mapped_column(String(10), default="local")
    provider_invoice_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    payment_attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_payment_at: Mapped[datetime | None] = mapped_column(nullable=True)
    last_payment_error: Mapped[str] = mapped_column(String(300), default="")
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(nullable=True)
    voided_at: Mapped[datetime | None] = mapped_column(nullable=True)


class InvoiceLine(TenantOwned, Base):
    """One line of an invoice: a meter (and module) at one unit price; `late_days` names the earlier
    days billed late (readings that arrived after their month was closed)."""

    __tablename__ = "invoice_lines"
    __table_args__ = (Index("ix_invoice_lines_tenant_id_invoice_id", "tenant_id", "invoice_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(BigId, ForeignKey("invoices.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    meter: Mapped[str] = mapped_column(String(20))
    module_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("modules.id", ondelete="SET NULL"), nullable=True)
    partner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("partners.id", ondelete="SET NULL"),
                                                      nullable=True)
    description: Mapped[str] = mapped_column(String(300))
    late_days: Mapped[list] = mapped_column(JSON, default=list)
    quantity: Mapped[int] = mapped_column(BigId)
    unit_price_minor: Mapped[int] = mapped_column(BigId)
    amount_minor: Mapped[int] = mapped_column(BigId)


class BillingNotice(TenantOwned, Base):
    """A billing warning shown in the notification centre (and mailed once): a cap reached 80 % or
    100 % in a month, or a payment that failed. Unique per subject and month, so jobs never repeat one."""

    __tablename__ = "billing_notices"
    __table_args__ = (UniqueConstraint("tenant_id", "key"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # cap_80 | cap_100 | payment_failed
    installation_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    mailed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    dismissed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class RevenueEntry(Base):
    """A module's share of one paid invoice, kept for partner statements (platform-level: partners read
    across companies). Written once per (invoice, module) when the invoice is paid."""

    __tablename__ = "revenue_entries"
    __table_args__ = (UniqueConstraint("invoice_id", "module_id"),
                      Index("ix_revenue_entries_partner_id_period_start", "partner_id", "period_start"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    partner_id: Mapped[int] = mapped_column(BigId, ForeignKey("partners.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(BigId, ForeignKey("modules.id", ondelete="CASCADE"))
    tenant_id: Mapped[int] = mapped_column(BigId, ForeignKey("tenants.id", ondelete="CASCADE"))
    invoice_id: Mapped[int] = mapped_column(BigId)
    period_start: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    gross_minor: Mapped[int] = mapped_column(BigId)
    commission_minor: Mapped[int] = mapped_column(BigId)
    net_minor: Mapped[int] = mapped_column(BigId)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Payout(Base):
    """What the platform owes (then paid) a partner for one month in one currency; never created twice."""

    __tablename__ = "payouts"
    __table_args__ = (UniqueConstraint("partner_id", "period_start", "currency"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    partner_id: Mapped[int] = mapped_column(BigId, ForeignKey("partners.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    gross_minor: Mapped[int] = mapped_column(BigId)
    commission_minor: Mapped[int] = mapped_column(BigId)
    net_minor: Mapped[int] = mapped_column(BigId)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | paid
    reference: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ProviderEvent(Base):
    """A payment provider's webhook event already processed (deduplication on its id)."""

    __tablename__ = "provider_events"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    provider: Mapped[str] = mapped_column(String(10))
    event_type: Mapped[str] = mapped_column(String(60))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class InvoiceNumber(Base):
    """The platform's invoice number counter per year (row-locked while a number is taken)."""

    __tablename__ = "invoice_numbers"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class BillingAccount(TenantOwned, Base):
    """A company's link to the payment provider: its customer id and whether a card is on file."""

    __tablename__ = "billing_accounts"
    __table_args__ = (UniqueConstraint("tenant_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    provider: Mapped[str] = mapped_column(String(10))
    customer_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    payment_method_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    card_summary: Mapped[str] = mapped_column(String(60), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
