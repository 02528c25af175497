"""The company's billing pages: the month so far with its projection, the overall and per-module caps,
invoices (on screen and printable), billing notices, the payment card, and the past-due banner that every
page shows while an invoice is unpaid past its due date or its payment failed."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from billing import invoices as billing_invoices
from billing.invoices import PAYMENT_TERM, is_past_due
from billing.models import BillingAccount, Invoice
from blueprints.billing_forms import CapForm
from blueprints.forms import ConfirmForm, form_status
from blueprints.marketplace_forms import cap_example
from services import billing as billing_service
from tenants.clock import utcnow
from tenants.errors import N_, DomainError
from web.auth import role_required, tenant_required
from web.billing_notices import notice_views
from web.database import db_session
from web.errors import domain_message
from web.formatting import country_name, percent_bp, price_text, status_label
from web.payments import stripe_public_settings

bp = Blueprint("billing", __name__, url_prefix="/billing")
NAV_LABEL = N_("Billing")
WRITERS = ("owner", "admin")
SELLER = "Digital Factory"
METER_LABELS = {
    "platform_device_day": N_("Active machine-days"), "module_device_day": N_("Machine-days"),
    "module_unit": N_("Units"), "module_flat_day": N_("Days"),
}


# --- helpers shared by the templates (and the notification centre) --------------------------------

def line_label(meter: str, module_name: str = "") -> str:
    """A ledger or invoice line in plain words, e.g. "Digital Factory platform: Active machine-days"."""
    owner = module_name or (_("Digital Factory platform") if meter == "platform_device_day" else _("Module"))
    return _("%(owner)s: %(meter)s", owner=owner, meter=_(METER_LABELS.get(meter, meter)))


def late_text(days: list[str]) -> str:
    """The late days of an invoice line, e.g. "billed late for 2026-10-30, 2026-10-31"."""
    return _("billed late for %(days)s", days=", ".join(days))


@bp.app_context_processor
def _past_due_banner() -> dict:
    def past_due_invoice() -> Invoice | None:
        """The current company's oldest invoice that is past due or whose payment failed (None without)."""
        if g.get("membership") is None:
            return None
        try:
            return billing_invoices.past_due_invoice(db_session(), utcnow())
        except SQLAlchemyError:  # an error page while the database is down still renders
            return None

    return {"past_due_invoice": past_due_invoice}


@bp.context_processor
def _helpers() -> dict:
    return {"line_label": line_label, "late_text": late_text, "status_label": status_label,
            "percent_bp": percent_bp, "is_past_due": lambda invoice: is_past_due(invoice, utcnow()),
            "number": format_decimal, "writer": g.get("membership") is not None and g.membership.role in WRITERS}


# --- the billing page ----------------------------------------------------------------------------

def _card_context(billing_account: BillingAccount | None) -> dict:
    """What the payment card partial needs: the company's BillingAccount and Stripe's public settings."""
    return {"billing_account": billing_account, **stripe_public_settings()}


def _render_index(form: CapForm | None = None, status: int = 200):
    tenant = g.tenant
    page = billing_service.billing_page(db_session(), tenant, utcnow())
    form = form or CapForm.showing(tenant.monthly_cap_minor, tenant.currency)
    modules = [{"installation": m.installation, "name": m.name, "price": price_text(m.pricing, tenant.currency),
                "spent": m.spent_minor} for m in page.modules]
    how = {"prices": page.prices, "tax": page.tax, "country": country_name(tenant.country),
           "term_days": PAYMENT_TERM.days}
    return render_template(
        "billing/index.html", preview=page.preview, form=form, invoices=page.invoices, modules=modules, how=how,
        currency=tenant.currency, notices=notice_views(page.notices),
        empty=not page.preview.lines and not page.invoices, cap_example=cap_example(tenant.currency),
        **_card_context(page.billing_account)), status


@bp.get("/")
@tenant_required
def index():
    """The month so far by meter, where it is heading, the caps, invoices, notices and the payment card."""
    return _render_index()


@bp.post("/cap")
@role_required(*WRITERS)
def set_cap():
    """Set the overall monthly cap in major units; empty clears it. Refused input answers 422, storing nothing."""
    form = CapForm()
    form.currency = g.tenant.currency
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _render_index(form, 422)
    try:
        billing_service.set_monthly_cap(db_session(), g.tenant, form.cap_minor)
    except DomainError as exc:
        form.cap.errors = [domain_message(exc)]
        return _render_index(form, form_status(exc))
    flash(_("The monthly cap was saved.") if form.cap_minor is not None else _("The monthly cap was removed."),
          "success")
    return redirect(url_for("billing.index") + "#overall-cap")


# --- invoices ------------------------------------------------------------------------------------

def _invoice_context(invoice_id: int) -> dict:
    invoice, lines = billing_service.invoice(db_session(), invoice_id)
    return {"invoice": invoice, "lines": lines, "seller": SELLER,
            "country_name": country_name(invoice.country),
            "last_day": invoice.period_end - timedelta(days=1),
            "awaiting_transfer": invoice.provider == "local" and invoice.status in ("open", "payment_failed")}


@bp.get("/invoices/<int:invoice_id>")
@tenant_required
def invoice(invoice_id: int):
    """One of the company's invoices (404 for other companies')."""
    return render_template("billing/invoice.html", **_invoice_context(invoice_id))


@bp.get("/invoices/<int:invoice_id>/print")
@tenant_required
def invoice_print(invoice_id: int):
    """The invoice as a printable page: no navigation, black on white, a Print button."""
    return render_template("billing/print.html", **_invoice_context(invoice_id))


# --- notices -------------------------------------------------------------------------------------

@bp.post("/notices/<int:notice_id>/dismiss")
@tenant_required
def dismiss_notice(notice_id: int):
    """Hide a billing notice (every member may; 404 for other companies' notices)."""
    ConfirmForm().validate_on_submit() or abort(400)
    billing_service.dismiss_notice(db_session(), notice_id)
    flash(_("The message was dismissed."), "success")
    if request.form.get("back") == "billing":
        return redirect(url_for("billing.index") + "#notices")
    return redirect(url_for("alerts.index") + "#billing-notices")
