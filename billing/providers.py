"""Payment providers behind one interface: the local provider (invoices wait for a bank transfer that a
platform admin marks as paid) and Stripe (a customer per company, a card on file, each closed invoice charged).
`provider_from_settings` picks Stripe when a secret key is configured."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.models import BillingAccount, Invoice
from tenants.models import Tenant

if TYPE_CHECKING:
    from config import Settings


class ProviderError(Exception):
    """The provider could not be reached or answered unexpectedly; the job tries again on its next run."""


@runtime_checkable
class PaymentProvider(Protocol):
    """What billing needs of a payment provider. Every method runs in the invoice's tenant context."""

    name: str

    def ensure_customer(self, session: Session, tenant: Tenant) -> BillingAccount:
        """The company's BillingAccount with this provider, created (with its customer) when missing."""

    def charge(self, session: Session, invoice: Invoice, now: datetime | None = None) -> None:
        """Collect an open (or failed, due for retry) invoice. Idempotent and resumable: a second call never
        charges twice and picks up where an interrupted one stopped."""


def billing_account(session: Session, provider: str) -> BillingAccount:
    """The current company's BillingAccount, created for `provider` when it has none yet (switched to
    `provider` when it was made for another one)."""
    account = session.scalar(select(BillingAccount))
    if account is None:
        account = BillingAccount(provider=provider)
        session.add(account)
        session.flush()
    elif account.provider != provider:
        account.provider = provider
    return account


class LocalProvider:
    """No payment service: invoices stay open, awaiting a bank transfer that an admin marks as paid."""

    name = "local"

    def ensure_customer(self, session: Session, tenant: Tenant) -> BillingAccount:
        """The company's BillingAccount (no customer id: there is no outside service)."""
        return billing_account(session, self.name)

    def charge(self, session: Session, invoice: Invoice, now: datetime | None = None) -> None:
        """Nothing to do: the invoice stays open until the transfer arrives."""
        return None


def provider_from_settings(settings: Settings) -> PaymentProvider:
    """Stripe when STRIPE_SECRET_KEY is set, otherwise the local provider."""
    if settings.stripe_secret_key:
        from billing.stripe_provider import StripeProvider

        return StripeProvider(settings.stripe_secret_key, settings.stripe_api_base, settings.stripe_webhook_secret)
    return LocalProvider()
