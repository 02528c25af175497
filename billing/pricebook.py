"""The price book: the platform fee per active device-day, the devices free each day, and the commission
kept from module revenue, per currency; currencies without an entry use the defaults."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from billing.models import PriceBookEntry
from tenants.accounts import require_platform_admin
from tenants.clock import utcnow
from tenants.errors import N_, DomainError
from tenants.models import User
from tenants.validation import clean_currency

DEFAULT_DEVICE_DAY_MINOR = 5  # 0.05 in a currency with cents: a machine costs about 1.50 a month
DEFAULT_FREE_DEVICES = 2
DEFAULT_COMMISSION_BP = 2000  # 20 %
MAX_DEVICE_DAY_MINOR = 1_000_000
MAX_FREE_DEVICES = 10_000


@dataclass(frozen=True)
class Prices:
    """The platform's prices in one currency."""

    currency: str
    device_day_minor: int
    free_devices: int
    commission_bp: int
    is_default: bool = False


def prices_for(session: Session, currency: str) -> Prices:
    """The prices in a currency (the defaults when the price book has no entry for it)."""
    entry = session.get(PriceBookEntry, currency)
    if entry is None:
        return Prices(currency, DEFAULT_DEVICE_DAY_MINOR, DEFAULT_FREE_DEVICES, DEFAULT_COMMISSION_BP, True)
    return Prices(currency, entry.device_day_minor, entry.free_devices, entry.commission_bp)


def price_book(session: Session) -> list[Prices]:
    """Every currency with an entry, by currency code."""
    entries = session.scalars(select(PriceBookEntry).order_by(PriceBookEntry.currency))
    return [Prices(e.currency, e.device_day_minor, e.free_devices, e.commission_bp) for e in entries]


def set_prices(session: Session, admin: User, currency: str, device_day_minor: object, free_devices: object,
               commission_bp: object) -> Prices:
    """Set a currency's prices (platform admins only); they apply to days billed from now on."""
    require_platform_admin(admin)
    code = clean_currency(currency)
    entry = session.get(PriceBookEntry, code) or PriceBookEntry(currency=code)
    entry.device_day_minor = _whole(device_day_minor, N_("the fee per device-day"), MAX_DEVICE_DAY_MINOR)
    entry.free_devices = _whole(free_devices, N_("the free devices"), MAX_FREE_DEVICES)
    entry.commission_bp = _whole(commission_bp, N_("the commission"), 10_000)
    entry.updated_at = utcnow()
    session.add(entry)
    session.flush()
    return prices_for(session, code)


def _whole(value: object, field: str, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise DomainError(N_("%(field)s must be a whole number from 0 to %(max)s."), field=field, max=high)
    return value
