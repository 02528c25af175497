"""The payment card of the billing page: a SetupIntent for Stripe.js (POST /billing/card/setup-intent, JSON,
CSRF token in the X-CSRFToken header) and saving the confirmed card (POST /billing/card, a form). Owners and
admins only; 404 while Stripe is not configured."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, jsonify, redirect, request, url_for
from flask_babel import gettext as _

from billing.providers import ProviderError
from billing.stripe_provider import StripeProvider
from billing.stripe_support import CardRefused
from services import payments
from web.auth import role_required
from web.database import db_session
from web.errors import domain_message
from web.payments import stripe_provider

bp = Blueprint("billing_card", __name__)
WRITERS = ("owner", "admin")


def _stripe() -> StripeProvider:
    provider = stripe_provider()
    if provider is None:
        abort(404)
    return provider


def _back():
    return redirect(url_for("billing.index") + "#card")


@bp.post("/billing/card/setup-intent")
@role_required(*WRITERS)
def setup_intent():
    """Start saving a card: the client secret of a new SetupIntent for stripe.confirmCardSetup."""
    provider = _stripe()
    try:
        secret = payments.start_card_setup(db_session(), provider, g.tenant)
    except ProviderError:
        return jsonify({"error": _("The payment service did not answer. Please try again later.")}), 502
    return jsonify({"client_secret": secret})


@bp.post("/billing/card")
@role_required(*WRITERS)
def save_card():
    """Make the card Stripe.js confirmed (its payment method id) the company's card for its invoices."""
    provider = _stripe()
    try:
        account = payments.save_card(db_session(), provider, g.tenant, request.form.get("payment_method", "").strip())
    except CardRefused as exc:
        flash(domain_message(exc), "error")
        return _back()
    except ProviderError:
        flash(_("The payment service did not answer. Please try again later."), "error")
        return _back()
    flash(_("Your card %(card)s will pay the next invoices.", card=account.card_summary), "success")
    return _back()
