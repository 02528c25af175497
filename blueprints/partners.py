"""The partner portal: sign a partner organisation up, write module manifests, submit them for review,
see the module secret once, the installations across tenants and the webhook delivery log.

Every page needs a logged-in user and resolves the partner through its membership: anyone else gets
404, never a hint that the partner exists."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.forms import ConfirmForm, form_status, page_number
from blueprints.partner_forms import ModuleForm, PartnerSignupForm
from marketplace import manifest, signing
from marketplace.models import DELIVERY_STATUSES
from services import partner_portal as portal_service
from tenants.clock import utcnow
from tenants.errors import DomainError
from web.database import db_session
from web.errors import domain_message
from web.extensions import login_manager

bp = Blueprint("partners", __name__, url_prefix="/partners")


@bp.before_request
def _logged_in_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def _platform_key() -> str:
    return current_app.config["SECRET_KEY"]


def _module(partner_id: int, module_id: int) -> portal_service.PartnerModule:
    return portal_service.module(db_session(), current_user, partner_id, module_id)


def _render_form(partner, form: ModuleForm, module=None, status: int = 200):
    return render_template("partners/module_form.html", partner=partner, module=module, form=form,
                           scopes=manifest.SCOPES), status


def _render_secret(shown: portal_service.ModuleSecret, rotated: bool, status: int = 200):
    return render_template("partners/secret.html", partner=shown.partner, module=shown.module, secret=shown.secret,
                           rotated=rotated, header=signing.SIGNATURE_HEADER), status


def _module_page(partner_id: int, module_id: int):
    return redirect(url_for("partners.module_page", partner_id=partner_id, module_id=module_id))


@bp.get("/")
def index():
    """The partner organisations the user belongs to."""
    return render_template("partners/index.html", partners=portal_service.partners_of(db_session(), current_user))


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    """Create a partner organisation with the user as its owner."""
    form = PartnerSignupForm()
    if request.method == "GET":
        if not form.contact_email.data:
            form.contact_email.data = current_user.email
        return render_template("partners/signup.html", form=form)
    if not form.validate_on_submit():
        return render_template("partners/signup.html", form=form), 422
    try:
        partner = portal_service.sign_up(db_session(), current_user, form.name.data, form.contact_email.data)
    except DomainError as exc:
        flash(domain_message(exc), "error")
        return render_template("partners/signup.html", form=form), form_status(exc)
    flash(_("%(name)s is a partner now. Add your first module.", name=partner.name), "success")
    return redirect(url_for("partners.portal", partner_id=partner.id))


@bp.get("/<int:partner_id>/", endpoint="portal")
def partner_portal(partner_id: int):
    """The partner's modules."""
    page = portal_service.portal_page(db_session(), current_user, partner_id)
    return render_template("partners/portal.html", partner=page.partner, modules=page.modules)


@bp.route("/<int:partner_id>/modules/new", methods=["GET", "POST"])
def new_module(partner_id: int):
    """Write a new module's manifest; the answer shows its secret, only this once."""
    partner = portal_service.partner(db_session(), current_user, partner_id)
    form = ModuleForm()
    if request.method == "GET":
        return _render_form(partner, form)
    if not form.validate_on_submit():
        return _render_form(partner, form, status=422)
    try:
        shown = portal_service.create_module(db_session(), partner, form.manifest(), _platform_key())
    except DomainError as exc:
        form.show_error(exc)
        flash(domain_message(exc), "error")
        return _render_form(partner, form, status=form_status(exc))
    flash(_("%(name)s was saved as a draft. Copy its secret now: it is shown only this once.",
            name=shown.module.draft_manifest["name"]), "success")
    return _render_secret(shown, rotated=False, status=201)


@bp.get("/<int:partner_id>/modules/<int:module_id>")
def module_page(partner_id: int, module_id: int):
    """A module: status, versions, credentials, installations and the way to its delivery log."""
    found = _module(partner_id, module_id)  # 404 before a malformed ?page= answers 400
    page = portal_service.module_page(db_session(), found, page_number())
    return render_template(
        "partners/module.html", partner=page.partner, module=page.module, installations=page.installations,
        needs_review=page.needs_review, api_base=request.host_url + "api/partner/v1", active_count=page.active_count,
        confirm=ConfirmForm())


@bp.route("/<int:partner_id>/modules/<int:module_id>/edit", methods=["GET", "POST"])
def edit_module(partner_id: int, module_id: int):
    """Change a module's working manifest (its slug stays)."""
    found = _module(partner_id, module_id)
    partner, module = found.partner, found.module
    if request.method == "GET":
        return _render_form(partner, ModuleForm.for_manifest(module.draft_manifest), module)
    form = ModuleForm()
    if not form.validate_on_submit():
        return _render_form(partner, form, module, 422)
    try:
        outcome = portal_service.edit_module(db_session(), module, form.manifest(slug=module.slug))
    except DomainError as exc:
        form.show_error(exc)
        flash(domain_message(exc), "error")
        return _render_form(partner, form, module, form_status(exc))
    if outcome == "review":
        flash(_("Saved. The permissions or prices changed: submit the module for review. Until it is approved, "
                "tenants keep seeing the approved version."), "warning")
    elif outcome == "live":
        flash(_("Saved and live."), "success")
    else:
        flash(_("Saved."), "success")
    return _module_page(partner_id, module_id)


@bp.post("/<int:partner_id>/modules/<int:module_id>/submit")
def submit(partner_id: int, module_id: int):
    """Ask the platform to review the module."""
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        portal_service.submit(db_session(), current_user, partner_id, module_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(domain_message(exc), "error")
    else:
        flash(_("Submitted for review. We will tell you here when it is reviewed."), "success")
    return _module_page(partner_id, module_id)


@bp.post("/<int:partner_id>/modules/<int:module_id>/secret")
def rotate_secret(partner_id: int, module_id: int):
    """Replace the module secret: the old one stops working at once, the new one is shown once."""
    ConfirmForm().validate_on_submit() or abort(400)
    shown = portal_service.rotate_secret(db_session(), current_user, partner_id, module_id, _platform_key())
    flash(_("The old secret no longer works. Copy the new one now: it is shown only this once."), "success")
    return _render_secret(shown, rotated=True)


@bp.get("/<int:partner_id>/modules/<int:module_id>/deliveries")
def deliveries(partner_id: int, module_id: int):
    """The module's webhook deliveries, newest first, optionally of one status."""
    found = _module(partner_id, module_id)  # 404 before a malformed ?status= or ?page= answers 400
    status = request.args.get("status", "")
    if status and status not in DELIVERY_STATUSES:
        abort(400)
    log = portal_service.delivery_log(db_session(), found, page_number(), status or None)
    return render_template("partners/deliveries.html", partner=found.partner, module=found.module, log=log,
                           status=status, statuses=DELIVERY_STATUSES)


@bp.post("/<int:partner_id>/modules/<int:module_id>/deliveries/<int:delivery_id>/redeliver")
def redeliver(partner_id: int, module_id: int, delivery_id: int):
    """Queue a delivery again at once (same event id, a new 24-hour window)."""
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        delivery = portal_service.redeliver(db_session(), current_user, partner_id, module_id, delivery_id, utcnow())
    except DomainError as exc:
        if exc.status == 404:
            raise
        flash(domain_message(exc), "error")
    else:
        flash(_("Event %(event)s is queued again and is sent within a minute.", event=delivery.event_id), "success")
    return redirect(url_for("partners.deliveries", partner_id=partner_id, module_id=module_id,
                            status=request.args.get("status") or None))
