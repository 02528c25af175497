"""Billing pages for platform admins (everyone else gets 404): the price book per currency, every company's
invoices, and marking an invoice paid (a bank transfer arrived) or void."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from billing import admin_views, settlement
from billing.invoices import is_past_due, tenant_invoice
from billing.models import INVOICE_STATUSES
from billing.pricebook import (
    DEFAULT_COMMISSION_BP,
    DEFAULT_DEVICE_DAY_MINOR,
    DEFAULT_FREE_DEVICES,
    Prices,
    price_book,
    prices_for,
    set_prices,
)
from blueprints.billing import percent_bp, status_label
from blueprints.billing_forms import PriceForm
from blueprints.forms import ConfirmForm, form_status, page_number
from tenants.errors import DomainError
from tenants.scoping import tenant_context
from web.auth import operators_only
from web.database import commit, db_session
from web.errors import domain_message

bp = Blueprint("admin_billing", __name__, url_prefix="/admin/billing")
operators_only(bp)
PER_PAGE = 50
STATUS_FILTERS = ("", "all", *INVOICE_STATUSES)  # "" = unpaid: open or payment failed


@bp.context_processor
def _helpers() -> dict:
    return {"percent_bp": percent_bp, "status_label": status_label, "is_past_due": is_past_due}


def _render_prices(failed: PriceForm | None = None, status: int = 200):
    """The price book: a row per currency with an entry, then currencies companies use at the defaults."""
    session = db_session()
    rows = price_book(session)
    known = {row.currency for row in rows}
    rows += [prices_for(session, code) for code in admin_views.currencies_in_use(session) if code not in known]
    failed_code = failed.currency.data if failed is not None else None
    forms = [(row, failed if row.currency == failed_code else PriceForm.of(row)) for row in rows]
    if failed is not None and failed_code not in {row.currency for row in rows}:
        add_form = failed
    else:
        add_form = PriceForm.of(Prices("", DEFAULT_DEVICE_DAY_MINOR, DEFAULT_FREE_DEVICES, DEFAULT_COMMISSION_BP))
    return render_template("admin/billing.html", forms=forms, add_form=add_form), status


@bp.get("/")
def index():
    """The price book, with an edit form per currency and one to add a currency."""
    return _render_prices()


@bp.post("/prices")
def prices():
    """Set one currency's prices: the fee in major units, free machines, the commission in percent."""
    form = PriceForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_prices(form, 422)
    try:
        set_prices(db_session(), current_user, form.currency.data, **form.values)
    except DomainError as exc:
        db_session().rollback()
        form.currency.errors = [*form.currency.errors, domain_message(exc)]
        return _render_prices(form, form_status(exc))
    commit()
    flash(_("The prices in %(currency)s were saved. They apply to days billed from now on.",
            currency=form.currency.data), "success")
    return redirect(url_for("admin_billing.index") + f"#price-{form.currency.data}")


@bp.get("/invoices")
def invoices():
    """Every company's invoices, newest first: unpaid ones unless another status is chosen (at most 200)."""
    status = request.args.get("status", "")
    if status not in STATUS_FILTERS:
        abort(400)
    statuses = admin_views.UNPAID if status == "" else None if status == "all" else (status,)
    rows = admin_views.all_invoices(db_session(), statuses)
    pages = max((len(rows) + PER_PAGE - 1) // PER_PAGE, 1)
    page = min(page_number(), pages)
    return render_template("admin/invoices.html", rows=rows[(page - 1) * PER_PAGE:page * PER_PAGE], page=page,
                           pages=pages, total=len(rows), status=status, capped=len(rows) >= admin_views.MAX_INVOICES,
                           confirm=ConfirmForm())


def _settle(tenant_id: int, invoice_id: int, action, done: str):
    """Run `action(session, invoice, admin)` on a company's invoice under that company's context."""
    ConfirmForm().validate_on_submit() or abort(400)
    session = db_session()
    with tenant_context(tenant_id):
        invoice, _lines = tenant_invoice(session, invoice_id)
        try:
            action(session, invoice, current_user)
        except DomainError as exc:
            session.rollback()
            flash(domain_message(exc), "error")
        else:
            number = invoice.number
            commit()
            flash(done % {"number": number}, "success")
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/admin/billing/invoices")
                    else url_for("admin_billing.invoices"))


@bp.post("/invoices/<int:tenant_id>/<int:invoice_id>/paid")
def mark_paid(tenant_id: int, invoice_id: int):
    """A bank transfer arrived: the invoice is paid and the modules' partners earn their share."""
    return _settle(tenant_id, invoice_id, settlement.mark_paid_by_admin, _("Invoice %(number)s is marked paid."))


@bp.post("/invoices/<int:tenant_id>/<int:invoice_id>/void")
def void(tenant_id: int, invoice_id: int):
    """Cancel an unpaid invoice."""
    return _settle(tenant_id, invoice_id, settlement.void, _("Invoice %(number)s was voided."))
