"""Use cases of the plant: the company's tariff and weekly shift calendar, and a machine's threshold advice.

The API's answers (`*_json`) are the same use cases in the API's JSON shape (telemetry.plant.tariff_json).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from telemetry import advice_service, plant, registry
from telemetry.analytics import ShiftCalendar, Tariff


def tariff(session: Session) -> Tariff:
    """The company's tariff (price 0 until one is set)."""
    return plant.get_tariff(session)


def set_tariff(session: Session, price_per_kwh, bands=None) -> Tariff:
    """Save the company's price per kWh and its time-of-use bands (first match wins); refused input changes
    nothing. Reports and costs use it from now on, for past days too."""
    saved = plant.set_tariff(session, price_per_kwh, bands)
    session.commit()
    return saved


def shifts(session: Session) -> ShiftCalendar:
    """The company's weekly shift calendar (empty: every hour is planned)."""
    return plant.get_shifts(session)


def set_shifts(session: Session, shifts) -> ShiftCalendar:
    """Replace the weekly shift calendar that availability is measured against; refused input changes nothing."""
    saved = plant.set_shifts(session, shifts)
    session.commit()
    return saved


def device_advice(session: Session, device_id: int, now: datetime) -> advice_service.DeviceAdvice:
    """Suggested off / running thresholds for one of the company's machines from its last 7 days of power."""
    return advice_service.advise_device(session, registry.get_device(session, device_id), now)


def tariff_json(session: Session, currency: str) -> dict:
    """The company's tariff in the API's shape, with its currency."""
    return {**plant.tariff_json(tariff(session)), "currency": currency}


def set_tariff_json(session: Session, price_per_kwh, bands, currency: str) -> dict:
    """Save the tariff from the API's JSON; the answer is the saved tariff with the company's currency."""
    return {**plant.tariff_json(set_tariff(session, price_per_kwh, bands)), "currency": currency}
