"""Forms of the billing pages: the company's overall monthly cap and the operators' price book rows.
Amounts are typed in major units (20.00) and kept in minor units; percentages are kept in basis points."""
from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from billing.pricebook import MAX_DEVICE_DAY_MINOR, MAX_FREE_DEVICES
from blueprints.marketplace_forms import CapField
from tenants.errors import DomainError
from tenants.money import MAXIMUM, AmountError, major_text, to_minor
from tenants.validation import clean_currency
from web.errors import domain_message

_DECIMAL = re.compile(r"^\d{1,12}(?:\.(\d{1,6}))?$")
_WHOLE = re.compile(r"^\d{1,9}$")


class CapForm(CapField, FlaskForm):
    """The company's overall monthly cap in major units; empty clears it. Set `currency` first."""

    cap = StringField(_l("Monthly cap"), validators=[Optional(), Length(max=20)])

    @classmethod
    def showing(cls, cap_minor: int | None, currency: str) -> CapForm:
        """The form as the page first shows it: the company's cap in major units (empty without one)."""
        return cls(formdata=None, cap=major_text(cap_minor, currency))


def parse_fee(text: str | None, currency: str) -> int:
    """A fee typed in major units ("0.05") in minor units; ValueError with a translated reason when it is
    not an amount or has more decimals than the currency has."""
    try:
        return to_minor(text or "", currency, MAX_DEVICE_DAY_MINOR)
    except AmountError as exc:
        if exc.reason == MAXIMUM:
            raise ValueError(_("The fee is too large.")) from None
        raise ValueError(_("Enter an amount in %(currency)s with at most %(digits)s decimals, such as %(example)s.",
                           currency=currency, digits=exc.digits, example=major_text(5, currency))) from None


def parse_percent(text: str | None) -> int:
    """A percentage from 0 to 100 with at most two decimals ("20", "12.5") in basis points."""
    text = (text or "").strip().replace(" ", "").rstrip("%")
    match = _DECIMAL.match(text)
    if match is None or len(match.group(1) or "") > 2 or Decimal(text) > 100:
        raise ValueError(_("Enter a percentage from 0 to 100 with at most two decimals, such as 20 or 12.5."))
    return int(Decimal(text).scaleb(2))


def parse_count(text: str | None) -> int:
    """A whole number of machines from 0 up to the price book's limit."""
    text = (text or "").strip()
    if not _WHOLE.match(text) or int(text) > MAX_FREE_DEVICES:
        raise ValueError(_("Enter a whole number from 0 to %(max)s.", max=MAX_FREE_DEVICES))
    return int(text)


class PriceForm(FlaskForm):
    """One currency's row of the price book; after validation `values` holds minor units and basis points."""

    currency = StringField(_l("Currency"), validators=[DataRequired(), Length(max=3)])
    device_day = StringField(_l("Fee per active machine-day"), validators=[Length(max=20)])
    free_devices = StringField(_l("Free machines per day"), validators=[Length(max=10)])
    commission = StringField(_l("Commission in percent"), validators=[Length(max=10)])
    values: dict | None = None

    def validate_currency(self, field) -> None:
        """An ISO 4217 code, upper-cased."""
        try:
            field.data = clean_currency(field.data)
        except DomainError as exc:
            raise ValidationError(domain_message(exc)) from None

    def validate(self, extra_validators=None) -> bool:
        """Check every field, then convert the amounts (the fee needs a valid currency first)."""
        if not super().validate(extra_validators):
            return False
        parsers = {"device_day": lambda text: parse_fee(text, self.currency.data), "free_devices": parse_count,
                   "commission": parse_percent}
        values = {}
        for name, parse in parsers.items():
            try:
                values[name] = parse(self[name].data)
            except ValueError as exc:
                self[name].errors = [*self[name].errors, str(exc)]
        if len(values) < len(parsers):
            return False
        self.values = {"device_day_minor": values["device_day"], "free_devices": values["free_devices"],
                       "commission_bp": values["commission"]}
        return True

    @classmethod
    def of(cls, prices) -> PriceForm:
        """A form filled from a Prices row (not bound to the request)."""
        return cls(formdata=None, currency=prices.currency, device_day=major_text(prices.device_day_minor,
                   prices.currency), free_devices=str(prices.free_devices),
                   commission=f"{Decimal(prices.commission_bp).scaleb(-2).normalize():f}")
