"""Small request helpers shared by the /api/v1 blueprints."""
from __future__ import annotations

from flask import abort, g, request

from tenants.models import Tenant
from web.database import db_session


def require_write() -> None:
    """Refuse (403) callers whose role is read-only."""
    if g.api_role not in ("owner", "admin"):
        abort(403, description="your role is read-only")


def json_object() -> dict:
    """The request's JSON object body, or a 400 saying what to send."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400, description="send a JSON object (Content-Type: application/json)")
    return data


def api_tenant() -> Tenant:
    """The caller's company (from the API key or the session's membership)."""
    tenant_id = g.api_key.tenant_id if g.get("api_key") else g.membership.tenant_id
    return db_session().get(Tenant, tenant_id)


def page_arg() -> int:
    """The `page` query argument of a paginated API list (400 when it is not a page number)."""
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isdecimal() else 0
    if page < 1 or page > 100000:
        abort(400, description="page must be a positive whole number")
    return page
