"""The payment card of the billing page: a SetupIntent for Stripe.js (POST /billing/card/setup-intent, JSON,
CSRF token in the X-CSRFToken header) and saving the confirmed card (POST /billing/card, a form). Owners and
admins only; 404 while Stripe is not configured."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, jsonify, redirect, request, url_for
from flask_babel import gettext as _

from billing.providers import ProviderError
from billing.stripe_provider import StripeProvider
from billing.stripe_support import CardRefused
from blueprints.billing_webhooks import payment_provider
from web.auth import role_required
from web.database import commit, db_session
from web.errors import domain_message

bp = Blueprint("billing_card", __name__)
WRITERS = ("owner", "admin")


def _stripe() -> StripeProvider:
    provider = payment_provider()
    if not isinstance(provider, StripeProvider):
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
        secret = provider.create_setup_intent(db_session(), g.tenant)
    except ProviderError:
        db_session().rollback()
        return jsonify({"error": _("The payment service did not answer. Please try again later.")}), 502
    commit()
    return jsonify({"client_secret": secret})


@bp.post("/billing/card")
@role_required(*WRITERS)
def save_card():
    """Make the card Stripe.js confirmed (its payment method id) the company's card for its invoices."""
    provider = _stripe()
    try:
        account = provider.attach_card(db_session(), g.tenant, request.form.get("payment_method", "").strip())
    except CardRefused as exc:
        db_session().rollback()
        flash(domain_message(exc), "error")
        return _back()
    except ProviderError:
        db_session().rollback()
        flash(_("The payment service did not answer. Please try again later."), "error")
        return _back()
    commit()
    flash(_("Your card %(card)s will pay the next invoices.", card=account.card_summary), "success")
    return _back()
