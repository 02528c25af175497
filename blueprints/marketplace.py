"""The tenant's marketplace: browse and search published modules, a module's page, subscribing with
consent (scopes in plain words, chosen machines, optional monthly cap), the installed modules with their
spend, consenting again, unsubscribing, and opening a module with a signed launch token."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from babel import Locale, UnknownLocaleError
from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from billing import usage
from blueprints.forms import ConfirmForm, form_status, page_number
from blueprints.marketplace_forms import ConsentForm
from marketplace import catalog, installations
from marketplace.installations import DEVICE_SCOPES
from marketplace.manifest import CATEGORIES, SCOPES, Manifest
from marketplace.models import Installation, Module, Partner
from marketplace.modules import live_manifest
from marketplace.signing import launch_token, module_secret
from telemetry import registry
from tenants.clock import local_today, utcnow
from tenants.errors import N_, Conflict, DomainError, NotFound
from tenants.money import major_text
from web.auth import role_required, tenant_required
from web.database import commit, db_session
from web.errors import domain_message
from web.formatting import price_text

bp = Blueprint("marketplace", __name__, url_prefix="/marketplace")
NAV_LABEL = N_("Marketplace")
WRITERS = ("owner", "admin")
DEVICE_PAGE = 200
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
            "consented_pricing": installations.consented_pricing,
            "writer": g.get("membership") is not None and g.membership.role in WRITERS}


def _active_devices() -> list:
    """Every active machine of the company, by name (all pages)."""
    found, page = [], 1
    while True:
        batch = registry.list_devices(db_session(), "active", page=page, per_page=DEVICE_PAGE)
        found.extend(batch.devices)
        if len(found) >= batch.total or not batch.devices:
            return found
        page += 1


def _needs_devices(manifest: Manifest) -> bool:
    return bool(set(manifest.scopes) & set(DEVICE_SCOPES)) or any(e.startswith("device.") for e in manifest.events)


def _installed_module(installation_id: int) -> tuple[Installation, Module]:
    """An active installation of the current company with its module; 404 otherwise."""
    installation = installations.tenant_installation(db_session(), installation_id)
    if installation.status != "active":
        raise NotFound()
    return installation, db_session().get(Module, installation.module_id)


def _partner_name(module: Module) -> str:
    partner = db_session().get(Partner, module.partner_id)
    return partner.name if partner is not None else ""


def _render_consent(module: Module, manifest: Manifest, form: ConsentForm, devices: list,
                    installation: Installation | None = None, status: int = 200):
    action = (url_for("marketplace.consent", installation_id=installation.id) if installation is not None
              else url_for("marketplace.subscribe", slug=module.slug))
    return render_template("marketplace/consent.html", module=module, manifest=manifest, form=form,
                           devices=devices, installation=installation, action=action,
                           needs_devices=_needs_devices(manifest), partner_name=_partner_name(module),
                           available=g.tenant.currency in manifest.pricing.prices), status


# --- pages ---------------------------------------------------------------------------------------

@bp.get("/")
@tenant_required
def index():
    """The catalogue: search, category chips, module cards (24 a page)."""
    query = request.args.get("q", "").strip()
    category = request.args.get("category", "")
    if category and category not in CATEGORIES:
        abort(400)
    found = catalog.browse(db_session(), query, category or None, page_number())
    installed = {module.id for _installation, module in installations.tenant_installations(db_session())}
    return render_template("marketplace/index.html", found=found, query=query, category=category,
                           categories=CATEGORIES, installed=installed, currency=g.tenant.currency)


@bp.get("/installed")
@tenant_required
def installed():
    """The company's installed modules with this month's reported spend against the cap."""
    today = local_today(g.tenant)
    rows = []
    for installation, module in installations.tenant_installations(db_session()):
        rows.append({"installation": installation, "module": module, "manifest": live_manifest(module),
                     "spent": usage.month_spend_minor(db_session(), installation.id, today),
                     "needs_consent": installations.needs_consent(installation, module)})
    return render_template("marketplace/installed.html", rows=rows, currency=g.tenant.currency,
                           confirm=ConfirmForm())


@bp.get("/<slug>")
@tenant_required
def show(slug: str):
    """A module's page: what it does, what it costs, what it may see, and install/open/remove."""
    module, manifest = installations.published_module(db_session(), slug)
    installation = installations.active_installation(db_session(), module.id)
    return render_template(
        "marketplace/show.html", module=module, manifest=manifest, partner_name=_partner_name(module),
        installation=installation, currency=g.tenant.currency,
        needs_consent=installation is not None and installations.needs_consent(installation, module),
        available=g.tenant.currency in manifest.pricing.prices)


