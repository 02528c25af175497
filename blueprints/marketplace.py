"""The tenant's marketplace: browse and search published modules, a module's page, subscribing with
consent (scopes in plain words, chosen machines, optional monthly cap), the installed modules with their
spend, consenting again, unsubscribing, and opening a module with a signed launch token."""
from __future__ import annotations

from babel import Locale, UnknownLocaleError
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.forms import ConfirmForm, form_status, page_number
from blueprints.marketplace_forms import ConsentForm
from marketplace.manifest import CATEGORIES, SCOPES, Manifest
from services import marketplace as marketplace_service
from tenants.clock import utcnow
from tenants.errors import N_, DomainError, NotFound
from web.auth import role_required, tenant_required
from web.database import db_session
from web.errors import domain_message
from web.formatting import price_text

bp = Blueprint("marketplace", __name__, url_prefix="/marketplace")
NAV_LABEL = N_("Marketplace")
WRITERS = ("owner", "admin")
CATEGORY_LABELS = {
    "reports": N_("Reports"), "alerts": N_("Alerts"), "maintenance": N_("Maintenance"), "energy": N_("Energy"),
    "quality": N_("Quality"), "integrations": N_("Integrations"),
}
EVENT_LABELS = {
    "installation.created": N_("When you install it"),
    "installation.deleted": N_("When you remove it"),
    "device.state_changed": N_("When a chosen machine starts running, idles or stops"),
    "device.offline": N_("When a chosen machine stops sending readings"),
    "device.daily_summary": N_("Each chosen machine's figures of the day, every morning"),
}


# --- helpers shared by the templates -------------------------------------------------------------

def language_name(code: str) -> str:
    """A manifest language code (en, zh-Hans) in the reader's language; the code itself when unknown."""
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(get_locale()) or code
    except (ValueError, UnknownLocaleError):
        return code


def icon_src(manifest: Manifest) -> str | None:
    """The module's icon when the page may load it: the Content Security Policy allows images of this
    site only, so icons on partners' servers are replaced by the module's initial."""
    base = current_app.config["SETTINGS"].base_url.rstrip("/") + "/"
    return manifest.icon_url if manifest.icon_url and manifest.icon_url.startswith(base) else None


@bp.context_processor
def _helpers() -> dict:
    return {"price_text": price_text, "language_name": language_name, "icon_src": icon_src,
            "category_labels": CATEGORY_LABELS, "event_labels": EVENT_LABELS, "scope_texts": SCOPES,
            "writer": g.get("membership") is not None and g.membership.role in WRITERS}


def _render_consent(page: marketplace_service.ConsentPage, form: ConsentForm, status: int = 200):
    installation, module = page.installation, page.module
    action = (url_for("marketplace.consent", installation_id=installation.id) if installation is not None
              else url_for("marketplace.subscribe", slug=module.slug))
    return render_template("marketplace/consent.html", module=module, manifest=page.manifest, form=form,
                           devices=page.devices, installation=installation, action=action,
                           needs_devices=page.needs_devices, partner_name=page.partner_name,
                           available=page.available), status


# --- pages ---------------------------------------------------------------------------------------

@bp.get("/")
@tenant_required
def index():
    """The catalogue: search, category chips, module cards (24 a page)."""
    query = request.args.get("q", "").strip()
    category = request.args.get("category", "")
    if category and category not in CATEGORIES:
        abort(400)
    page = marketplace_service.catalogue(db_session(), query, category or None, page_number())
    return render_template("marketplace/index.html", found=page.found, query=query, category=category,
                           categories=CATEGORIES, installed=page.installed, currency=g.tenant.currency)


@bp.get("/installed")
@tenant_required
def installed():
    """The company's installed modules with this month's reported spend against the cap."""
    rows = marketplace_service.installed_modules(db_session(), g.tenant, utcnow())
    return render_template("marketplace/installed.html", rows=rows, currency=g.tenant.currency,
                           confirm=ConfirmForm())


