"""Signup, login, logout, email verification, password reset and invitation links."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from blueprints.forms import CompanyFields, EmailForm, LoginForm, NewPasswordForm, SignupForm
from services import accounts as accounts_service
from tenants.errors import DomainError
from tenants.models import User
from web.auth import client_ip
from web.database import db_session
from web.errors import domain_message
from web.extensions import limiter
from web.i18n import select_locale
from web.mailing import external_url, send_mail

bp = Blueprint("auth", __name__)
AUTH_LIMIT = "10 per minute;50 per hour"


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


class _Mail:
    """The account mails, rendered and sent by web.mailing (services.accounts.AccountMail)."""

    def verification(self, user: User, token: str) -> None:
        link = external_url("auth.verify", token=token)
        send_mail(user.email, "verify", user.locale, user=user, link=link)

    def signup_existing(self, user: User) -> None:
        send_mail(user.email, "signup_existing", user.locale,
                  login=external_url("auth.login"), forgot=external_url("auth.forgot"))

    def reset(self, user: User, token: str) -> None:
        link = external_url("auth.reset", token=token)
        send_mail(user.email, "reset", user.locale, link=link)


MAIL = _Mail()


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def signup():
    """Create a company and its owner, then ask to confirm the email address."""
    form = SignupForm()
    CompanyFields.fill(form)
    if form.validate_on_submit():
        try:
            accounts_service.signup(
                db_session(), _secret(), MAIL, company=form.company.data, country=form.country.data,
                timezone=form.timezone.data, currency=form.currency.data, email=form.email.data,
                password=form.password.data, name=form.name.data or "", locale=select_locale())
        except DomainError as exc:
            flash(domain_message(exc), "error")
            return render_template("auth/signup.html", form=form), 422
        return render_template("auth/check_inbox.html", email=form.email.data.strip().lower())
    status = 422 if form.errors else 200
    return render_template("auth/signup.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def login():
    """Log in with email and password (optionally remembered)."""
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.index"))
    form = LoginForm()
    if form.validate_on_submit():
        attempt = accounts_service.log_in(db_session(), _secret(), MAIL, form.email.data, form.password.data,
                                          client_ip())
        if attempt.user is None:
            flash(_("Email or password is not correct."), "error")
            return render_template("auth/login.html", form=form), 401
        if not attempt.verified:
            flash(_("Confirm your email address first: we have sent you a new link."), "warning")
            return render_template("auth/login.html", form=form), 403
        login_user(attempt.user, remember=form.remember.data)
        session.pop("tenant_id", None)
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), 422 if form.errors else 200


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("dashboard.index")


@bp.post("/logout")
def logout():
    """End the session (and the remember-me cookie)."""
    session.clear()
    logout_user()  # after clear(): it leaves the note that makes Flask-Login delete the remember cookie
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/verify/<token>")
def verify(token: str):
    """Confirm an email address from the mailed link (works once)."""
    try:
        accounts_service.confirm_email(db_session(), _secret(), token, client_ip())
    except DomainError as exc:
        return render_template("auth/link_problem.html", message=domain_message(exc)), 400
    flash(_("Your email address is confirmed. You can log in now."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def forgot():
    """Mail a password reset link, saying the same whether or not the account exists."""
    form = EmailForm()
    if form.validate_on_submit():
        accounts_service.request_reset(db_session(), _secret(), MAIL, form.email.data)
        return render_template("auth/check_inbox.html", email=form.email.data.strip().lower(), reset=True)
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(AUTH_LIMIT, methods=["POST"])
def reset(token: str):
    """Choose a new password from a reset link (works once, expires after an hour)."""
    form = NewPasswordForm()
    if request.method == "GET":
        try:
            accounts_service.check_reset_link(db_session(), _secret(), token)
        except DomainError as exc:
            return render_template("auth/link_problem.html", message=domain_message(exc)), 400
    if form.validate_on_submit():
        try:
            accounts_service.reset_password(db_session(), _secret(), token, form.password.data, client_ip())
        except DomainError as exc:
            flash(domain_message(exc), "error")
            return render_template("auth/reset.html", form=form), 400
        logout_user()
        flash(_("Your password was changed. Log in with the new one."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form), 422 if form.errors else 200
