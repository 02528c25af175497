"""A module's manifest: what a partner declares about a module, checked field by field.

The manifest is stored as plain JSON (`Manifest.as_json`) and read back with `parse_manifest`,
so every stored manifest went through the same checks.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

from tenants.errors import N_, DomainError
from tenants.validation import clean_currency, clean_email, clean_name

SCOPES = {
    "devices:read": N_("See the machines you choose: names, kinds, sites and live state."),
    "readings:read": N_("Read those machines' readings and energy figures."),
    "insights:write": N_("Post cards, alerts and report links to your overview and notifications."),
    "usage:write": N_("Report billable usage units (charged on your invoice)."),
}
EVENTS = ("installation.created", "installation.deleted", "device.state_changed", "device.offline",
          "device.daily_summary")
CATEGORIES = ("reports", "alerts", "maintenance", "energy", "quality", "integrations")
PRICING_MODELS = ("device_day", "unit", "flat_day")
MAX_PRICE_MINOR = 100_000_000  # one million in major units: anything above is a typo
_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,48}[a-z0-9])$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")
_VERSION = re.compile(r"^\d{1,4}\.\d{1,4}\.\d{1,4}$")


@dataclass(frozen=True)
class Pricing:
    """How a module is charged: per installed device-day, per reported unit, or flat per day;
    prices in minor units (cents, fen) per currency."""

    model: str
    prices: dict[str, int]
    unit_name: str | None = None


@dataclass(frozen=True)
class Manifest:
    """Everything a partner declares about a module version."""

    name: str
    slug: str
    summary: str
    description: str
    icon_url: str | None
    categories: tuple[str, ...]
    languages: tuple[str, ...]
    support_email: str
    webhook_url: str
    launch_url: str
    scopes: tuple[str, ...]
    events: tuple[str, ...]
    pricing: Pricing
    version: str

    def as_json(self) -> dict:
        """The manifest as stored (lists, not tuples)."""
        data = asdict(self)
        for key in ("categories", "languages", "scopes", "events"):
            data[key] = list(data[key])
        return data


def parse_manifest(data: object) -> Manifest:
    """A checked manifest from a JSON object; raises DomainError naming the first bad field."""
    if not isinstance(data, dict):
        raise DomainError(N_("The manifest must be a JSON object."))
    return Manifest(
        name=clean_name(_text(data, "name"), "name", 80),
        slug=_slug(data.get("slug")),
        summary=clean_name(_text(data, "summary"), "summary", 160),
        description=_bounded(_text(data, "description"), "description", 20_000),
        icon_url=_url(data.get("icon_url"), "icon_url") if data.get("icon_url") else None,
        categories=_choices(data.get("categories"), "categories", CATEGORIES, required=True),
        languages=_languages(data.get("languages")),
        support_email=clean_email(_text(data, "support_email")),
        webhook_url=_url(data.get("webhook_url"), "webhook_url"),
        launch_url=_url(data.get("launch_url"), "launch_url"),
        scopes=_choices(data.get("scopes"), "scopes", tuple(SCOPES), required=False),
        events=_choices(data.get("events"), "events", EVENTS, required=False),
        pricing=_pricing(data.get("pricing")),
        version=_version(data.get("version")),
    )


def _text(data: dict, key: str) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise DomainError(N_("%(field)s must be text."), field=key)
    return value


def _bounded(value: str, field: str, max_len: int) -> str:
    value = value.strip()
    if len(value) > max_len:
        raise DomainError(N_("The %(field)s is too long (at most %(n)s characters)."), field=field, n=max_len)
    return value


RESERVED_SLUGS = ("installed", "installations")  # marketplace pages of their own


def _slug(value: object) -> str:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise DomainError(N_("slug must be 3-50 lower-case letters, digits and hyphens, such as idle-report."))
    if value in RESERVED_SLUGS:
        raise DomainError(N_("The slug %(slug)s is reserved; choose another."), slug=value)
    return value


def _url(value: object, field: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    try:
        parts = urlsplit(text)
        valid_port = parts.port is None or parts.port > 0
    except ValueError:
        parts, valid_port = None, False
    if (parts is None or not valid_port or parts.scheme not in ("https", "http") or not parts.hostname
            or len(text) > 500):
        raise DomainError(N_("%(field)s must be an http(s) address such as https://partner.example/hook."),
                          field=field)
    if parts.username or parts.password:
        raise DomainError(N_("%(field)s must not carry a user name or password."), field=field)
    return text


def _choices(value: object, field: str, allowed: tuple[str, ...], required: bool) -> tuple[str, ...]:
    items = value if value is not None else []
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise DomainError(N_("%(field)s must be a list of names."), field=field)
    unknown = sorted(set(items) - set(allowed))
    if unknown:
        raise DomainError(N_("Unknown %(field)s: %(names)s. Choose from: %(allowed)s."), field=field,
                          names=", ".join(unknown)[:200], allowed=", ".join(allowed))
    if required and not items:
        raise DomainError(N_("Choose at least one of the %(field)s."), field=field)
    return tuple(dict.fromkeys(items))


def _languages(value: object) -> tuple[str, ...]:
    items = value if value is not None else []
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and _LANGUAGE.match(i) for i in items):
        raise DomainError(N_("languages must list language codes such as en or zh-Hans."))
    return tuple(dict.fromkeys(items))


def _pricing(value: object) -> Pricing:
    if not isinstance(value, dict) or value.get("model") not in PRICING_MODELS:
        raise DomainError(N_("pricing.model must be one of: %(models)s."), models=", ".join(PRICING_MODELS))
    prices = value.get("prices")
    if not isinstance(prices, dict) or not prices:
        raise DomainError(N_("pricing.prices must give a price in minor units per currency, e.g. {\"EUR\": 5}."))
    checked = {}
    for currency, amount in prices.items():
        code = clean_currency(currency)
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= MAX_PRICE_MINOR:
            raise DomainError(N_("The %(currency)s price must be a whole number of minor units (cents) from 0 to "
                                 "%(max)s."), currency=code, max=MAX_PRICE_MINOR)
        checked[code] = amount
    unit_name = None
    if value["model"] == "unit":
        given_name = value.get("unit_name")
        unit_name = clean_name(given_name if isinstance(given_name, str) else "", "pricing.unit_name", 40)
    return Pricing(value["model"], dict(sorted(checked.items())), unit_name)


def _version(value: object) -> str:
    if not isinstance(value, str) or not _VERSION.match(value):
        raise DomainError(N_("version must look like 1.0.0."))
    return value