@bp.get("/<slug>")
@tenant_required
def show(slug: str):
    """A module's page: what it does, what it costs, what it may see, and install/open/remove."""
    page = marketplace_service.module_page(db_session(), g.tenant, slug)
    return render_template(
        "marketplace/show.html", module=page.module, manifest=page.manifest, partner_name=page.partner_name,
        installation=page.installation, currency=g.tenant.currency, needs_consent=page.needs_consent,
        available=page.available)


@bp.route("/<slug>/subscribe", methods=["GET", "POST"])
@role_required(*WRITERS)
def subscribe(slug: str):
    """The consent screen; posting it installs the module."""
    page = marketplace_service.subscribe_page(db_session(), g.tenant, slug)
    if page.installation is not None:
        return redirect(url_for("marketplace.consent", installation_id=page.installation.id))
    form = ConsentForm.build(g.tenant.currency, page.devices, devices=page.chosen_device_ids)
    if request.method == "GET":
        return _render_consent(page, form)
    if not form.validate_on_submit():
        return _render_consent(page, form, status=422)
    try:
        marketplace_service.subscribe(db_session(), g.tenant, page.module, current_user, form.devices.data or [],
                                      form.cap_minor)
    except DomainError as exc:
        flash(domain_message(exc), "error")
        return _render_consent(page, form, status=form_status(exc))
    flash(_("%(name)s was installed.", name=page.manifest.name), "success")
    return redirect(url_for("marketplace.show", slug=page.module.slug))


@bp.route("/installations/<int:installation_id>/consent", methods=["GET", "POST"])
@role_required(*WRITERS)
def consent(installation_id: int):
    """Consent again (to new scopes), or change the machines and the cap of an installation."""
    page = marketplace_service.consent_page(db_session(), g.tenant, installation_id)
    form = ConsentForm.build(g.tenant.currency, page.devices, devices=page.chosen_device_ids, cap_minor=page.cap_minor)
    if request.method == "GET":
        return _render_consent(page, form)
    if not form.validate_on_submit():
        return _render_consent(page, form, status=422)
    try:
        marketplace_service.change_consent(db_session(), installation_id, form.devices.data or [], form.cap_minor)
    except NotFound:  # removed meanwhile: the not-found page, not the form
        raise
    except DomainError as exc:
        flash(domain_message(exc), "error")
        return _render_consent(page, form, status=form_status(exc))
    flash(_("Your choices for %(name)s were saved.", name=page.manifest.name), "success")
    return redirect(url_for("marketplace.show", slug=page.module.slug) if page.module.status == "published"
                    else url_for("marketplace.installed"))


@bp.get("/installations/<int:installation_id>/unsubscribe")
@role_required(*WRITERS)
def unsubscribe_confirm(installation_id: int):
    """Ask before removing a module: billing stops at once and the partner is told."""
    found = marketplace_service.installed_module(db_session(), installation_id)
    return render_template("marketplace/unsubscribe.html", installation=found.installation, module=found.module,
                           manifest=found.manifest, form=ConfirmForm())


@bp.post("/installations/<int:installation_id>/unsubscribe")
@role_required(*WRITERS)
def unsubscribe(installation_id: int):
    """Remove a module."""
    ConfirmForm().validate_on_submit() or abort(400)
    removed = marketplace_service.unsubscribe(db_session(), installation_id)
    flash(_("%(name)s was removed. Billing stopped and the partner was told.", name=removed.name), "success")
    return redirect(url_for("marketplace.installed"))


@bp.get("/installations/<int:installation_id>/open", endpoint="open")
@tenant_required
def open_module(installation_id: int):
    """Go to the module's own page with a short-lived token saying who opens it for which company."""
    url = marketplace_service.launch_url(db_session(), installation_id, current_user.id,
                                         current_app.config["SECRET_KEY"], current_app.config["SETTINGS"].base_url,
                                         utcnow())
    response = redirect(url, 302)
    response.headers["Cache-Control"] = "no-store"
    return response