@bp.route("/<slug>/subscribe", methods=["GET", "POST"])
@role_required(*WRITERS)
def subscribe(slug: str):
    """The consent screen; posting it installs the module."""
    module, manifest = installations.published_module(db_session(), slug)
    installation = installations.active_installation(db_session(), module.id)
    if installation is not None:
        return redirect(url_for("marketplace.consent", installation_id=installation.id))
    devices = _active_devices()
    form = ConsentForm.build(g.tenant.currency, devices, devices=[d.id for d in devices])
    if request.method == "GET":
        return _render_consent(module, manifest, form, devices)
    if not form.validate_on_submit():
        return _render_consent(module, manifest, form, devices, status=422)
    try:
        installations.subscribe(db_session(), g.tenant, module, current_user, form.devices.data or [],
                                form.cap_minor)
    except DomainError as exc:
        db_session().rollback()
        flash(domain_message(exc), "error")
        return _render_consent(module, manifest, form, devices, status=form_status(exc))
    commit()
    flash(_("%(name)s was installed.", name=manifest.name), "success")
    return redirect(url_for("marketplace.show", slug=module.slug))


@bp.route("/installations/<int:installation_id>/consent", methods=["GET", "POST"])
@role_required(*WRITERS)
def consent(installation_id: int):
    """Consent again (to new scopes), or change the machines and the cap of an installation."""
    installation, module = _installed_module(installation_id)
    manifest = live_manifest(module)
    if manifest is None:
        raise NotFound()
    devices = _active_devices()
    active_ids = {d.id for d in devices}
    form = ConsentForm.build(g.tenant.currency, devices,
                             devices=[i for i in installation.device_ids if i in active_ids],
                             cap=major_text(installation.monthly_cap_minor, g.tenant.currency))
    if request.method == "GET":
        return _render_consent(module, manifest, form, devices, installation)
    if not form.validate_on_submit():
        return _render_consent(module, manifest, form, devices, installation, status=422)
    try:
        installations.change_consent(db_session(), installation, module, form.devices.data or [], form.cap_minor)
    except DomainError as exc:
        db_session().rollback()
        flash(domain_message(exc), "error")
        installation, module = _installed_module(installation_id)
        return _render_consent(module, manifest, form, devices, installation, status=form_status(exc))
    commit()
    flash(_("Your choices for %(name)s were saved.", name=manifest.name), "success")
    return redirect(url_for("marketplace.show", slug=module.slug) if module.status == "published"
                    else url_for("marketplace.installed"))


@bp.get("/installations/<int:installation_id>/unsubscribe")
@role_required(*WRITERS)
def unsubscribe_confirm(installation_id: int):
    """Ask before removing a module: billing stops at once and the partner is told."""
    installation, module = _installed_module(installation_id)
    return render_template("marketplace/unsubscribe.html", installation=installation, module=module,
                           manifest=live_manifest(module), form=ConfirmForm())


@bp.post("/installations/<int:installation_id>/unsubscribe")
@role_required(*WRITERS)
def unsubscribe(installation_id: int):
    """Remove a module."""
    ConfirmForm().validate_on_submit() or abort(400)
    installation = installations.unsubscribe(db_session(), installation_id)
    module = db_session().get(Module, installation.module_id)
    name = (module.live_manifest or {}).get("name", module.slug)
    commit()
    flash(_("%(name)s was removed. Billing stopped and the partner was told.", name=name), "success")
    return redirect(url_for("marketplace.installed"))


@bp.get("/installations/<int:installation_id>/open", endpoint="open")
@tenant_required
def open_module(installation_id: int):
    """Go to the module's own page with a short-lived token saying who opens it for which company."""
    installation, module = _installed_module(installation_id)
    manifest = live_manifest(module)
    if module.status != "published" or manifest is None:
        raise Conflict(N_("This module is suspended by the platform and cannot be opened for now."))
    secret = module_secret(current_app.config["SECRET_KEY"], module)
    token = launch_token(secret, issuer=current_app.config["SETTINGS"].base_url, module_slug=module.slug,
                         installation_id=installation.id, tenant_id=installation.tenant_id, user_id=current_user.id,
                         now=utcnow())
    response = redirect(_with_token(manifest.launch_url, token), 302)
    response.headers["Cache-Control"] = "no-store"
    return response


def _with_token(url: str, token: str) -> str:
    parts = urlsplit(url)
    query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), ("token", token)])
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))
