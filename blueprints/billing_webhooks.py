"""POST /billing/webhooks/stripe: Stripe's signed events (no login, no CSRF: the signature is the check).
Answers 400 with a reason when the signature does not verify, 200 for everything else it accepted
(duplicates and event types we do not act on too), 404 while Stripe is not configured."""
from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request

from billing.providers import PaymentProvider, provider_from_settings
from billing.stripe_provider import StripeProvider
from billing.stripe_support import InvalidWebhook
from web.database import commit, db_session

bp = Blueprint("billing_webhooks", __name__)
log = logging.getLogger(__name__)


def payment_provider() -> PaymentProvider:
    """The app's payment provider, built once from its settings."""
    provider = current_app.extensions.get("payment_provider")
    if provider is None:
        provider = current_app.extensions["payment_provider"] = provider_from_settings(current_app.config["SETTINGS"])
    return provider


@bp.post("/billing/webhooks/stripe")
def stripe_webhook():
    """Verify, deduplicate and process one Stripe event."""
    provider = payment_provider()
    if not isinstance(provider, StripeProvider) or not provider.webhook_secret:
        return jsonify({"error": "Stripe is not configured"}), 404
    try:
        outcome = provider.handle_event(db_session(), request.get_data(), request.headers.get("Stripe-Signature"))
    except InvalidWebhook as exc:
        db_session().rollback()
        log.warning("Stripe webhook refused: %s", exc)
        return jsonify({"error": str(exc)}), 400
    commit()
    return jsonify({"received": True, "outcome": outcome})
