"""The tenant API /api/v1: a tenant API key (Bearer) or a logged-in session (with CSRF header)."""
from __future__ import annotations

from flask import Blueprint, abort, g, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from blueprints import api_alerts, api_analytics, api_devices
from tenants import apikeys
from web.api import api_tenant, require_write
from web.auth import SAFE_METHODS, bearer_token, bind_api_key, bind_session_user
from web.auth_failures import note_failed_attempt, refuse_while_guessing
from web.database import commit, db_session
from web.extensions import csrf, limiter

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
NESTED = (api_devices.bp, api_analytics.bp, api_alerts.bp)
for _nested in NESTED:
    bp.register_blueprint(_nested)  # nested: this blueprint's authentication applies to it
API_LIMIT = "600 per minute"


def _api_caller_key() -> str:
    return (bearer_token() or request.remote_addr or "anon")[:16]


limiter.limit(API_LIMIT, key_func=_api_caller_key)(bp)


@bp.before_request
def _authenticate():
    token = bearer_token()
    if token is not None:
        refuse_while_guessing()
        if not bind_api_key(token):
            note_failed_attempt()
            abort(401, description="invalid API key")
        g.api_role = "admin"
        return None
    if current_user.is_authenticated and bind_session_user() is not None:
        if request.method not in SAFE_METHODS:
            try:
                csrf.protect()
            except CSRFError:
                abort(400, description="missing or invalid X-CSRFToken header")
        g.api_role = g.membership.role
        return None
    abort(401, description="send `Authorization: Bearer <API key>` or log in")


def _key_json(key: apikeys.ApiKey) -> dict:
    return {"id": key.id, "name": key.name, "prefix": key.prefix, "created_at": key.created_at.isoformat(),
            "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
            "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None}


@bp.get("/tenant")
def tenant():
    """The caller's company."""
    row = api_tenant()
    return jsonify({"id": row.id, "slug": row.slug, "name": row.name, "country": row.country,
                    "timezone": row.timezone, "currency": row.currency})


@bp.get("/api-keys")
def list_api_keys():
    """The company's API keys (never their secrets)."""
    return jsonify({"api_keys": [_key_json(k) for k in apikeys.list_keys(db_session())]})


@bp.delete("/api-keys/<int:key_id>")
def revoke_api_key(key_id: int):
    """Revoke a key of the company."""
    require_write()
    key = apikeys.revoke_key(db_session(), key_id, current_user.id if current_user.is_authenticated else None)
    commit()
    return jsonify(_key_json(key))
