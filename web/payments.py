"""The app's payment provider, built once per process from its settings: the payment card pages and
Stripe's webhook hand it to services.payments."""
from __future__ import annotations

from flask import current_app

from billing.providers import PaymentProvider, provider_from_settings
from billing.stripe_provider import StripeProvider
from billing.stripe_support import stripe_js_url


def payment_provider() -> PaymentProvider:
    """The app's payment provider, built once from its settings."""
    provider = current_app.extensions.get("payment_provider")
    if provider is None:
        provider = current_app.extensions["payment_provider"] = provider_from_settings(current_app.config["SETTINGS"])
    return provider


def stripe_provider() -> StripeProvider | None:
    """The app's Stripe provider, or None while Stripe is not configured (invoices are paid by bank transfer)."""
    provider = payment_provider()
    return provider if isinstance(provider, StripeProvider) else None


def stripe_public_settings() -> dict:
    """What the payment card partial needs of Stripe: the publishable key (None while Stripe is not
    configured) and the URL of Stripe.js."""
    settings = current_app.config["SETTINGS"]
    return {"stripe_publishable_key": settings.stripe_publishable_key if settings.stripe_secret_key else None,
            "stripe_js_url": stripe_js_url(settings.stripe_api_base)}
