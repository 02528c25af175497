"""Forms of the partner portal and the module review pages (CSRF via Flask-WTF); the manifest rules
themselves live in marketplace.manifest."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from blueprints.forms import valid_email
from marketplace import manifest, portal
from tenants.errors import DomainError
from web.errors import domain_message

PRICING_CHOICES = [
    ("device_day", _l("Per machine and day: each machine the module may see, each day it sends data")),
    ("unit", _l("Per unit: each unit your module reports (e.g. a report or an analysis)")),
    ("flat_day", _l("Flat per day: the same amount for each day the module is installed")),
]
URL = {"inputmode": "url", "autocapitalize": "off", "spellcheck": "false"}
CODE = {"autocapitalize": "off", "spellcheck": "false"}


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (iterate the field for one checkbox per choice)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _valid_prices(_form, field) -> None:
    try:
        portal.parse_prices(field.data)
    except DomainError as exc:
        raise ValidationError(domain_message(exc)) from None


def _split_codes(text: str | None) -> list[str]:
    return [code.strip() for code in (text or "").replace(";", ",").split(",") if code.strip()]


class PartnerSignupForm(FlaskForm):
    """A new partner organisation."""

    name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=200)])
    contact_email = EmailField(_l("Contact email"), validators=[DataRequired(), valid_email, Length(max=254)])


class ModuleForm(FlaskForm):
    """A module's manifest as form fields; `manifest()` gives the dict marketplace.modules takes."""

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    slug = StringField(_l("Slug"), validators=[Optional(), Length(max=50)], render_kw=CODE)
    summary = StringField(_l("Summary"), validators=[DataRequired(), Length(max=160)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20_000)])
    icon_url = StringField(_l("Icon address"), validators=[Optional(), Length(max=500)], render_kw=URL)
    categories = CheckboxesField(_l("Categories"), choices=[(c, c) for c in manifest.CATEGORIES])
    languages = StringField(_l("Languages"), default="en", validators=[DataRequired(), Length(max=200)],
                            render_kw=CODE)
    support_email = EmailField(_l("Support email"), validators=[DataRequired(), valid_email, Length(max=254)])
    webhook_url = StringField(_l("Webhook address"), validators=[DataRequired(), Length(max=500)], render_kw=URL)
    launch_url = StringField(_l("Launch address"), validators=[DataRequired(), Length(max=500)], render_kw=URL)
    scopes = CheckboxesField(_l("Permissions (scopes)"), choices=[(s, s) for s in manifest.SCOPES])
    events = CheckboxesField(_l("Events"), choices=[(e, e) for e in manifest.EVENTS])
    pricing_model = SelectField(_l("Pricing"), choices=PRICING_CHOICES, default="device_day")
    unit_name = StringField(_l("Unit name"), validators=[Optional(), Length(max=40)])
    prices = StringField(_l("Prices"), validators=[DataRequired(), Length(max=500), _valid_prices], render_kw=CODE)
    version = StringField(_l("Version"), default="1.0.0", validators=[DataRequired(), Length(max=14)],
                          render_kw=CODE)

    @classmethod
    def for_manifest(cls, data: dict) -> ModuleForm:
        """The form filled with a stored manifest (never with the request's data)."""
        pricing = data.get("pricing") or {}
        return cls(formdata=None, name=data.get("name"), slug=data.get("slug"), summary=data.get("summary"),
                   description=data.get("description"), icon_url=data.get("icon_url") or "",
                   categories=data.get("categories") or [], languages=", ".join(data.get("languages") or []),
                   support_email=data.get("support_email"), webhook_url=data.get("webhook_url"),
                   launch_url=data.get("launch_url"), scopes=data.get("scopes") or [], events=data.get("events") or [],
                   pricing_model=pricing.get("model"), unit_name=pricing.get("unit_name") or "",
                   prices=portal.format_prices(pricing.get("prices")), version=data.get("version"))

    def manifest(self, slug: str | None = None) -> dict:
        """The manifest the fields describe (`slug` fixes it for an existing module)."""
        pricing = {"model": self.pricing_model.data, "prices": portal.parse_prices(self.prices.data)}
        if self.pricing_model.data == "unit":
            pricing["unit_name"] = (self.unit_name.data or "").strip()
        return {
            "name": (self.name.data or "").strip(), "slug": slug or (self.slug.data or "").strip(),
            "summary": (self.summary.data or "").strip(), "description": self.description.data or "",
            "icon_url": (self.icon_url.data or "").strip() or None, "categories": list(self.categories.data or []),
            "languages": _split_codes(self.languages.data), "support_email": self.support_email.data or "",
            "webhook_url": (self.webhook_url.data or "").strip(), "launch_url": (self.launch_url.data or "").strip(),
            "scopes": list(self.scopes.data or []), "events": list(self.events.data or []), "pricing": pricing,
            "version": (self.version.data or "").strip(),
        }

    def show_error(self, exc: DomainError) -> None:
        """Put a manifest error under the field it is about, when that is clear."""
        target = _field_of(exc)
        field = getattr(self, target, None) if target else None
        if field is not None:
            field.errors = [*field.errors, domain_message(exc)]


_FIELD_PARAMS = {"name": "name", "summary": "summary", "description": "description", "icon_url": "icon_url",
                 "categories": "categories", "webhook_url": "webhook_url", "launch_url": "launch_url",
                 "scopes": "scopes", "events": "events", "pricing.unit_name": "unit_name"}
_MESSAGE_STARTS = {"slug": "slug", "The slug": "slug", "A module's slug": "slug", "languages": "languages",
                   "pricing.model": "pricing_model", "pricing.prices": "prices", "The %(currency)s": "prices",
                   "version": "version", "Enter a valid email": "support_email"}


def _field_of(exc: DomainError) -> str | None:
    if exc.params.get("field") in _FIELD_PARAMS:
        return _FIELD_PARAMS[exc.params["field"]]
    return next((field for start, field in _MESSAGE_STARTS.items() if exc.message.startswith(start)), None)


class ReasonForm(FlaskForm):
    """Why a module is rejected or suspended (the partner reads it)."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=2000)])
