"""Stripe plumbing shared by the provider: amounts in Stripe's units, Stripe object access, errors."""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import stripe

from billing.providers import ProviderError
from tenants.errors import DomainError

STRIPE_JS = "https://js.stripe.com/v3/"
PAID_EVENTS = frozenset({"invoice.paid", "invoice.payment_succeeded"})
FAILED_EVENT = "invoice.payment_failed"
WEBHOOK_FAILURE = "The card payment failed."
METER_TEXT = {"platform_device_day": "Active machine-days", "module_device_day": "Machine-days",
              "module_unit": "Units", "module_flat_day": "Days"}
PAYMENT_METHOD_ID = re.compile(r"^pm_[A-Za-z0-9_]{1,96}$")


class InvalidWebhook(ValueError):
    """A webhook without a valid Stripe signature, or whose body is not an event."""


class CardRefused(DomainError):
    """The card cannot be saved: declined, unknown, or another customer's."""


@dataclass(frozen=True)
class PayResult:
    """How a payment attempt ended: paid, failed (with Stripe's reason) or pending (a webhook will tell)."""

    status: str
    error: str = ""


# where Stripe's minor units differ from the currency's (ISO/CLDR): Stripe counts ISK in hundredths, and
# takes three-decimal currencies only in whole tens of their minor unit
STRIPE_CENTS_OF_WHOLE = frozenset({"ISK"})
THREE_DECIMALS = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


def stripe_amount(minor: int, currency: str) -> int:
    """An amount in our minor units (the currency's) as Stripe counts it; ProviderError when Stripe cannot
    take it exactly."""
    code = currency.upper()
    if code in STRIPE_CENTS_OF_WHOLE:
        return minor * 100
    if code in THREE_DECIMALS and minor % 10:
        raise ProviderError(f"Stripe takes {code} amounts in whole tens of the minor unit, not {minor}")
    return minor


def stripe_js_url(api_base: str | None) -> str:
    """Where the browser loads Stripe.js: Stripe's own, or localstripe's copy when the API is redirected there."""
    return f"{api_base.rstrip('/')}/js.stripe.com/v3/" if api_base else STRIPE_JS


def field_of(obj, key: str, default=None):
    """A field of a Stripe object (they are not dicts), or `default` when absent."""
    return obj[key] if key in obj else default


def metadata_of(obj) -> dict:
    metadata = field_of(obj, "metadata")
    return metadata.to_dict() if hasattr(metadata, "to_dict") else dict(metadata or {})


def int_or_none(value) -> int | None:
    return int(value) if isinstance(value, (str, int)) and str(value).isdigit() else None


@contextmanager
def stripe_errors() -> Iterator[None]:
    """Turn Stripe's transport and request errors into ProviderError (card errors are handled by callers)."""
    try:
        yield
    except stripe.CardError:
        raise
    except stripe.StripeError as exc:
        raise ProviderError(f"Stripe: {exc.__class__.__name__}: {exc.user_message or exc}") from exc
