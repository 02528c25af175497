"""/api/v1 analytics: a device's series, the tariff and the shift calendar."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, g, jsonify, request

from telemetry import overview, plant, queries, registry, series
from tenants.models import Tenant
from web.database import commit, db_session

bp = Blueprint("api_analytics", __name__)


def _tenant() -> Tenant:
    return db_session().get(Tenant, g.api_key.tenant_id if g.get("api_key") else g.membership.tenant_id)


def _write_access() -> None:
    if g.api_role not in ("owner", "admin"):
        abort(403, description="your role is read-only")


def _json_object() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="send a JSON object (Content-Type: application/json)")
    return data


@bp.get("/devices/<int:device_id>/series")
def device_series(device_id: int):
    """Figures per bucket (`resolution` 15min|hour|day|week|month, or raw readings) from `from` to `to`
    (local dates, inclusive, or RFC 3339 instants; default today)."""
    session, tenant = db_session(), _tenant()
    device = registry.get_device(session, device_id)
    zone = ZoneInfo(tenant.timezone)
    today = datetime.now(zone).date().isoformat()
    start = series.parse_bound(request.args.get("from", today), zone, is_end=False)
    end = series.parse_bound(request.args.get("to", request.args.get("from", today)), zone, is_end=True)
    resolution = request.args.get("resolution", "hour")
    head = {"device": device.id, "timezone": tenant.timezone, "currency": tenant.currency, "resolution": resolution}
    if resolution == "raw":
        if end - start > timedelta(days=7):
            abort(400, description="raw readings are served for at most 7 days at a time")
        found = queries.readings_page(session, device.id, start, end, queries.MAX_PAGE)
        return jsonify({**head, "readings": [queries.reading_json(r) for r in found.readings],
                        "truncated": found.next_after is not None})
    period = series.check_period(start, end, resolution, zone)
    buckets = series.device_buckets(session, tenant, device, period, resolution)
    commit()  # settling may have written rollups
    return jsonify({**head, "buckets": [series.bucket_json(b) for b in buckets]})


@bp.get("/overview")
def overview_of_day():
    """Every machine's state now and its figures for a local day (`date`, default today)."""
    session, tenant = db_session(), _tenant()
    zone = ZoneInfo(tenant.timezone)
    raw = request.args.get("date")
    try:
        day = date.fromisoformat(raw) if raw else datetime.now(zone).date()
    except ValueError:
        abort(400, description="date must be a local date such as 2026-05-04")
    machines = overview.machines_for_day(session, tenant, day)
    commit()  # settling may have written rollups
    rows = [overview.machine_json(m) for m in machines]
    totals = {key: round(sum(r[key] for r in rows), 6) for key in ("energy_wh", "cost", "idle_waste_wh", "idle_waste_cost")}
    return jsonify({"date": day.isoformat(), "timezone": tenant.timezone, "currency": tenant.currency,
                    "machines": rows, "totals": totals})


@bp.get("/tariff")
def get_tariff():
    """The company's tariff."""
    return jsonify({**plant.tariff_json(plant.get_tariff(db_session())), "currency": _tenant().currency})


@bp.put("/tariff")
def put_tariff():
    """Set the price per kWh and optional time-of-use bands."""
    _write_access()
    data = _json_object()
    tariff = plant.set_tariff(db_session(), data.get("price_per_kwh"), data.get("bands"))
    commit()
    return jsonify({**plant.tariff_json(tariff), "currency": _tenant().currency})


@bp.get("/shifts")
def get_shifts():
    """The weekly shift calendar."""
    return jsonify({"shifts": _shifts_json(plant.get_shifts(db_session()))})


@bp.put("/shifts")
def put_shifts():
    """Replace the weekly shift calendar (`{"shifts": [{"weekday", "start", "end"}]}`)."""
    _write_access()
    calendar = plant.set_shifts(db_session(), _json_object().get("shifts"))
    commit()
    return jsonify({"shifts": _shifts_json(calendar)})


def _shifts_json(calendar) -> list[dict]:
    return [{"weekday": s.weekday, "start": s.start, "end": s.end} for s in calendar.shifts]
