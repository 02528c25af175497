"""The user's own account: profile, language, password, companies and switching between them."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from blueprints.forms import ChangePasswordForm, CompanyFields, CompanyForm, ConfirmForm, ProfileForm
from services import accounts as accounts_service
from tenants.errors import DomainError
from tenants.languages import LANGUAGES, language_of
from web.auth import bind_session_user, client_ip
from web.database import db_session
from web.errors import domain_message, error_response

bp = Blueprint("account", __name__)


@bp.get("/account")
@login_required
def profile():
    """Show the profile, language and password forms."""
    bind_session_user()
    form = ProfileForm(name=current_user.name, locale=language_of(current_user.locale))
    return render_template("account/profile.html", form=form, password_form=ChangePasswordForm())


@bp.post("/account")
@login_required
def update_profile():
    """Save the name and language."""
    form = ProfileForm()
    if not form.validate_on_submit():
        bind_session_user()
        return render_template("account/profile.html", form=form, password_form=ChangePasswordForm()), 422
    accounts_service.update_profile(db_session(), current_user, form.name.data or "", form.locale.data)
    flash(_("Your profile was saved."), "success")
    return redirect(url_for("account.profile"))


@bp.post("/account/password")
@login_required
def change_password():
    """Change the password; every other session of this user ends."""
    form = ChangePasswordForm()
    bind_session_user()
    if form.validate_on_submit():
        try:
            accounts_service.change_password(db_session(), current_user, form.current.data, form.password.data,
                                             g.membership, client_ip())
        except DomainError as exc:
            flash(domain_message(exc), "error")
            return render_template("account/profile.html", form=ProfileForm(obj=current_user), password_form=form), 422
        # The user object itself (not the proxy, which would then point at itself): this session
        # carries the new epoch; the others do not.
        login_user(current_user._get_current_object())
        flash(_("Your password was changed. Other sessions were logged out."), "success")
        return redirect(url_for("account.profile"))
    return render_template("account/profile.html", form=ProfileForm(obj=current_user), password_form=form), 422


@bp.post("/account/alert-mails")
@login_required
def alert_mails():
    """Turn alert mails on or off for each of the user's companies."""
    ConfirmForm().validate_on_submit() or abort(400)
    chosen = [int(v) for v in request.form.getlist("alert_mails") if v.isdecimal()]
    accounts_service.set_alert_mails(db_session(), current_user.id, chosen)
    flash(_("Your alert mail choices were saved."), "success")
    return redirect(url_for("account.profile"))


@bp.post("/language")
def set_language():
    """Switch the interface language (kept for the session, and on the profile when logged in)."""
    ConfirmForm().validate_on_submit() or abort(400)
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        return error_response(400, _("Choose one of the offered languages."))
    session["lang"] = language
    if current_user.is_authenticated:
        accounts_service.set_language(db_session(), current_user, language)
    return redirect(_back())


def _back() -> str:
    target = request.form.get("next") or request.referrer or url_for("dashboard.index")
    host = request.host_url.rstrip("/")
    if target.startswith(host):
        target = target[len(host):] or "/"
    return target if target.startswith("/") and not target.startswith("//") else url_for("dashboard.index")


@bp.post("/switch/<int:tenant_id>")
@login_required
def switch_tenant(tenant_id: int):
    """Make another of the user's companies the current one."""
    ConfirmForm().validate_on_submit() or abort(400)
    if accounts_service.membership(db_session(), current_user.id, tenant_id) is None:
        abort(404)
    session["tenant_id"] = tenant_id
    return redirect(url_for("dashboard.index"))


@bp.route("/companies/new", methods=["GET", "POST"])
@login_required
def new_company():
    """Create another company owned by the logged-in user."""
    form = CompanyForm()
    CompanyFields.fill(form)
    bind_session_user()
    if form.validate_on_submit():
        try:
            tenant = accounts_service.create_company(db_session(), current_user, name=form.company.data,
                                                     country=form.country.data, timezone=form.timezone.data,
                                                     currency=form.currency.data)
        except DomainError as exc:
            flash(domain_message(exc), "error")
            return render_template("account/new_company.html", form=form), 422
        session["tenant_id"] = tenant.id
        flash(_("%(name)s was created.", name=tenant.name), "success")
        return redirect(url_for("dashboard.index"))
    return render_template("account/new_company.html", form=form), 422 if form.errors else 200
