"""The company's energy tariff and weekly shift calendar."""
from __future__ import annotations

from datetime import datetime
from typing import cast

from sqlalchemy import JSON, Float, Index, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from telemetry.analytics import Band, Shift, ShiftCalendar, Tariff
from tenants.clock import utcnow
from tenants.db import Base, BigId, TenantOwned
from tenants.errors import N_, DomainError


class TariffRow(TenantOwned, Base):
    """The company's price per kWh and optional time-of-use bands (one row per company)."""

    __tablename__ = "tariffs"
    __table_args__ = (Index("uq_tariffs_tenant", "tenant_id", unique=True),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    price_per_kwh: Mapped[float] = mapped_column(Float, default=0.0)
    bands: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime | None] = mapped_column(nullable=True, default=utcnow)


class ShiftRow(TenantOwned, Base):
    """One weekly shift: weekday (0 = Monday), local start and end (an end before the start crosses midnight)."""

    __tablename__ = "shifts"
    __table_args__ = (Index("ix_shifts_tenant", "tenant_id", "weekday"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start: Mapped[str] = mapped_column(String(5))
    end: Mapped[str] = mapped_column(String(5))


def _price(value, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1000:
        raise DomainError(N_("%(field)s must be a price per kWh from 0 to 1000."), field=field)
    return float(value)


def _band(raw) -> Band:
    if not isinstance(raw, dict):
        raise DomainError(N_("Each band is an object with weekdays, start_hour, end_hour and price."))
    weekdays = raw.get("weekdays")
    if weekdays is not None and (not isinstance(weekdays, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in weekdays)):
        raise DomainError(N_("weekdays is a list of numbers 0 (Monday) to 6 (Sunday), or null for every day."))
    hours = (raw.get("start_hour"), raw.get("end_hour"))
    if not all(isinstance(h, int) and not isinstance(h, bool) for h in hours):
        raise DomainError(N_("start_hour and end_hour are whole hours from 0 to 24."))
    start_hour, end_hour = cast(tuple[int, int], hours)  # both ints, as just checked
    try:
        return Band(None if weekdays is None else frozenset(weekdays), start_hour, end_hour,
                    _price(raw.get("price"), "price"))
    except ValueError:
        raise DomainError(N_("start_hour and end_hour are whole hours from 0 to 24.")) from None


def set_tariff(session: Session, price_per_kwh, bands=None) -> Tariff:
    """Save the company's tariff: a flat price, optionally with time-of-use bands (first match wins)."""
    if bands is not None and (not isinstance(bands, list) or len(bands) > 48):
        raise DomainError(N_("bands is a list of at most 48 bands."))
    checked = [_band(b) for b in bands or []]
    row = session.scalar(select(TariffRow)) or TariffRow()
    row.price_per_kwh = _price(price_per_kwh, "price_per_kwh")
    row.bands = [{"weekdays": sorted(b.weekdays) if b.weekdays is not None else None, "start_hour": b.start_hour,
                  "end_hour": b.end_hour, "price": b.price} for b in checked]
    row.updated_at = utcnow()
    session.add(row)
    return tariff_of(row)


def tariff_of(row: TariffRow | None) -> Tariff:
    """The analytics tariff of a stored row (price 0 when none is set)."""
    if row is None:
        return Tariff.flat(0.0)
    bands = [Band(None if b["weekdays"] is None else frozenset(b["weekdays"]), b["start_hour"], b["end_hour"],
                  b["price"]) for b in row.bands or []]
    return Tariff.time_of_use(row.price_per_kwh, bands) if bands else Tariff.flat(row.price_per_kwh)


def get_tariff(session: Session) -> Tariff:
    """The company's tariff."""
    return tariff_of(session.scalar(select(TariffRow)))


def tariff_json(tariff: Tariff) -> dict:
    """A tariff in the API's JSON shape."""
    return {"price_per_kwh": tariff.price_per_kwh, "bands": [
        {"weekdays": sorted(b.weekdays) if b.weekdays is not None else None, "start_hour": b.start_hour,
         "end_hour": b.end_hour, "price": b.price} for b in tariff.bands]}


def set_shifts(session: Session, shifts) -> ShiftCalendar:
    """Replace the weekly shift calendar; an empty list means every hour is planned."""
    if not isinstance(shifts, list) or len(shifts) > 100:
        raise DomainError(N_("shifts is a list of at most 100 shifts."))
    checked = []
    for raw in shifts:
        try:
            checked.append(Shift(raw["weekday"], raw["start"], raw["end"]))
        except (TypeError, KeyError, ValueError):
            raise DomainError(
                N_("Each shift is {\"weekday\": 0-6, \"start\": \"HH:MM\", \"end\": \"HH:MM\"}.")) from None
    session.execute(delete(ShiftRow))
    session.add_all(ShiftRow(weekday=s.weekday, start=s.start, end=s.end) for s in checked)
    return ShiftCalendar(tuple(checked))


def get_shifts(session: Session) -> ShiftCalendar:
    """The company's weekly shift calendar."""
    rows = session.scalars(select(ShiftRow).order_by(ShiftRow.weekday, ShiftRow.start))
    return ShiftCalendar(tuple(Shift(r.weekday, r.start, r.end) for r in rows))
