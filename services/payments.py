"""Use cases of card payments: saving the company's payment card through Stripe (a SetupIntent for Stripe.js,
then the confirmed card) and Stripe's signed webhook events. The caller hands in the app's provider (the web
layer builds it from the settings, web.payments)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from billing.models import BillingAccount
from billing.providers import ProviderError
from billing.stripe_provider import StripeProvider
from billing.stripe_support import CardRefused, InvalidWebhook
from tenants.models import Tenant


def start_card_setup(session: Session, provider: StripeProvider, tenant: Tenant) -> str:
    """Start saving a card for the current company: the client secret of a new SetupIntent (its Stripe customer
    is created first when it has none). ProviderError when Stripe did not answer; nothing is kept then."""
    try:
        secret = provider.create_setup_intent(session, tenant)
    except ProviderError:
        session.rollback()
        raise
    session.commit()
    return secret


def save_card(session: Session, provider: StripeProvider, tenant: Tenant, payment_method_id: str) -> BillingAccount:
    """Make the card Stripe.js confirmed (its payment method id) the current company's card for its invoices
    (invoices whose payment failed are charged again at the next run). CardRefused for a card that cannot be
    saved, ProviderError when Stripe did not answer; nothing changes then."""
    try:
        account = provider.attach_card(session, tenant, payment_method_id)
    except (CardRefused, ProviderError):
        session.rollback()
        raise
    session.commit()
    return account


def stripe_event(session: Session, provider: StripeProvider, payload: bytes, signature_header: str | None) -> str:
    """Verify, deduplicate and process one Stripe webhook event: "processed", "duplicate" or "ignored".
    InvalidWebhook when the signature does not verify or the body is not an event; nothing is kept then."""
    try:
        outcome = provider.handle_event(session, payload, signature_header)
    except InvalidWebhook:
        session.rollback()
        raise
    session.commit()
    return outcome
