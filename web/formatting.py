"""Money and report figures in the reader's language: `money` for amounts in minor units (a Jinja global
too), a module's price in plain words (`price_text`), basis points as a percentage, an invoice's status in
plain words, and the report pages' kWh, costs, hours and percentages."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import gettext as _

from billing.invoices import is_past_due
from billing.models import Invoice
from marketplace.manifest import Pricing
from tenants.clock import utcnow
from tenants.errors import N_
from tenants.money import format_amount, format_money
from tenants.validation import countries

INVOICE_STATUS_LABELS = {"draft": N_("Draft"), "open": N_("Open"), "paid": N_("Paid"),
                         "payment_failed": N_("Payment failed"), "void": N_("Void")}


def country_name(code: str) -> str:
    """A country's English name from its ISO code (the code itself when unknown)."""
    return countries().get(code, code)


def money(minor: int, currency: str) -> str:
    """Minor units as money in the request's language, e.g. 50 EUR -> "€0.50"."""
    return format_money(minor, currency, get_locale())


def price_text(pricing: Pricing, currency: str) -> str:
    """A module's price in plain words in `currency`, e.g. "€0.05 per machine per day"."""
    if currency not in pricing.prices:
        return _("Not available in %(currency)s", currency=currency)
    price = money(pricing.prices[currency], currency)
    if pricing.model == "device_day":
        return _("%(price)s per machine per day", price=price)
    if pricing.model == "flat_day":
        return _("%(price)s per day", price=price)
    return _("%(price)s per %(unit)s", price=price, unit=pricing.unit_name or _("unit"))


def percent_bp(basis_points: int) -> str:
    """Basis points as a percentage, e.g. 1900 -> 19%."""
    return format_percent(basis_points / 10000, format="#,##0.##%")


def status_label(invoice: Invoice) -> str:
    """The invoice's status in plain words (an open invoice past its due date is "Overdue")."""
    if invoice.status == "open" and is_past_due(invoice, utcnow()):
        return _("Overdue")
    return _(INVOICE_STATUS_LABELS.get(invoice.status, invoice.status))


@dataclass(frozen=True)
class Formatter:
    """Formats a report's figures for the page (`fmt` in the report templates)."""

    currency: str

    def kwh(self, wh: float) -> str:
        """Energy in kWh with one decimal (three below 10 kWh)."""
        kwh = wh / 1000
        return format_decimal(kwh, format="#,##0.000" if abs(kwh) < 10 else "#,##0.0")

    def money(self, amount: float) -> str:
        """A cost in major units (a float of the report) in the company's currency."""
        return format_amount(amount, self.currency, get_locale())

    def hours(self, seconds: float) -> str:
        """Seconds as hours with one decimal."""
        return format_decimal(seconds / 3600, format="#,##0.0")

    def percent(self, ratio: float | None) -> str:
        """A ratio as a percentage, or a dash when there is none."""
        return "–" if ratio is None else format_percent(ratio, format="#,##0.0%")

    def price(self, value: float) -> str:
        """A price per kWh with up to four decimals."""
        return format_decimal(value, format="#,##0.00##")
