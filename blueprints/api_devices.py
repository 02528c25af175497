"""/api/v1/devices and /api/v1/gateway-keys: the device registry for scripts and integrators."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from services import devices, figures
from telemetry import registry
from tenants.clock import utcnow
from web.api import json_object, page_arg, require_write
from web.database import db_session

bp = Blueprint("api_devices", __name__)


@bp.get("/devices")
def list_devices():
    """The company's devices (not retired), or those of one status; 50 a page."""
    return jsonify(devices.devices_json(db_session(), request.args.get("status"), page_arg(), utcnow()))


@bp.post("/devices")
def create_device():
    """Create a device; the answer carries its token, shown only this once."""
    require_write()
    return jsonify(devices.add_device_json(db_session(), json_object(), utcnow())), 201


@bp.get("/devices/<int:device_id>")
def get_device(device_id: int):
    """One device."""
    return jsonify(devices.device_json(db_session(), device_id, utcnow()))


@bp.patch("/devices/<int:device_id>")
def update_device(device_id: int):
    """Change some fields of a device."""
    require_write()
    session, now = db_session(), utcnow()
    devices.device_view(session, device_id, now)  # another tenant's device is 404 whatever the body
    return jsonify(devices.edit_device_json(session, device_id, json_object(), now))


@bp.delete("/devices/<int:device_id>")
def delete_device(device_id: int):
    """Delete a device with its readings."""
    require_write()
    devices.delete_device(db_session(), device_id)
    return "", 204


@bp.post("/devices/<int:device_id>/token")
def rotate_token(device_id: int):
    """Revoke the device's tokens and issue a new one (shown once)."""
    require_write()
    rotated = devices.rotate_token(db_session(), device_id, utcnow())
    return jsonify({"device": device_id, "token": rotated.token}), 201


@bp.post("/devices/<int:device_id>/accept")
def accept_device(device_id: int):
    """Accept a pending device: it becomes active (and billable), its readings shown."""
    return _status(device_id, "active")


@bp.post("/devices/<int:device_id>/retire")
def retire_device(device_id: int):
    """Retire a device: its tokens stop working, its history stays."""
    return _status(device_id, "retired")


@bp.post("/devices/<int:device_id>/reject")
def reject_device(device_id: int):
    """Reject a pending device: it is deleted with the readings it sent."""
    require_write()
    try:
        devices.reject_device(db_session(), device_id)
    except registry.NotPending:
        abort(409, description="only pending devices can be rejected; delete others instead")
    return "", 204


def _status(device_id: int, status: str):
    require_write()
    return jsonify(devices.set_status_json(db_session(), device_id, status, utcnow()))


@bp.get("/devices/<int:device_id>/readings")
def device_readings(device_id: int):
    """Stored readings from `from` to `to` (RFC 3339; default the last 24 h), `limit` a page,
    continuing with `after` = the previous page's `next_after`."""
    session = db_session()
    return jsonify(figures.device_readings(session, registry.get_device(session, device_id), request.args, utcnow()))


@bp.get("/gateway-keys")
def list_gateway_keys():
    """The company's gateway keys (never their secrets)."""
    keys = devices.gateway_keys(db_session())
    return jsonify({"gateway_keys": [_gateway_json(k) for k in keys]})


@bp.post("/gateway-keys")
def create_gateway_key():
    """Create a gateway key that may post for many devices by name (shown once)."""
    require_write()
    data = json_object()
    created = devices.create_gateway_key(db_session(), data.get("name") if isinstance(data.get("name"), str) else "")
    return jsonify({**_gateway_json(created.key), "key": created.secret}), 201


@bp.delete("/gateway-keys/<int:key_id>")
def revoke_gateway_key(key_id: int):
    """Revoke a gateway key at once."""
    require_write()
    key = devices.revoke_gateway_key(db_session(), key_id)
    return jsonify(_gateway_json(key))


def _gateway_json(key) -> dict:
    def iso(value):
        return value.isoformat().replace("+00:00", "Z") if value else None

    return {"id": key.id, "name": key.name, "created_at": iso(key.created_at), "last_used_at": iso(key.last_used_at),
            "revoked_at": iso(key.revoked_at)}
