"""The daily ledger: what each closed local day of the current company costs, written once.

Per day: the platform fee per active device-day (a device no longer pending that day, with at least
one reading in it; the first free devices by id cost nothing), and for each installed module priced per
device-day or per day, its charge, unless that would pass the installation's monthly cap. Every row has
an idempotency key naming what it bills, inserted with ON CONFLICT DO NOTHING, so re-runs and two
schedulers at once never bill twice; a device that became active for an already invoiced day (late
readings) gets its row now, and the next invoice bills it naming the day.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from billing import notices
from billing.models import UsageRecord
from billing.pricebook import Prices, prices_for
from marketplace.models import Installation, Module
from telemetry.models import Device, Reading, ReadingBlock
from tenants.clock import day_bounds, local_date, utcnow
from tenants.db import upsert_insert
from tenants.models import Tenant
from tenants.scoping import require_tenant_id

LOOKBACK_DAYS = 35  # late readings older than this are stored but no longer billed


def bill_closed_days(session: Session, tenant: Tenant, now: datetime) -> int:
    """Write the ledger rows of the current company's closed days in the lookback window; returns rows added."""
    zone = ZoneInfo(tenant.timezone)
    today = local_date(now, zone)
    first = max(today - timedelta(days=LOOKBACK_DAYS), local_date(tenant.created_at, zone))
    prices = prices_for(session, tenant.currency)
    added, day = 0, first
    while day < today:
        active = active_devices(session, day, zone)
        added += _platform_rows(session, tenant, day, active, prices)
        added += _module_rows(session, tenant, day, zone, active)
        day += timedelta(days=1)
    return added


def has_usage(session: Session) -> bool:
    """Whether the current company has anything in the ledger (its currency is then fixed)."""
    return session.scalar(select(UsageRecord.id).limit(1)) is not None


def active_devices(session: Session, day: date, zone: ZoneInfo) -> list[int]:
    """Ids of the current company's devices that were no longer pending during the local day and have a
    reading in it, ascending."""
    start, end = day_bounds(day, zone)
    has_row = exists().where(Reading.tenant_id == Device.tenant_id, Reading.device_id == Device.id,
                             Reading.ts >= start, Reading.ts < end)
    # A block is a UTC day: one spanning the whole local day without a reading in it would need a
    # 23-hour local day starting within the UTC day's first hour, which no zone has.
    has_block = exists().where(ReadingBlock.tenant_id == Device.tenant_id, ReadingBlock.device_id == Device.id,
                               ReadingBlock.first_ts < end, ReadingBlock.last_ts >= start)
    has_reading = or_(has_row, has_block)
    return list(session.scalars(select(Device.id).where(Device.status != "pending", Device.active_since < end,
                                                      has_reading).order_by(Device.id)))


def _platform_rows(session: Session, tenant: Tenant, day: date, active: list[int], prices: Prices) -> int:
    billed = dict(session.execute(select(UsageRecord.device_id, UsageRecord.unit_price_minor).where(
        UsageRecord.meter == "platform_device_day", UsageRecord.day == day)).all())
    free_left = max(prices.free_devices - sum(1 for price in billed.values() if price == 0), 0)
    added = 0
    for device_id in active:
        if device_id in billed:
            continue
        price = 0 if free_left > 0 else prices.device_day_minor
        free_left -= price == 0
        added += _insert(session, tenant, day, "platform_device_day", price, f"pdd:{device_id}:{day}",
                         device_id=device_id)
    return added


def _module_rows(session: Session, tenant: Tenant, day: date, zone: ZoneInfo, active: list[int]) -> int:
    start, end = day_bounds(day, zone)
    rows = session.execute(select(Installation, Module).join(Module, Module.id == Installation.module_id).where(
        Installation.tenant_id == require_tenant_id(), Installation.created_at < end,
        (Installation.deleted_at.is_(None)) | (Installation.deleted_at > start)).order_by(Installation.id))
    added = 0
    for installation, module in rows:
        pricing = installation.pricing  # as consented
        price = pricing.get("prices", {}).get(tenant.currency)
        if price is None or pricing.get("model") == "unit":
            continue
        charges: list[tuple[str, int | None]]  # (ledger key, device id or None)
        if pricing["model"] == "flat_day":
            charges = [(f"mfd:{module.id}:{day}", None)]  # by module: a reinstall that day is not billed twice
            meter = "module_flat_day"
        else:
            charges = [(f"mdd:{module.id}:{d}:{day}", d) for d in active if d in installation.device_ids]
            meter = "module_device_day"
        for key, device_id in charges:
            if _within_cap(session, installation, day, price, tenant.currency):
                added += _insert(session, tenant, day, meter, price, key, device_id=device_id,
                                 installation=installation, module=module)
            else:
                notices.cap_reached(session, installation, tenant.currency, day)
    return added


def _within_cap(session: Session, installation: Installation, day: date, price: int, currency: str) -> bool:
    if installation.monthly_cap_minor is None:
        return True
    spent = session.scalar(select(func.coalesce(func.sum(UsageRecord.amount_minor), 0)).where(
        UsageRecord.installation_id == installation.id, UsageRecord.day >= day.replace(day=1),
        UsageRecord.day < _next_month(day), UsageRecord.currency == currency)) or 0
    return spent + price <= installation.monthly_cap_minor


def _insert(session: Session, tenant: Tenant, day: date, meter: str, price: int, key: str, *,
            device_id: int | None = None, installation: Installation | None = None,
            module: Module | None = None) -> int:
    statement = upsert_insert(session, UsageRecord.__table__).values(
        tenant_id=require_tenant_id(), day=day, meter=meter, quantity=1, unit_price_minor=price, amount_minor=price,
        currency=tenant.currency, idempotency_key=key, device_id=device_id,
        installation_id=installation.id if installation else None, module_id=module.id if module else None,
        partner_id=module.partner_id if module else None, created_at=utcnow()
    ).on_conflict_do_nothing().returning(UsageRecord.__table__.c.id)
    return 0 if session.execute(statement).first() is None else 1


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
