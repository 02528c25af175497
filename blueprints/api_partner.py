"""The partner API /api/partner/v1: a module acts for one installation with its Bearer token,
within the scopes and devices the tenant consented to."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, abort, g, jsonify, request
from sqlalchemy import func, select

from billing import usage
from marketplace import insights, installations, tokens
from marketplace.models import Module
from marketplace.modules import live_manifest
from services import figures
from telemetry import queries
from telemetry.models import Device
from tenants.clock import local_today, utcnow
from tenants.models import Tenant
from tenants.secrets import hash_secret
from web.api import json_object, page_arg
from web.auth import bearer_token, bind_tenant
from web.auth_failures import note_failed_attempt, refuse_while_guessing
from web.database import commit, db_session
from web.extensions import limiter

bp = Blueprint("api_partner", __name__, url_prefix="/api/partner/v1")
INSTALLATION_LIMIT = "300 per minute"
PAGE = 50


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
    installation = tokens.authenticate(session, token) if token else None
    if installation is None:
        note_failed_attempt()
        abort(401, description="send `Authorization: Bearer <installation token>` of an active installation")
    module = session.get(Module, installation.module_id)
    if module.status != "published":
        abort(403, description="the module is suspended by the platform")
    bind_tenant(installation.tenant_id)
    g.installation, g.module = installation, module
    g.scopes = installations.granted_scopes(installation, module)


def requires_scope(scope: str) -> Callable:
    """A route the installation may call only with `scope` granted (403 otherwise)."""
    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if scope not in g.scopes:
                abort(403, description=f"this installation was not granted the {scope} scope")
            return view(*args, **kwargs)
        return wrapper
    return decorator


def _device_in_scope(device_id: int) -> Device:
    device = db_session().get(Device, device_id) if device_id in g.installation.device_ids else None
    if device is None or device.status == "retired":
        abort(404, description="no such device in this installation")
    return device


def _tenant() -> Tenant:
    return db_session().get(Tenant, g.installation.tenant_id)


@bp.get("/installation")
def installation():
    """The installation: its company, scopes, devices, cap, pricing and this month's reported spend."""
    tenant = _tenant()
    today = local_today(tenant)
    body = installations.installation_json(g.installation, tenant)
    body["scopes"] = sorted(g.scopes)
    return jsonify({**body, "module": g.module.slug, "pricing": live_manifest(g.module).as_json()["pricing"],
                    "usage_this_month_minor": usage.month_spend_minor(db_session(), g.installation.id, today)})


@bp.get("/devices")
@requires_scope("devices:read")
def devices():
    """The devices the company shared with the module, 50 a page, in the tenant API's shape and order."""
    page = page_arg()
    shared = select(Device).where(Device.id.in_(g.installation.device_ids), Device.status != "retired")
    total = db_session().scalar(select(func.count()).select_from(shared.subquery())) or 0
    found = db_session().scalars(shared.order_by(func.lower(Device.name), Device.id)
                                 .offset((page - 1) * PAGE).limit(PAGE))
    return jsonify({"devices": [queries.device_json(d) for d in found], "page": page, "total": total})


@bp.get("/devices/<int:device_id>")
@requires_scope("devices:read")
def device(device_id: int):
    """One shared device."""
    return jsonify(queries.device_json(_device_in_scope(device_id)))


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
    record, created = usage.report_usage(db_session(), g.installation, g.module, _tenant(), json_object())
    commit()
    return jsonify(usage.usage_json(record)), 201 if created else 200


@bp.post("/insights")
@requires_scope("insights:write")
def post_insight():
    """Post a card, alert or report link to the company's overview and notification centre."""
    insight = insights.post_insight(db_session(), g.installation, json_object())
    commit()
    return jsonify(insights.insight_json(insight)), 201
