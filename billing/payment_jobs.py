"""The payment jobs: charge every company's due invoices through the payment provider, and mail the billing
notices (caps reached, payments failed) to the companies' owners and admins in their language.

Each invoice is charged in its own transaction under its company's tenant context; each notice is claimed
once (an UPDATE only one job run can win) before it is mailed, so a mail is never repeated."""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from billing.models import BillingNotice, Invoice
from billing.providers import PaymentProvider, ProviderError
from billing.settlement import invoices_to_retry
from marketplace.models import Installation, Module
from tenants.db import Database
from tenants.mail import Mailer, recipients, render_mail
from tenants.models import Membership, Tenant
from tenants.money import format_money
from tenants.unit_of_work import TenantUnit, for_each_tenant

log = logging.getLogger(__name__)
NOTIFIED_ROLES = ("owner", "admin")


# --- charging ------------------------------------------------------------------------------------

def due_invoice_ids(session: Session, provider: PaymentProvider, now: datetime) -> list[int]:
    """The current company's invoices to charge now: open ones the provider has not taken yet, and failed
    ones of this provider whose next attempt is due; oldest first."""
    fresh = session.scalars(select(Invoice.id).where(Invoice.status == "open", Invoice.total_minor > 0,
                                                     Invoice.provider != provider.name))
    retries = [i.id for i in invoices_to_retry(session, now) if i.provider == provider.name]
    return sorted(set(fresh) | set(retries))


def is_due(invoice: Invoice, provider: PaymentProvider, now: datetime) -> bool:
    """Whether the invoice is one `due_invoice_ids` would pick (checked again once the row is locked)."""
    if invoice.status == "open":
        return invoice.total_minor > 0 and invoice.provider != provider.name
    return (invoice.status == "payment_failed" and invoice.provider == provider.name
            and invoice.next_payment_at is not None and invoice.next_payment_at <= now)


def charge_due_invoices(db: Database, provider: PaymentProvider, now: datetime) -> int:
    """Charge every company's due invoices, each in its own transaction; returns how many were attempted.
    A company whose charge fails is left for the next run (its later invoices too, so they never mix)."""
    return for_each_tenant(db, lambda unit: _charge_tenant(unit, provider, now), what="charge_invoices").count


def _charge_tenant(unit: TenantUnit, provider: PaymentProvider, now: datetime) -> int:
    with unit.session() as session:
        invoice_ids = due_invoice_ids(session, provider, now)
    attempted = 0
    for invoice_id in invoice_ids:
        try:
            attempted += _charge_one(unit, provider, invoice_id, now)
        except ProviderError as exc:
            log.warning("charging invoice %s of tenant %s failed: %s", invoice_id, unit.tenant_id, exc)
            break
        except Exception:  # the company's later invoices wait for the next run, so they never mix
            log.exception("charging invoice %s of tenant %s failed", invoice_id, unit.tenant_id)
            break
    return attempted


def _charge_one(unit: TenantUnit, provider: PaymentProvider, invoice_id: int, now: datetime) -> int:
    with unit.session() as session:
        invoice = session.scalar(select(Invoice).where(Invoice.id == invoice_id).with_for_update())
        if invoice is None or not is_due(invoice, provider, now):
            return 0
        provider.charge(session, invoice, now=now)
        return 1


# --- notice mails --------------------------------------------------------------------------------

def claim_notices(session: Session, now: datetime) -> list[BillingNotice]:
    """The current company's notices not mailed yet, marked as mailed (only one caller wins each)."""
    claimed = list(session.scalars(update(BillingNotice).where(BillingNotice.mailed_at.is_(None))
                                   .values(mailed_at=now).returning(BillingNotice.id)
                                   .execution_options(synchronize_session=False)))
    if not claimed:
        return []
    return list(session.scalars(select(BillingNotice).where(BillingNotice.id.in_(claimed),
                                                            BillingNotice.dismissed_at.is_(None))
                                .order_by(BillingNotice.id)))


def _module_name(session: Session, tenant_id: int, installation_id: int | None) -> str:
    if installation_id is None:
        return ""
    row = session.execute(select(Module.slug, Module.live_manifest)
                          .join(Installation, Installation.module_id == Module.id)
                          .where(Installation.id == installation_id, Installation.tenant_id == tenant_id)).first()
    return ((row.live_manifest or {}).get("name") or row.slug) if row else "?"


def notice_context(notice: BillingNotice, module: str, locale: str, base_url: str) -> dict:
    """What the billing_notice mail shows of one notice, in a language."""
    details = notice.details or {}
    currency = details.get("currency", "EUR")
    money = {key: format_money(details.get(key) or 0, currency, locale)
             for key in ("spent_minor", "cap_minor", "total_minor")}
    invoice_id = details.get("invoice_id")
    link = f"{base_url}/billing/invoices/{invoice_id}" if isinstance(invoice_id, int) else f"{base_url}/billing/"
    return {"kind": notice.kind, "month": details.get("month", ""), "module": module,
            "spent": money["spent_minor"], "cap": money["cap_minor"], "total": money["total_minor"],
            "number": details.get("number", ""), "error": str(details.get("error") or "").rstrip(". "), "link": link}


def mail_billing_notices(db: Database, mailer: Mailer, base_url: str, now: datetime) -> int:
    """Mail every company's new billing notices to its owners and admins; returns mails sent."""
    return for_each_tenant(db, lambda unit: _mail_tenant_notices(unit, mailer, base_url.rstrip("/"), now),
                           what="mail_billing_notices").count


def _mail_tenant_notices(unit: TenantUnit, mailer: Mailer, base_url: str, now: datetime) -> int:
    with unit.session() as session:
        notices = claim_notices(session, now)
        if not notices:
            return 0
        company = session.get_one(Tenant, unit.tenant_id).name
        people = recipients(session, unit.tenant_id, Membership.role.in_(NOTIFIED_ROLES))
        modules = {n.id: _module_name(session, unit.tenant_id, n.installation_id) for n in notices}
    mails = [(person.email, render_mail("billing_notice", person.locale, company=company, **notice_context(
        notice, modules[notice.id], person.locale, base_url))) for person in people for notice in notices]
    with unit.session() as session:
        for email, (subject, body) in mails:
            mailer.send(session, email, subject, body)
    return len(mails)
