"""Company settings, API keys and the audit log."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.forms import CompanyFields, CompanyForm, ConfirmForm, NameForm
from services import settings as settings_service
from tenants.errors import DomainError
from web.auth import role_required, tenant_required
from web.database import db_session
from web.errors import domain_message, error_response

bp = Blueprint("settings", __name__)


@bp.route("/settings", methods=["GET", "POST"])
@tenant_required
def index():
    """Show and (owners, admins) change the company's settings."""
    tenant = g.tenant
    form = CompanyForm(company=tenant.name, country=tenant.country, timezone=tenant.timezone,
                       currency=tenant.currency)
    CompanyFields.fill(form)
    if request.method == "POST":
        if g.membership.role not in ("owner", "admin"):
            abort(403)
        if not form.validate_on_submit():
            return render_template("settings/index.html", form=form), 422
        try:
            settings_service.update_company(db_session(), g.membership, name=form.company.data,
                                            country=form.country.data, timezone=form.timezone.data,
                                            currency=form.currency.data)
        except DomainError as exc:
            flash(domain_message(exc), "error")
            return render_template("settings/index.html", form=form), 422
        flash(_("The settings were saved."), "success")
        return redirect(url_for("settings.index"))
    return render_template("settings/index.html", form=form)


@bp.get("/settings/api-keys")
@role_required("owner", "admin")
def api_keys():
    """List the company's API keys."""
    return render_template("settings/api_keys.html", keys=settings_service.api_keys(db_session()), form=NameForm(),
                           confirm=ConfirmForm())


@bp.post("/settings/api-keys")
@role_required("owner", "admin")
def create_api_key():
    """Create a key and show its secret once."""
    form = NameForm()
    if not form.validate_on_submit():
        return render_template("settings/api_keys.html", keys=settings_service.api_keys(db_session()), form=form,
                               confirm=ConfirmForm()), 422
    if not current_user.is_verified:
        flash(_("Confirm your email address before creating API keys."), "error")
        return redirect(url_for("settings.api_keys"))
    key, secret = settings_service.create_api_key(db_session(), form.name.data, current_user.id)
    return render_template("settings/api_key_created.html", key=key, secret=secret)


@bp.post("/settings/api-keys/<int:key_id>/revoke")
@role_required("owner", "admin")
def revoke_api_key(key_id: int):
    """Revoke a key at once."""
    ConfirmForm().validate_on_submit() or abort(400)
    key = settings_service.revoke_api_key(db_session(), key_id, current_user.id)
    flash(_("The key %(name)s was revoked.", name=key.name), "success")
    return redirect(url_for("settings.api_keys"))


@bp.get("/settings/audit")
@role_required("owner")
def audit_log():
    """The security audit log, newest first, paginated."""
    page = request.args.get("page", 1, type=int) or 1
    if page < 1 or page > 100000:
        return error_response(400, _("There is no such page of the audit log."))
    found = settings_service.audit_page(db_session(), page)
    return render_template("settings/audit.html", events=found.events, page=found.page, pages=found.pages,
                           total=found.total)
