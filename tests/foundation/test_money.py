"""tenants.money: amounts in minor units, typed and shown in major units, and as money in a language."""
from __future__ import annotations

from decimal import Decimal

import pytest

from tenants.money import DECIMALS, FORMAT, MAXIMUM, AmountError, format_money, major_text, minor_of, to_major, to_minor


def test_minor_units_in_major_units_follow_the_currency():
    assert to_major(50, "EUR") == Decimal("0.50") and to_major(80, "JPY") == Decimal(80)
    assert major_text(5, "EUR") == "0.05" and major_text(12345, "BHD") == "12.345" and major_text(20, "JPY") == "20"
    assert major_text(None, "EUR") == ""


def test_money_in_a_language():
    assert format_money(1234, "EUR", "en") == "€12.34"
    assert format_money(400, "CNY", "zh_Hans") == "¥4.00"


@pytest.mark.parametrize("text, currency, minor", [("20.00", "EUR", 2000), (" 1 000.5 ", "EUR", 100050),
                                                   ("20", "JPY", 20), ("0.125", "BHD", 125)])
def test_typed_amounts_in_minor_units(text, currency, minor):
    assert to_minor(text, currency) == minor


@pytest.mark.parametrize("text, currency, maximum, reason", [
    ("abc", "EUR", None, FORMAT), ("-5", "EUR", None, FORMAT), ("1,50", "EUR", None, FORMAT),
    ("1234567890123", "EUR", None, FORMAT), ("1.234", "EUR", None, DECIMALS), ("0.500", "EUR", None, DECIMALS),
    ("7.5", "JPY", None, DECIMALS), ("100.01", "EUR", 10_000, MAXIMUM),
])
def test_typed_amounts_are_refused_with_a_reason(text, currency, maximum, reason):
    with pytest.raises(AmountError) as caught:
        to_minor(text, currency, maximum)
    assert caught.value.reason == reason and caught.value.digits == (0 if currency == "JPY" else 2)


def test_a_number_in_minor_units_may_carry_zeros_beyond_the_currencys_decimals():
    assert minor_of("0.500", "EUR") == 50 and minor_of("5.0", "JPY") == 5
    for text, reason in (("0.505", DECIMALS), ("x", FORMAT)):
        with pytest.raises(AmountError) as caught:
            minor_of(text, "EUR")
        assert caught.value.reason == reason
