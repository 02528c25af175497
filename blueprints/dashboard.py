"""The landing page and the dashboard shell."""
from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, url_for
from flask_login import current_user

from marketplace import insights
from telemetry import registry
from tenants import apikeys, team
from web.auth import bind_session_user
from web.database import db_session

bp = Blueprint("dashboard", __name__)
DASHBOARD_INSIGHTS = 5  # newest cards and report links of installed modules


@bp.get("/")
def index():
    """The dashboard of the current company, or the product page for visitors."""
    if not current_user.is_authenticated:
        return render_template("landing.html")
    if bind_session_user() is None:
        return redirect(url_for("account.new_company"))
    session = db_session()
    steps = {
        "verified": current_user.is_verified,
        "team": len(team.members(session)) > 1 or bool(team.pending_invitations(session)),
        "api_key": bool(apikeys.list_keys(session)),
    }
    has_machines = registry.list_devices(session, "active", per_page=1).total > 0
    module_insights = insights.recent_insights(session, ("card", "report"), DASHBOARD_INSIGHTS)
    return render_template("dashboard/index.html", tenant=g.tenant, steps=steps, has_machines=has_machines,
                           module_insights=module_insights)
