"""Checks of user-supplied account and tenant fields."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import cache
from zoneinfo import available_timezones

from babel import Locale
from babel.numbers import list_currencies

from tenants.errors import N_, DomainError

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


@cache
def timezones() -> frozenset[str]:
    """Every IANA time zone name known here."""
    return frozenset(available_timezones())


@cache
def currencies() -> frozenset[str]:
    """Every ISO 4217 currency code known to Babel."""
    return frozenset(list_currencies())


# Two-letter CLDR territories that are no country: unions, regions, pseudo-locales, "Unknown Region".
NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"})


@cache
def countries() -> dict[str, str]:
    """ISO 3166 country codes with their English names."""
    return {code: name for code, name in Locale("en").territories.items()
            if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES}


def clean_email(email: str) -> str:
    """The address lower-cased and trimmed; raises when it is not an address."""
    value = (email or "").strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise DomainError(N_("Enter a valid email address."))
    return value


def clean_name(value: str, field: str = "name", max_len: int = 200) -> str:
    """A trimmed, non-empty display name of bounded length."""
    value = (value or "").strip()
    if not value:
        raise DomainError(N_("The %(field)s is required."), field=field)
    if len(value) > max_len:
        raise DomainError(N_("The %(field)s is too long (at most %(n)s characters)."), field=field, n=max_len)
    return value


def clean_timezone(value: str) -> str:
    """An IANA zone name; raises for anything else."""
    if value not in timezones():
        raise DomainError(N_("Choose a time zone from the list, e.g. Europe/Berlin or Asia/Shanghai."))
    return value


def clean_currency(value: str) -> str:
    """An upper-case ISO 4217 code; raises for anything else."""
    value = (value or "").strip().upper()
    if value not in currencies():
        raise DomainError(N_("Choose a currency code such as EUR, USD or CNY."))
    return value


def clean_country(value: str) -> str:
    """An upper-case ISO 3166 alpha-2 code; raises for anything else."""
    value = (value or "").strip().upper()
    if value not in countries():
        raise DomainError(N_("Choose a country from the list."))
    return value


def unique_slug(name: str, taken: Callable[[str], bool], fallback: str) -> str:
    """A URL-safe ASCII slug of `name` (`fallback` when nothing is left of it), numbered until
    `taken` says it is free."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40] or fallback
    slug, n = base, 1
    while taken(slug):
        n += 1
        slug = f"{base}-{n}"
    return slug
