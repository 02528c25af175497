"""Partner payouts for platform admins (everyone else gets 404): a month's partners with paid revenue,
their net per currency and payout status; create a month's payout (once) and mark it paid."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length

from billing import statements
from billing.models import Payout
from blueprints.partner_statements import current_month
from tenants.errors import DomainError, NotFound
from web.auth import operators_only
from web.database import commit, db_session
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

    reference = StringField(_l("Payment reference"),
                            validators=[DataRequired(), Length(max=statements.MAX_REFERENCE)])


def _default_month(months: list) -> date:
    """The newest finished month with revenue; the last month when there is none."""
    this_month = current_month()
    finished = [m for m in months if m < this_month]
    return finished[0] if finished else (this_month - timedelta(days=1)).replace(day=1)


@bp.get("/")
def index():
    """The month's partners with paid revenue, per currency, with their payouts (?month=YYYY-MM)."""
    session = db_session()
    months = statements.revenue_months(session)
    chosen = request.args.get("month")
    period = statements.parse_month(chosen) if chosen else _default_month(months)
    return render_template("admin/payouts.html", months=months, period=period,
                           rows=statements.month_overview(session, period),
                           month_text=statements.month_text, current_month=current_month())


@bp.post("/")
def create():
    """Create the payout of a partner's month in one currency from its statement (once only)."""
    form = PayoutForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Choose a partner, a month and a currency."), "error")
        return redirect(url_for("admin_payouts.index"))
    try:
        period = statements.parse_month(form.month.data)
        payout = statements.create_payout(db_session(), current_user, form.partner_id.data, period,
                                          form.currency.data)
    except DomainError as exc:
        db_session().rollback()
        flash(domain_message(exc), "error")
        return redirect(url_for("admin_payouts.index", month=_valid_month(form.month.data)))
    commit()
    flash(_("The payout of %(amount)s was created. Mark it paid once the money is sent.",
            amount=money(payout.net_minor, payout.currency)), "success")
    return redirect(url_for("admin_payouts.index", month=statements.month_text(payout.period_start)))


def _valid_month(text: str | None) -> str | None:
    try:
        return statements.month_text(statements.parse_month(text))
    except DomainError:
        return None


@bp.post("/<int:payout_id>/paid")
def paid(payout_id: int):
    """Mark a payout paid, with the transfer's reference."""
    payout = db_session().get(Payout, payout_id)
    if payout is None:
        raise NotFound()
    back = url_for("admin_payouts.index", month=statements.month_text(payout.period_start))
    form = PaidForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        flash(_("Give the payment's reference, such as the bank transfer's id."), "error")
        return redirect(back)
    try:
        statements.mark_payout_paid(db_session(), current_user, payout_id, form.reference.data)
    except DomainError as exc:
        db_session().rollback()
        flash(domain_message(exc), "error")
        return redirect(back)
    commit()
    flash(_("The payout is marked paid."), "success")
    return redirect(back)
