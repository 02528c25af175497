"""Forms of the marketplace pages, and the monthly cap field they share with billing (amounts are typed in
major units and kept in minor units)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.installations import MAX_CAP_MINOR
from tenants.money import MAXIMUM, AmountError, major_text, precision, to_minor


def cap_example(currency: str) -> str:
    """An example cap in the currency, as the cap field takes it (20.00, or 20 without decimals)."""
    return major_text(20 * 10 ** precision(currency), currency)


def parse_cap(text: str | None, currency: str) -> int | None:
    """A monthly cap typed in major units ("20.00") in minor units; None when empty. ValueError with a
    translated reason when it is not an amount."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return to_minor(text, currency, MAX_CAP_MINOR)
    except AmountError as exc:
        if exc.reason == MAXIMUM:
            raise ValueError(_("The monthly cap is too large.")) from None
        raise ValueError(_("Enter the monthly cap as an amount such as %(example)s, or leave it empty for no cap.",
                           example=cap_example(currency))) from None


class CapField:
    """A form's `cap` field in major units of `currency`, kept in minor units (`cap_minor`) once valid."""

    currency = "EUR"
    cap_minor: int | None = None

    def validate_cap(self, field) -> None:
        """Keep the cap in minor units, or refuse it with the reason."""
        try:
            self.cap_minor = parse_cap(field.data, self.currency)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class ConsentForm(CapField, FlaskForm):
    """The machines a module may see and an optional monthly cap; set `currency` and the device choices."""

    devices = SelectMultipleField(_l("Machines the module may see"), coerce=int, validate_choice=False,
                                  widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())
    cap = StringField(_l("Monthly cap (optional)"), validators=[Optional(), Length(max=20)])

    @classmethod
    def build(cls, currency: str, machines: list, **data) -> ConsentForm:
        """A form for the company's currency and its active machines (objects with id and name); `data`
        pre-fills a GET (devices=[ids], cap_minor=2000 shown as cap="20.00")."""
        if "cap_minor" in data:
            data["cap"] = major_text(data.pop("cap_minor"), currency)
        form = cls(**data)
        form.currency = currency
        form.devices.choices = [(machine.id, machine.name) for machine in machines]
        return form
