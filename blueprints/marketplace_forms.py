"""Forms of the marketplace pages and the money helpers they share (amounts are kept in minor units)."""
from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import get_currency_precision
from flask_babel import format_currency
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.installations import MAX_CAP_MINOR

_AMOUNT = re.compile(r"^\d{1,12}(?:\.(\d{1,4}))?$")


def to_major(minor: int, currency: str) -> Decimal:
    """Minor units (cents, fen) as an amount in major units."""
    return Decimal(minor).scaleb(-get_currency_precision(currency))


def money(minor: int, currency: str) -> str:
    """Minor units as money in the reader's language, e.g. €0.50."""
    return format_currency(to_major(minor, currency), currency)


def major_text(minor: int | None, currency: str) -> str:
    """Minor units as the plain amount the cap field takes back, e.g. 20.00 (empty for None)."""
    if minor is None:
        return ""
    return f"{to_major(minor, currency):.{get_currency_precision(currency)}f}"


def parse_cap(text: str | None, currency: str) -> int | None:
    """A monthly cap typed in major units ("20.00") in minor units; None when empty. ValueError with a
    translated reason when it is not an amount."""
    text = (text or "").strip().replace(" ", "")
    if not text:
        return None
    precision = get_currency_precision(currency)
    match = _AMOUNT.match(text)
    if match is None or len(match.group(1) or "") > precision:
        raise ValueError(_("Enter the monthly cap as an amount such as %(example)s, or leave it empty for no cap.",
                           example=major_text(2000 * 10 ** precision // 100, currency)))
    minor = int(Decimal(text).scaleb(precision))
    if minor > MAX_CAP_MINOR:
        raise ValueError(_("The monthly cap is too large."))
    return minor


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
        pre-fills a GET (devices=[ids], cap="20.00")."""
        form = cls(**data)
        form.currency = currency
        form.devices.choices = [(machine.id, machine.name) for machine in machines]
        return form
