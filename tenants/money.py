"""Money: amounts are kept in whole minor units of their currency (cents, fen; none for JPY), shown and typed
in major units ("0.50"), and formatted as money in a language ("€0.50"). No Flask: the web layer passes
the request's language to `format_money`.

Here rather than in billing: billing, marketplace and the web layer all need it, and every one of them
may import tenants (billing and marketplace already import each other's models)."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.numbers import format_currency, get_currency_precision

FORMAT, DECIMALS, MAXIMUM = "format", "decimals", "maximum"  # the reasons of an AmountError
_TYPED = re.compile(r"^\d{1,12}(?:\.(\d{1,6}))?$")


class AmountError(ValueError):
    """Text that is no amount of the currency; `reason` says why (FORMAT, DECIMALS or MAXIMUM) and
    `digits` how many decimals the currency has, for the caller's message."""

    def __init__(self, reason: str, currency: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.digits = precision(currency)


def precision(currency: str) -> int:
    """How many decimals the currency's amounts have (2 for EUR, 0 for JPY, 3 for BHD)."""
    return get_currency_precision(currency)


def to_major(minor: int, currency: str) -> Decimal:
    """Minor units as the amount in major units (50 EUR cents -> Decimal("0.50"))."""
    return Decimal(int(minor)).scaleb(-precision(currency))


def major_text(minor: int | None, currency: str) -> str:
    """Minor units as the plain amount with the currency's decimals, no separators (1234 EUR -> "12.34";
    empty for None): what the forms show and take back, and what the CSV files hold."""
    if minor is None:
        return ""
    return f"{to_major(minor, currency):.{precision(currency)}f}"


def minor_of(amount: str, currency: str) -> int:
    """A decimal number of major units ("0.50", also "0.500") as whole minor units (50). AmountError: FORMAT
    when it is no number, DECIMALS when it is no whole number of minor units."""
    try:
        value = Decimal(amount)
    except InvalidOperation:
        raise AmountError(FORMAT, currency) from None
    minor = value.scaleb(precision(currency))
    if not value.is_finite() or minor != minor.to_integral_value():
        raise AmountError(DECIMALS, currency)
    return int(minor)


def to_minor(text: str, currency: str, maximum: int | None = None) -> int:
    """An amount typed into a form in major units ("20.00"; spaces are ignored) as whole minor units (2000).
    Stricter than `minor_of`: digits (at most 12) and a point only, and no more decimals typed than the
    currency has, even zeros. AmountError: FORMAT, DECIMALS, or MAXIMUM above `maximum` minor units."""
    text = text.strip().replace(" ", "")
    match = _TYPED.match(text)
    if match is None:
        raise AmountError(FORMAT, currency)
    if len(match.group(1) or "") > precision(currency):
        raise AmountError(DECIMALS, currency)
    minor = minor_of(text, currency)
    if maximum is not None and minor > maximum:
        raise AmountError(MAXIMUM, currency)
    return minor


def format_amount(amount: Decimal | float, currency: str, locale: Locale | str | None) -> str:
    """An amount in major units as money in a language, with the currency's decimals (12.345 EUR in en ->
    "€12.35"; a report's costs are such floats)."""
    return format_currency(amount, currency, locale=locale)


def format_money(minor: int, currency: str, locale: Locale | str | None) -> str:
    """Minor units as money in a language (1234 EUR in en -> "€12.34")."""
    return format_amount(to_major(minor, currency), currency, locale)
