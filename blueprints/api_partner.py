"""The partner API /api/partner/v1: a module acts for one installation with its Bearer token,
within the scopes and devices the tenant consented to."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, abort, g, jsonify, request

from services import figures, partner_api
from telemetry.models import Device
from tenants.clock import utcnow
from tenants.models import Tenant
from tenants.secrets import hash_secret
from web.api import json_object, page_arg
from web.auth import bearer_token, bind_tenant
from web.auth_failures import note_failed_attempt, refuse_while_guessing
from web.database import db_session
from web.extensions import limiter

bp = Blueprint("api_partner", __name__, url_prefix="/api/partner/v1")
INSTALLATION_LIMIT = "300 per minute"
NO_DEVICE = "no such device in this installation"


def _installation_key() -> str:
    # the token's hash names the installation without keeping the token in the limiter's storage
    token = bearer_token()
    return "partner:" + (hash_secret(token)[:24] if token else (request.remote_addr or "anon"))


limiter.limit(INSTALLATION_LIMIT, key_func=_installation_key)(bp)


@bp.before_request
def _authenticate():
    token = bearer_token()
    session = db_session()
    refuse_while_guessing()
    access = partner_api.authenticate(session, token) if token else None
    if access is None:
        note_failed_attempt()
        abort(401, description="send `Authorization: Bearer <installation token>` of an active installation")
    if access.suspended:
        abort(403, description="the module is suspended by the platform")
    bind_tenant(access.installation.tenant_id)
    g.access = access


def requires_scope(scope: str) -> Callable:
    """A route the installation may call only with `scope` granted (403 otherwise)."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if scope not in g.access.scopes:
                abort(403, description=f"this installation was not granted the {scope} scope")
            return view(*args, **kwargs)
        return wrapper
    return decorator


def _device_in_scope(device_id: int) -> Device:
    device = partner_api.shared_device(db_session(), g.access.installation, device_id)
    if device is None:
        abort(404, description=NO_DEVICE)
    return device


def _tenant() -> Tenant:
    return db_session().get(Tenant, g.access.installation.tenant_id)


@bp.get("/installation")
def installation():
    """The installation: its company, scopes, devices, cap, pricing and this month's reported spend."""
    return jsonify(partner_api.installation(db_session(), g.access, utcnow()))


@bp.get("/devices")
@requires_scope("devices:read")
def devices():
    """The devices the company shared with the module, 50 a page, in the tenant API's shape and order."""
    return jsonify(partner_api.devices(db_session(), g.access.installation, page_arg(), utcnow()))


@bp.get("/devices/<int:device_id>")
@requires_scope("devices:read")
def device(device_id: int):
    """One shared device."""
    body = partner_api.device(db_session(), g.access.installation, device_id, utcnow())
    if body is None:
        abort(404, description=NO_DEVICE)
    return jsonify(body)


@bp.get("/devices/<int:device_id>/readings")
@requires_scope("readings:read")
def device_readings(device_id: int):
    """A shared device's readings, as the tenant API answers them."""
    return jsonify(figures.device_readings(db_session(), _device_in_scope(device_id), request.args, utcnow()))


@bp.get("/devices/<int:device_id>/series")
@requires_scope("readings:read")
def device_series(device_id: int):
    """A shared device's figures per bucket, as the tenant API answers them."""
    return jsonify(figures.device_series(db_session(), _tenant(), _device_in_scope(device_id), request.args,
                                         utcnow()))


@bp.post("/usage")
@requires_scope("usage:write")
def report_usage():
    """Report billable units once per idempotency key (201 new, 200 repeated, 402 past the cap)."""
    body, created = partner_api.report_usage(db_session(), g.access, json_object(), utcnow())
    return jsonify(body), 201 if created else 200


@bp.post("/insights")
@requires_scope("insights:write")
def post_insight():
    """Post a card, alert or report link to the company's overview and notification centre."""
    return jsonify(partner_api.post_insight(db_session(), g.access.installation, json_object())), 201
