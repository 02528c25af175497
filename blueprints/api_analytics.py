"""/api/v1 analytics: a device's series and threshold advice, the overview, the tariff and the shift calendar."""
from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext

from services import figures
from services import plant as plant_service
from telemetry import advice_service, registry
from tenants.clock import utcnow
from web.api import api_tenant, json_object, require_write
from web.database import db_session

bp = Blueprint("api_analytics", __name__)


@bp.get("/devices/<int:device_id>/series")
def device_series(device_id: int):
    """Figures per bucket (`resolution` 15min|hour|day|week|month, or raw readings) from `from` to `to`
    (local dates, inclusive, or RFC 3339 instants; default today)."""
    session = db_session()
    return jsonify(figures.device_series(session, api_tenant(), registry.get_device(session, device_id),
                                         request.args, utcnow()))


@bp.get("/devices/<int:device_id>/advice")
def device_advice(device_id: int):
    """Suggested off_below_w / run_above_w from the device's last 7 days of power, with the reason."""
    advice = plant_service.device_advice(db_session(), device_id, utcnow())
    return jsonify(advice_service.advice_json(advice, gettext(advice.reason, **advice.reason_params)))


@bp.get("/overview")
def overview_of_day():
    """Every machine's state now and its figures for a local day (`date`, default today)."""
    return jsonify(figures.day_overview(db_session(), api_tenant(), request.args.get("date"), utcnow()))


@bp.get("/tariff")
def get_tariff():
    """The company's tariff."""
    return jsonify(plant_service.tariff_json(db_session(), api_tenant().currency))


@bp.put("/tariff")
def put_tariff():
    """Set the price per kWh and optional time-of-use bands."""
    require_write()
    data = json_object()
    return jsonify(plant_service.set_tariff_json(db_session(), data.get("price_per_kwh"), data.get("bands"),
                                                 api_tenant().currency))


@bp.get("/shifts")
def get_shifts():
    """The weekly shift calendar."""
    return jsonify({"shifts": _shifts_json(plant_service.shifts(db_session()))})


@bp.put("/shifts")
def put_shifts():
    """Replace the weekly shift calendar (`{"shifts": [{"weekday", "start", "end"}]}`)."""
    require_write()
    calendar = plant_service.set_shifts(db_session(), json_object().get("shifts"))
    return jsonify({"shifts": _shifts_json(calendar)})


def _shifts_json(calendar) -> list[dict]:
    return [{"weekday": s.weekday, "start": s.start, "end": s.end} for s in calendar.shifts]
