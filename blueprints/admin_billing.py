"""Billing pages for platform admins (everyone else gets 404): the price book per currency, every company's
invoices, and marking an invoice paid (a bank transfer arrived) or void."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from billing.admin_views import UNPAID
from billing.invoices import is_past_due
from billing.models import INVOICE_STATUSES
from blueprints.billing_forms import PriceForm
from blueprints.forms import ConfirmForm, form_status, page_number
from services import operators
from tenants.clock import utcnow
from tenants.errors import DomainError, NotFound
from web.auth import operators_only
from web.database import db_session
from web.errors import domain_message
from web.formatting import percent_bp, status_label

bp = Blueprint("admin_billing", __name__, url_prefix="/admin/billing")
operators_only(bp)
STATUS_FILTERS = ("", "all", *INVOICE_STATUSES)  # "" = unpaid: open or payment failed


@bp.context_processor
def _helpers() -> dict:
    return {"percent_bp": percent_bp, "status_label": status_label, "is_past_due": is_past_due}


def _render_prices(failed: PriceForm | None = None, status: int = 200):
    """The price book: a row per currency with an entry, then currencies companies use at the defaults."""
    book = operators.price_book(db_session())
    failed_code = failed.currency.data if failed is not None else None
    forms = [(row, failed if row.currency == failed_code else PriceForm.of(row)) for row in book.rows]
    if failed is not None and failed_code not in {row.currency for row in book.rows}:
        add_form = failed
    else:
        add_form = PriceForm.of(book.blank)
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
        operators.set_prices(db_session(), current_user, form.currency.data, **form.values)
    except DomainError as exc:
        form.currency.errors = [*form.currency.errors, domain_message(exc)]
        return _render_prices(form, form_status(exc))
    flash(_("The prices in %(currency)s were saved. They apply to days billed from now on.",
            currency=form.currency.data), "success")
    return redirect(url_for("admin_billing.index") + f"#price-{form.currency.data}")


@bp.get("/invoices")
def invoices():
    """Every company's invoices, newest first: unpaid ones unless another status is chosen (at most 200)."""
    status = request.args.get("status", "")
    if status not in STATUS_FILTERS:
        abort(400)
    statuses = UNPAID if status == "" else None if status == "all" else (status,)
    found = operators.company_invoices(db_session(), statuses, page_number())
    return render_template("admin/invoices.html", rows=found.rows, page=found.page, pages=found.pages,
                           total=found.total, status=status, capped=found.capped, confirm=ConfirmForm())


def _settle(settle, tenant_id: int, invoice_id: int, done: str):
    """Settle a company's invoice with `settle` (a services.operators use case) and go back to the invoice list:
    404 for an unknown invoice, the refusal's message when the invoice cannot be settled so."""
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        invoice = settle(db_session(), current_user, tenant_id, invoice_id, utcnow())
    except NotFound:
        raise
    except DomainError as exc:
        flash(domain_message(exc), "error")
    else:
        flash(done % {"number": invoice.number}, "success")
    return redirect(request.form.get("next") if request.form.get("next", "").startswith("/admin/billing/invoices")
                    else url_for("admin_billing.invoices"))


@bp.post("/invoices/<int:tenant_id>/<int:invoice_id>/paid")
def mark_paid(tenant_id: int, invoice_id: int):
    """A bank transfer arrived: the invoice is paid and the modules' partners earn their share."""
    return _settle(operators.mark_invoice_paid, tenant_id, invoice_id, _("Invoice %(number)s is marked paid."))


@bp.post("/invoices/<int:tenant_id>/<int:invoice_id>/void")
def void(tenant_id: int, invoice_id: int):
    """Cancel an unpaid invoice."""
    return _settle(operators.void_invoice, tenant_id, invoice_id, _("Invoice %(number)s was voided."))
