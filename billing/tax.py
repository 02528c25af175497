"""Tax on invoices: the standard VAT (or sales tax) rate of the customer's country, or the EU reverse
charge when an EU business gives its VAT ID (then the customer accounts for the VAT)."""
from __future__ import annotations

from dataclasses import dataclass

# standard rates in basis points (1900 = 19 %); countries not listed are invoiced without tax
STANDARD_RATES_BP = {
    "AT": 2000, "BE": 2100, "BG": 2000, "HR": 2500, "CY": 1900, "CZ": 2100, "DK": 2500, "EE": 2400, "FI": 2550,
    "FR": 2000, "DE": 1900, "GR": 2400, "HU": 2700, "IE": 2300, "IT": 2200, "LV": 2100, "LT": 2100, "LU": 1700,
    "MT": 1800, "NL": 2100, "PL": 2300, "PT": 2300, "RO": 1900, "SK": 2300, "SI": 2200, "ES": 2100, "SE": 2500,
    "GB": 2000, "CH": 810, "NO": 2500, "CN": 600, "IN": 1800, "VN": 1000, "TH": 700, "TR": 2000, "JP": 1000,
}
EU = frozenset({"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
                "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"})


@dataclass(frozen=True)
class TaxTreatment:
    """The rate an invoice carries and whether the reverse charge applies."""

    rate_bp: int
    reverse_charge: bool


def tax_for(country: str, vat_id: str | None) -> TaxTreatment:
    """How a customer in `country`, with or without a VAT ID, is taxed."""
    if vat_id and country in EU:
        return TaxTreatment(0, True)
    return TaxTreatment(STANDARD_RATES_BP.get(country, 0), False)


def tax_amount(subtotal_minor: int, rate_bp: int) -> int:
    """The tax on a subtotal, rounded half up to the minor unit."""
    return (subtotal_minor * rate_bp + 5000) // 10000
