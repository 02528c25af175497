"""Usage units a module reports, recorded by billing in the ledger: priced in the tenant's currency when
reported, counted once per idempotency key, and refused (402) when they would pass the installation's
monthly cap, which the company then learns from a cap notice."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from billing import notices
from billing.models import UsageRecord
from marketplace.models import Installation, Module
from tenants.clock import local_today, utcnow
from tenants.errors import N_, Conflict, DomainError
from tenants.models import Tenant

MAX_QUANTITY = 1_000_000
MAX_KEY_LENGTH = 100


class PaymentRequired(DomainError):
    """The tenant's spending cap does not allow the charge."""

    status = 402


def report_usage(session: Session, installation: Installation, module: Module, tenant: Tenant, data: dict,
                 now: datetime | None = None) -> tuple[UsageRecord, bool]:
    """Record reported units; returns the record and whether it is new (False: the key was seen before).

    Past the cap it raises PaymentRequired after rolling the session back and committing a cap notice
    in its place: the company learns its cap stopped the module, though the report itself is refused."""
    try:
        return _record(session, installation, module, tenant, data, now)
    except PaymentRequired:
        session.rollback()
        notices.cap_reached(session, installation, tenant.currency, local_today(tenant, now))
        session.commit()
        raise


def _record(session: Session, installation: Installation, module: Module, tenant: Tenant, data: dict,
            now: datetime | None) -> tuple[UsageRecord, bool]:
    pricing = installation.pricing  # what the company consented to
    if pricing.get("model") != "unit":
        raise Conflict(N_("This module is not priced per unit, so it cannot report usage units."))
    if tenant.currency not in pricing.get("prices", {}):
        raise Conflict(N_("The module has no price in the company's currency (%(currency)s)."),
                       currency=tenant.currency)
    quantity, key = _quantity(data.get("quantity")), _key(data.get("idempotency_key"))
    today = local_today(tenant, now)
    day = _day(data.get("day"), today)
    # a no-op write takes the row lock (PostgreSQL) or the database's write lock (SQLite) before the spend is
    # read, so two concurrent reports of one installation cannot both slip under the cap
    session.execute(update(Installation).where(Installation.id == installation.id)
                    .values(id=Installation.id).execution_options(synchronize_session=False))
    earlier = _by_key(session, installation.id, key)
    if earlier is not None:
        return _replayed(earlier, quantity)
    price = pricing["prices"][tenant.currency]
    amount = quantity * price
    spent = month_spend_minor(session, installation.id, today, tenant.currency)
    if installation.monthly_cap_minor is not None and spent + amount > installation.monthly_cap_minor:
        raise PaymentRequired(N_("Refused: %(amount)s would bring this month's spending on the module to %(total)s, "
                                 "past the company's cap of %(cap)s (minor units of %(currency)s)."),
                              amount=amount, total=spent + amount, cap=installation.monthly_cap_minor,
                              currency=tenant.currency)
    record = UsageRecord(installation_id=installation.id, module_id=module.id, partner_id=module.partner_id, day=day,
                         meter="module_unit", quantity=quantity, unit_price_minor=price, amount_minor=amount,
                         currency=tenant.currency, idempotency_key=ledger_key(installation.id, key),
                         created_at=now or utcnow())
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:  # the same key from a concurrent request won
        return _replayed(session.scalars(select(UsageRecord).where(
            UsageRecord.idempotency_key == ledger_key(installation.id, key))).one(), quantity)
    return record, True


def ledger_key(installation_id: int, key: str) -> str:
    """The ledger's idempotency key of a partner's usage key (unique per installation)."""
    return f"module_unit:{installation_id}:{key}"


def month_spend_minor(session: Session, installation_id: int, today: date, currency: str | None = None) -> int:
    """What the installation has cost so far in the local month of `today` (every module meter; in one
    currency when given, as a company that changed currency has rows in both)."""
    first = today.replace(day=1)
    return int(session.scalar(select(func.coalesce(func.sum(UsageRecord.amount_minor), 0)).where(
        UsageRecord.installation_id == installation_id, UsageRecord.day >= first,
        *([UsageRecord.currency == currency] if currency else []))) or 0)


def usage_json(record: UsageRecord) -> dict:
    """A usage record as the partner API shows it."""
    return {"id": record.id, "quantity": record.quantity, "unit_price_minor": record.unit_price_minor,
            "amount_minor": record.amount_minor, "currency": record.currency, "day": record.day.isoformat(),
            "idempotency_key": record.idempotency_key.split(":", 2)[2]}


def _by_key(session: Session, installation_id: int, key: str) -> UsageRecord | None:
    return session.scalar(select(UsageRecord).where(UsageRecord.idempotency_key == ledger_key(installation_id, key)))


def _replayed(record: UsageRecord, quantity: int) -> tuple[UsageRecord, bool]:
    if record.quantity != quantity:
        raise Conflict(N_("This idempotency key was already used for %(quantity)s units."), quantity=record.quantity)
    return record, False


def _quantity(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        raise DomainError(N_("quantity must be a whole number of units from 1 to %(max)s."), max=MAX_QUANTITY)
    return value


def _key(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_KEY_LENGTH or not value.isprintable():
        raise DomainError(N_("idempotency_key must be text of 1 to %(max)s printable characters."), max=MAX_KEY_LENGTH)
    return value


def _day(value: object, today: date) -> date:
    if value is None:
        return today
    try:
        day = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None or day > today or (day.year, day.month) != (today.year, today.month):
        raise DomainError(N_("day must be a date of the current month, no later than today (%(today)s)."),
                          today=today.isoformat())
    return day
