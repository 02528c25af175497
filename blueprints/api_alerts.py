"""/api/v1/alerts and /api/v1/alert-settings: the notification centre for scripts and integrators."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request
from flask_login import current_user

from services import alerts as alerts_service
from tenants.clock import utcnow
from web.api import json_object, require_write
from web.database import db_session

bp = Blueprint("api_alerts", __name__)


@bp.get("/alerts")
def list_alerts():
    """Open alerts (`status=open`, the default) or every alert (`status=all`), newest first."""
    return jsonify(alerts_service.alerts_json(db_session(), request.args.get("status", "open")))


@bp.post("/alerts/<int:alert_id>/acknowledge")
def acknowledge(alert_id: int):
    """Acknowledge an alert (every role may); acknowledging twice keeps the first."""
    user_id = current_user.id if g.get("api_key") is None and current_user.is_authenticated else None
    return jsonify(alerts_service.acknowledge_json(db_session(), alert_id, user_id, utcnow()))


def _settings_json(limit) -> dict:
    return {"idle_limit": limit.limit, "idle_unit": limit.unit}


@bp.get("/alert-settings")
def get_settings():
    """The daily idle waste limit per machine (`idle_limit` null: off) and its unit (kwh | money)."""
    return jsonify(_settings_json(alerts_service.idle_limit(db_session())))


@bp.put("/alert-settings")
def put_settings():
    """Set the daily idle waste limit (`{"idle_limit": 2.5, "idle_unit": "kwh"}`; null or 0 turns it off)."""
    require_write()
    data = json_object()
    limit = alerts_service.set_idle_limit(db_session(), data.get("idle_limit"), data.get("idle_unit", "kwh"))
    return jsonify(_settings_json(limit))
