"""Page forms (CSRF via Flask-WTF); the rules themselves live in the domain."""
from __future__ import annotations

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from tenants.errors import DomainError
from tenants.languages import LANGUAGES
from tenants.validation import clean_email, countries, currencies, timezones
from web.errors import domain_message

COMMON_CURRENCIES = ("EUR", "USD", "CNY", "GBP", "CHF", "PLN", "CZK", "INR", "JPY", "VND", "THB", "TRY")


def valid_email(_form, field) -> None:
    """The domain's email rule as a form validator (no extra dependency, one rule everywhere)."""
    try:
        clean_email(field.data or "")
    except DomainError as exc:
        raise ValidationError(domain_message(exc)) from None


def _zone_choices() -> list[tuple[str, str]]:
    return [(z, z.replace("_", " ")) for z in sorted(timezones()) if "/" in z and not z.startswith("Etc/")]


def _currency_choices() -> list[tuple[str, str]]:
    rest = sorted(currencies() - set(COMMON_CURRENCIES))
    return [(c, c) for c in (*COMMON_CURRENCIES, *rest)]


def _country_choices() -> list[tuple[str, str]]:
    return sorted(((code, name) for code, name in countries().items()), key=lambda pair: pair[1])


class CompanyFields:
    """Adds the company fields to a form."""

    @staticmethod
    def fill(form) -> None:
        """Set the choices of the company select fields."""
        form.country.choices = _country_choices()
        form.timezone.choices = _zone_choices()
        form.currency.choices = _currency_choices()


class SignupForm(FlaskForm):
    company = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    country = SelectField(_l("Country"), default="DE", validate_choice=False)
    timezone = SelectField(_l("Time zone"), default="Europe/Berlin", validate_choice=False)
    currency = SelectField(_l("Currency"), default="EUR", validate_choice=False)
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[DataRequired(), valid_email, Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])


class CompanyForm(FlaskForm):
    company = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    country = SelectField(_l("Country"), validate_choice=False)
    timezone = SelectField(_l("Time zone"), validate_choice=False)
    currency = SelectField(_l("Currency"), validate_choice=False)


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    remember = BooleanField(_l("Remember me"))


class EmailForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), valid_email, Length(max=254)])


class NewPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=256)])
    password = PasswordField(_l("New password"), validators=[DataRequired(), Length(max=256)])


class ProfileForm(FlaskForm):
    name = StringField(_l("Your name"), validators=[Optional(), Length(max=120)])
    locale = SelectField(_l("Language"), choices=list(LANGUAGES.items()))


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), valid_email, Length(max=254)])
    role = SelectField(_l("Role"), choices=[("member", _l("Member (read-only)")), ("admin", _l("Admin"))])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[("member", _l("Member (read-only)")), ("admin", _l("Admin"))])


class NameForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=100)])


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token: for buttons that change something."""


def page_number() -> int:
    """The `page` query argument of a paginated page (1 when absent; 400 when not a page number)."""
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdecimal() else 0
    if not 1 <= page <= 100000:
        abort(400)
    return page


def form_status(exc: DomainError) -> int:
    """The status of a page re-rendering a refused form: 422 for a broken rule, else the error's own."""
    return 422 if exc.status == 400 else exc.status
