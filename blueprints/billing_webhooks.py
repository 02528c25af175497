"""POST /billing/webhooks/stripe: Stripe's signed events (no login, no CSRF: the signature is the check).
Answers 400 with a reason when the signature does not verify, 200 for everything else it accepted
(duplicates and event types we do not act on too), 404 while Stripe is not configured."""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request

from billing.stripe_support import InvalidWebhook
from services import payments
from web.database import db_session
from web.payments import stripe_provider

bp = Blueprint("billing_webhooks", __name__)
log = logging.getLogger(__name__)


@bp.post("/billing/webhooks/stripe")
def stripe_webhook():
    """Verify, deduplicate and process one Stripe event."""
    provider = stripe_provider()
    if provider is None or not provider.webhook_secret:
        return jsonify({"error": "Stripe is not configured"}), 404
    try:
        outcome = payments.stripe_event(db_session(), provider, request.get_data(),
                                        request.headers.get("Stripe-Signature"))
    except InvalidWebhook as exc:
        log.warning("Stripe webhook refused: %s", exc)
        return jsonify({"error": str(exc)}), 400
    return jsonify({"received": True, "outcome": outcome})
