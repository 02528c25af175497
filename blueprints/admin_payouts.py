"""Partner payouts for platform admins (everyone else gets 404): a month's partners with paid revenue,
their net per currency and payout status; create a month's payout (once) and mark it paid."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length

from billing.statements import MAX_REFERENCE, month_text
from services import payouts
from tenants.clock import utcnow
from tenants.errors import DomainError
from web.auth import operators_only
from web.database import db_session
from web.errors import domain_message
from web.formatting import money

bp = Blueprint("admin_payouts", __name__, url_prefix="/admin/payouts")
operators_only(bp)


class PayoutForm(FlaskForm):
    """Which partner, month and currency to pay out (hidden fields of each row's button)."""

    partner_id = IntegerField(validators=[DataRequired()])
    month = StringField(validators=[DataRequired(), Length(max=7)])
    currency = StringField(validators=[DataRequired(), Length(min=3, max=3)])


class PaidForm(FlaskForm):
    """The reference of the transfer that paid a payout."""

    reference = StringField(_l("Payment reference"), validators=[DataRequired(), Length(max=MAX_REFERENCE)])


@bp.get("/")
def index():
    """The month's partners with paid revenue, per currency, with their payouts (?month=YYYY-MM)."""
    page = payouts.payouts_page(db_session(), request.args.get("month"), utcnow())
    return render_template("admin/payouts.html", months=page.months, period=page.period, rows=page.rows,
                           month_text=month_text, current_month=page.current_month)


@bp.post("/")
def create():
    """Create the payout of a partner's month in one currency from its statement (once only)."""
    form = PayoutForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Choose a partner, a month and a currency."), "error")
        return redirect(url_for("admin_payouts.index"))
    month = payouts.month_param(form.month.data)
    try:
        payout = payouts.create_payout(db_session(), current_user, form.partner_id.data, form.month.data,
                                       form.currency.data, utcnow())
    except DomainError as exc:
        flash(domain_message(exc), "error")
        return redirect(url_for("admin_payouts.index", month=month))
    flash(_("The payout of %(amount)s was created. Mark it paid once the money is sent.",
            amount=money(payout.net_minor, payout.currency)), "success")
    return redirect(url_for("admin_payouts.index", month=month))


@bp.post("/<int:payout_id>/paid")
def paid(payout_id: int):
    """Mark a payout paid, with the transfer's reference."""
    back = url_for("admin_payouts.index", month=payouts.payout_month(db_session(), payout_id))
    form = PaidForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Give the payment's reference, such as the bank transfer's id."), "error")
        return redirect(back)
    try:
        payouts.mark_payout_paid(db_session(), current_user, payout_id, form.reference.data, utcnow())
    except DomainError as exc:
        flash(domain_message(exc), "error")
        return redirect(back)
    flash(_("The payout is marked paid."), "success")
    return redirect(back)
