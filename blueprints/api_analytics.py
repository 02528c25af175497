"""/api/v1 analytics: a device's series and threshold advice, the overview, the tariff and the shift calendar."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, jsonify, request
from flask_babel import gettext

from telemetry import advice_service, overview, plant, registry
from tenants.clock import local_today
from web.api import api_tenant, json_object, require_write
from web.database import commit, db_session
from web.device_data import series_body

bp = Blueprint("api_analytics", __name__)


@bp.get("/devices/<int:device_id>/series")
def device_series(device_id: int):
    """Figures per bucket (`resolution` 15min|hour|day|week|month, or raw readings) from `from` to `to`
    (local dates, inclusive, or RFC 3339 instants; default today)."""
    session = db_session()
    body = series_body(session, api_tenant(), registry.get_device(session, device_id), request.args)
    commit()  # settling may have written rollups
    return jsonify(body)


@bp.get("/devices/<int:device_id>/advice")
def device_advice(device_id: int):
    """Suggested off_below_w / run_above_w from the device's last 7 days of power, with the reason."""
    session = db_session()
    advice = advice_service.advise_device(session, registry.get_device(session, device_id))
    return jsonify(advice_service.advice_json(advice, gettext(advice.reason, **advice.reason_params)))


@bp.get("/overview")
def overview_of_day():
    """Every machine's state now and its figures for a local day (`date`, default today)."""
    session, tenant = db_session(), api_tenant()
    raw = request.args.get("date")
    try:
        day = date.fromisoformat(raw) if raw else local_today(tenant)
    except ValueError:
        abort(400, description="date must be a local date such as 2026-05-04")
    machines = overview.machines_for_day(session, tenant, day)
    commit()  # settling may have written rollups
    rows = [overview.machine_json(m) for m in machines]
    totals = {key: round(sum(r[key] for r in rows), 6)
              for key in ("energy_wh", "cost", "idle_waste_wh", "idle_waste_cost")}
    return jsonify({"date": day.isoformat(), "timezone": tenant.timezone, "currency": tenant.currency,
                    "machines": rows, "totals": totals})


@bp.get("/tariff")
def get_tariff():
    """The company's tariff."""
    return jsonify({**plant.tariff_json(plant.get_tariff(db_session())), "currency": api_tenant().currency})


@bp.put("/tariff")
def put_tariff():
    """Set the price per kWh and optional time-of-use bands."""
    require_write()
    data = json_object()
    tariff = plant.set_tariff(db_session(), data.get("price_per_kwh"), data.get("bands"))
    commit()
    return jsonify({**plant.tariff_json(tariff), "currency": api_tenant().currency})


@bp.get("/shifts")
def get_shifts():
    """The weekly shift calendar."""
    return jsonify({"shifts": _shifts_json(plant.get_shifts(db_session()))})


@bp.put("/shifts")
def put_shifts():
    """Replace the weekly shift calendar (`{"shifts": [{"weekday", "start", "end"}]}`)."""
    require_write()
    calendar = plant.set_shifts(db_session(), json_object().get("shifts"))
    commit()
    return jsonify({"shifts": _shifts_json(calendar)})


def _shifts_json(calendar) -> list[dict]:
    return [{"weekday": s.weekday, "start": s.start, "end": s.end} for s in calendar.shifts]
