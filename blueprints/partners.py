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
from marketplace import manifest, modules, portal, signing, webhooks
from marketplace.models import DELIVERY_STATUSES
from tenants.errors import DomainError
from web.database import commit, db_session
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


def _partner(partner_id: int):
    return modules.partner_for_member(db_session(), partner_id, current_user)


def _module(partner_id: int, module_id: int):
    partner = _partner(partner_id)
    return partner, portal.partner_module(db_session(), partner, module_id)


def _render_form(partner, form: ModuleForm, module=None, status: int = 200):
    return render_template("partners/module_form.html", partner=partner, module=module, form=form,
                           scopes=manifest.SCOPES), status


def _render_secret(partner, module, secret: str, rotated: bool, status: int = 200):
    return render_template("partners/secret.html", partner=partner, module=module, secret=secret, rotated=rotated,
                           header=signing.SIGNATURE_HEADER), status


@bp.get("/")
def index():
    """The partner organisations the user belongs to."""
    return render_template("partners/index.html", partners=portal.partners_of(db_session(), current_user))


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
        partner = modules.create_partner(db_session(), name=form.name.data, contact_email=form.contact_email.data,
                                         owner=current_user)
    except DomainError as exc:
        db_session().rollback()
        flash(domain_message(exc), "error")
        return render_template("partners/signup.html", form=form), form_status(exc)
    commit()
    flash(_("%(name)s is a partner now. Add your first module.", name=partner.name), "success")
    return redirect(url_for("partners.portal", partner_id=partner.id))


@bp.get("/<int:partner_id>/", endpoint="portal")
def partner_portal(partner_id: int):
    """The partner's modules."""
    partner = _partner(partner_id)
    return render_template("partners/portal.html", partner=partner,
                           modules=portal.partner_modules(db_session(), partner))


@bp.route("/<int:partner_id>/modules/new", methods=["GET", "POST"])
def new_module(partner_id: int):
    """Write a new module's manifest; the answer shows its secret, only this once."""
    partner = _partner(partner_id)
    form = ModuleForm()
    if request.method == "GET":
        return _render_form(partner, form)
    if not form.validate_on_submit():
        return _render_form(partner, form, status=422)
    try:
        module = modules.create_module(db_session(), partner, form.manifest())
    except DomainError as exc:
        db_session().rollback()
        form.show_error(exc)
        flash(domain_message(exc), "error")
        return _render_form(partner, form, status=form_status(exc))
    commit()
    flash(_("%(name)s was saved as a draft. Copy its secret now: it is shown only this once.",
            name=module.draft_manifest["name"]), "success")
    return _render_secret(partner, module, signing.module_secret(_platform_key(), module), rotated=False, status=201)


@bp.get("/<int:partner_id>/modules/<int:module_id>")
def module_page(partner_id: int, module_id: int):
    """A module: status, versions, credentials, installations and the way to its delivery log."""
    partner, module = _module(partner_id, module_id)
    installations = portal.module_installations(db_session(), module, page_number())
    return render_template(
        "partners/module.html", partner=partner, module=module, installations=installations,
        needs_review=modules.needs_review(module), api_base=request.host_url + "api/partner/v1",
        active_count=portal.active_installation_count(db_session(), module), confirm=ConfirmForm())


@bp.route("/<int:partner_id>/modules/<int:module_id>/edit", methods=["GET", "POST"])
def edit_module(partner_id: int, module_id: int):
    """Change a module's working manifest (its slug stays)."""
    partner, module = _module(partner_id, module_id)
    if request.method == "GET":
        return _render_form(partner, ModuleForm.for_manifest(module.draft_manifest), module)
    form = ModuleForm()
    if not form.validate_on_submit():
        return _render_form(partner, form, module, 422)
    try:
        modules.edit_module(db_session(), module, form.manifest(slug=module.slug))
    except DomainError as exc:
        db_session().rollback()
        form.show_error(exc)
        flash(domain_message(exc), "error")
        return _render_form(partner, form, module, form_status(exc))
    commit()
    if module.status == "published" and modules.needs_review(module):
        flash(_("Saved. The permissions or prices changed: submit the module for review. Until it is approved, "
                "tenants keep seeing the approved version."), "warning")
    elif module.status == "published":
        flash(_("Saved and live."), "success")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("partners.module_page", partner_id=partner.id, module_id=module.id))


@bp.post("/<int:partner_id>/modules/<int:module_id>/submit")
def submit(partner_id: int, module_id: int):
    """Ask the platform to review the module."""
    partner, module = _module(partner_id, module_id)
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        modules.submit_for_review(module)
    except DomainError as exc:
        db_session().rollback()
        flash(domain_message(exc), "error")
    else:
        commit()
        flash(_("Submitted for review. We will tell you here when it is reviewed."), "success")
    return redirect(url_for("partners.module_page", partner_id=partner.id, module_id=module.id))


@bp.post("/<int:partner_id>/modules/<int:module_id>/secret")
def rotate_secret(partner_id: int, module_id: int):
    """Replace the module secret: the old one stops working at once, the new one is shown once."""
    partner, module = _module(partner_id, module_id)
    ConfirmForm().validate_on_submit() or abort(400)
    secret = signing.rotate_secret(_platform_key(), module)
    commit()
    flash(_("The old secret no longer works. Copy the new one now: it is shown only this once."), "success")
    return _render_secret(partner, module, secret, rotated=True)


@bp.get("/<int:partner_id>/modules/<int:module_id>/deliveries")
def deliveries(partner_id: int, module_id: int):
    """The module's webhook deliveries, newest first, optionally of one status."""
    partner, module = _module(partner_id, module_id)
    status = request.args.get("status", "")
    if status and status not in DELIVERY_STATUSES:
        abort(400)
    log = webhooks.delivery_log(db_session(), module, page_number(), status or None)
    return render_template("partners/deliveries.html", partner=partner, module=module, log=log, status=status,
                           statuses=DELIVERY_STATUSES)


@bp.post("/<int:partner_id>/modules/<int:module_id>/deliveries/<int:delivery_id>/redeliver")
def redeliver(partner_id: int, module_id: int, delivery_id: int):
    """Queue a delivery again at once (same event id, a new 24-hour window)."""
    partner, module = _module(partner_id, module_id)
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        delivery = webhooks.redeliver(db_session(), module, delivery_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        db_session().rollback()
        flash(domain_message(exc), "error")
    else:
        commit()
        flash(_("Event %(event)s is queued again and is sent within a minute.", event=delivery.event_id), "success")
    return redirect(url_for("partners.deliveries", partner_id=partner.id, module_id=module.id,
                            status=request.args.get("status") or None))
