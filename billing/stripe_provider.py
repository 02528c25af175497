"""Stripe as the payment provider: a customer per company, a card saved through a SetupIntent, each closed
invoice pushed as invoice items on a Stripe invoice that is finalised and paid, and signed webhooks that
settle our invoice.

Charging is a chain of steps that each look at Stripe first and only do what is missing (items, invoice,
finalisation, payment), so a run that stopped half-way is completed by the next one without charging twice.
Every creating call also carries an idempotency key derived from our invoice id.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import cast

import stripe
from sqlalchemy import select
from sqlalchemy.orm import Session

from billing import settlement
from billing.models import BillingAccount, Invoice, InvoiceLine, ProviderEvent
from billing.providers import ProviderError, billing_account
from billing.stripe_support import (
    FAILED_EVENT,
    METER_TEXT,
    PAID_EVENTS,
    PAYMENT_METHOD_ID,
    WEBHOOK_FAILURE,
    CardRefused,
    InvalidWebhook,
    PayResult,
    field_of,
    int_or_none,
    metadata_of,
    stripe_amount,
    stripe_errors,
)
from tenants.clock import utcnow
from tenants.db import upsert_insert
from tenants.errors import N_
from tenants.models import Tenant
from tenants.scoping import tenant_context

log = logging.getLogger(__name__)


class StripeProvider:
    """Stripe through the official client; `api_base` points it elsewhere (localstripe in tests)."""

    name = "stripe"

    def __init__(self, secret_key: str, api_base: str | None = None, webhook_secret: str | None = None) -> None:
        self.api_base = api_base
        self.webhook_secret = webhook_secret
        self.client = stripe.StripeClient(secret_key, base_addresses={"api": api_base} if api_base else None,
                                          max_network_retries=2, http_client=stripe.RequestsClient(timeout=30))
        self.api = self.client.v1

    # --- customer and card ----------------------------------------------------------------------

    def ensure_customer(self, session: Session, tenant: Tenant) -> BillingAccount:
        """The company's BillingAccount with its Stripe customer, created once (idempotency key per tenant)."""
        account = billing_account(session, self.name)
        if account.customer_id is None:
            with stripe_errors():
                customer = self.api.customers.create(
                    params={"name": tenant.name, "metadata": {"df_tenant_id": str(tenant.id)}},
                    options={"idempotency_key": f"df-customer-{tenant.id}"})
            account.customer_id, account.updated_at = customer.id, utcnow()
        return account

    def create_setup_intent(self, session: Session, tenant: Tenant) -> str:
        """A SetupIntent for saving a card for later charges; returns its client secret for Stripe.js."""
        account = self.ensure_customer(session, tenant)
        customer_id = cast(str, account.customer_id)  # ensure_customer has set it
        with stripe_errors():
            # stripe 16's SetupIntentCreateParams omit payment_method_types, which this request has always sent
            intent = self.api.setup_intents.create(params={  # type: ignore[arg-type]
                "customer": customer_id, "payment_method_types": ["card"], "usage": "off_session"})
        return cast(str, intent.client_secret)  # typed optional; a SetupIntent just created has its secret

    def attach_card(self, session: Session, tenant: Tenant, payment_method_id: str) -> BillingAccount:
        """Make a confirmed card the customer's default and remember its summary, e.g. "visa •••• 4242";
        invoices whose payment failed are charged again at the next run."""
        if not PAYMENT_METHOD_ID.match(payment_method_id or ""):
            raise CardRefused(N_("The card could not be saved."))
        account = self.ensure_customer(session, tenant)
        try:
            method = self._make_default(account, payment_method_id)
        except stripe.CardError as exc:
            raise CardRefused(N_("The card was declined.")) from exc
        except stripe.InvalidRequestError as exc:
            raise CardRefused(N_("The card could not be saved.")) from exc
        except stripe.StripeError as exc:
            raise ProviderError(f"Stripe: {exc.__class__.__name__}: {exc.user_message or exc}") from exc
        card = method.card
        account.payment_method_id = method.id
        account.card_summary = f"{card.brand} •••• {card.last4}"[:60]
        account.updated_at = utcnow()
        settlement.retry_failed_now(session)
        return account

    def _make_default(self, account: BillingAccount, payment_method_id: str):
        customer_id = cast(str, account.customer_id)  # an account of ensure_customer (attach_card)
        method = self.api.payment_methods.retrieve(payment_method_id)
        if method.type != "card" or method.customer not in (None, customer_id):
            raise CardRefused(N_("The card could not be saved."))
        if method.customer is None:
            method = self.api.payment_methods.attach(method.id, params={"customer": customer_id})
        self.api.customers.update(customer_id,
                                  params={"invoice_settings": {"default_payment_method": method.id}})
        return method

    # --- charging ---------------------------------------------------------------------------------

    def charge(self, session: Session, invoice: Invoice, now: datetime | None = None) -> None:
        """Push, finalise and pay the invoice on Stripe (each step only when not done yet), then settle it.
        Without a card on file the invoice stays open (it can still be paid by bank transfer)."""
        if invoice.status not in ("open", "payment_failed") or invoice.total_minor <= 0:
            return
        account = self.ensure_customer(session, session.get_one(Tenant, invoice.tenant_id))
        if not account.payment_method_id:
            return
        with stripe_errors():
            remote = self.push(session, invoice, account)
            remote = self.finalize(invoice, remote)
            result = self.pay(invoice, remote)
        invoice.provider = self.name
        if result.status == "paid":
            settlement.settle_paid(session, invoice, now)
        elif result.status == "failed":
            settlement.settle_failed(session, invoice, result.error, now)

    def push(self, session: Session, invoice: Invoice, account: BillingAccount):
        """The Stripe invoice of our invoice: found (by id, else by metadata) or made from new invoice items."""
        remote = self._find_invoice(invoice, account)
        if remote is None:
            self._create_items(session, invoice, account)
            remote = self._create_invoice(invoice, account)
        invoice.provider_invoice_id = remote.id
        expected = stripe_amount(invoice.total_minor, invoice.currency)
        if remote.total != expected or str(remote.currency).lower() != invoice.currency.lower():
            raise ProviderError(f"Stripe invoice {remote.id} is {remote.total} {remote.currency}, "
                                f"invoice {invoice.number} is {invoice.total_minor} {invoice.currency}")
        return remote

    def finalize(self, invoice: Invoice, remote):
        """Finalise a draft Stripe invoice (no automatic collection: the retries are ours)."""
        if remote.status != "draft":
            return remote
        return self.api.invoices.finalize_invoice(remote.id, params={"auto_advance": False},
                                                  options={"idempotency_key": f"df-inv-{invoice.id}-finalize"})

    def pay(self, invoice: Invoice, remote) -> PayResult:
        """Pay an open Stripe invoice with the default card, once per attempt of ours."""
        if remote.status == "paid":
            return PayResult("paid")
        if remote.status != "open":
            raise ProviderError(f"Stripe invoice {remote.id} of invoice {invoice.number} is {remote.status}")
        try:
            remote = self.api.invoices.pay(remote.id, options={
                "idempotency_key": f"df-inv-{invoice.id}-pay-{invoice.payment_attempts + 1}"})
        except stripe.CardError as exc:
            return PayResult("failed", exc.user_message or str(exc))
        if remote.status == "paid":
            return PayResult("paid")
        error = self._payment_error(remote)
        return PayResult("failed", error) if error else PayResult("pending")

    def _find_invoice(self, invoice: Invoice, account: BillingAccount):
        if invoice.provider_invoice_id:
            return self.api.invoices.retrieve(invoice.provider_invoice_id)
        customer_id = cast(str, account.customer_id)  # an account of ensure_customer (charge)
        listing = self.api.invoices.list(params={"customer": customer_id, "limit": 100})
        return next((remote for remote in listing.auto_paging_iter()
                     if metadata_of(remote).get("df_invoice_id") == str(invoice.id)), None)

    def _create_items(self, session: Session, invoice: Invoice, account: BillingAccount) -> None:
        customer_id = cast(str, account.customer_id)  # an account of ensure_customer (charge)
        pending = [item for item in self.api.invoice_items.list(
            params={"customer": customer_id, "limit": 100}).auto_paging_iter() if not field_of(item, "invoice")]
        foreign = [item.id for item in pending if metadata_of(item).get("df_invoice_id") != str(invoice.id)]
        if foreign:
            raise ProviderError(f"customer {account.customer_id} has pending items of something else: {foreign}")
        done = {metadata_of(item).get("df_item") for item in pending}
        for key, amount, description in self._items(session, invoice):
            if key in done:
                continue
            self.api.invoice_items.create(params={
                "customer": customer_id, "amount": stripe_amount(amount, invoice.currency),
                "currency": invoice.currency.lower(),
                "description": description, "metadata": {"df_invoice_id": str(invoice.id), "df_item": key}},
                options={"idempotency_key": f"df-inv-{invoice.id}-{key}"})

    @staticmethod
    def _items(session: Session, invoice: Invoice) -> list[tuple[str, int, str]]:
        lines = session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == invoice.id)
                                .order_by(InvoiceLine.position))
        items = [(f"line-{line.position}", line.amount_minor,
                  f"{invoice.number}: {line.description or METER_TEXT.get(line.meter, line.meter)} × {line.quantity}")
                 for line in lines]
        if invoice.tax_minor > 0:
            items.append(("tax", invoice.tax_minor, f"{invoice.number}: VAT {invoice.tax_rate_bp / 100:g} %"))
        return items

    def _create_invoice(self, invoice: Invoice, account: BillingAccount):
        return self.api.invoices.create(params={
            "customer": cast(str, account.customer_id),  # an account of ensure_customer (charge)
            "pending_invoice_items_behavior": "include", "auto_advance": False,
            "collection_method": "charge_automatically", "description": f"Digital Factory {invoice.number}",
            "metadata": {"df_invoice_id": str(invoice.id), "df_tenant_id": str(invoice.tenant_id),
                         "df_invoice_number": invoice.number}},
            options={"idempotency_key": f"df-inv-{invoice.id}"})

    def _payment_error(self, remote) -> str:
        intent_id = field_of(remote, "payment_intent")
        if not isinstance(intent_id, str):
            return ""
        intent = self.api.payment_intents.retrieve(intent_id)
        if intent.status != "requires_payment_method":
            return ""
        error = field_of(intent, "last_payment_error")
        return (error and field_of(error, "message")) or "The card payment was declined."

    # --- webhooks ---------------------------------------------------------------------------------

    def handle_event(self, session: Session, payload: bytes, signature_header: str | None) -> str:
        """Verify and process one webhook: "processed", "duplicate" (seen before) or "ignored" (not ours to
        act on). Raises InvalidWebhook when the signature does not verify."""
        event = self._verified(payload, signature_header)
        if not self._claim(session, event):
            return "duplicate"
        if event.type not in PAID_EVENTS and event.type != FAILED_EVENT:
            return "ignored"
        remote = event["data"]["object"]
        tenant_id = int_or_none(metadata_of(remote).get("df_tenant_id"))
        if tenant_id is None:
            return "ignored"
        with tenant_context(tenant_id):
            invoice = self._invoice_of(session, remote)
            if invoice is None:
                return "ignored"
            return self._settle_event(session, invoice, event.type, remote)

    def _verified(self, payload: bytes, signature_header: str | None):
        if not self.webhook_secret:
            raise InvalidWebhook("webhooks are not configured")
        if not signature_header:
            raise InvalidWebhook("the Stripe-Signature header is missing")
        try:
            event = stripe.Webhook.construct_event(payload, signature_header, self.webhook_secret)
        except stripe.SignatureVerificationError as exc:
            raise InvalidWebhook("the signature does not match") from exc
        except ValueError as exc:
            raise InvalidWebhook("the body is not a Stripe event") from exc
        event_id = field_of(event, "id")
        if not isinstance(event_id, str) or not 0 < len(event_id) <= 100 or not field_of(event, "type"):
            raise InvalidWebhook("the body is not a Stripe event")
        return event

    def _claim(self, session: Session, event) -> bool:
        statement = upsert_insert(session, ProviderEvent.__table__).values(
            id=event.id, provider=self.name, event_type=str(event.type)[:60], received_at=utcnow()
        ).on_conflict_do_nothing().returning(ProviderEvent.__table__.c.id)
        return session.execute(statement).first() is not None  # rowcount is -1 with psycopg

    @staticmethod
    def _invoice_of(session: Session, remote) -> Invoice | None:
        invoice = session.scalar(select(Invoice).where(Invoice.provider_invoice_id == remote["id"]).with_for_update())
        our_id = int_or_none(metadata_of(remote).get("df_invoice_id"))
        if invoice is None and our_id is not None:
            invoice = session.scalar(select(Invoice).where(Invoice.id == our_id, Invoice.provider_invoice_id.is_(None))
                                     .with_for_update())
        return invoice

    def _settle_event(self, session: Session, invoice: Invoice, event_type: str, remote) -> str:
        if invoice.status == "void":
            log.warning("Stripe event %s for void invoice %s", event_type, invoice.number)
            return "ignored"
        invoice.provider, invoice.provider_invoice_id = self.name, remote["id"]
        if event_type in PAID_EVENTS:
            settlement.settle_paid(session, invoice)
        elif invoice.status == "open":
            settlement.settle_failed(session, invoice, WEBHOOK_FAILURE)
        return "processed"
